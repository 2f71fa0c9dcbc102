from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, FieldGroup
from core.forms import DateField, SubmissionKeyField
from core.text import validate_real_reason
from organisations.forms import ByKind
from organisations.models import Organisation
from sharing.models import Consent, LegalBasis
from sharing.partners import partners_of


class PartnerField(forms.ModelChoiceField):
    """An organisation the case may go to (`sharing.partners`), grouped by kind; another one is refused."""

    iterator = ByKind
    default_error_messages = {
        "invalid_choice": _(
            "This organisation cannot receive the case: it is neither in the case's municipality nor a body "
            "with a role in its track. Choose one from the list."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Organisation.objects.none(), **kwargs)

    def offer_for(self, case: Case) -> None:
        self.queryset = partners_of(case)


class SharingForm(forms.Form):
    organisation = PartnerField(label=_("Share with"), empty_label=_("Choose an organisation"))
    field_groups = forms.MultipleChoiceField(
        label=_("Information to share"),
        choices=FieldGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of information to share.")},
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field: PartnerField = self.fields["organisation"]  # type: ignore[assignment]
        field.offer_for(case)


class ConsentForm(SharingForm):
    purpose = forms.CharField(
        label=_("Purpose"), max_length=300, help_text=_("What the organisation may use the information for.")
    )
    form = forms.ChoiceField(label=_("Form of consent"), choices=Consent.Form.choices, widget=forms.RadioSelect)
    given_on = DateField(label=_("Given on"), initial=timezone.localdate)
    expires_on = DateField(label=_("Expires on"), required=False, help_text=_("Leave empty if it does not expire."))


class DisclosureForm(SharingForm):
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis"), queryset=LegalBasis.objects.filter(is_active=True), widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_real_reason],
        help_text=_("Why the law allows or requires sharing here. Do not write the person's name."),
    )
    person_informed = forms.BooleanField(label=_("The person has been told about the sharing"), required=False)
    informed_on = DateField(label=_("Told on"), required=False)
