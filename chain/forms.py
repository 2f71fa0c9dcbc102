from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chain.models import DeadlineRule


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


class BoardForm(forms.Form):
    mine = forms.BooleanField(label=_("Only my deadlines"), required=False)
