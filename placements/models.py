"""Placements of children, contact with them, and what happens when a child goes missing.

These rows hold kinds, times and organisations only. Where a child is placed, and
where a missing child may be, are whereabouts: they belong in the case's
encrypted contact field group, which a protective placement closes to everyone
but the responsible child welfare service (cases.access, rule 4).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from chain.models import Deadline
from organisations.models import Organisation


def default_alert_hours() -> int:
    return int(settings.VERN_MISSING_CHILD_ALERT_HOURS)


class Placement(models.Model):
    """A child placed by the responsible child welfare service: in an emergency, or for protection.

    Emergency: an acute decision (barnevernsloven 2021 § 4-5, inferred; old § 4-25).
    Protective: placement in an institution because of the risk of trafficking,
    up to 6 weeks and renewable by 6 weeks at a time (barnevernsloven ch. 6, likely
    § 6-6, unconfirmed; old § 4-29) — its end comes from the deadline rule
    `protective-placement-end` and stands on the deadlines board.
    """

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency placement")
        PROTECTIVE = "protective", _("Protective placement (risk of trafficking)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible child welfare service"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("started"))
    ends_at = models.DateTimeField(_("runs until"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    alert_after_hours = models.PositiveSmallIntegerField(
        _("alert after hours without contact"), default=default_alert_hours
    )
    # The protective placement's end on the deadlines board (chain.Deadline).
    deadline = models.OneToOneField(Deadline, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True), name="one_open_placement"),
            models.CheckConstraint(condition=Q(alert_after_hours__gte=1), name="placement_alert_after_an_hour"),
        ]
        indexes = [models.Index(fields=["started_at"], condition=Q(ended_at__isnull=True), name="placement_open")]

    def __str__(self) -> str:
        return f"{self.case} – {self.kind}"


class PlacementContact(models.Model):
    """The child welfare service had contact with the child, or knew where the child was, at a time."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(_("when"))
    contact_made = models.BooleanField(_("contact with the child"))
    whereabouts_known = models.BooleanField(_("where the child is, is known"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact with a placed child")
        verbose_name_plural = _("contacts with placed children")
        ordering = ["-at"]
        indexes = [models.Index(fields=["placement", "-at"], name="placement_contact_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_made=True) | Q(whereabouts_known=True), name="placement_contact_says_something"
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement} – {self.at:%Y-%m-%d %H:%M}"


class Absconding(models.Model):
    """The child ran away or was taken from the placement.

    Counted in national statistics, with how long after the start of the placement
    it happened: children often disappear within the first 24 hours, and nobody
    counted them (the 2013 report's first statistical recommendation).
    """

    class How(models.TextChoices):
        RAN_AWAY = "ran_away", _("Ran away")
        TAKEN = "taken", _("Was taken or picked up")

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="abscondings")
    at = models.DateTimeField(_("when"))
    how = models.CharField(_("how"), max_length=20, choices=How.choices)
    after_start = models.DurationField(_("time since the placement started"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("absconding")
        verbose_name_plural = _("abscondings")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=Q(after_start__gte=timedelta(0)), name="absconding_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.placement} – {self.how}"


class MissingChildAlert(models.Model):
    """A placed child is missing: no contact for longer than the placement allows, or the child absconded.

    The responsible child welfare service decides what happens: it reports the child
    to the police, and closes the alert when the child is found. At most one alert
    is open per placement.
    """

    class Reason(models.TextChoices):
        NO_CONTACT = "no_contact", _("No recorded contact")
        ABSCONDED = "absconded", _("Ran away or was taken")

    class Outcome(models.TextChoices):
        FOUND = "found", _("The child was found")
        PLACEMENT_ENDED = "placement_ended", _("The placement ended")

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="alerts")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    absconding = models.ForeignKey(Absconding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    missing_since = models.DateTimeField(_("missing since"))
    raised_at = models.DateTimeField(_("raised"))
    police_notified_at = models.DateTimeField(_("police notified"), null=True, blank=True)
    police_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="missing_child_alerts"
    )
    police_notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("missing-child alert")
        verbose_name_plural = _("missing-child alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["placement"], condition=Q(closed_at__isnull=True), name="one_open_alert"),
        ]
        indexes = [models.Index(fields=["raised_at"], condition=Q(closed_at__isnull=True), name="alert_open")]

    def __str__(self) -> str:
        return f"{self.placement} – {self.reason}"
