from django.conf import settings
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.i18n import Bilingual
from organisations.models import Municipality, Organisation


class DeadlineRule(Bilingual, models.Model):
    """A legal or agreed deadline, as data with its reference (chain/fixtures/deadline_rules.json)."""

    class Unit(models.TextChoices):
        DAYS = "days", _("Calendar days")
        MONTHS = "months", _("Months")
        WORKING_DAYS = "working_days", _("Working days")
        NEXT_WORKING_DAY = "next_working_day", _("The next working day, in the morning")

    class FallsOn(models.TextChoices):
        """Where a deadline lands when its count ends on a weekend or a public holiday."""

        ANY_DAY = "any_day", _("The day it is counted to, whatever day that is")
        WORKING_DAY_BEFORE = "working_day_before", _("The working day before, if it is not a working day")
        WORKING_DAY_AFTER = "working_day_after", _("The working day after, if it is not a working day")

    code = models.SlugField(max_length=60, unique=True)
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    amount = models.PositiveSmallIntegerField()
    starts_from_nb = models.CharField(max_length=200)
    starts_from_en = models.CharField(max_length=200)
    # The law is cited in bokmål, the language of the law; English pages read the English citation.
    legal_reference_nb = models.CharField(max_length=300)
    legal_reference_en = models.CharField(max_length=300)
    status = models.CharField(max_length=20)
    source = models.CharField(max_length=300)
    # A repeating deadline (the 14-day support cycle) starts again when it is done, while its step runs:
    # the next one counts from the previous one's due date, never from the moment it was marked done.
    repeats = models.BooleanField(default=False)
    falls_on = models.CharField(max_length=20, choices=FallsOn.choices, default=FallsOn.ANY_DAY)
    # What the organisation must have confirmed before it marks the deadline done (the 14-day cycle: that the
    # application is still pending). When set, completing it records who confirmed it and when.
    confirms_nb = models.CharField(max_length=200, blank=True)
    confirms_en = models.CharField(max_length=200, blank=True)

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

    @property
    def legal_reference(self) -> str:
        """In the user's language; the law's own words in bokmål where no English one is written."""
        return self.localised("legal_reference") or self.legal_reference_nb

    @property
    def period(self) -> str:
        """How long the deadline runs, in words that agree with the amount ("1 virkedag", "14 kalenderdager")."""
        count = {"count": self.amount}
        if self.unit == self.Unit.DAYS:
            return ngettext("%(count)d calendar day", "%(count)d calendar days", self.amount) % count
        if self.unit == self.Unit.MONTHS:
            return ngettext("%(count)d month", "%(count)d months", self.amount) % count
        if self.unit == self.Unit.WORKING_DAYS:
            return ngettext("%(count)d working day", "%(count)d working days", self.amount) % count
        return gettext("the next working day, in the morning")

    @property
    def confirms(self) -> str:
        return self.localised("confirms")


class ChainTemplate(Bilingual, models.Model):
    """The relay of actors one municipality follows for one track, as ordered steps.

    Templates are versioned: an edit makes a new draft version, activating it
    retires the previous one, and a running case keeps the version it started
    with until someone moves it explicitly (chain.editor, chain.services).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="chain_templates"
    )
    track = models.CharField(_("track"), max_length=10, choices=Case.Track.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chain template")
        verbose_name_plural = _("chain templates")
        ordering = ["municipality__name", "track", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "track", "version"], name="unique_chain_template_version"),
            models.UniqueConstraint(
                fields=["municipality", "track"],
                condition=models.Q(status="active"),
                name="one_active_chain_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.track} v{self.version}"

    @property
    def title(self) -> str:
        return self.localised("title")


class StepEvent(models.TextChoices):
    """An event in an app above the chain that completes a step (chain.services.record_event)."""

    PLACEMENT_STARTED = "placement_started", _("A placement is started")
    REFERRAL_ACCEPTED = "referral_accepted", _("The referral for the step is accepted")
    MEETING_HELD = "meeting_held", _("A meeting about the case is held")


class StepPrecondition(models.TextChoices):
    """What must hold in the case before it is referred or handed over for a step (chain.preconditions).

    Without it, the sender gives a reason, which is kept with the referral and shown on the timeline."""

    ASYLUM_CLAIMED = "asylum_claimed", _("An asylum claim is recorded (immigration)")


class ChainStep(Bilingual, models.Model):
    """One step of a chain: who is responsible, what done means, its deadline and legal reference.

    `completed_by_event` names the event that completes the step when it happens
    while the step is in progress (a placement started, the step's referral
    accepted, a meeting held); without one, the step is recorded as done by hand. `precondition` names what
    must hold in the case before it is referred or handed over for the step (the asylum hand-over: an asylum
    claim recorded); without it, the sender must give a reason.
    """

    template = models.ForeignKey(ChainTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=60)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    done_means_nb = models.CharField(_("done means (bokmål)"), max_length=300)
    done_means_en = models.CharField(_("done means (English)"), max_length=300)
    responsible_kind = models.CharField(
        _("responsible kind of organisation"), max_length=40, choices=Organisation.Kind.choices, blank=True
    )
    responsible_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("named responsible organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline_rule = models.ForeignKey(
        DeadlineRule, verbose_name=_("deadline"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_reference_nb = models.CharField(_("legal reference (bokmål)"), max_length=300, blank=True)
    legal_reference_en = models.CharField(_("legal reference (English)"), max_length=300, blank=True)
    # What a referral for this step shares by default: only what the purpose needs.
    field_groups = models.JSONField(_("information a referral for this step needs"), default=list, blank=True)
    completed_by_event = models.CharField(
        _("done when this happens"), max_length=30, choices=StepEvent.choices, blank=True
    )
    precondition = models.CharField(
        _("may be referred or handed over when"), max_length=30, choices=StepPrecondition.choices, blank=True
    )

    class Meta:
        verbose_name = _("chain step")
        verbose_name_plural = _("chain steps")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="unique_chain_step_order"),
            models.UniqueConstraint(fields=["template", "code"], name="unique_chain_step_code"),
            models.CheckConstraint(
                condition=~models.Q(responsible_kind="") | models.Q(responsible_organisation__isnull=False),
                name="chain_step_has_responsible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} #{self.order} {self.code}"

    @property
    def title(self) -> str:
        return self.localised("title")

    @property
    def legal_reference(self) -> str:
        """In the user's language; the law's own words in bokmål where no English one is written."""
        return self.localised("legal_reference") or self.legal_reference_nb

    @property
    def done_means(self) -> str:
        return self.localised("done_means")

    def takes(self, organisation: Organisation) -> bool:
        """Whether `organisation` can be responsible for this step."""
        if self.responsible_organisation_id is not None:
            return organisation.pk == self.responsible_organisation_id
        return organisation.kind == self.responsible_kind


class CaseChain(models.Model):
    """The chain a case follows: its template version, and how the case ended."""

    class EndReason(models.TextChoices):
        RESIDENCE_GRANTED = "residence_granted", _("Residence permit granted")
        JUDGMENT = "judgment", _("Judgment in the criminal case")
        INVESTIGATION_DROPPED = "investigation_dropped", _("Investigation dropped")
        RETURNED = "returned", _("Returned to the home country")
        MOVED_ON = "moved_on", _("Moved on or out of reach")
        HANDED_TO_STATE = "handed_to_state", _("Handed over to the state")
        OTHER = "other", _("Other")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="chain")
    template = models.ForeignKey(ChainTemplate, on_delete=models.PROTECT, related_name="case_chains")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("why the case ended"), max_length=30, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("case chain")
        verbose_name_plural = _("case chains")

    def __str__(self) -> str:
        return f"{self.case} – {self.template}"


class CaseStep(models.Model):
    """A case's progress through one step, and the organisation responsible for it now."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Not started")
        ACTIVE = "active", _("In progress")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(ChainStep, on_delete=models.PROTECT, related_name="case_steps")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    responsible = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_steps",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "step__order"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="unique_case_step")]
        indexes = [models.Index(fields=["status", "responsible"], name="case_step_status")]

    def __str__(self) -> str:
        return f"{self.case} – {self.step.code} ({self.status})"


class Deadline(models.Model):
    """A deadline in a case, owned by one organisation: computed from a rule, or an agreed action item.

    A repeating deadline (the 14-day support cycle, sosialtjenesteloven § 18) is done by confirming that the
    application is still pending: who confirmed it (the person, the lawyer, UDI) and when are kept on the row,
    and the next cycle `follows` it — one next cycle per deadline, however often it is confirmed.
    """

    class ConfirmedBy(models.TextChoices):
        PERSON = "person", _("The person")
        LAWYER = "lawyer", _("The lawyer")
        UDI = "udi", _("UDI")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(DeadlineRule, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines")
    # Action items from meetings have no rule: their title says what is to be done.
    title = models.CharField(_("what is to be done"), max_length=200, blank=True)
    case_step = models.ForeignKey(CaseStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="deadlines")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deadlines")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deadlines"
    )
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.CharField(
        _("who confirmed that the application is still pending"), max_length=10, choices=ConfirmedBy.choices, blank=True
    )
    confirmed_at = models.DateTimeField(_("when it was confirmed"), null=True, blank=True)
    follows = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_cycle", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["organisation", "done_at", "due_at"], name="deadline_board")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__isnull=False) | ~models.Q(title=""), name="deadline_has_rule_or_title"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_by="") | models.Q(done_at__isnull=False, confirmed_at__isnull=False),
                name="deadline_confirmed_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.rule.code if self.rule else self.title}"

    @property
    def label(self) -> str:
        return self.rule.title if self.rule else self.title


class DecisionKind(Bilingual, models.Model):
    """A decision or event in a case that only certain kinds of organisation record, as data
    (chain/fixtures/case_decisions.json): UDI's reflection-period decision, the police's receipt of the
    application, the lawyer's or guardian's appointment. It may start a deadline (counted from the date it
    happened, not from the day it was typed in) and complete a step of the chain."""

    code = models.SlugField(max_length=60, unique=True)
    title_nb = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    # organisations.Organisation.Kind values: who makes the decision and so records it.
    recorded_by = models.JSONField(default=list)
    tracks = models.JSONField(default=list, help_text="adult, child or both")
    deadline_rule = models.ForeignKey(
        DeadlineRule, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_kinds"
    )
    # The code of the chain step the decision completes when that step is in progress (blank: none).
    completes_step = models.SlugField(max_length=60, blank=True)
    legal_reference_nb = models.CharField(max_length=300)
    legal_reference_en = models.CharField(max_length=300)
    source = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("kind of case decision")
        verbose_name_plural = _("kinds of case decision")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.localised("title")

    @property
    def legal_reference(self) -> str:
        """In the user's language; the law's own words in bokmål where no English one is written."""
        return self.localised("legal_reference") or self.legal_reference_nb


class CaseDecision(models.Model):
    """A decision recorded for a case: the day it happened, which organisation and member recorded it, and when.

    Recorded once; a correction is a new record that supersedes the current one (with a reason), so the
    history stays. Rows hold a date and codes, no personal data.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    kind = models.ForeignKey(DecisionKind, on_delete=models.PROTECT, related_name="case_decisions")
    decided_on = models.DateField(_("date"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("case decision")
        verbose_name_plural = _("case decisions")
        ordering = ["case", "kind__order", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(is_current=True), name="one_current_decision_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.kind.code}: {self.decided_on}"
