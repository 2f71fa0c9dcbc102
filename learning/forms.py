from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chain.access import COORDINATING_ROLES
from chain.models import ChainStep
from core.i18n import interpolate_lazy
from learning.models import Escalation
from meetings.forms import NO_PERSONAL_DATA, FindingCategoryChoiceField, MemberChoiceField
from meetings.models import Finding, FindingCategory
from organisations.models import Membership, Municipality, Organisation

ABOUT_THE_SYSTEM = interpolate_lazy(_("About the system, not about a person. %(warning)s"), warning=NO_PERSONAL_DATA)


def _or_any(label: Any, choices: Any) -> list[tuple[str, Any]]:
    """Filter choices, with an empty first choice meaning "any"."""
    return [("", label), *choices]


class LearningLogForm(forms.Form):
    text = forms.CharField(label=_("Words in the finding"), required=False, max_length=200)
    category = FindingCategoryChoiceField(
        label=_("Category"), queryset=FindingCategory.objects.all(), required=False, empty_label=_("All categories")
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("All municipalities"),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=_or_any(_("Worked or went wrong"), Finding.Outcome.choices), required=False
    )


class EscalationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_or_any(_("Any status"), Escalation.Status.choices), required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=_or_any(_("Any level"), Escalation.Level.choices), required=False
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("All municipalities"),
    )


class OwnerFields(forms.Form):
    """The owner of an escalation: an organisation, and optionally one of its coordinators or admins."""

    owner_organisation = forms.ModelChoiceField(
        label=_("Owner organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )
    owner = MemberChoiceField(
        label=_("Owner"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody named yet"),
        help_text=_("A coordinator or admin of the owner organisation."),
    )

    def __init__(self, *args: Any, owners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(organisation__in=owners, role__in=COORDINATING_ROLES)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__first_name", "user__last_name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member, organisation = data.get("owner"), data.get("owner_organisation")
        if member is not None and organisation is not None and member.organisation_id != organisation.pk:
            self.add_error("owner", _("Choose a coordinator or admin of the owner organisation, or nobody."))
        return data

    def owner_user(self) -> Any:
        member = self.cleaned_data["owner"]
        return member.user if member else None


class RaiseEscalationForm(OwnerFields):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    title = forms.CharField(
        label=_("Problem"), max_length=200, help_text=_("For example: no suitable housing for months.")
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=interpolate_lazy(
            _("What is wrong, since when, and what decision is needed. %(about)s"), about=ABOUT_THE_SYSTEM
        ),
    )
    level = forms.ChoiceField(
        label=_("Who must decide"), choices=Escalation.Level.choices, widget=forms.RadioSelect, initial="municipality"
    )
    field_order = ["municipality", "title", "description", "level", "owner_organisation", "owner"]

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
            pk__in=[municipality.pk for municipality in municipalities]
        )


class ChangeEscalationForm(OwnerFields):
    status = forms.ChoiceField(label=_("Status"), choices=Escalation.Status.choices, widget=forms.RadioSelect)
    level = forms.ChoiceField(label=_("Who must decide"), choices=Escalation.Level.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=interpolate_lazy(
            _("What happened or was decided, and by whom. %(warning)s"), warning=NO_PERSONAL_DATA
        ),
    )
    field_order = ["status", "level", "owner_organisation", "owner", "note"]


def step_choices(municipalities: list[Municipality]) -> list[tuple[str, Any]]:
    """The chain steps a routine can belong to: each step code once, named by its step in the newest template."""
    steps = (
        ChainStep.objects.filter(template__municipality__in=municipalities)
        .select_related("template__municipality")
        .order_by("template__municipality__name", "template__track", "-template__version", "order")
    )
    choices: dict[str, str] = {}
    for step in steps:
        choices.setdefault(step.code, f"{step.title} ({step.template.municipality.name})")
    return _or_any(_("No particular step"), choices.items())


class RoutineForm(forms.Form):
    title = forms.CharField(
        label=_("Situation"), max_length=200, help_text=_("For example: a child is found at night.")
    )
    step_code = forms.ChoiceField(label=_("Chain step"), required=False)
    body = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=interpolate_lazy(_("One thing to do per line, in order. %(warning)s"), warning=NO_PERSONAL_DATA),
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step_code"].choices = step_choices(municipalities)  # type: ignore[attr-defined]


class NewRoutineForm(RoutineForm):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    field_order = ["municipality", "title", "step_code", "body"]

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, municipalities=municipalities, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
            pk__in=[municipality.pk for municipality in municipalities]
        )


class ReviseRoutineForm(RoutineForm):
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
