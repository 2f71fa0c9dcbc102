"""Who may see which case, and which of its field groups.

The rules, in order:
1. An organisation sees a case it owns, or one shared with it by an active
   consent or a disclosure under a legal basis — never any other, not even that
   it exists.
2. Within the organisation, coordinators and admins see all those cases;
   caseworkers only the cases they are assigned to. Statisticians see none.
3. The owner sees every field group; a sharing organisation only the groups
   the consent or legal basis names.
4. While a child is in a protective placement, the whereabouts (contact group)
   are visible to the responsible child welfare service alone.
5. A protected case opens only for named users, and only they find it in a list
   or a search; anyone else the rules above admit opens it by its code and must
   break the glass, with a reason, which is logged and notified.
6. An organisation that handed the case over keeps a follow-up (`CaseFollowUp`):
   it opens the case and sees its way through the chain and the events addressed
   to it, but no field group and nothing to write — unless the new owner shares
   with it again. The owner does not read the groups it was not handed
   (`Case.withheld_groups`).

Every fetch of a case goes through `get_case_for`, which answers 404 for a case
the member may not see exactly as for one that does not exist.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import (
    GENERAL,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseFollowUp,
    FieldGroup,
    ProgressEntry,
    ProtectedCaseAccess,
)
from cases.roles import has_role_in
from organisations.models import Membership, Organisation
from sharing.models import Consent, Disclosure

ROLES_SEEING_ALL_CASES = frozenset(
    {Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN}
)
ALL_GROUPS = frozenset(FieldGroup.values)
GLASS_SECONDS = 30 * 60  # a broken glass opens the case for this session for half an hour (rule 5)
# Who assigns an organisation's members to a case, and who can be assigned (never a statistician).
ASSIGNING_ROLES = frozenset({Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN})
ASSIGNABLE_ROLES = frozenset({Membership.Role.CASEWORKER, Membership.Role.COORDINATOR, Membership.Role.ORG_ADMIN})


def consents_in_force() -> QuerySet[Consent]:
    """Consents given, not withdrawn and not expired, today."""
    today = timezone.localdate()
    return Consent.objects.filter(withdrawn_at__isnull=True, given_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def disclosures_in_force() -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(ended_at__isnull=True)


def active_consents(organisation: Organisation) -> QuerySet[Consent]:
    return consents_in_force().filter(organisation=organisation)


def active_disclosures(organisation: Organisation) -> QuerySet[Disclosure]:
    return disclosures_in_force().filter(organisation=organisation)


def visible_cases(membership: Membership) -> QuerySet[Case]:
    """The one scoped queryset behind every list, search, export and API read of cases."""
    if not membership.works_on_cases:
        return Case.objects.none()
    organisation = membership.organisation
    # `pk IN (subquery)` rather than correlated EXISTS: PostgreSQL hashes the small sets of shared
    # cases once instead of probing them per case (3× faster lists at 30,000 cases, bench/cases.py).
    cases = Case.objects.filter(
        Q(owner=organisation)
        | Q(pk__in=active_consents(organisation).values("case_id"))
        | Q(pk__in=active_disclosures(organisation).values("case_id"))
        | Q(pk__in=CaseFollowUp.objects.filter(organisation=organisation).values("case_id"))
    )
    if membership.role not in ROLES_SEEING_ALL_CASES:
        assigned = CaseAssignment.objects.filter(
            case=OuterRef("pk"), user_id=membership.user_id, organisation=organisation
        )
        cases = cases.filter(Exists(assigned))
    return cases


def listed_cases(membership: Membership) -> QuerySet[Case]:
    """The cases a list shows this member: those it may see (`visible_cases`), bar the protected ones it is
    not named for. A protected case is opened by its code alone, behind the glass: a list row would tell
    everyone who may see the organisation's cases that a person under high threat is there."""
    named = ProtectedCaseAccess.objects.filter(user_id=membership.user_id).values("case_id")
    return visible_cases(membership).exclude(Q(is_protected=True) & ~Q(pk__in=named))


def searchable_by_identity(membership: Membership, cases: QuerySet[Case]) -> QuerySet[Case]:
    """Of `cases`, those a search by name or date of birth may find.

    A match confirms that the person is in the case, so it is offered only where the organisation may read
    the identity group: as owner (unless identity was withheld at a hand-over) or by a sharing that covers
    it — never by a sharing of other groups or a follow-up alone — and a protected case only to a member
    named for it (the others break the glass first, from the case's code).
    """
    organisation = membership.organisation
    sharings = [
        *active_consents(organisation).values_list("case_id", "field_groups"),
        *active_disclosures(organisation).values_list("case_id", "field_groups"),
    ]
    shared = {case_id for case_id, groups in sharings if FieldGroup.IDENTITY in groups}
    withheld = {
        pk
        for pk, groups in Case.objects.filter(owner=organisation)
        .exclude(withheld_groups=[])
        .values_list("pk", "withheld_groups")
        if FieldGroup.IDENTITY in groups
    }
    named = ProtectedCaseAccess.objects.filter(user_id=membership.user_id).values("case_id")
    return (
        cases.filter(Q(owner=organisation) | Q(pk__in=shared))
        .exclude(pk__in=withheld)
        .exclude(Q(is_protected=True) & ~Q(pk__in=named))
    )


def sees_row_case(membership: Membership) -> Exists:
    """For annotating rows that have a `case_id`: whether the member may see that case (lists name a case
    only to those who may)."""
    return Exists(visible_cases(membership).filter(pk=OuterRef("case_id")))


def _granted(case: Case, organisation: Organisation) -> tuple[frozenset[str], bool]:
    """The field groups `organisation` may read in `case` (rules 3, 4 and 6), and whether it sees the case
    by a sharing (a consent or disclosure in force) — else, when not the owner, by a follow-up alone."""
    shared = False
    if case.owner_id == organisation.pk:
        groups = set(ALL_GROUPS) - set(case.withheld_groups)
    else:
        groups = set()
        for shared_groups in [
            *active_consents(organisation).filter(case=case).values_list("field_groups", flat=True),
            *active_disclosures(organisation).filter(case=case).values_list("field_groups", flat=True),
        ]:
            shared = True
            groups.update(shared_groups)
    if case.protective_placement_by_id not in (None, organisation.pk):
        groups.discard(FieldGroup.CONTACT)
    return frozenset(groups), shared


def granted_groups(case: Case, organisation: Organisation) -> frozenset[str]:
    """The field groups `organisation` may read in `case` (rules 3, 4 and 6)."""
    return _granted(case, organisation)[0]


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    groups: frozenset[str]
    can_edit: bool
    is_owner: bool
    must_break_glass: bool
    # Rule 6: the organisation handed the case over and sees it by its follow-up alone — the chain, no groups,
    # nothing to write (every case page but the case's own answers 403, `cases.views.open_case_or_404`).
    follow_up: bool = False


def is_named_for(case: Case, user_id: int) -> bool:
    return ProtectedCaseAccess.objects.filter(case=case, user_id=user_id).exists()


def owned_case_for_log_review(membership: Membership, code: str) -> Case | None:
    """The organisation's own case, for its data protection officer or admin to see who has read it.

    Normen asks the controller to review who accessed what: the log names codes and organisations, never the
    person's data, so the reviewer needs neither editing rights nor to break the glass of a protected case.
    """
    if not membership.reviews_access_log:
        return None
    return Case.objects.filter(code=code, owner_id=membership.organisation_id).first()


def get_case_for(membership: Membership, code: str, *, glass_broken: bool = False) -> CaseAccess:
    """The case as this member may use it; 404 when they may not see it at all.

    `glass_broken` is true when the member has broken the glass for this case in
    this session (cases.services.break_the_glass).
    """
    case = visible_cases(membership).select_related("owner", "municipality").filter(code=code).first()
    if case is None:
        raise Http404
    is_owner = case.owner_id == membership.organisation_id
    must_break_glass = case.is_protected and not glass_broken and not is_named_for(case, membership.user_id)
    groups, shared = _granted(case, membership.organisation)
    return CaseAccess(
        case=case,
        groups=frozenset() if must_break_glass else groups,
        can_edit=is_owner and not must_break_glass,
        is_owner=is_owner,
        must_break_glass=must_break_glass,
        follow_up=not is_owner and not shared,
    )


def may_protect(membership: Membership, access: CaseAccess) -> bool:
    """Coordinators and admins of the owning organisation protect a case.

    Sharing and editing are open to every owner member who can open the case
    (`CaseAccess.can_edit`): the caseworker who meets the person records consent.
    """
    return access.can_edit and membership.role in ROLES_SEEING_ALL_CASES


def may_assign(membership: Membership, access: CaseAccess) -> bool:
    """Coordinators and admins assign their own organisation's members to a case the organisation has a role
    in (`cases.roles`: it owns the case, is responsible for a step, accepted a referral). Seeing a case by
    consent or disclosure is not enough: an assignment makes the members' reads count as "assigned"."""
    return (
        membership.role in ASSIGNING_ROLES
        and not access.must_break_glass
        and has_role_in(access.case, membership.organisation)
    )


def assignable_members(organisation: Organisation) -> QuerySet[Membership]:
    """The members of `organisation` who can be given a case: caseworkers, coordinators and admins."""
    return (
        Membership.objects.filter(organisation=organisation, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


# Events about the case's way through the chain: step codes and organisation names, no personal data.
CHAIN_EVENT_KINDS = (
    CaseEvent.Kind.STEP_STARTED,
    CaseEvent.Kind.STEP_COMPLETED,
    CaseEvent.Kind.RESPONSIBILITY_ASSIGNED,
    CaseEvent.Kind.CHAIN_MOVED,
    CaseEvent.Kind.CASE_ENDED,
    CaseEvent.Kind.DECISION_RECORDED,
    CaseEvent.Kind.MEETING_CONVENED,
    CaseEvent.Kind.MEETING_HELD,
    CaseEvent.Kind.EVALUATION_RECORDED,
)


def visible_events(access: CaseAccess, organisation: Organisation) -> QuerySet[CaseEvent]:
    """The timeline as this organisation may see it: the owner sees all; a sharing
    organisation sees its own sharings, changes to the groups it may read and the
    case's way through the chain."""
    events = access.case.events.select_related("actor", "organisation", "audience", "member")
    if access.is_owner:
        return events
    return events.filter(
        Q(audience=organisation)
        | Q(audience__isnull=True, kind=CaseEvent.Kind.CREATED)
        | Q(audience__isnull=True, kind__in=CHAIN_EVENT_KINDS)
        | Q(audience__isnull=True, kind=CaseEvent.Kind.FIELD_GROUP_CHANGED, field_groups__0__in=sorted(access.groups))
        | Q(audience__isnull=True, kind=CaseEvent.Kind.PROGRESS_WRITTEN, field_groups__0__in=sorted(access.groups))
    )


# --- Progress entries: each organisation's own part of the case ------------------------------------------------
# Written within one's sharing, read by the owner, the author and those whose sharing covers the entry's group.


def writable_progress_groups(access: CaseAccess) -> list[str]:
    """What a member who can open the case may write a progress entry about, in field-group order: the groups
    the organisation may read (the owner: all, bar the whereabouts during another service's protective
    placement; a sharing organisation: those its consents and disclosures name) and the case in general.
    Nothing behind an unbroken glass, nothing for a follow-up after a hand-over (no information about the
    person). The owner remains the one who shares: writing never widens a sharing."""
    if access.must_break_glass or access.follow_up:
        return []
    return [group for group in FieldGroup.values if group in access.groups] + [GENERAL]


def readable_progress(access: CaseAccess, organisation: Organisation) -> QuerySet[ProgressEntry]:
    """The progress entries `organisation` may read: those about a group it may read now (the owner: every group,
    bar the whereabouts during another service's protective placement), and the general ones — all of them for
    the owner, its own for a sharing organisation. An organisation's own entry about a group whose sharing was
    withdrawn is hidden from it too: the person's withdrawal wins over authorship. Nothing behind an unbroken
    glass, nothing for a follow-up after a hand-over: an entry may say anything about the person."""
    entries = access.case.progress_entries.select_related("author_organisation", "author")
    if access.must_break_glass or access.follow_up:
        return entries.none()
    general = Q(group=GENERAL) if access.is_owner else Q(group=GENERAL, author_organisation=organisation)
    return entries.filter(Q(group__in=sorted(access.groups)) | general)
