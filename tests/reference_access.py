"""A deliberately simple, independent model of who may see what in a case.

It restates the rules of cases/access.py in plain Python over plain facts, so
the real (query-based) implementation can be checked against it.
"""

from dataclasses import dataclass, field
from datetime import date

ALL_GROUPS = frozenset({"identity", "contact", "health", "immigration", "criminal_case", "family"})
SEES_ALL_ROLES = frozenset({"coordinator", "org_admin", "system_admin"})


@dataclass(frozen=True)
class Sharing:
    organisation: int
    groups: frozenset[str]
    active: bool


@dataclass
class CaseFacts:
    owner: int
    assigned: set[tuple[int, int]] = field(default_factory=set)  # (user, organisation)
    sharings: list[Sharing] = field(default_factory=list)
    protected: bool = False
    named: set[int] = field(default_factory=set)
    placement_by: int | None = None
    # Organisations with a role in the case besides the owner: responsible for a step, or accepted a referral.
    roles: set[int] = field(default_factory=set)
    # Organisations that handed the case over and follow it: they open it, read no group, write nothing.
    follow_up: set[int] = field(default_factory=set)
    # Groups the owner was not handed: nobody reads them.
    withheld: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Actor:
    user: int
    organisation: int
    role: str


def shared_with(case: CaseFacts, organisation: int) -> bool:
    return any(s.active and s.organisation == organisation for s in case.sharings)


def organisation_sees(case: CaseFacts, organisation: int) -> bool:
    return case.owner == organisation or shared_with(case, organisation) or organisation in case.follow_up


def follows_up_only(actor: Actor, case: CaseFacts) -> bool:
    """Sees the case only because its organisation handed it over: every page but the case's own is refused."""
    return (
        sees(actor, case)
        and actor.organisation != case.owner
        and not shared_with(case, actor.organisation)
        and actor.organisation in case.follow_up
    )


def sees(actor: Actor, case: CaseFacts) -> bool:
    # Statisticians count and data protection officers review the log: neither works on a case.
    if actor.role in ("statistician", "dpo") or not organisation_sees(case, actor.organisation):
        return False
    return actor.role in SEES_ALL_ROLES or (actor.user, actor.organisation) in case.assigned


LOG_REVIEWING_ROLES = frozenset({"dpo", "org_admin", "system_admin"})


def sees_who_has_seen(actor: Actor, case: CaseFacts) -> bool:
    """The owner's data protection officer and admins see who has read the case: the log, never its content."""
    return actor.role in LOG_REVIEWING_ROLES and actor.organisation == case.owner


def must_break_glass(actor: Actor, case: CaseFacts) -> bool:
    return sees(actor, case) and case.protected and actor.user not in case.named


def listed(actor: Actor, case: CaseFacts) -> bool:
    """Lists show a case to those who see it, bar a protected one to those not named for it (issue 15)."""
    return sees(actor, case) and not must_break_glass(actor, case)


def groups(actor: Actor, case: CaseFacts) -> frozenset[str]:
    if not sees(actor, case) or must_break_glass(actor, case):
        return frozenset()
    if case.owner == actor.organisation:
        granted = set(ALL_GROUPS) - case.withheld
    else:
        granted = set()
        for sharing in case.sharings:
            if sharing.active and sharing.organisation == actor.organisation:
                granted |= sharing.groups
    if case.placement_by is not None and case.placement_by != actor.organisation:
        granted.discard("contact")
    return frozenset(granted)


ASSIGNING_ROLES = frozenset({"coordinator", "org_admin"})


def may_assign(actor: Actor, case: CaseFacts) -> bool:
    """Coordinators and admins assign their own members, on a case their organisation owns or has a role in,
    once they can open it (a protected case: named, or after breaking the glass). Seeing is not enough."""
    has_role = actor.organisation == case.owner or actor.organisation in case.roles
    return (
        actor.role in ASSIGNING_ROLES
        and has_role
        and sees(actor, case)
        and not must_break_glass(actor, case)
        and not follows_up_only(actor, case)
    )


def consent_active(*, given_on: date, expires_on: date | None, withdrawn: bool, today: date) -> bool:
    return not withdrawn and given_on <= today and (expires_on is None or expires_on >= today)


def may_write_as_provider(actor: Actor, case: CaseFacts, providers: set[int]) -> bool:
    """A right (or a case decision) is written by the owner, or by an organisation the case is shared with whose
    kind provides (or decides) it — `providers` are those organisations — and never behind an unbroken glass."""
    if not sees(actor, case) or must_break_glass(actor, case) or follows_up_only(actor, case):
        return False
    return actor.organisation == case.owner or actor.organisation in providers


def may_record_decision(actor: Actor, case: CaseFacts, deciders: set[int]) -> bool:
    """A case decision is recorded only by an organisation of a kind that makes it, which can open the case."""
    return sees(actor, case) and not must_break_glass(actor, case) and actor.organisation in deciders


GENERAL = "general"  # a progress entry about the case as a whole


def may_write_progress(actor: Actor, case: CaseFacts, group: str) -> bool:
    """A progress entry is written by a member who can open the case (named, or after breaking the glass), about
    a group their organisation may read, or in general — never by a follow-up after a hand-over."""
    if not sees(actor, case) or must_break_glass(actor, case) or follows_up_only(actor, case):
        return False
    return group == GENERAL or group in groups(actor, case)


def reads_progress(actor: Actor, case: CaseFacts, *, group: str, author: int) -> bool:
    """An entry is read by whoever may read its group now; a general one by the owner and its author only; none by
    a follow-up after a hand-over (an entry may say anything about the person)."""
    if not sees(actor, case) or must_break_glass(actor, case) or follows_up_only(actor, case):
        return False
    if group == GENERAL:
        return actor.organisation in (case.owner, author)
    return group in groups(actor, case)
