from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership, Organisation

ASSIGNABLE_ROLES = [(value, label) for value, label in Membership.Role.choices if value != Membership.Role.SYSTEM_ADMIN]


class ChooseOrganisationForm(forms.Form):
    membership = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an organisation.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, memberships: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.organisation.name} – {m.get_role_display()}") for m in memberships
        ]

    def chosen(self) -> Membership:
        return self.memberships[self.cleaned_data["membership"]]


class AddMemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=ASSIGNABLE_ROLES)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ASSIGNABLE_ROLES)


class TimeInput(forms.TimeInput):
    """The browser's own time picker, hours and minutes."""

    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class WorkingHoursForm(forms.ModelForm):
    """The organisation's own working hours, which the log review measures reads against."""

    class Meta:
        model = Organisation
        fields = ["works_around_the_clock", "works_from", "works_until", "works_weekends"]
        widgets = {"works_from": TimeInput(), "works_until": TimeInput()}

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("works_around_the_clock") and cleaned.get("works_from") == cleaned.get("works_until"):
            raise forms.ValidationError(_("The working day must start and end at different times."))
        return cleaned
