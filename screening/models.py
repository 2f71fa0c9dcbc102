from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.i18n import Bilingual
from organisations.models import Municipality, Organisation


class CatalogueVersion(models.Model):
    """A published version of the identification catalogue: forms, indicators, questions, advice.

    Domain knowledge is data: a system admin edits a new version in the admin and
    publishes it without a deploy. Every screening keeps the version it used; a
    version in use can no longer be changed.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    sources = models.JSONField(_("sources"), default=list)
    is_active = models.BooleanField(_("active"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_catalogue"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    def source_title(self, code: str) -> str:
        return next((s["title"] for s in self.sources if s.get("code") == code), code)


class CatalogueItem(Bilingual, models.Model):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=80)
    source = models.CharField(_("source"), max_length=80)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order"]

    def __str__(self) -> str:
        return self.code


class ExploitationForm(CatalogueItem):
    """A form of exploitation (straffeloven § 257 a–d), forced labour split by sector."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="forms")
    label_nb = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    legal_reference = models.CharField(max_length=200)

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_form_per_version")]


class Indicator(CatalogueItem):
    """An observable sign, for one form of exploitation, or 'general', or 'minor'."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="indicators")
    form = models.SlugField(max_length=80)
    text_nb = models.TextField()
    text_en = models.TextField()

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_indicator_per_version")]


class Advice(CatalogueItem):
    """A text the screening shows at a step: what to do, whom to call, and why."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="advice")
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    text_nb = models.TextField()
    text_en = models.TextField()
    phone = models.CharField(max_length=40, blank=True)
    legal_reference = models.CharField(max_length=200, blank=True)

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_advice_per_version")]

    @property
    def localised_title(self) -> str:
        return self.localised("title")

    @property
    def localised_text(self) -> str:
        return self.localised("text")

    @property
    def source_title(self) -> str:
        return self.version.source_title(self.source)

    @property
    def phone_numbers(self) -> list[tuple[str, str]]:
        """Each number in `phone` ("112 / 02800") as written, with its `tel:` address."""
        return [(number.strip(), tel_href(number)) for number in self.phone.split("/") if number.strip()]


NORWEGIAN_NUMBER_LENGTH = 8


def tel_href(number: str) -> str:
    """A full Norwegian number gets the country code; short numbers (112, 02800) are dialled as they are."""
    digits = "".join(character for character in number if character.isdigit())
    return f"tel:+47{digits}" if len(digits) == NORWEGIAN_NUMBER_LENGTH else f"tel:{digits}"


class Question(CatalogueItem):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="questions")
    text_nb = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)
    help_nb = models.TextField(blank=True)
    help_en = models.TextField(blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True)

    class Meta(CatalogueItem.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_question_per_version")]


class Screening(models.Model):
    """One worker's guided screening of one person. Holds no identity: only categories.

    A completed screening that did not become a case is an anonymous contact,
    counted in statistics by form, gender, age group, municipality and outcome.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETED = "completed", _("Completed")

    class PossiblyMinor(models.TextChoices):
        NO = "no", _("No, the person is an adult")
        YES = "yes", _("Yes, the person may be under 18")
        UNKNOWN_WITH_REASON = "unknown_with_reason", _("Age unknown, but there is reason to believe under 18")
        UNKNOWN = "unknown", _("Age unknown, nothing suggests under 18")

    class Outcome(models.TextChoices):
        CONCERN_STRENGTHENED = "concern_strengthened", _("Concern strengthened, not confirmed by the person")
        CONCERN_WEAKENED = "concern_weakened", _("Concern weakened or dispelled")
        CONFIRMED_NO_HELP = "confirmed_no_help", _("The person confirms exploitation but wants no help")
        CONFIRMED_WANTS_HELP = "confirmed_wants_help", _("The person confirms exploitation and wants help")
        NOT_TRAFFICKING = "not_trafficking", _("Not trafficking: another difficult situation")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Not known")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="screenings")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings")
    version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="screenings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    acute_danger = models.BooleanField(null=True)
    acute_advice_shown_at = models.DateTimeField(null=True, blank=True)
    possibly_minor = models.CharField(max_length=20, choices=PossiblyMinor.choices, blank=True)
    stated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    forms = models.JSONField(default=list)
    indicators = models.JSONField(default=list)
    alone = models.BooleanField(null=True)
    companion_present = models.BooleanField(null=True)
    interpreter_needed = models.BooleanField(null=True)
    interpreter_language = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    track = models.CharField(max_length=10, choices=Case.Track.choices, blank=True)
    case = models.OneToOneField(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="screening")

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{_('Screening')} {self.pk}"

    @property
    def is_anonymous_contact(self) -> bool:
        return self.status == self.Status.COMPLETED and self.case_id is None


class ChildWelfareNotification(models.Model):
    """The duty to notify child welfare at once (barnevernsloven § 13-2, helsepersonelloven § 33),
    as a task for the worker, addressed to the service on duty when the screening ended."""

    class Status(models.TextChoices):
        TO_NOTIFY = "to_notify", _("To notify")
        NOTIFIED = "notified", _("Notified")

    screening = models.OneToOneField(Screening, on_delete=models.CASCADE, related_name="notification")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="child_welfare_notifications"
    )
    out_of_hours = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_NOTIFY)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("child welfare notification")
        verbose_name_plural = _("child welfare notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.screening} → {self.to_organisation}"
