from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a year of 100,000 encoded persons is about 20 MB


class UploadForm(forms.Form):
    organisation_name = forms.CharField(
        label=_("Organisation that sent the file"),
        max_length=200,
        help_text=_("For example: Politiet, Kripos; UDI; an NGO with its own records."),
    )
    file = forms.FileField(label=_("Encoded file"), help_text=_("The file Vern's encoding program wrote (CSV)."))

    def clean_file(self) -> forms.Field:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it by year."))
        return upload


class HtcdsForm(forms.Form):
    """k of the release: left out, the default; below the floor in settings, refused."""

    k = forms.IntegerField(
        label=_("k: every released record is shared by at least this many persons"),
        required=False,
        max_value=100,
        error_messages={"min_value": _("k must be at least %(limit_value)s: a smaller k can single persons out.")},
    )

    def __init__(self, *args: Any, default_k: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The floor is read when the form is made, so that a test or a deployment can change it.
        floor = settings.VERN_STATISTICS_MIN_K
        field = self.fields["k"]
        field.initial = default_k
        field.validators.append(MinValueValidator(floor, message=field.error_messages["min_value"]))
        field.widget.attrs["min"] = floor
        self.default_k = default_k

    def clean_k(self) -> int:
        return self.cleaned_data["k"] or self.default_k
