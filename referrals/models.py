from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from chain.models import CaseStep
from core.submission import submission_key_field
from organisations.models import Organisation
from sharing.models import Consent, Disclosure


class Referral(models.Model):
    """A case sent from one organisation to another, for a step or for the whole responsibility.

    A referral shares the field groups its purpose needs (by consent or legal
    basis, through the sharing app) and asks the receiver to take a step; a
    hand-over asks it to take over the case. Nothing moves until the receiver
    accepts: until then the sender stays responsible.
    """

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        HANDOVER = "handover", _("Hand-over of the whole responsibility")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REFERRAL)
    case_step = models.ForeignKey(
        CaseStep, verbose_name=_("step"), on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_sent")
    to_organisation = models.ForeignKey(
        Organisation, verbose_name=_("to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    field_groups = models.JSONField(_("information shared"))
    consent = models.ForeignKey(Consent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    disclosure = models.ForeignKey(Disclosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Why it was sent although the step's precondition (ChainStep.precondition) did not hold; on the timeline.
    precondition_reason = models.CharField(_("why it is sent without the precondition"), max_length=300, blank=True)
    # After an accepted hand-over, when the sender asked the new owner for continued access by consent.
    continued_access_asked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    answer = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The rendered form that made it (core.submission): sending that form again returns this record.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["to_organisation", "status"], name="referral_inbox"),
            models.Index(fields=["from_organisation", "-created_at"], name="referral_outbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_organisation", "kind"],
                condition=models.Q(status="pending"),
                name="one_pending_referral_per_receiver",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_organisation} ({self.kind}, {self.status})"
