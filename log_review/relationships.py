"""Which organisation has a part in which case: the relationships a read of the case can stand on.

Tjenstlig behov (Normen) is a reason to read, and in Vern a reason is a part in the case: owning it, being
responsible for a step or a deadline, sending or receiving a referral, being invited to a meeting, placing the
child, providing a right, writing a progress entry, keeping a follow-up after a hand-over. A sharing alone is
not a part: it allows a read, it does not give one a reason.

Each concept is asked of its own app in one query for every case in the period, so the review costs the same
number of queries however many cases were read.
"""

from collections.abc import Collection, Iterable
from datetime import datetime

from django.db.models import Q

from cases.models import Case, CaseEvent, CaseFollowUp, ProgressEntry, ProtectedCaseAccess
from chain.models import CaseDecision, CaseStep, Deadline
from meetings.models import Meeting
from placements.models import Placement
from referrals.models import Referral
from rights.models import CaseRight

# (organisation id, case id)
type Pair = tuple[int, int]


def _pairs(rows: Iterable[tuple[int | None, int]]) -> set[Pair]:
    return {(organisation_id, case_id) for organisation_id, case_id in rows if organisation_id is not None}


def related_pairs(case_ids: Collection[int], *, since: datetime, until: datetime) -> set[Pair]:
    """Every (organisation, case) with a part in the case during the period, for the given cases."""
    if not case_ids:
        return set()
    in_cases = {"case_id__in": case_ids}
    open_steps = CaseStep.objects.filter(**in_cases).filter(
        Q(started_at__isnull=True) | Q(started_at__lt=until), Q(done_at__isnull=True) | Q(done_at__gte=since)
    )
    open_deadlines = Deadline.objects.filter(**in_cases, starts_at__lt=until).filter(
        Q(done_at__isnull=True) | Q(done_at__gte=since)
    )
    referrals = Referral.objects.filter(**in_cases, created_at__lt=until)
    meetings = Meeting.objects.filter(**in_cases, convened_at__lt=until)
    invitations = Meeting.invited.through.objects.filter(meeting__case_id__in=case_ids, meeting__convened_at__lt=until)
    placements = Placement.objects.filter(**in_cases, started_at__lt=until).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    return set().union(
        _pairs(Case.objects.filter(pk__in=case_ids).values_list("owner_id", "pk")),
        _pairs(open_steps.values_list("responsible_id", "case_id")),
        _pairs(open_deadlines.values_list("organisation_id", "case_id")),
        _pairs(
            CaseDecision.objects.filter(**in_cases, recorded_at__lt=until).values_list("organisation_id", "case_id")
        ),
        _pairs(referrals.values_list("from_organisation_id", "case_id")),
        _pairs(referrals.values_list("to_organisation_id", "case_id")),
        _pairs(meetings.values_list("organisation_id", "case_id")),
        _pairs(invitations.values_list("organisation_id", "meeting__case_id")),
        _pairs(placements.values_list("organisation_id", "case_id")),
        _pairs(CaseRight.objects.filter(**in_cases).values_list("organisation_id", "case_id")),
        _pairs(
            ProgressEntry.objects.filter(**in_cases, written_at__lt=until).values_list(
                "author_organisation_id", "case_id"
            )
        ),
        _pairs(CaseFollowUp.objects.filter(**in_cases).values_list("organisation_id", "case_id")),
    )


def recorded_work(case_ids: Collection[int], *, since: datetime, until: datetime) -> tuple[set[Pair], set[Pair]]:
    """What was written on the cases in the period: (organisation, case) pairs and (user, case) pairs.

    Every piece of work in a case leaves a timeline event (a step, a referral, a meeting, a right, a progress
    entry, a decision …), so the events alone tell whether an organisation or a user did anything there.
    """
    events = CaseEvent.objects.filter(case_id__in=case_ids, at__gte=since, at__lt=until)
    by_organisation: set[Pair] = set()
    by_user: set[Pair] = set()
    for organisation_id, actor_id, case_id in events.values_list("organisation_id", "actor_id", "case_id"):
        by_organisation.add((organisation_id, case_id))
        if actor_id is not None:
            by_user.add((actor_id, case_id))
    return by_organisation, by_user


def named_for_protected(case_ids: Collection[int]) -> set[Pair]:
    """(user, case) for every user named to open a protected case (cases.access rule 5)."""
    return set(ProtectedCaseAccess.objects.filter(case_id__in=case_ids).values_list("user_id", "case_id"))
