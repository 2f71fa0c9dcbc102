from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateField
from rights.models import CaseRight


class CaseRightForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseRight.Status.choices, widget=forms.RadioSelect)
    offered_on = DateField(label=_("Offered on"), required=False)
    delivered_on = DateField(label=_("Delivered on"), required=False)
    declined_on = DateField(label=_("Declined on"), required=False)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("Who delivers it, or why it is missing.")
    )

    def __init__(self, *args: object, can_decline: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not can_decline:
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                choice for choice in CaseRight.Status.choices if choice[0] != CaseRight.Status.DECLINED
            ]
            del self.fields["declined_on"]


class GapForm(forms.Form):
    days = forms.IntegerField(
        label=_("Missing for more than (days)"), min_value=0, max_value=3650, initial=14, required=False
    )
