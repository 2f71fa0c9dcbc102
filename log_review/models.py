from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation

NOTE_HELP_TEXT = _("What you found or did. Write no personal data: name the case by its code.")


class ReviewedFlag(models.Model):
    """A reviewer's conclusion on one flag of the log review.

    Flags are computed from the access log every time (log_review.services); `key` names a flag by its kind,
    its user and the sequence numbers of the entries behind it, so the same reads keep their conclusion, and a
    flag that gains reads is a new flag to look at.
    """

    class Outcome(models.TextChoices):
        NOTHING_FOUND = "nothing_found", _("Nothing found: the reads had a reason")
        ASKED_USER = "asked_user", _("Asked the user")
        REPORTED = "reported", _("Reported (to the data protection officer, the manager or the police)")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), max_length=1000, blank=True, help_text=NOTE_HELP_TEXT)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("reviewed flag")
        verbose_name_plural = _("reviewed flags")
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="unique_reviewed_flag")]

    def __str__(self) -> str:
        return f"{self.key} – {self.outcome}"


class LogReview(models.Model):
    """That the organisation's access log was reviewed for a period, by whom and when (Normen: regular review)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to and including"))
    flags = models.PositiveIntegerField(_("flags"))
    flags_reviewed = models.PositiveIntegerField(_("flags reviewed"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")
        ordering = ["-reviewed_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-reviewed_at"], name="log_review_recent")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period_start}–{self.period_end}"
