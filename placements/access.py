"""Who sees a child's placements, and who acts on them.

- A child welfare service (the office or the out-of-hours service) that can open
  a child's case places the child; the placement makes it the responsible service.
- Only the responsible service acts on a placement: renews and ends it, records
  contact and absconding, reports a missing child to the police, and closes the
  alert when the child is found.
- The case owner and child welfare services that can open the case see its
  placements; other organisations the case is shared with do not.
- The police district told of a missing child sees that alert, by pseudonym code,
  in its list of alerts — and the case only if the case is shared with it.
"""

from django.db.models import Q, QuerySet

from cases.access import CaseAccess, visible_cases
from cases.models import Case
from organisations.models import Membership, Organisation
from placements.models import MissingChildAlert, Placement

CHILD_WELFARE_KINDS = frozenset({Organisation.Kind.CHILD_WELFARE, Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS})


def is_child_welfare(membership: Membership) -> bool:
    return membership.organisation.kind in CHILD_WELFARE_KINDS


def may_view(membership: Membership, access: CaseAccess) -> bool:
    return not access.must_break_glass and (access.is_owner or is_child_welfare(membership))


def may_place(membership: Membership, access: CaseAccess) -> bool:
    return not access.must_break_glass and is_child_welfare(membership) and access.case.track == Case.Track.CHILD


def may_act(membership: Membership, access: CaseAccess, placement: Placement) -> bool:
    return not access.must_break_glass and placement.organisation_id == membership.organisation_id


def alerts_for(membership: Membership) -> QuerySet[MissingChildAlert]:
    """Open alerts of the placements the member's service is responsible for, and those reported to its police."""
    return MissingChildAlert.objects.filter(closed_at__isnull=True).filter(
        Q(placement__organisation_id=membership.organisation_id, placement__case__in=visible_cases(membership))
        | Q(police_organisation_id=membership.organisation_id)
    )
