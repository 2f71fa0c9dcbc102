"""Starting, saving and completing a screening; turning an anonymous contact into a case."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from cases.services import create_case
from organisations.models import Membership, Municipality, Organisation
from screening import rules
from screening.models import CatalogueVersion, ChildWelfareNotification, Screening


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
    return case


@transaction.atomic
def mark_notified(*, notification: ChildWelfareNotification, membership: Membership) -> None:
    notification.status = ChildWelfareNotification.Status.NOTIFIED
    notification.notified_at = timezone.now()
    notification.notified_by_id = membership.user_id
    notification.save(update_fields=["status", "notified_at", "notified_by"])
