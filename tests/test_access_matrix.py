"""Every Vern URL × every kind of user: nobody reaches what their role does not allow.

The URL list is read from the URL configuration, so a new view fails this test
until its access policy is declared in POLICY below.
"""

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import create_api_token
from cases.access import get_case_for
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import ChainTemplate, DeadlineRule
from chain.services import set_deadline
from learning.models import Escalation, Routine
from learning.services import raise_escalation, write_routine
from organisations.models import Invitation, Membership
from organisations.services import invite_member
from referrals.models import Referral
from referrals.services import Ground, refer
from screening.models import ChildWelfareNotification
from screening.services import start_screening
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in

# allauth, the admin and i18n bring their own guards (the admin's log-in goes
# through Vern's MFA log-in, see vern/urls.py); every other URL is Vern's own.
FOREIGN_PREFIXES = ("accounts/", "system-admin/", "i18n/", "api/")

PUBLIC, LOGGED_IN, MEMBER, ORG_ADMIN = "public", "logged_in", "member", "org_admin"
# URLs inside a case: tried by tests/test_case_access_matrix.py against every case situation.
CASE = "case"
# URLs of one screening: only its own organisation may reach it.
SCREENING = "screening"
# Things of one municipality (routines): members elsewhere do not find them.
MUNICIPALITY = "municipality"
# Chain coordination (overview, template editor, escalations): only coordinators of a municipality's public
# services (chain.access.may_coordinate), none of the actors below; tests/test_chain_overview.py,
# tests/test_chain_editor.py and tests/test_learning.py check those who may.
COORDINATOR = "coordinator"
# National statistics: only the statisticians of the national coordination unit (none of the actors below);
# tests/test_national_statistics.py checks that they get in.
NATIONAL_STATISTICIAN = "national_statistician"
# The access log review: the organisation's data protection officer and its admins (log_review.access).
LOG_REVIEWER = "log_reviewer"
# The acting organisation's own settings (working hours): every admin sets their own organisation's.
OWN_ORGANISATION_ADMIN = "own_organisation_admin"
# The invitee's pages: whoever holds the e-mail's link, logged in or not; without it, a page saying it does not work
# (tests/test_organisations_invitations.py checks what each kind of link leads to).
INVITEE = "invitee"
POLICY = {
    "healthz": PUBLIC,
    "home": MEMBER,
    "accounts:security": LOGGED_IN,
    "accounts:log_out_everywhere": LOGGED_IN,
    "accounts:api_tokens": MEMBER,
    "accounts:revoke_api_token": MEMBER,
    "organisations:choose": LOGGED_IN,
    "organisations:members": ORG_ADMIN,
    "organisations:working_hours": OWN_ORGANISATION_ADMIN,
    "organisations:change_role": ORG_ADMIN,
    "organisations:remove": ORG_ADMIN,
    "organisations:resend_invitation": ORG_ADMIN,
    "organisations:withdraw_invitation": ORG_ADMIN,
    "invitations:open": INVITEE,
    "invitations:accept": INVITEE,
    "organisations:api_tokens": ORG_ADMIN,
    "organisations:revoke_api_token": ORG_ADMIN,
    "log_review:review": LOG_REVIEWER,
    "log_review:mark_flag": LOG_REVIEWER,
    "log_review:mark_period": LOG_REVIEWER,
    "log_review:export": LOG_REVIEWER,
    "cases:list": MEMBER,
    "cases:create": MEMBER,
    "cases:open": MEMBER,
    "cases:detail": CASE,
    "cases:edit_group": CASE,
    "cases:protect": CASE,
    "cases:break_glass": CASE,
    "cases:who_has_seen": CASE,
    "cases:assign": CASE,
    "cases:unassign": CASE,
    "cases:move_assignment": CASE,
    "cases:sharing:consent_create": CASE,
    "cases:sharing:consent_withdraw": CASE,
    "cases:sharing:disclosure_create": CASE,
    "cases:sharing:disclosure_end": CASE,
    "cases:edit_right": CASE,
    "cases:change_track": CASE,
    "cases:write_progress": CASE,
    "rights:gaps": ORG_ADMIN,
    "rights:summary": ORG_ADMIN,
    "chain:board": MEMBER,
    "chain:overview": COORDINATOR,
    "chain:choose_responsible": COORDINATOR,
    "chain:complete": SCREENING,
    "cases:add_deadline": CASE,
    "cases:finish_step": CASE,
    "cases:take_step": CASE,
    "cases:end_case": CASE,
    "cases:refer": CASE,
    "cases:hand_over": CASE,
    "referrals:inbox": MEMBER,
    "referrals:accept": SCREENING,
    "referrals:decline": SCREENING,
    "referrals:withdraw": SCREENING,
    "referrals:ask_access": SCREENING,
    "cases:move_chain": CASE,
    "cases:record_decision": CASE,
    "chain:templates": COORDINATOR,
    "chain:template_detail": COORDINATOR,
    "chain:template_edit": COORDINATOR,
    "chain:template_new_version": COORDINATOR,
    "chain:template_activate": COORDINATOR,
    "chain:template_discard": COORDINATOR,
    "chain:template_copy": COORDINATOR,
    "chain:step_add": COORDINATOR,
    "chain:step_edit": COORDINATOR,
    "chain:step_remove": COORDINATOR,
    "chain:step_move": COORDINATOR,
    "cases:meetings:convene": CASE,
    "cases:meetings:detail": CASE,
    "cases:meetings:minutes": CASE,
    "cases:meetings:add_action_item": CASE,
    "cases:meetings:add_finding": CASE,
    "learning:log": ORG_ADMIN,
    "learning:escalations": ORG_ADMIN,
    "learning:raise_escalation": COORDINATOR,
    "learning:escalation": ORG_ADMIN,
    "learning:change_escalation": COORDINATOR,
    "learning:routines": MEMBER,
    "learning:write_routine": COORDINATOR,
    "learning:routine": MUNICIPALITY,
    "learning:revise_routine": COORDINATOR,
    "learning:routine_version": MUNICIPALITY,
    "notifications:list": MEMBER,
    "notifications:mark_read": MEMBER,
    "placements:alerts": MEMBER,
    "cases:placements:start": CASE,
    "cases:placements:contact": CASE,
    "cases:placements:absconded": CASE,
    "cases:placements:renew": CASE,
    "cases:placements:end": CASE,
    "cases:placements:notify_police": CASE,
    "cases:placements:found": CASE,
    "screening:list": MEMBER,
    "screening:start": MEMBER,
    "screening:detail": SCREENING,
    "screening:step": SCREENING,
    "screening:review": SCREENING,
    "screening:delete": SCREENING,
    "screening:make_case": SCREENING,
    "screening:notification_done": SCREENING,
    "national_statistics:report": NATIONAL_STATISTICIAN,
    "national_statistics:download": NATIONAL_STATISTICIAN,
    "national_statistics:htcds": NATIONAL_STATISTICIAN,
    "national_statistics:refresh": NATIONAL_STATISTICIAN,
    "national_statistics:uploads": NATIONAL_STATISTICIAN,
    "national_statistics:remove_upload": NATIONAL_STATISTICIAN,
    "dark_figure:estimate": NATIONAL_STATISTICIAN,
    "dark_figure:download": NATIONAL_STATISTICIAN,
}
NON_CASE_URLS = sorted(name for name, policy in POLICY.items() if policy != CASE)
ACTORS = ["anonymous", "unattached", "caseworker", "org_admin", "other_org_admin", "data_protection_officer"]


def own_url_names() -> Iterator[str]:
    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None, prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(FOREIGN_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                nested = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, nested or None, route)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    yield from walk(get_resolver().url_patterns, None, "")


def test_every_own_url_has_a_declared_policy() -> None:
    assert set(own_url_names()) == set(POLICY)


def url_for(name: str, cast: Cast) -> str:
    if name in ("organisations:change_role", "organisations:remove"):
        return reverse(name, args=[cast.ngo_worker.memberships.get(organisation=cast.ngo).pk])
    if name in ("organisations:resend_invitation", "organisations:withdraw_invitation"):
        return reverse(name, args=[_invitation(cast).pk])
    if name == "invitations:open":
        return reverse(name, args=["a-token-that-opens-no-invitation"])
    if name == "organisations:revoke_api_token":
        membership = cast.ngo_worker.memberships.get(organisation=cast.ngo)
        return reverse(name, args=[create_api_token(membership=membership, name="Skript")[0].pk])
    if name == "chain:complete":
        membership = cast.ngo_worker.memberships.select_related("organisation", "user").get(organisation=cast.ngo)
        case = create_case(membership=membership, municipality=cast.oslo)
        rule = DeadlineRule.objects.get(code="support-cycle")
        deadline = set_deadline(
            access=get_case_for(membership, case.code), membership=membership, rule=rule, start=timezone.now()
        )
        return reverse(name, args=[deadline.pk])
    if name.startswith("referrals:") and POLICY[name] == SCREENING:
        sent = name in ("referrals:withdraw", "referrals:ask_access")
        return reverse(name, args=[_referral_for(cast, received=not sent).pk])
    if name == "chain:choose_responsible":  # a step of an Oslo case; tests/test_chain_owners.py has who may
        load_templates(apps.get_model)
        membership = cast.ngo_worker.memberships.select_related("organisation", "user").get(organisation=cast.ngo)
        case = create_case(membership=membership, municipality=cast.oslo)
        return reverse(name, args=[case.steps.get(status="active").pk])
    if name.startswith("chain:") and POLICY[name] == COORDINATOR and name not in ("chain:templates", "chain:overview"):
        load_templates(apps.get_model)
        template = ChainTemplate.objects.get(municipality=cast.oslo)
        if name in ("chain:step_edit", "chain:step_remove", "chain:step_move"):
            step_args: list[object] = [template.pk, template.steps.first().pk]  # type: ignore[union-attr]
            return reverse(name, args=step_args + (["up"] if name == "chain:step_move" else []))
        return reverse(name, args=[template.pk])
    if name.startswith("screening:") and POLICY[name] == SCREENING:
        membership = cast.ngo_worker.memberships.select_related("organisation").get(organisation=cast.ngo)
        screening = start_screening(membership=membership)
        if name == "screening:notification_done":
            notification = ChildWelfareNotification.objects.create(screening=screening, from_organisation=cast.ngo)
            return reverse(name, args=[notification.pk])
        args: list[object] = [screening.pk] + (["danger"] if name == "screening:step" else [])
        return reverse(name, args=args)
    if name in ("learning:escalation", "learning:change_escalation", "learning:routine", "learning:revise_routine"):
        return reverse(name, args=[learning_object(name, cast).pk])
    if name == "learning:routine_version":
        return reverse(name, args=[learning_object(name, cast).pk, 1])
    if name in ("dark_figure:download", "log_review:export"):
        return reverse(name, args=["csv"])
    if name == "national_statistics:download":
        return reverse(name, args=[2026, "csv"])
    if name in ("national_statistics:htcds", "national_statistics:refresh", "national_statistics:remove_upload"):
        return reverse(name, args=[2026])
    return reverse(name)


def _invitation(cast: Cast) -> Invitation:
    return invite_member(
        organisation=cast.ngo,
        invited_by=cast.ngo_admin.memberships.get(),
        email="invitert@test.vern.invalid",
        first_name="Ny",
        last_name="Kollega",
        role=Membership.Role.CASEWORKER,
    )


def _referral_for(cast: Cast, *, received: bool) -> Referral:
    """A referral the caseworker's organisation received (to answer) or sent (to withdraw)."""
    sender_org = cast.nav if received else cast.ngo
    receiver_org = cast.ngo if received else cast.nav
    sender = MembershipFactory.create(organisation=sender_org, role=Membership.Role.COORDINATOR)
    case = create_case(membership=sender, municipality=cast.oslo)
    return refer(
        access=get_case_for(sender, case.code),
        membership=sender,
        to=receiver_org,
        case_step=None,
        purpose="Oppfølging",
        field_groups=["identity"],
        ground=Ground(consent_form="written"),
    )


def learning_object(name: str, cast: Cast) -> Escalation | Routine:
    """An escalation or a routine of Oslo, by NAV Oslo's coordinator."""
    coordinator = cast.nav_coordinator.memberships.select_related("organisation").get(organisation=cast.nav)
    if "escalation" in name:
        return raise_escalation(
            membership=coordinator,
            municipality=cast.oslo,
            title="Ingen egnet bolig",
            description="Ingen egnet bolig på flere måneder.",
            level="municipality",
            owner_organisation=cast.nav,
        )
    return write_routine(membership=coordinator, municipality=cast.oslo, title="Barn funnet om natten", body="Ring")


def client_for(actor: str, cast: Cast) -> Client:
    return {
        "anonymous": Client,
        "unattached": lambda: client_acting_in(cast.unattached),
        "caseworker": lambda: client_acting_in(cast.ngo_worker, cast.ngo),
        "org_admin": lambda: client_acting_in(cast.ngo_admin, cast.ngo),
        "other_org_admin": lambda: client_acting_in(cast.bergen_admin, cast.bergen_org),
        "data_protection_officer": lambda: client_acting_in(
            MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.DATA_PROTECTION_OFFICER).user, cast.ngo
        ),
    }[actor]()


def expected_statuses(policy: str, actor: str) -> set[int]:
    allowed = {200, 302}
    if policy == PUBLIC:
        return allowed
    if policy == INVITEE:
        return allowed | {410}
    if actor == "anonymous":
        return {302}  # to the log-in page (checked below)
    if policy == LOGGED_IN:
        return allowed | ({403} if actor == "unattached" else set())
    if actor == "unattached":
        return {403}
    if actor == "data_protection_officer" and policy not in (LOG_REVIEWER, MUNICIPALITY, SCREENING):
        # Reviews the log and works on no case (Membership.works_on_cases): no case work, no role's pages. A
        # referral's pages answer as for a caseworker: the referral services refuse the role's answer.
        return allowed | {403} if policy == MEMBER else {403}
    if policy == MEMBER:
        return allowed
    if policy == LOG_REVIEWER:
        return {403} if actor == "caseworker" else allowed
    if policy == OWN_ORGANISATION_ADMIN and actor in ("org_admin", "other_org_admin"):
        return allowed
    if policy == COORDINATOR:
        return {403, 404} if actor == "other_org_admin" else {403}
    if policy == NATIONAL_STATISTICIAN:
        return {403}
    if policy == MUNICIPALITY:
        return {404} if actor == "other_org_admin" else allowed
    if policy == SCREENING:
        return {404} if actor == "other_org_admin" else allowed | {403, 404}
    # ORG_ADMIN: a caseworker is refused; another organisation's admin does not find the object.
    return {"caseworker": {403}, "org_admin": allowed, "other_org_admin": {200, 404}}[actor]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", NON_CASE_URLS)
def test_access(name: str, actor: str, cast: Cast) -> None:
    url = url_for(name, cast)
    client = client_for(actor, cast)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    assert response.status_code in expected_statuses(POLICY[name], actor), (name, actor, response.status_code)
    if actor == "anonymous" and POLICY[name] not in (PUBLIC, INVITEE):
        assert response["Location"].startswith("/accounts/login/")
    if actor == "other_org_admin" and name in ("organisations:change_role", "organisations:remove"):
        assert response.status_code == 404
        assert Membership.objects.filter(user=cast.ngo_worker, organisation=cast.ngo, role="caseworker").exists()
    if name == "organisations:revoke_api_token" and actor != "org_admin":
        assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
