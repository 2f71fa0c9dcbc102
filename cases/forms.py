from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import Case
from core.forms import DateField
from organisations.models import Municipality


class CreateCaseForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality responsible for assistance"),
        queryset=Municipality.objects.order_by("name"),
        help_text=_("The municipality where the person stays. It gives the case code its prefix."),
    )


class FindCaseForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    birth_date = DateField(label=_("Date of birth"), required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("name") and not cleaned.get("birth_date"):
            raise forms.ValidationError(_("Give a name, a date of birth or both."))
        return cleaned


class VersionForm(forms.Form):
    """Carries the case version the user opened, to refuse saving over someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ProtectForm(forms.Form):
    protected = forms.BooleanField(label=_("The person is under high threat: protect the case"), required=False)
    named_users = forms.ModelMultipleChoiceField(
        label=_("Who may open the case"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everybody else must break the glass, with a reason, to open it."),
    )

    def __init__(self, *args: object, members: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["named_users"].queryset = members  # type: ignore[attr-defined]


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open this case now?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reason is logged and your organisation's administrators are told at once."),
    )


class ChangeTrackForm(forms.Form):
    track = forms.ChoiceField(label=_("Track"), choices=Case.Track.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the result of an age assessment. Do not write the person's name."),
    )
