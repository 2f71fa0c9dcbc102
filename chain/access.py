"""Who coordinates a municipality's chain: edits its templates and reads its overview.

Coordinators and admins of the municipality's own public services (its NAV office,
child welfare, TOT coordinator…) coordinate its chain; the national coordination
unit coordinates every municipality. Private organisations take part in chains
but do not run them.
"""

from cases.models import Case
from chain.models import CaseStep
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


def is_responsible_for_a_step(case: Case, organisation: Organisation) -> bool:
    """A role in the case (`cases.roles`): the organisation is responsible for one of its steps, in any status
    — a step it finished still makes it a partner, and one it will take is why it was given the case."""
    return CaseStep.objects.filter(case=case, responsible=organisation).exists()
