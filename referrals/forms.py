from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, FieldGroup
from chain.models import CaseStep
from core.forms import SubmissionKeyField
from referrals.services import Ground
from sharing.forms import PartnerField
from sharing.models import Consent, LegalBasis
from sharing.partners import partners_of

CONSENT, LEGAL_BASIS = "consent", "legal_basis"


class ReferralForm(forms.Form):
    """Refer a case (or hand it over): to whom, for what, and on which ground the information goes with it."""

    to = PartnerField(label=_("Refer to"), empty_label=_("Choose"))
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        help_text=_("What the receiver is asked to do. Do not write the person's name."),
    )
    field_groups = forms.MultipleChoiceField(
        label=_("Information that goes with the referral"),
        choices=FieldGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the purpose needs. The step's usual needs are chosen in advance."),
        error_messages={"required": _("Choose at least one kind of information to share.")},
    )
    ground = forms.ChoiceField(
        label=_("Ground for sharing"),
        choices=[(CONSENT, _("The person consents")), (LEGAL_BASIS, _("A legal basis, without consent"))],
        widget=forms.RadioSelect,
    )
    consent_form = forms.ChoiceField(
        label=_("Form of consent"), choices=Consent.Form.choices, widget=forms.RadioSelect, required=False
    )
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis"),
        queryset=LegalBasis.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        required=False,
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Why the law allows or requires sharing here. Do not write the person's name."),
    )
    person_informed = forms.BooleanField(label=_("The person has been told about the sharing"), required=False)
    precondition_reason = forms.CharField(
        label=_("Reason for sending it now"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Only if the step's precondition is not met yet. The reason is shown on the case's timeline. "
            "Do not write the person's name."
        ),
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args: Any, case: Case, case_step: CaseStep | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case_step is None or not case_step.step.precondition:
            del self.fields["precondition_reason"]
        organisations = partners_of(case)
        if case_step is not None:
            step = case_step.step
            organisations = (
                organisations.filter(pk=step.responsible_organisation_id)
                if step.responsible_organisation_id
                else organisations.filter(kind=step.responsible_kind)
            )
            if not self.is_bound:
                self.initial["field_groups"] = step.field_groups
        self.fields["to"].queryset = organisations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ground") == CONSENT and not data.get("consent_form"):
            self.add_error("consent_form", _("Say whether the consent was written or oral."))
        if data.get("ground") == LEGAL_BASIS:
            if not data.get("legal_basis"):
                self.add_error("legal_basis", _("Choose the legal basis."))
            if not (data.get("justification") or "").strip():
                self.add_error("justification", _("A sharing without consent needs a written justification."))
        return data

    def reason_to_send_now(self) -> str:
        return str(self.cleaned_data.get("precondition_reason") or "")

    def sharing_ground(self) -> Ground:
        data = self.cleaned_data
        if data["ground"] == LEGAL_BASIS:
            return Ground(
                legal_basis=data["legal_basis"],
                justification=data["justification"],
                person_informed=data["person_informed"],
                informed_on=timezone.localdate() if data["person_informed"] else None,
            )
        return Ground(consent_form=data["consent_form"])


class HandOverForm(ReferralForm):
    """A hand-over takes the information the sender chooses — the step's needs chosen in advance, never all by
    default — and is confirmed on a page that lists exactly what goes (referrals.views.hand_over)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].label = _("Hand over to")
        groups = self.fields["field_groups"]
        groups.label = _("Information that goes with the hand-over")
        groups.help_text = _(
            "Only what the receiver needs: the step's needs are chosen in advance. "
            "The receiver will not read what you leave out, not even once it owns the case."
        )
        groups.error_messages["required"] = _("Choose at least one kind of information to send.")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The sender sees this. Do not write the person's name."),
    )
