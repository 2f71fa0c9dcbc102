"""What each field group holds: the forms that validate it, and the labels shown.

Values are stored as JSON (dates as ISO strings) and encrypted per group.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.no import fodselsnummer

from cases.models import FieldGroup
from cases.nationality import country_choices, country_code
from core.forms import DateField

OLDEST_AGE = 120


class GroupForm(forms.Form):
    """A field group's form; `cleaned_json()` gives what is encrypted and stored."""

    def cleaned_json(self) -> dict[str, Any]:
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.cleaned_data.items()
            if value not in (None, "", [])
        }

    @classmethod
    def initial_from(cls, stored: dict[str, Any]) -> dict[str, Any]:
        return {name: stored[name] for name in cls.base_fields if name in stored}


def not_in_future(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))


def nationality_choices() -> list[tuple[str, Any]]:
    return [("", _("Not known")), *country_choices()]


# The same answers, and values, as the screening's question (screening.models.Screening.PossiblyMinor).
POSSIBLY_MINOR_CHOICES = [
    ("", _("Not known")),
    ("no", _("No, the person is an adult")),
    ("yes", _("Yes, the person may be under 18")),
    ("unknown_with_reason", _("Age unknown, but there is reason to believe under 18")),
    ("unknown", _("Age unknown, nothing suggests under 18")),
]
YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]

# The forms of exploitation are the screening catalogue's (versioned data in an app above cases): the screening
# app registers how to list them when it is ready (screening.apps), so that cases need not import it.
_exploitation_forms: list[Callable[[], list[tuple[str, Any]]]] = []


def register_exploitation_forms(provider: Callable[[], list[tuple[str, Any]]]) -> None:
    _exploitation_forms[:] = [provider]


def exploitation_form_choices() -> list[tuple[str, Any]]:
    return _exploitation_forms[0]() if _exploitation_forms else []


class IdentityForm(GroupForm):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    aliases = forms.CharField(label=_("Other names and aliases"), max_length=300, required=False)
    birth_date = DateField(label=_("Date of birth"), required=False, validators=[not_in_future])
    estimated_age = forms.IntegerField(
        label=_("Estimated age"),
        required=False,
        min_value=0,
        max_value=OLDEST_AGE,
        help_text=_("When the date of birth is not known."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Not known")), ("female", _("Female")), ("male", _("Male")), ("other", _("Other"))],
    )
    possibly_minor = forms.ChoiceField(
        label=_("Might the person be under 18?"), required=False, choices=POSSIBLY_MINOR_CHOICES
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        required=False,
        choices=nationality_choices,
        error_messages={"invalid_choice": _("“%(value)s” is not a country in the list. Choose one, or “Not known”.")},
    )
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    interpreter_needed = forms.ChoiceField(label=_("Interpreter needed"), required=False, choices=YES_NO_UNKNOWN)
    interpreter_language = forms.CharField(label=_("Language for the interpreter"), max_length=60, required=False)
    documents = forms.CharField(label=_("Identity documents"), max_length=300, required=False)
    national_id = forms.CharField(
        label=_("National identity number or D-number"),
        max_length=13,
        required=False,
        help_text=_("Eleven digits."),
    )
    udi_case_number = forms.CharField(label=_("UDI case number"), max_length=30, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recorded = self.initial.get("nationality", "")
        if recorded and not country_code(recorded):
            # Free text from before nationality was a list, and no country's name: shown as it was, so nobody
            # loses it unseen; saving it asks for a country instead.
            field = cast(forms.ChoiceField, self.fields["nationality"])
            field.choices = [(recorded, recorded), *nationality_choices()]

    @classmethod
    def initial_from(cls, stored: dict[str, Any]) -> dict[str, Any]:
        """A nationality stored as a country's name (before it was a list) becomes its code, so saving keeps it."""
        initial = super().initial_from(stored)
        if initial.get("nationality"):
            initial["nationality"] = country_code(initial["nationality"]) or initial["nationality"]
        return initial

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].replace(" ", "")
        if value:
            try:
                value = fodselsnummer.validate(value)
            except StdnumValidationError:
                raise ValidationError(_("This is not a valid national identity number or D-number.")) from None
        return value

    def clean_birth_date(self) -> date | None:
        value: date | None = self.cleaned_data["birth_date"]
        if value and value.year < timezone.localdate().year - OLDEST_AGE:
            raise ValidationError(_("The date of birth gives an impossible age."))
        return value


class ContactForm(GroupForm):
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    placement_location = forms.CharField(label=_("Placement or housing"), max_length=300, required=False)


class HealthForm(GroupForm):
    pregnant = forms.ChoiceField(
        label=_("Pregnant"),
        required=False,
        choices=[("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))],
    )
    due_date = DateField(label=_("Due date"), required=False)
    needs = forms.CharField(label=_("Health needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


# Where an application for a permit stands; the stored values are what national statistics count.
APPLICATION_CHOICES = [
    ("", _("Not applied for, or not known")),
    ("applied", _("Applied for, pending")),
    ("granted", _("Granted")),
    ("refused", _("Refused")),
]
NOT_AN_ANSWER = {"invalid_choice": _("Choose one of the answers in the list.")}


class ImmigrationForm(GroupForm):
    reflection_period = forms.ChoiceField(
        label=_("Reflection period"),
        required=False,
        choices=APPLICATION_CHOICES,
        error_messages=NOT_AN_ANSWER,
        help_text=_(
            "Temporary residence permit for six months, not renewable, for a presumed victim: "
            "utlendingsloven § 38 and utlendingsforskriften § 8-3 first paragraph."
        ),
    )
    temporary_residence = forms.ChoiceField(
        label=_("Temporary residence as a victim"),
        required=False,
        choices=APPLICATION_CHOICES,
        error_messages=NOT_AN_ANSWER,
        help_text=_(
            "Temporary residence permit of up to one year, renewable, while the police need the person in Norway "
            "for an investigation or prosecution: utlendingsforskriften § 8-3 second paragraph "
            "(utlendingsloven § 38)."
        ),
    )
    asylum = forms.ChoiceField(
        label=_("Asylum"),
        required=False,
        choices=APPLICATION_CHOICES,
        error_messages=NOT_AN_ANSWER,
        help_text=_(
            "Application for protection (asylum): utlendingsloven § 28. Once applied for, the case can be handed "
            "over to state reception (utlendingsloven § 95)."
        ),
    )
    status = forms.CharField(label=_("Current status"), max_length=200, required=False)
    applications = forms.CharField(
        label=_("Applications and decisions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CriminalCaseForm(GroupForm):
    exploitation_forms = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        required=False,
        choices=exploitation_form_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the person was exploited for (straffeloven § 257)."),
    )
    reported_on = DateField(label=_("Reported to the police on"), required=False, validators=[not_in_future])
    police_district = forms.CharField(label=_("Police district"), max_length=100, required=False)
    status = forms.CharField(label=_("Investigation status"), max_length=200, required=False)
    testimony = forms.CharField(label=_("Testimony"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class FamilyForm(GroupForm):
    children_with_them = forms.IntegerField(
        label=_("Children with them in Norway"), required=False, min_value=0, max_value=20
    )
    notes = forms.CharField(label=_("Family situation"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


GROUP_FORMS: dict[str, type[GroupForm]] = {
    FieldGroup.IDENTITY: IdentityForm,
    FieldGroup.CONTACT: ContactForm,
    FieldGroup.HEALTH: HealthForm,
    FieldGroup.IMMIGRATION: ImmigrationForm,
    FieldGroup.CRIMINAL_CASE: CriminalCaseForm,
    FieldGroup.FAMILY: FamilyForm,
}


def display_rows(group: str, stored: dict[str, Any]) -> list[tuple[str, Any]]:
    """Label and value of each filled field, in form order, for the case page."""
    form_class = GROUP_FORMS[group]
    values = form_class.initial_from(stored)  # as the form shows them: a nationality's name becomes its code
    rows = []
    for name, field in form_class.base_fields.items():
        if name in values:
            value = values[name]
            choices = dict(getattr(field, "choices", []) or [])
            if isinstance(value, list):
                value = ", ".join(str(choices.get(item, item)) for item in value)
            else:
                value = choices.get(value, value)
            rows.append((str(field.label), value))
    return rows
