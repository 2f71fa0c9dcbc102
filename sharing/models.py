from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.submission import submission_key_field
from organisations.models import Organisation


class LegalBasis(models.Model):
    """A rule of law that allows disclosure without consent, kept as data with its reference.

    Loaded from sharing/fixtures/legal_bases.json (from shared LAW.md); items marked
    unconfirmed need a lawyer's or Lovdata check before go-live and say so in the UI.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed – check with a lawyer")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    # Norwegian is the language of the law; English for English-speaking users.
    title = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    law = models.CharField(_("law"), max_length=200)
    section = models.CharField(_("section"), max_length=60)
    explanation = models.TextField(_("when it applies (bokmål)"))
    explanation_en = models.TextField(_("when it applies (English)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=300)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["law", "section"]

    def __str__(self) -> str:
        return f"{self.law} {self.section} – {self.localised_title}"

    @property
    def localised_title(self) -> str:
        return self.title_en if get_language() == "en" else self.title

    @property
    def localised_explanation(self) -> str:
        return self.explanation_en if get_language() == "en" else self.explanation


class Consent(models.Model):
    """The person's consent to share named field groups with one organisation for a purpose.

    Withdrawal removes access from then on; the record itself is kept (and logged).
    """

    class Form(models.TextChoices):
        WRITTEN = "written", _("Written")
        ORAL = "oral", _("Oral")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consents_received")
    field_groups = models.JSONField(_("field groups"))
    purpose = models.CharField(_("purpose"), max_length=300)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The rendered form that made it (core.submission): sending that form again returns this record.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["organisation", "case"], name="consent_org_case")]

    def __str__(self) -> str:
        return f"{self.case} → {self.organisation}"


class Disclosure(models.Model):
    """Sharing without consent, under a legal basis, with a written justification."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disclosures")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="disclosures_received")
    field_groups = models.JSONField(_("field groups"))
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="disclosures")
    justification = models.TextField(_("justification"))
    person_informed = models.BooleanField(_("the person has been told"), default=False)
    informed_on = models.DateField(_("told on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The rendered form that made it (core.submission): sending that form again returns this record.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [models.Index(fields=["organisation", "case"], name="disclosure_org_case")]

    def __str__(self) -> str:
        return f"{self.case} → {self.organisation} ({self.legal_basis.code})"
