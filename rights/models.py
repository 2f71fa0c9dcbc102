from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.i18n import Bilingual
from organisations.models import Organisation


class Right(Bilingual, models.Model):
    """A right of a presumed victim (Council of Europe Convention art. 12 and Norwegian law), as data."""

    code = models.SlugField(max_length=60, unique=True)
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    description_nb = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    legal_reference_nb = models.CharField(max_length=300)
    legal_reference_en = models.CharField(max_length=300)
    source = models.CharField(max_length=300)
    tracks = models.JSONField(help_text="adult, child or both")
    child_cannot_decline = models.BooleanField(default=False)
    # The kinds of organisation (organisations.Organisation.Kind) that provide the right and may record it on a
    # case shared with them; the case owner always may.
    provided_by = models.JSONField(default=list, blank=True, help_text="organisation kinds that provide it")
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("right")
        verbose_name_plural = _("rights")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.localised("title")

    @property
    def localised_description(self) -> str:
        return self.localised("description")

    @property
    def legal_reference(self) -> str:
        """In the user's language; the law's own words in bokmål where no English one is written."""
        return self.localised("legal_reference") or self.legal_reference_nb


class CaseRight(models.Model):
    """Whether one right was offered, delivered or declined for one case, when and by whom."""

    class Status(models.TextChoices):
        NOT_OFFERED = "not_offered", _("Not yet offered")
        OFFERED = "offered", _("Offered")
        DELIVERED = "delivered", _("Delivered")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rights")
    right = models.ForeignKey(Right, on_delete=models.PROTECT, related_name="case_rights")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_OFFERED)
    offered_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("case right")
        verbose_name_plural = _("case rights")
        constraints = [models.UniqueConstraint(fields=["case", "right"], name="unique_right_per_case")]
        indexes = [models.Index(fields=["right", "status"], name="case_right_status")]

    def __str__(self) -> str:
        return f"{self.case} – {self.right.code}: {self.status}"
