"""Screenings belong to the organisation whose worker made them; only the worker edits a draft."""

from django.db.models import Q, QuerySet
from django.http import Http404

from organisations.models import Membership
from screening.models import ChildWelfareNotification, Screening


def screenings_of(membership: Membership) -> QuerySet[Screening]:
    if not membership.works_on_cases:
        return Screening.objects.none()
    return Screening.objects.filter(organisation_id=membership.organisation_id)


def get_screening_for(membership: Membership, pk: int, *, edit: bool = False) -> Screening:
    screening = (
        screenings_of(membership)
        .select_related("version", "case", "municipality", "organisation")
        .filter(pk=pk)
        .first()
    )
    if screening is None or (edit and (screening.worker_id != membership.user_id or screening.status != "draft")):
        raise Http404
    return screening


def notifications_for(membership: Membership) -> QuerySet[ChildWelfareNotification]:
    """Notifications this organisation must send, or that are addressed to it."""
    organisation = membership.organisation_id
    return ChildWelfareNotification.objects.filter(
        Q(from_organisation_id=organisation) | Q(to_organisation_id=organisation)
    ).select_related("screening", "from_organisation", "to_organisation")
