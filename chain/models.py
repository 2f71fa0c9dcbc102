from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.i18n import Bilingual
from organisations.models import Organisation


class DeadlineRule(Bilingual, models.Model):
    """A legal or agreed deadline, as data with its reference (chain/fixtures/deadline_rules.json)."""

    class Unit(models.TextChoices):
        DAYS = "days", _("Calendar days")
        MONTHS = "months", _("Months")
        WORKING_DAYS = "working_days", _("Working days")
        NEXT_WORKING_DAY = "next_working_day", _("The next working day, in the morning")

    code = models.SlugField(max_length=60, unique=True)
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    amount = models.PositiveSmallIntegerField()
    starts_from_nb = models.CharField(max_length=200)
    starts_from_en = models.CharField(max_length=200)
    legal_reference = models.CharField(max_length=300)
    status = models.CharField(max_length=20)
    source = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.localised("title")

    @property
    def starts_from(self) -> str:
        return self.localised("starts_from")


class Deadline(models.Model):
    """A deadline in a case, computed from its rule and start, owned by one organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(DeadlineRule, on_delete=models.PROTECT, related_name="deadlines")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deadlines")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deadlines"
    )
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["organisation", "done_at", "due_at"], name="deadline_board")]

    def __str__(self) -> str:
        return f"{self.case} – {self.rule.code}"
