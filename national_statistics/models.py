"""The statistics store: person records without identities, and the persons they link to.

Nothing here names a person or points to a case. A record holds a keyed
Bloom-filter encoding (linkage.encoding) and category values; the linker puts the
records of one person in one year into one cluster, and `LinkedPerson` holds that
person's values once, so every table of the annual report counts each person once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linkage.encoding import ENCODING_BYTES
from linkage.files import Reason
from national_statistics.reasons import reason_text


class Contribution(models.Model):
    """One source of records for one year: Vern's own cases, or a file encoded outside Vern."""

    class Source(models.TextChoices):
        VERN = "vern", _("Cases in Vern")
        UPLOAD = "upload", _("Encoded file from an organisation outside Vern")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    organisation_name = models.CharField(_("organisation"), max_length=200)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=16)
    records = models.PositiveIntegerField(_("records kept"), default=0)
    problems = models.JSONField(_("lines left out"), default=list)  # [[line, code, params], …] (linkage.files.Reason)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        constraints = [
            # The same file twice would count its persons twice in the store (the linker would still join
            # them, but only across sources): it is refused instead.
            models.UniqueConstraint(fields=["sha256"], condition=Q(source="upload"), name="one_upload_per_file"),
            models.UniqueConstraint(fields=["year"], condition=Q(source="vern"), name="one_vern_contribution_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name} {self.year}"

    def problem_lines(self) -> list[tuple[int, str]]:
        """Each line left out with its reason in the user's language.

        Files added before reasons had codes stored `[line, English reason]`: those show their stored text.
        """
        return [
            (problem[0], reason_text(Reason(problem[1], problem[2])) if len(problem) == 3 else str(problem[1]))
            for problem in self.problems
        ]


class Application(models.TextChoices):
    """How far an application for a residence permit (reflection period, temporary residence) came."""

    NONE = "", _("Not applied for")
    APPLIED = "applied", _("Applied for")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class PersonRecord(models.Model):
    """What one organisation recorded about one person in one year, without identity."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="person_records")
    # Who registered the person (an organisation in Vern, or the uploaded file): the linker never joins
    # two records of one organisation in Vern, which knows its own cases apart; an uploaded file's may.
    source = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    clk = models.BinaryField(max_length=ENCODING_BYTES)  # linkage.encoding, format v2
    gender = models.CharField(max_length=10, blank=True)
    age_group = models.CharField(max_length=10, blank=True)
    age = models.PositiveSmallIntegerField(null=True)
    nationality = models.CharField(max_length=2, blank=True)
    municipality_number = models.CharField(max_length=4, blank=True)
    organisation_kind = models.CharField(max_length=40, blank=True)
    forms_of_exploitation = models.JSONField(default=list)
    identified_this_year = models.BooleanField(null=True)  # None: the organisation did not say
    reflection_period = models.CharField(max_length=10, blank=True, choices=Application.choices)
    temporary_residence = models.CharField(max_length=10, blank=True, choices=Application.choices)
    rights_delivered = models.JSONField(default=list)
    absconded_after_days = models.PositiveIntegerField(null=True)  # minors who ran away or were taken
    cluster = models.BigIntegerField(null=True)  # set by the linkage run of the year

    class Meta:
        indexes = [models.Index(fields=["year", "cluster"])]

    def __str__(self) -> str:
        return f"record {self.pk} ({self.year})"


class YearLinkage(models.Model):
    """The last linkage run of a year: what it compared and found."""

    year = models.PositiveSmallIntegerField(unique=True)
    linked_at = models.DateTimeField()
    records = models.PositiveIntegerField()
    persons = models.PositiveIntegerField()
    compared = models.PositiveBigIntegerField()
    threshold = models.FloatField()
    key_fingerprint = models.CharField(max_length=16)
    seconds = models.FloatField()

    def __str__(self) -> str:
        return f"{self.year}: {self.records} records, {self.persons} persons"


# What a person counts under in a table of a value they may have several of, when they have more than one.
SEVERAL = "several"


class LinkedPerson(models.Model):
    """One person in one year, as the linkage found them; every report table counts these rows."""

    year = models.PositiveSmallIntegerField()
    records = models.PositiveSmallIntegerField()  # how many organisations registered the person
    gender = models.CharField(max_length=10, blank=True)
    age_group = models.CharField(max_length=10, blank=True)
    age = models.PositiveSmallIntegerField(null=True)
    nationality = models.CharField(max_length=2, blank=True)
    municipality_number = models.CharField(max_length=4, blank=True)
    police_district = models.CharField(max_length=100, blank=True)
    identified_this_year = models.BooleanField(null=True)
    reflection_period = models.CharField(max_length=10, blank=True, choices=Application.choices)
    temporary_residence = models.CharField(max_length=10, blank=True, choices=Application.choices)
    absconded_after_days = models.PositiveIntegerField(null=True)
    # The row of the report's tables the person is counted in, so that each person is in one row: the one
    # value of their attributes of that kind, SEVERAL, or "" when none is known (the values are attributes).
    form_of_exploitation = models.CharField(max_length=40, blank=True)
    organisation_kind = models.CharField(max_length=40, blank=True)

    class Meta:
        # Every table filters on the year; the trend table counts identified_this_year over every year
        # from this index alone.
        indexes = [models.Index(fields=["year", "identified_this_year"])]

    def __str__(self) -> str:
        return f"person {self.pk} ({self.year})"


class PersonAttribute(models.Model):
    """A value a person may have several of: forms of exploitation, registering organisations, rights delivered."""

    class Kind(models.TextChoices):
        FORM = "form", _("Form of exploitation")
        ORGANISATION_KIND = "organisation_kind", _("Kind of organisation")
        RIGHT_DELIVERED = "right_delivered", _("Right delivered")

    person = models.ForeignKey(LinkedPerson, on_delete=models.CASCADE, related_name="attributes")
    # The person's year: the report reads a year's values from one range of the index below, where a
    # join through the persons made the databases read every year's values of the kind.
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "value"], name="one_attribute_value")]
        indexes = [models.Index(fields=["year", "kind", "value"])]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"
