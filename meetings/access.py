"""Who may read a meeting, and who keeps its minutes.

A meeting is read by the members of the organisation that convened it and of
the organisations invited to it — and only by those who can open the case at all
(cases.access.get_case_for, which every meeting view calls first). Others who
can see the case do not learn what was said in a meeting they were not part of.
The convening organisation keeps the minutes and the findings; action items are
added by it for any invited organisation, and by each invited organisation for itself.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from cases.access import CaseAccess, visible_cases
from cases.models import Case
from meetings.models import Meeting
from organisations.models import Membership, Organisation


def readable_meetings(access: CaseAccess, membership: Membership) -> QuerySet[Meeting]:
    """The case's meetings that the member's organisation convened or was invited to."""
    if access.must_break_glass:
        return Meeting.objects.none()
    organisation_id = membership.organisation_id
    invited = Meeting.invited.through.objects.filter(organisation_id=organisation_id).values("meeting_id")
    return Meeting.objects.filter(case=access.case).filter(Q(organisation_id=organisation_id) | Q(pk__in=invited))


def get_meeting_for(access: CaseAccess, membership: Membership, pk: int) -> Meeting:
    """A meeting of the case; 404 when the case has none with that number, 403 when the member may not read it."""
    meeting = Meeting.objects.filter(case=access.case, pk=pk).select_related("organisation").first()
    if meeting is None:
        raise Http404
    if not readable_meetings(access, membership).filter(pk=pk).exists():
        raise PermissionDenied
    return meeting


def may_keep_minutes(membership: Membership, meeting: Meeting) -> bool:
    return membership.organisation_id == meeting.organisation_id


def may_add_action_items(membership: Membership, meeting: Meeting) -> bool:
    """The convening organisation, for anyone invited; an invited organisation, for itself (the reader check
    comes first: get_meeting_for)."""
    return may_keep_minutes(membership, meeting) or meeting.invited.filter(pk=membership.organisation_id).exists()


def organisation_sees_case(organisation: Organisation, case: Case) -> bool:
    """Whether any member of `organisation` can open the case: its coordinators see every case it sees."""
    coordinator = Membership(organisation=organisation, role=Membership.Role.COORDINATOR)
    return visible_cases(coordinator).filter(pk=case.pk).exists()
