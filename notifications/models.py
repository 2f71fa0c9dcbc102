from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from organisations.models import Organisation


class Notification(models.Model):
    """A message to one member about a case (or their organisation): shown in Vern, and sent once by e-mail.

    It names the case by its pseudonym code and says what kind of message it is;
    it never holds personal data. `dedupe_key` names the event and the recipient,
    so the same reminder is never made twice however often the job runs.
    """

    class Kind(models.TextChoices):
        DEADLINE_DUE_SOON = "deadline_due_soon", _("A deadline is due within 24 hours")
        DEADLINE_OVERDUE = "deadline_overdue", _("A deadline is overdue")
        MISSING_CHILD = "missing_child", _("Missing-child alert")
        POLICE_NOTIFIED = "police_notified", _("A missing child has been reported to the police")
        CHILD_FOUND = "child_found", _("A missing child has been found")
        REFERRAL = "referral", _("Referral")
        HANDOVER = "handover", _("Hand-over")
        STEP_WITHOUT_RESPONSIBLE = "step_without_responsible", _("A step of the chain has no one responsible")
        GLASS_BROKEN_IN_OWN_CASE = (
            "glass_broken_in_own_case",
            _("A case your organisation protected was opened by breaking the glass"),
        )
        GLASS_BROKEN_BY_MEMBER = (
            "glass_broken_by_member",
            _("A member of your organisation broke the glass of a protected case"),
        )
        # About the organisation, not a case: no case.
        LOG_REVIEW_DUE = "log_review_due", _("The access log is due for its monthly review")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent: the recipient is no longer a member")
        FAILED = "failed", _("Sending failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The membership the notification concerns: shown only while the recipient acts in this organisation.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # None for a message about the organisation itself (the monthly log review).
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    link_path = models.CharField(max_length=300)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    # A sender claims the e-mail before sending it (notifications.services.send_pending_emails).
    email_claim = models.CharField(max_length=32, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "organisation", "read_at"], name="notification_unread"),
            models.Index(
                fields=["email_claimed_at"],
                condition=models.Q(email_status="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.kind}"
