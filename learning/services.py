"""Escalations and routines (mutations), the learning log and the figures the coordinators' overview reads."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from chain.access import COORDINATING_ROLES, may_coordinate
from chain.models import ChainStep
from learning.access import escalation_owners, may_change_escalation
from learning.models import Escalation, EscalationChange, Routine, RoutineVersion
from meetings.models import Finding, FindingCategory
from organisations.models import Membership, Municipality, Organisation

# --- The learning log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingFilter:
    text: str = ""
    category: FindingCategory | None = None
    municipality: Municipality | None = None
    outcome: str = ""


def learning_log(search: FindingFilter) -> QuerySet[Finding]:
    """Evaluation findings across cases, newest first, with their municipality but never their case."""
    findings = Finding.objects.select_related("category", "municipality")
    if search.text.strip():
        findings = findings.filter(text__icontains=search.text.strip())
    if search.category is not None:
        findings = findings.filter(category=search.category)
    if search.municipality is not None:
        findings = findings.filter(municipality=search.municipality)
    if search.outcome:
        findings = findings.filter(outcome=search.outcome)
    return findings.prefetch_related("escalations").order_by("-recorded_at", "-pk")


# --- Escalations -----------------------------------------------------------------------------------


def open_escalations(municipality: Municipality) -> QuerySet[Escalation]:
    """The municipality's escalations still waiting for a decision (open or escalated); `.count()` for the figure."""
    return Escalation.objects.filter(municipality=municipality, status__in=Escalation.OPEN_STATUSES)


def open_escalation_counts() -> dict[int, int]:
    """Open escalations per municipality id, in one query, for boards over many municipalities."""
    rows = (
        Escalation.objects.filter(status__in=Escalation.OPEN_STATUSES)
        .values("municipality_id")
        .annotate(count=Count("pk"))
        .values_list("municipality_id", "count")
    )
    return dict(rows)


def _check_owner(*, municipality: Municipality, organisation: Organisation, owner: User | None) -> None:
    if not escalation_owners([municipality]).filter(pk=organisation.pk).exists():
        raise ValidationError(
            _("%(organisation)s is neither an organisation in %(municipality)s nor a national body.")
            % {"organisation": organisation.name, "municipality": municipality.name}
        )
    if owner is None:
        return
    if not Membership.objects.filter(user=owner, organisation=organisation, role__in=COORDINATING_ROLES).exists():
        raise ValidationError(
            _("The owner must be a coordinator or admin of %(organisation)s, who can follow the escalation in Vern.")
            % {"organisation": organisation.name}
        )


def _record_change(*, escalation: Escalation, membership: Membership, note: str) -> EscalationChange:
    return EscalationChange.objects.create(
        escalation=escalation,
        at=escalation.changed_at,
        by_id=membership.user_id,
        by_organisation_id=membership.organisation_id,
        status=escalation.status,
        level=escalation.level,
        owner_organisation=escalation.owner_organisation,
        owner=escalation.owner,
        note=note,
    )


@transaction.atomic
def raise_escalation(
    *,
    membership: Membership,
    municipality: Municipality,
    title: str,
    description: str,
    level: str,
    owner_organisation: Organisation,
    owner: User | None = None,
    finding: Finding | None = None,
) -> Escalation:
    """A municipality's coordinator takes a problem upwards, on its own or from an evaluation finding."""
    if not may_coordinate(membership, municipality):
        raise PermissionError("Only the municipality's coordinators raise its escalations.")
    if not title.strip() or not description.strip():
        raise ValidationError(_("Say what the problem is and what decision it needs."))
    if level not in Escalation.Level.values:
        raise ValidationError(_("Choose the level that must decide."))
    if finding is not None and finding.municipality_id != municipality.pk:
        raise ValidationError(_("The finding is from another municipality."))
    _check_owner(municipality=municipality, organisation=owner_organisation, owner=owner)
    escalation = Escalation.objects.create(
        title=title.strip(),
        description=description.strip(),
        municipality=municipality,
        level=level,
        owner_organisation=owner_organisation,
        owner=owner,
        finding=finding,
        raised_by_id=membership.user_id,
        raised_by_organisation_id=membership.organisation_id,
    )
    _record_change(escalation=escalation, membership=membership, note="")
    return escalation


@transaction.atomic
def change_escalation(
    *,
    membership: Membership,
    escalation: Escalation,
    status: str,
    level: str,
    owner_organisation: Organisation,
    note: str,
    owner: User | None = None,
) -> EscalationChange:
    """Move an escalation on (status, level, owner) with a note saying why; the history keeps every step."""
    if not may_change_escalation(membership, escalation):
        raise PermissionError("Only the owner or the municipality's coordinators change an escalation.")
    if status not in Escalation.Status.values or level not in Escalation.Level.values:
        raise ValidationError(_("Choose a status and a level."))
    if not note.strip():
        raise ValidationError(_("Write a note: what happened, or what was decided."))
    _check_owner(municipality=escalation.municipality, organisation=owner_organisation, owner=owner)
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    locked.status, locked.level, locked.owner_organisation, locked.owner = status, level, owner_organisation, owner
    locked.changed_at = timezone.now()
    locked.save(update_fields=["status", "level", "owner_organisation", "owner", "changed_at"])
    return _record_change(escalation=locked, membership=membership, note=note.strip())


# --- Routines --------------------------------------------------------------------------------------


class StaleRoutineError(Exception):
    """Someone saved a new version of the routine after this member opened it."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else has saved a new version of this routine since you opened it. Your text has not been "
                "saved; it is still in the form below. Open the routine in a new tab to compare."
            )
        )


def step_codes(municipality: Municipality) -> list[str]:
    """The codes of the steps in the municipality's chain templates, in order."""
    steps = ChainStep.objects.filter(template__municipality=municipality).order_by("template__track", "order")
    return list(dict.fromkeys(steps.values_list("code", flat=True)))


def _check_routine(
    *, membership: Membership, municipality: Municipality, step_code: str, title: str, body: str
) -> None:
    if not may_coordinate(membership, municipality):
        raise PermissionError("Only the municipality's coordinators write its routines.")
    if step_code and step_code not in step_codes(municipality):
        raise ValidationError(
            _("%(municipality)s's chain has no step “%(code)s”.")
            % {"municipality": municipality.name, "code": step_code}
        )
    if not title.strip() or not body.strip():
        raise ValidationError(_("A routine needs a title and at least one item in its checklist."))


@transaction.atomic
def write_routine(
    *, membership: Membership, municipality: Municipality, title: str, body: str, step_code: str = ""
) -> Routine:
    _check_routine(membership=membership, municipality=municipality, step_code=step_code, title=title, body=body)
    routine = Routine.objects.create(municipality=municipality, step_code=step_code, title=title.strip())
    RoutineVersion.objects.create(
        routine=routine,
        number=1,
        title=routine.title,
        body=body.strip(),
        created_by_id=membership.user_id,
        created_by_organisation_id=membership.organisation_id,
    )
    return routine


@transaction.atomic
def revise_routine(
    *,
    membership: Membership,
    routine: Routine,
    title: str,
    body: str,
    step_code: str,
    note: str,
    expected_version: int,
) -> RoutineVersion:
    """Save an edit as the routine's next version; the earlier versions stay as they were."""
    _check_routine(
        membership=membership, municipality=routine.municipality, step_code=step_code, title=title, body=body
    )
    number = expected_version + 1
    updated = Routine.objects.filter(pk=routine.pk, version=expected_version).update(
        version=number, title=title.strip(), step_code=step_code, updated_at=timezone.now()
    )
    if not updated:
        raise StaleRoutineError
    return RoutineVersion.objects.create(
        routine=routine,
        number=number,
        title=title.strip(),
        body=body.strip(),
        note=note.strip(),
        created_by_id=membership.user_id,
        created_by_organisation_id=membership.organisation_id,
    )


def routines_for_step(municipality: Municipality, step_code: str) -> QuerySet[Routine]:
    """The municipality's routines for one chain step, for the case page to link from the step."""
    return Routine.objects.filter(municipality=municipality, step_code=step_code).order_by("title")


def routines_by_step(municipality: Municipality) -> dict[str, list[Routine]]:
    """All of the municipality's step routines by step code, in one query (for pages showing many steps)."""
    grouped: dict[str, list[Routine]] = {}
    for routine in Routine.objects.filter(municipality=municipality).filter(~Q(step_code="")).order_by("title"):
        grouped.setdefault(routine.step_code, []).append(routine)
    return grouped
