from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Finding
from organisations.models import Municipality, Organisation


class Escalation(models.Model):
    """A problem that needs a decision above the local network, with an owner who takes it upwards.

    The report's finding: problems such as "no suitable housing for months" are
    discussed to death in networks without anyone taking them further. An
    escalation names who owns it and at what level a decision is needed; every
    change of status, level or owner is kept in EscalationChange, with a note,
    who and when. It is about the system, not a person: no personal data.
    """

    class Level(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        DIRECTORATE = "directorate", _("Directorate")
        MINISTRY = "ministry", _("Ministry")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ESCALATED = "escalated", _("Escalated")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")

    # Still waiting for a decision.
    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("description"))
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.MUNICIPALITY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    owner_organisation = models.ForeignKey(
        Organisation, verbose_name=_("owner organisation"), on_delete=models.PROTECT, related_name="escalations"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("raised from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    changed_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "status"], name="escalation_municipality_status")]

    def __str__(self) -> str:
        return self.title


class EscalationChange(models.Model):
    """One step in an escalation's history: its status, level and owner after the change, why, who and when."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Escalation.Status.choices)
    level = models.CharField(_("level"), max_length=20, choices=Escalation.Level.choices)
    owner_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("escalation change")
        verbose_name_plural = _("escalation changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.escalation_id} – {self.status} ({self.level})"


class Routine(models.Model):
    """A written, practical checklist for one situation in one municipality, kept in versions.

    Linked to the chain step it belongs to by the step's code (chain.models.ChainStep.code),
    so the case page can show it next to the step. `title` and `version` follow the current version.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="routines"
    )
    step_code = models.SlugField(_("chain step"), max_length=60, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("routine")
        verbose_name_plural = _("routines")
        ordering = ["municipality__name", "title"]

    def __str__(self) -> str:
        return self.title


class RoutineVersion(models.Model):
    """One version of a routine, as written; an edit never changes a version but adds the next one."""

    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("checklist"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("routine version")
        verbose_name_plural = _("routine versions")
        ordering = ["routine", "-number"]
        constraints = [models.UniqueConstraint(fields=["routine", "number"], name="unique_routine_version")]

    def __str__(self) -> str:
        return f"{self.routine_id} v{self.number}"

    @property
    def items(self) -> list[str]:
        """The checklist: one item per non-empty line; bullets typed at the start are dropped."""
        return [item for line in self.body.splitlines() if (item := line.strip().lstrip("-*•").strip())]
