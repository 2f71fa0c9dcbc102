"""Who reads the learning log and the escalations, and who writes routines.

The learning log and the escalations are about how the system works, not about
people: findings are written without personal data and shown without case codes.
They are shared across municipalities on purpose — a municipality learns from
what went wrong elsewhere — but kept to those who run the work: coordinators and
admins of any organisation, and the statisticians of the national coordination
unit, whose task is the national picture. Caseworkers are left out: findings are
free text written right after a case ended, and a small circle keeps the risk
that a detail identifies someone in a small municipality low.

Escalations are raised by a municipality's chain coordinators (chain.access)
and changed by them or by their owner. Routines are practical checklists:
every member reads their own municipality's, its coordinators write them.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from chain.access import COORDINATING_ROLES, coordinated_municipalities, may_coordinate
from learning.models import Escalation, Routine
from organisations.models import Membership, Municipality, Organisation


def may_read_learning(membership: Membership) -> bool:
    if membership.role == Membership.Role.STATISTICIAN:
        return membership.organisation.kind == Organisation.Kind.NATIONAL_COORDINATION
    return membership.role in COORDINATING_ROLES


def may_raise_escalations(membership: Membership) -> bool:
    return bool(coordinated_municipalities(membership))


def may_change_escalation(membership: Membership, escalation: Escalation) -> bool:
    """The municipality's coordinators, the owner, and coordinators of the owner organisation."""
    if membership.user_id == escalation.owner_id:
        return True
    if membership.organisation_id == escalation.owner_organisation_id and membership.role in COORDINATING_ROLES:
        return True
    return may_coordinate(membership, escalation.municipality)


def escalation_owners(municipalities: list[Municipality]) -> QuerySet[Organisation]:
    """Who can own an escalation in these municipalities: their organisations, or a national body."""
    return Organisation.objects.filter(
        Q(municipality__in=municipalities) | Q(municipality__isnull=True), is_active=True
    ).order_by("name")


def readable_municipalities(membership: Membership) -> list[Municipality]:
    """The member's own municipality and those they coordinate (every one, for the national unit)."""
    own = membership.organisation.municipality
    coordinated = coordinated_municipalities(membership)
    return coordinated if own is None or own in coordinated else [own, *coordinated]


def readable_routines(membership: Membership) -> QuerySet[Routine]:
    return Routine.objects.filter(municipality__in=readable_municipalities(membership))


def get_routine_for(membership: Membership, pk: int) -> Routine:
    """A routine of the member's municipality; 404 for any other, as for one that does not exist."""
    routine = readable_routines(membership).select_related("municipality").filter(pk=pk).first()
    if routine is None:
        raise Http404
    return routine
