"""The organisations a case can be shared with, referred or handed over to, or that can be invited to its meetings.

Those of the case's municipality, and the bodies outside it that have a role in the case's track: the national
ones (UDI, Bufetat…) and the police district that covers the municipality. Which kinds have a role in the track
is the chain's knowledge (the kinds its template for the municipality and track makes responsible for a step);
the chain registers it here from its `AppConfig.ready`, so that `sharing` need not know it. When no template
says (the municipality has none for the track), the kinds that act nationally in individual cases count.

Never the case's own owner, and never the national coordination unit, which counts cases but has no role in one.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from cases.models import Case
from organisations.models import Organisation

# `roles(case)`: a filter on the organisations outside the municipality with a role in the case's track, or
# None when it does not know the track (no template).
type TrackRoles = Callable[[Case], Q | None]

NATIONALLY_ACTING_KINDS = (
    Organisation.Kind.UDI,
    Organisation.Kind.BUFETAT,
    Organisation.Kind.POLICE_DISTRICT,
)

_roles: dict[str, TrackRoles] = {}


def register_track_roles(name: str, roles: TrackRoles) -> None:
    """Register `roles(case)`. Registering the same name again replaces it (tests and reloads stay idempotent)."""
    _roles[name] = roles


def _with_a_role_in_track(case: Case) -> Q:
    known = [q for roles in _roles.values() if (q := roles(case)) is not None]
    if not known:
        return Q(kind__in=NATIONALLY_ACTING_KINDS)
    combined = Q(pk__in=[])
    for q in known:
        combined |= q
    return combined


def partners_of(case: Case) -> QuerySet[Organisation]:
    """The active organisations the case may go to, by kind and name (see the module's docstring)."""
    police = Organisation.Kind.POLICE_DISTRICT
    district = case.municipality.police_district
    covering_police = Q(kind=police, name=district) if district else Q(pk__in=[])
    outside = (Q(municipality__isnull=True) & ~Q(kind=police)) | covering_police
    return (
        Organisation.objects.filter(is_active=True)
        .filter(Q(municipality_id=case.municipality_id) | (outside & _with_a_role_in_track(case)))
        .exclude(pk=case.owner_id)
        .exclude(kind=Organisation.Kind.NATIONAL_COORDINATION)
        .order_by("kind", "name", "pk")
    )
