from django import forms


class MarkReadForm(forms.Form):
    """One notification by id, or — without one — all of them."""

    notification = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
