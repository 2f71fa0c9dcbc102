import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.models import Municipality, Organisation

# A case's pseudonym code, e.g. OSL-2026-0042: municipality prefix, year, number.
CASE_CODE = re.compile(r"[A-Z0-9]{3}-[0-9]{4}-[0-9]{4,6}")


class FieldGroup(models.TextChoices):
    """The parts of a case's personal data that are shared, and logged, separately."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact and whereabouts")
    HEALTH = "health", _("Health")
    IMMIGRATION = "immigration", _("Immigration")
    CRIMINAL_CASE = "criminal_case", _("Criminal case")
    FAMILY = "family", _("Family")


class CaseSequence(models.Model):
    """The last case number used per municipality prefix and year (OSL-2026-0042)."""

    prefix = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_case_sequence")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Case(models.Model):
    """One presumed victim's case, owned by one organisation and shared with others.

    Everywhere outside the case itself the person is known by the pseudonym code
    only. Identifying data lives encrypted in FieldGroupRecord; exact-match
    search uses the keyed blind indexes below (core.crypto.blind_index).
    """

    class Track(models.TextChoices):
        ADULT = "adult", _("Adult")
        CHILD = "child", _("Child")

    code = models.CharField(_("case code"), max_length=20, unique=True)
    track = models.CharField(
        _("track"),
        max_length=10,
        choices=Track.choices,
        default=Track.ADULT,
        help_text=_("Child: under 18, or age unknown with reason to believe so. A child cannot decline protection."),
    )
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_cases"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="cases"
    )
    is_protected = models.BooleanField(
        _("protected (high threat)"),
        default=False,
        help_text=_("Only named users may open a protected case; others must break the glass."),
    )
    protective_placement_by = models.ForeignKey(
        Organisation,
        verbose_name=_("child welfare service responsible for a protective placement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protective_placements",
        help_text=_("While set, the child's whereabouts are visible to this child welfare service alone."),
    )
    # Field groups the owner was not given when the case was handed over to it (referrals): they stay encrypted
    # in the case and nobody reads them — the sender chose what went with the hand-over.
    withheld_groups = models.JSONField(_("information not handed over"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    name_index = models.CharField(max_length=64, blank=True, db_index=True)
    birth_date_index = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="case_owner_recent")]

    def __str__(self) -> str:
        return self.code


class CaseFollowUp(models.Model):
    """An organisation that handed the case over and follows how it goes (written by referrals on acceptance).

    It still opens the case, but sees only its way through the chain (steps, status, dates) and the events
    addressed to it — the receiver's answer — and no field group, unless the new owner shares some with it
    (by consent: home visits go on). It writes nothing in the case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        verbose_name = _("follow-up after a hand-over")
        verbose_name_plural = _("follow-ups after a hand-over")
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="one_follow_up_per_organisation")]

    def __str__(self) -> str:
        return f"{self.case} – {self.organisation}"


class CaseAssignment(models.Model):
    """A member assigned to work on a case; caseworkers see the cases they are assigned to.

    Each organisation assigns its own members (`cases.services.assign_member`), and only on a case it has a
    role in (`cases.roles`); the unique constraint keeps two coordinators assigning at once to one row.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "organisation"], name="unique_case_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.user}"


class ProtectedCaseAccess(models.Model):
    """A user named to open a protected case without breaking the glass."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protected_access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_protected_access")]

    def __str__(self) -> str:
        return f"{self.case} – {self.user}"


class FieldGroupRecord(models.Model):
    """One field group of a case, encrypted (core.crypto) with the case and group as associated data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="field_groups")
    group = models.CharField(max_length=20, choices=FieldGroup.choices)
    ciphertext = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "group"], name="unique_field_group_per_case")]

    def __str__(self) -> str:
        return f"{self.case} – {self.group}"

    @property
    def associated_data(self) -> str:
        return f"case:{self.case_id}:{self.group}"


class CaseEvent(models.Model):
    """An entry on the case timeline. Details hold no personal data, only codes and group names."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Case created")
        FROM_SCREENING = "from_screening", _("Created from a screening")
        FIELD_GROUP_CHANGED = "field_group_changed", _("Information changed")
        CONSENT_GIVEN = "consent_given", _("Consent recorded")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        DISCLOSED = "disclosed", _("Shared under a legal basis")
        DISCLOSURE_ENDED = "disclosure_ended", _("Sharing under a legal basis ended")
        PROTECTED = "protected", _("Marked as protected")
        UNPROTECTED = "unprotected", _("Protection lifted")
        BREAK_THE_GLASS = "break_the_glass", _("Opened by breaking the glass")
        ASSIGNED = "assigned", _("Member assigned")
        UNASSIGNED = "unassigned", _("Member no longer assigned")
        REASSIGNED = "reassigned", _("Moved to a colleague")
        TRACK_CHANGED = "track_changed", _("Track changed")
        RIGHT_UPDATED = "right_updated", _("Right updated")
        DEADLINE_SET = "deadline_set", _("Deadline set")
        # The chain (chain app): steps, responsibility, referrals and hand-overs.
        STEP_STARTED = "step_started", _("Step started")
        STEP_COMPLETED = "step_completed", _("Step completed")
        RESPONSIBILITY_ASSIGNED = "responsibility_assigned", _("Responsibility for a step assigned")
        CHAIN_MOVED = "chain_moved", _("Moved to another version of the chain")
        REFERRAL_SENT = "referral_sent", _("Referred")
        REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
        REFERRAL_DECLINED = "referral_declined", _("Referral declined")
        HANDOVER_REQUESTED = "handover_requested", _("Hand-over requested")
        HANDOVER_ACCEPTED = "handover_accepted", _("Hand-over accepted")
        HANDOVER_DECLINED = "handover_declined", _("Hand-over declined")
        PRECONDITION_OVERRIDDEN = "precondition_overridden", _("Sent without the step's precondition")
        CONTINUED_ACCESS_ASKED = "continued_access_asked", _("Continued access asked for")
        CASE_ENDED = "case_ended", _("Case ended")
        DECISION_RECORDED = "decision_recorded", _("Decision recorded")
        # Multi-agency meetings (meetings app).
        MEETING_CONVENED = "meeting_convened", _("Meeting convened")
        MEETING_HELD = "meeting_held", _("Meeting held")
        EVALUATION_RECORDED = "evaluation_recorded", _("Evaluation recorded")
        # Placements of children and missing-child alerts (placements app).
        PLACEMENT_STARTED = "placement_started", _("Placement started")
        PLACEMENT_RENEWED = "placement_renewed", _("Placement renewed")
        PLACEMENT_ENDED = "placement_ended", _("Placement ended")
        CONTACT_RECORDED = "contact_recorded", _("Contact with the child recorded")
        MISSING_ALERT_RAISED = "missing_alert_raised", _("Missing-child alert raised")
        POLICE_NOTIFIED = "police_notified", _("Police notified of a missing child")
        ABSCONDED = "absconded", _("Ran away or was taken from the placement")
        CHILD_FOUND = "child_found", _("Missing child found")
        # A sharing organisation's (or the owner's) own part: a progress entry (ProgressEntry), never its text.
        PROGRESS_WRITTEN = "progress_written", _("Progress entry written")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # When set, only the owner and this organisation see the event (e.g. a sharing with it).
    audience = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+")
    field_groups = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True)
    # The member an assignment event is about (assigned, no longer assigned, or the colleague a case moved to).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="case_event_recent")]

    def __str__(self) -> str:
        return f"{self.case} – {self.kind}"


# A progress entry about the case as a whole rather than one field group: seen by the owner and the author only.
GENERAL = "general"
PROGRESS_TOPICS = [*FieldGroup.choices, (GENERAL, _("General, not about one kind of information"))]
PROGRESS_MAX_LENGTH = 2000


class ProgressEntry(models.Model):
    """What one organisation has done or learnt in the case, in its own words: its own part of the shared case.

    Written by a member of the owner or of an organisation the case is shared with, about one field group the
    organisation's sharing covers (the owner: any it may read) or about the case in general. The text is
    encrypted (core.crypto) with the case, the row, the group and the author organisation as associated data,
    so a ciphertext moved to another row, group or author does not decrypt. Who reads which entry is decided in
    `cases.access.readable_progress`; key rotation (cases.rotation) covers it through `encrypted_at_rest`.
    """

    encrypted_at_rest = True

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="progress_entries")
    group = models.CharField(_("about"), max_length=20, choices=PROGRESS_TOPICS)
    author_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    written_at = models.DateTimeField(_("written"), auto_now_add=True)
    ciphertext = models.TextField()

    class Meta:
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["case", "-written_at"], name="progress_entry_recent")]

    def __str__(self) -> str:
        return f"{self.case} – {self.group}"

    @property
    def associated_data(self) -> str:
        return f"case:{self.case_id}:progress:{self.pk}:{self.group}:{self.author_organisation_id}"
