"""Starting, saving and completing a screening; turning an anonymous contact into a case."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEntry
from cases.access import get_case_for
from cases.fields import GROUP_FORMS
from cases.models import Case, CaseEvent, FieldGroup
from cases.services import add_event, create_case, read_field_groups, save_field_group
from organisations.models import Membership, Municipality, Organisation
from rights.models import CaseRight
from rights.services import update_case_right
from screening import rules
from screening.models import CatalogueVersion, ChildWelfareNotification, Screening

INTERPRETATION_RIGHT = "interpretation"
logger = logging.getLogger(__name__)


def current_time() -> datetime:
    """The moment a screening ends; decides which child welfare service is on duty (tests set it)."""
    return timezone.now()


def active_catalogue() -> CatalogueVersion:
    return CatalogueVersion.objects.get(is_active=True)


def start_screening(*, membership: Membership) -> Screening:
    organisation = membership.organisation
    return Screening.objects.create(
        organisation=organisation,
        worker_id=membership.user_id,
        version=active_catalogue(),
        municipality=organisation.municipality,
    )


def save_answers(*, screening: Screening, answers: dict[str, Any]) -> Screening:
    """Keep what the worker has answered so far (also called on every change, so nothing typed is lost)."""
    if screening.status != Screening.Status.DRAFT:
        raise ValidationError(_("This screening is completed and can no longer be changed."))
    for name, value in answers.items():
        setattr(screening, name, value)
    if answers.get("acute_danger") and screening.acute_advice_shown_at is None:
        screening.acute_advice_shown_at = timezone.now()  # the advice is on the page that saves the answer
    screening.save()
    return screening


def delete_draft(*, screening: Screening, membership: Membership) -> None:
    """A draft holds only categories; its deletion is logged by ids, like other events outside a case."""
    if screening.status != Screening.Status.DRAFT:
        raise ValidationError(_("A finished screening cannot be deleted."))
    pk = screening.pk
    screening.delete()
    logger.info("Unfinished screening %s deleted by user %s", pk, membership.user_id)


def responsible_child_welfare(
    *, municipality: Municipality | None, moment: datetime
) -> tuple[Organisation | None, bool]:
    """The child welfare service on duty in the municipality: the office in office hours, else barnevernvakten."""
    out_of_hours = not rules.is_office_hours(moment)
    kinds = [Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS] if out_of_hours else [Organisation.Kind.CHILD_WELFARE]
    kinds.append(Organisation.Kind.CHILD_WELFARE if out_of_hours else Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS)
    for kind in kinds:
        service = (
            Organisation.objects.filter(municipality=municipality, kind=kind, is_active=True).order_by("pk").first()
        )
        if service is not None:
            return service, out_of_hours
    return None, out_of_hours


@dataclass(frozen=True)
class Completion:
    routing: rules.Routing
    case: Case | None
    notification: ChildWelfareNotification | None


@transaction.atomic
def complete_screening(*, screening: Screening, membership: Membership, now: datetime | None = None) -> Completion:
    if screening.status != Screening.Status.DRAFT:
        raise ValidationError(_("This screening is already completed."))
    missing = [name for name in ("acute_danger", "possibly_minor", "outcome") if getattr(screening, name) in (None, "")]
    if missing:
        raise ValidationError(_("Answer every required question before you finish."))
    try:
        routing = rules.route(
            acute_danger=bool(screening.acute_danger),
            possibly_minor=screening.possibly_minor,
            stated_age=screening.stated_age,
            outcome=screening.outcome,
            by_child_welfare=rules.is_child_welfare(screening.organisation),
        )
    except ValueError:
        raise ValidationError(_("A child cannot decline protection. Choose another outcome.")) from None
    now = now or current_time()
    notification = None
    if routing.notify_child_welfare:
        service, out_of_hours = responsible_child_welfare(municipality=screening.municipality, moment=now)
        notification = ChildWelfareNotification.objects.create(
            screening=screening,
            from_organisation_id=membership.organisation_id,
            to_organisation=service,
            out_of_hours=out_of_hours,
        )
    screening.track = routing.track
    screening.status = Screening.Status.COMPLETED
    screening.completed_at = now
    screening.save()
    case = make_case(screening=screening, membership=membership) if routing.creates_case else None
    return Completion(routing, case, notification)


@transaction.atomic
def make_case(*, screening: Screening, membership: Membership) -> Case:
    """Open a case from a completed screening (at once when the person wants help, or later)."""
    if screening.case_id is not None:
        return screening.case  # type: ignore[return-value]
    municipality = screening.municipality or membership.organisation.municipality
    if municipality is None:
        raise ValidationError(_("Choose the municipality before opening a case."))
    case = create_case(membership=membership, municipality=municipality, track=screening.track or Case.Track.ADULT)
    screening.case = case
    screening.save(update_fields=["case"])
    add_event(case=case, kind=CaseEvent.Kind.FROM_SCREENING, membership=membership)
    carry_over(screening=screening, case=case, membership=membership)
    return case


def case_fields_from(screening: Screening) -> dict[str, dict[str, Any]]:
    """What the screening recorded, as values of the case's field groups (as their forms store them)."""
    identity: dict[str, Any] = {}
    if screening.gender and screening.gender != Screening.Gender.UNKNOWN:
        identity["gender"] = screening.gender
    if screening.stated_age is not None:
        identity["estimated_age"] = screening.stated_age
    if screening.possibly_minor:
        identity["possibly_minor"] = screening.possibly_minor
    if screening.interpreter_needed is not None:
        identity["interpreter_needed"] = "yes" if screening.interpreter_needed else "no"
    if screening.interpreter_language.strip():
        identity["interpreter_language"] = screening.interpreter_language.strip()
    criminal_case: dict[str, Any] = {}
    if screening.forms:
        criminal_case["exploitation_forms"] = list(screening.forms)
    return {FieldGroup.IDENTITY: identity, FieldGroup.CRIMINAL_CASE: criminal_case}


@transaction.atomic
def carry_over(*, screening: Screening, case: Case, membership: Membership) -> list[str]:
    """Fill the case's field groups and rights from the screening, never over what is already recorded.

    Only groups the member may change in this case, and only fields those groups have, are written; each
    save is on the timeline and in the access log as the member's (cases.services.save_field_group).
    An interpreter need marks the interpretation right as offered, unless someone already recorded it.
    Returns the groups written.
    """
    access = get_case_for(membership, case.code)
    stored = read_field_groups(access=access, membership=membership, action=AccessEntry.Action.EDIT)
    written = []
    for group, values in case_fields_from(screening).items():
        if group not in access.groups or not access.can_edit:
            continue
        fields = GROUP_FORMS[group].base_fields
        recorded = stored.get(group, {})
        missing = {
            name: value for name, value in values.items() if name in fields and recorded.get(name) in (None, "", [])
        }
        if missing:
            save_field_group(
                access=access,
                membership=membership,
                group=group,
                data=recorded | missing,
                expected_version=access.case.version,
            )
            written.append(group)
    if screening.interpreter_needed:
        _mark_interpreter_needed(screening=screening, case=access.case, membership=membership)
    return written


def _mark_interpreter_needed(*, screening: Screening, case: Case, membership: Membership) -> None:
    case_right = (
        CaseRight.objects.select_related("case", "right")
        .filter(case=case, right__code=INTERPRETATION_RIGHT, status=CaseRight.Status.NOT_OFFERED)
        .first()
    )
    if case_right is None:  # not a right of this track, or already offered, delivered or declined
        return
    today = timezone.localdate()
    screened_on = timezone.localdate(screening.completed_at) if screening.completed_at else today
    update_case_right(
        case_right=case_right,
        membership=membership,
        status=CaseRight.Status.OFFERED,
        offered_on=min(screened_on, today),
        delivered_on=None,
        declined_on=None,
        note=_("The screening recorded that an interpreter is needed."),
    )


@transaction.atomic
def mark_notified(*, notification: ChildWelfareNotification, membership: Membership) -> None:
    notification.status = ChildWelfareNotification.Status.NOTIFIED
    notification.notified_at = timezone.now()
    notification.notified_by_id = membership.user_id
    notification.save(update_fields=["status", "notified_at", "notified_by"])
