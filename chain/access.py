"""Who coordinates a municipality's chain: edits its templates and reads its overview.

Coordinators and admins of the municipality's own public services (its NAV office,
child welfare, TOT coordinator…) coordinate its chain; the national coordination
unit coordinates every municipality. Private organisations take part in chains
but do not run them.
"""

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When

from cases.access import CaseAccess
from cases.models import Case
from chain.models import CaseStep, DecisionKind
from organisations.models import Membership, Municipality, Organisation

COORDINATING_ROLES = frozenset({Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN})


def coordinated_municipalities(membership: Membership) -> list[Municipality]:
    if membership.role not in COORDINATING_ROLES:
        return []
    organisation = membership.organisation
    if organisation.kind == Organisation.Kind.NATIONAL_COORDINATION:
        return list(Municipality.objects.all())
    if organisation.owner_type == Organisation.OwnerType.MUNICIPAL and organisation.municipality is not None:
        return [organisation.municipality]
    return []


def may_coordinate(membership: Membership, municipality: Municipality) -> bool:
    return municipality in coordinated_municipalities(membership)


def coordinates_any(membership: Membership) -> bool:
    """Whether the member coordinates some municipality's chain; answered without a query, for the menu."""
    if membership.role not in COORDINATING_ROLES:
        return False
    organisation = membership.organisation
    return organisation.kind == Organisation.Kind.NATIONAL_COORDINATION or (
        organisation.owner_type == Organisation.OwnerType.MUNICIPAL and organisation.municipality_id is not None
    )


def may_record_decision(access: CaseAccess, membership: Membership, kind: DecisionKind) -> bool:
    """A case decision is recorded by an organisation of a kind that makes it (UDI decides, the police receive
    the application, the lawyer is appointed), which can open the case; the owner does not write it for them."""
    return not access.must_break_glass and membership.organisation.kind in kind.recorded_by


def decision_kinds_for(case: Case) -> list[DecisionKind]:
    """The kinds of decision that apply to the case's track (the catalogue is small)."""
    return [kind for kind in DecisionKind.objects.select_related("deadline_rule") if case.track in kind.tracks]


def coordinating_organisations(municipality: Municipality) -> QuerySet[Organisation]:
    """The municipality's own public services, whose coordinators and admins coordinate its chain.

    The national coordination unit, which coordinates every municipality, is left out: it
    is not told of every step in every municipality.
    """
    return Organisation.objects.filter(
        municipality=municipality, owner_type=Organisation.OwnerType.MUNICIPAL, is_active=True
    )


def holding_organisation(municipality: Municipality) -> Organisation | None:
    """Who holds a step that no organisation has taken, and its deadline, until someone takes it.

    The municipality's TOT coordinator, else the first of its public services by name;
    without any, the national coordination unit.
    """
    tot_first = SqlCase(
        When(kind=Organisation.Kind.TOT_COORDINATOR, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        coordinating_organisations(municipality).order_by(tot_first, "name", "pk").first()
        or Organisation.objects.filter(kind=Organisation.Kind.NATIONAL_COORDINATION, is_active=True)
        .order_by("name", "pk")
        .first()
    )


def coordinator_memberships(municipality: Municipality) -> QuerySet[Membership]:
    """The members who coordinate the municipality's chain: told when a step has no one responsible."""
    return Membership.objects.filter(
        organisation__in=coordinating_organisations(municipality),
        role__in=COORDINATING_ROLES,
        user__is_active=True,
    )


def is_responsible_for_a_step(case: Case, organisation: Organisation) -> bool:
    """A role in the case (`cases.roles`): the organisation is responsible for one of its steps, in any status
    — a step it finished still makes it a partner, and one it will take is why it was given the case."""
    return CaseStep.objects.filter(case=case, responsible=organisation).exists()
