from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateField


def a_week_ago() -> object:
    return timezone.localdate() - timedelta(days=7)


class ReviewPeriodForm(forms.Form):
    since = DateField(label=_("From"), initial=a_week_ago)
    until = DateField(label=_("To and including"), initial=timezone.localdate)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned
