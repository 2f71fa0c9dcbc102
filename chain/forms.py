from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chain.models import CaseChain, Deadline, DeadlineRule
from core.forms import DateField
from organisations.models import Municipality, Organisation


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class DeadlineForm(forms.Form):
    rule = forms.ModelChoiceField(label=_("Deadline"), queryset=DeadlineRule.objects.all(), widget=forms.RadioSelect)
    start = forms.DateTimeField(
        label=_("Counted from"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
    )

    def clean_start(self) -> datetime:
        start: datetime = self.cleaned_data["start"]
        if start > timezone.now() + timedelta(days=366):
            raise forms.ValidationError(_("The start is more than a year ahead."))
        return start


class CompleteDeadlineForm(forms.Form):
    """Marking a deadline done; for a rule that asks for it (the 14-day cycle), who confirmed it and when."""

    confirmed_by = forms.ChoiceField(
        choices=Deadline.ConfirmedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who confirmed it.")},
    )
    confirmed_at = forms.DateTimeField(
        label=_("When it was confirmed"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
        error_messages={
            "required": _("Give the date it was confirmed."),
            "invalid": _("Give the date and time as day, month, year and hour."),
        },
    )

    def __init__(self, *args: Any, rule: DeadlineRule | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rule is None or not rule.confirms_en:
            del self.fields["confirmed_by"], self.fields["confirmed_at"]
        else:
            self.fields["confirmed_by"].label = _("Who confirmed %(what)s?") % {"what": rule.confirms}

    @property
    def asks_confirmation(self) -> bool:
        return "confirmed_by" in self.fields


class BoardForm(forms.Form):
    mine = forms.BooleanField(label=_("Only my deadlines"), required=False)


class FinishStepForm(forms.Form):
    at = forms.DateTimeField(
        label=_("When"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
        help_text=_("For a decision, the date of the decision: deadlines are counted from it."),
    )
    skip = forms.BooleanField(label=_("Skipped: this step does not apply to the case"), required=False)


class EndCaseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the case ended"), choices=CaseChain.EndReason.choices, widget=forms.RadioSelect
    )


class OverviewForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
            pk__in=[municipality.pk for municipality in municipalities]
        )


class DecisionForm(forms.Form):
    decided_on = DateField(label=_("Date of the decision"), help_text=_("The day it happened, not today's date."))
    correction_reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Only when you correct a date already recorded. Write no personal data."),
    )

    def __init__(self, *args: Any, correcting: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not correcting:
            del self.fields["correction_reason"]


class ChooseResponsibleForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        error_messages={
            "required": _("Choose the organisation that is to be responsible."),
            "invalid_choice": _("Choose one of the organisations offered."),
        },
    )
