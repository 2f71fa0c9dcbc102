from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from chain.models import Deadline
from core.i18n import Bilingual
from core.submission import submission_key_field
from organisations.models import Municipality, Organisation


class Meeting(models.Model):
    """A multi-agency meeting about one case: a TOT meeting, a case or follow-up meeting, or the evaluation.

    Only organisations with a responsibility in the case are invited (the Bergen
    TOT model: "a meeting of only the actors with a responsibility"). What is
    said — the police's assessment of safety, the person's needs, each actor's
    progress, decisions — is kept encrypted in MeetingText; this row holds no
    free text at all.
    """

    class Kind(models.TextChoices):
        TOT = "tot", _("TOT meeting")
        CASE = "case", _("Case meeting")
        FOLLOW_UP = "follow_up", _("Follow-up meeting")
        EVALUATION = "evaluation", _("Evaluation meeting")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind of meeting"), max_length=20, choices=Kind.choices)
    scheduled_at = models.DateTimeField(_("time"))
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("convened by"), on_delete=models.PROTECT, related_name="convened_meetings"
    )
    invited = models.ManyToManyField(Organisation, verbose_name=_("invited"), related_name="invited_meetings")
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    convened_at = models.DateTimeField(auto_now_add=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    # Bumped by every save of the minutes: a save from a form opened before someone else's is refused.
    version = models.PositiveIntegerField(default=1)
    # The rendered form that made it (core.submission): sending that form again returns this record.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [models.Index(fields=["case", "-scheduled_at"], name="meeting_case_recent")]

    def __str__(self) -> str:
        return f"{self.case} – {self.kind} {self.scheduled_at:%Y-%m-%d}"


class MeetingText(models.Model):
    """The agenda or the minutes of a meeting, encrypted (core.crypto) with the meeting and part as associated data.

    Key rotation (cases.rotation) re-encrypts every model that says `encrypted_at_rest`.
    """

    class Part(models.TextChoices):
        AGENDA = "agenda", _("Agenda")
        MINUTES = "minutes", _("Minutes")

    encrypted_at_rest = True

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="texts")
    part = models.CharField(max_length=10, choices=Part.choices)
    ciphertext = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "part"], name="unique_meeting_text_part")]

    def __str__(self) -> str:
        return f"{self.meeting_id} – {self.part}"

    @property
    def associated_data(self) -> str:
        return f"meeting:{self.meeting_id}:{self.part}"


class ActionItem(models.Model):
    """An action agreed in a meeting: a deadline without a rule, owned by one of the invited organisations.

    The deadline carries what is to be done, who and when, so the item lands on
    the owner's deadlines board (chain.services.board) like any other deadline.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    deadline = models.OneToOneField(Deadline, on_delete=models.CASCADE, related_name="action_item")

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["deadline__due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.meeting_id} – {self.deadline.title}"


class MeetingRole(Bilingual, models.Model):
    """A kind of organisation with a role in the meetings of a track, as data (meetings/fixtures/meeting_roles_v1.json).

    Any organisation of the case's municipality (or a national body) of such a kind can be invited,
    besides those responsible for a step. What it learns rests on the consent or legal basis recorded
    for it (`Invitation`): an organisation the case is not shared with is not invited until it is.
    """

    code = models.SlugField(max_length=60, unique=True)
    track = models.CharField(max_length=10, choices=Case.Track.choices)
    organisation_kind = models.CharField(max_length=40, choices=Organisation.Kind.choices)
    role_nb = models.CharField(max_length=300)
    role_en = models.CharField(max_length=300)
    legal_reference_nb = models.CharField(max_length=200)
    legal_reference_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("meeting role")
        verbose_name_plural = _("meeting roles")
        ordering = ["track", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["track", "organisation_kind"], name="unique_meeting_role_per_track")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def role(self) -> str:
        return self.localised("role")

    @property
    def legal_reference(self) -> str:
        """In the user's language; the law's own words in bokmål where no English one is written."""
        return self.localised("legal_reference") or self.legal_reference_nb


class Invitation(models.Model):
    """Why an organisation was invited to a meeting, and what it may learn there: recorded when it is convened."""

    class Ground(models.TextChoices):
        OWNER = "owner", _("owns the case")
        RESPONSIBLE = "responsible", _("responsible for a step")
        CONSENT = "consent", _("consent")
        LEGAL_BASIS = "legal_basis", _("legal basis")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(max_length=20, choices=Ground.choices)
    consent = models.ForeignKey("sharing.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    disclosure = models.ForeignKey(
        "sharing.Disclosure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="unique_invitation_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} – {self.organisation_id} ({self.ground})"


class FindingCategory(Bilingual, models.Model):
    """What an evaluation finding is about (cooperation, housing, interpreting…), as data.

    meetings/fixtures/finding_categories_v1.json; a retired category keeps its
    findings but is no longer offered.
    """

    code = models.SlugField(max_length=60, unique=True)
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("finding category")
        verbose_name_plural = _("finding categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.localised("title")


class Finding(models.Model):
    """What worked or went wrong in a case, recorded at its evaluation meeting.

    Findings are about the system, not the person: the text must hold no
    personal data (the form says so), and the learning log shows them without
    case codes, across cases and municipalities — it reads this table and the
    municipality only, never the case.
    """

    class Outcome(models.TextChoices):
        WORKED = "worked", _("Worked")
        WENT_WRONG = "went_wrong", _("Went wrong")

    # A finding outlives its case: it stays in the learning log with its municipality if the case goes.
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, related_name="findings")
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="findings"
    )
    category = models.ForeignKey(
        FindingCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="findings"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    text = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "-recorded_at"], name="finding_municipality_recent")]

    def __str__(self) -> str:
        return f"{self.category_id} – {self.outcome}"
