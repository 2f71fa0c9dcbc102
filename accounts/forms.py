from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example the program that will use it."),
        error_messages={"required": _("Give the token a name.")},
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class RevokeApiTokenForm(forms.Form):
    token = forms.IntegerField(widget=forms.HiddenInput)
