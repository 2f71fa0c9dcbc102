from django import forms
from django.utils.translation import gettext_lazy as _

from disclosure.kanonymity import K

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a year of 100,000 encoded persons is about 20 MB


class UploadForm(forms.Form):
    organisation_name = forms.CharField(
        label=_("Organisation that sent the file"),
        max_length=200,
        help_text=_("For example: Politiet, Kripos; UDI; an NGO with its own records."),
    )
    file = forms.FileField(label=_("Encoded file"), help_text=_("The file `vern encode` wrote (CSV)."))

    def clean_file(self) -> forms.Field:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it by year."))
        return upload


class HtcdsForm(forms.Form):
    k = forms.IntegerField(
        label=_("k: every released record is shared by at least this many persons"),
        min_value=2,
        max_value=100,
        initial=K,
    )
