from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateField
from log_review.models import NOTE_HELP_TEXT, ReviewedFlag
from log_review.services import OSLO


def a_month_ago() -> date:
    return timezone.localdate() - timedelta(days=30)


class ReviewPeriodForm(forms.Form):
    since = DateField(label=_("From"), initial=a_month_ago)
    until = DateField(label=_("To and including"), initial=timezone.localdate)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned

    def period(self) -> tuple[datetime, datetime]:
        """The chosen days as moments, Norwegian time: from the first day's start to the end of the last."""
        since = datetime.combine(self.cleaned_data["since"], time.min, tzinfo=OSLO)
        until = datetime.combine(self.cleaned_data["until"] + timedelta(days=1), time.min, tzinfo=OSLO)
        return since, until


def period_form(data: object) -> ReviewPeriodForm:
    """The period asked for, or the last 30 days."""
    return ReviewPeriodForm(data or {"since": a_month_ago(), "until": timezone.localdate()})  # type: ignore[arg-type]


class ReviewedFlagForm(forms.Form):
    key = forms.CharField(max_length=200, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=ReviewedFlag.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the review found.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NOTE_HELP_TEXT,
    )
