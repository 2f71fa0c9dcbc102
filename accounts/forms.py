from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ApiToken

LIFETIMES = ApiToken.LIFETIME_CHOICES_DAYS


def _lifetime_choices() -> list[tuple[int, str]]:
    # A callable, so that the labels are translated when the form is shown, in the user's language.
    return [
        (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
        for days in ApiToken.LIFETIME_CHOICES_DAYS
    ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example the program that will use it."),
        error_messages={"required": _("Give the token a name.")},
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=_lifetime_choices,
        initial=ApiToken.DEFAULT_LIFETIME_DAYS,
        help_text=_("The token stops working by itself after this time. Create a new one when it expires."),
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class RevokeApiTokenForm(forms.Form):
    token = forms.IntegerField(widget=forms.HiddenInput)


class LogOutEverywhereForm(forms.Form):
    revoke_api_tokens = forms.BooleanField(
        label=_("Also revoke my API tokens"),
        required=False,
        initial=True,
        help_text=_(
            "Programs using them can then no longer reach Vern. Untick this only if you are sure no key leaked."
        ),
    )
