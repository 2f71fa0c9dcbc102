from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chain.forms import DateTimeInput
from placements.models import Absconding, Placement, default_alert_hours

MAX_ALERT_HOURS = 14 * 24


def now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class WhenField(forms.DateTimeField):
    """A local date and time from the browser's own picker, in Europe/Oslo."""

    widget = DateTimeInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%dT%H:%M"], initial=now_to_the_minute, **kwargs)


class StartPlacementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of placement"), choices=Placement.Kind.choices, widget=forms.RadioSelect)
    started_at = WhenField(label=_("Placed at"))
    alert_after_hours = forms.IntegerField(
        label=_("Alert after this many hours without contact"),
        min_value=1,
        max_value=MAX_ALERT_HOURS,
        initial=default_alert_hours,
        help_text=_("Vern raises a missing-child alert when no contact is recorded for this long."),
    )


class ContactForm(forms.Form):
    at = WhenField(label=_("When"))
    contact_made = forms.BooleanField(label=_("We had contact with the child"), required=False)
    whereabouts_known = forms.BooleanField(label=_("We know where the child is"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("contact_made") or cleaned.get("whereabouts_known")):
            raise forms.ValidationError(_("Tick that there was contact, that you know where the child is, or both."))
        return cleaned


class AbscondingForm(forms.Form):
    at = WhenField(label=_("When did the child go missing"))
    how = forms.ChoiceField(label=_("What happened"), choices=Absconding.How.choices, widget=forms.RadioSelect)


class WhenForm(forms.Form):
    """The time something happened: the placement ended, or the missing child was found."""

    at = WhenField(label=_("When"))
