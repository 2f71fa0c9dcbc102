"""Every URL inside a case × every kind of member × every situation of the case.

Situations: a case shared by consent, a protected case, a case of an unrelated
organisation, and a child in a protective placement. For each, the response
must match tests/reference_access.py: 404 where the member may not see the case
(exactly as for a missing one), and no field group's values in any page of a
member not granted that group. A new case URL is tried automatically once it is
declared CASE in tests/test_access_matrix.py.
"""

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import create_api_token
from cases import services
from cases.access import get_case_for, writable_progress_groups
from cases.models import Case, CaseAssignment, FieldGroup, ProgressEntry
from chain.models import CaseStep
from meetings.models import Meeting
from organisations.models import Membership, Organisation
from referrals import services as referral_services
from sharing import services as sharing_services
from sharing.models import Consent, Disclosure, LegalBasis
from tests import reference_access as ref
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in
from tests.test_access_matrix import CASE, POLICY

CASE_URLS = sorted(name for name, policy in POLICY.items() if policy == CASE)
# handed_over: the NGO handed the case over to NAV (identity and immigration only) and follows it up.
SITUATIONS = ["shared", "protected", "foreign", "placement", "handed_over"]
# A value per field group that must appear only in pages of members granted that group.
SENTINELS = {
    FieldGroup.IDENTITY: ("first_name", "Sentinelidentity"),
    FieldGroup.CONTACT: ("address", "Sentinelcontact"),
    FieldGroup.HEALTH: ("needs", "Sentinelhealth"),
    FieldGroup.IMMIGRATION: ("status", "Sentinelimmigration"),
    FieldGroup.CRIMINAL_CASE: ("status", "Sentinelcriminal"),
    FieldGroup.FAMILY: ("notes", "Sentinelfamily"),
}


@dataclass
class World:
    cast: Cast
    child_welfare: Organisation
    cw_coordinator: Any
    cases: dict[str, Case]
    facts: dict[str, ref.CaseFacts]
    ngo_dpo: Any

    def actors(self) -> dict[str, tuple[Any, Organisation | None]]:
        c = self.cast
        return {
            "anonymous": (None, None),
            "unattached": (c.unattached, None),
            "statistician": (c.statistician, c.statistician.memberships.get().organisation),
            "ngo_worker": (c.ngo_worker, c.ngo),
            "ngo_colleague": (c.ngo_colleague, c.ngo),
            "ngo_admin": (c.ngo_admin, c.ngo),
            "nav_coordinator": (c.nav_coordinator, c.nav),
            "nav_worker": (c.nav_worker, c.nav),
            "bergen_admin": (c.bergen_admin, c.bergen_org),
            "cw_coordinator": (self.cw_coordinator, self.child_welfare),
            "ngo_dpo": (self.ngo_dpo, c.ngo),
        }


def _member(user: Any, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=user, organisation=organisation)


def _fill(case: Case, owner: Membership) -> None:
    access = get_case_for(owner, case.code, glass_broken=True)
    for group, (name, value) in SENTINELS.items():
        current = Case.objects.get(pk=case.pk).version
        services.save_field_group(
            access=access, membership=owner, group=group, data={name: value}, expected_version=current
        )


def _consent(case: Case, owner: Membership, organisation: Organisation, groups: list[str]) -> None:
    sharing_services.record_consent(
        access=get_case_for(owner, case.code, glass_broken=True),
        membership=owner,
        organisation=organisation,
        field_groups=groups,
        purpose="Oppfølging",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate() - timedelta(days=1),
        expires_on=None,
    )


def _disclose(case: Case, owner: Membership, organisation: Organisation, groups: list[str]) -> None:
    sharing_services.disclose(
        access=get_case_for(owner, case.code, glass_broken=True),
        membership=owner,
        organisation=organisation,
        field_groups=groups,
        legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"),
        justification="Barnet kan være under 18 år.",
        person_informed=False,
        informed_on=None,
    )


@pytest.fixture
def world(cast: Cast, chain_templates: None) -> World:
    child_welfare = OrganisationFactory.create(
        name="Barnevernet Oslo",
        kind=Organisation.Kind.CHILD_WELFARE,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=cast.oslo,
    )
    cw_coordinator = MembershipFactory.create(organisation=child_welfare, role=Membership.Role.COORDINATOR).user
    ngo_worker = _member(cast.ngo_worker, cast.ngo)
    bergen = _member(cast.bergen_admin, cast.bergen_org)
    cases: dict[str, Case] = {}
    facts: dict[str, ref.CaseFacts] = {}
    ids = {"ngo": cast.ngo.pk, "nav": cast.nav.pk, "cw": child_welfare.pk}

    for name in ("shared", "protected", "placement"):
        case = services.create_case(membership=ngo_worker, municipality=cast.oslo)
        _fill(case, ngo_worker)
        cases[name] = case
    # A child case: Bergen's shipped chain is the child TOT model, so the foreign case has steps too.
    cases["foreign"] = services.create_case(membership=bergen, municipality=cast.bergen, track=Case.Track.CHILD)
    _fill(cases["foreign"], bergen)

    _consent(cases["shared"], ngo_worker, cast.nav, ["identity", "health"])
    _disclose(cases["shared"], ngo_worker, cast.tot, ["identity"])
    _consent(cases["protected"], ngo_worker, cast.nav, ["identity"])
    _disclose(cases["protected"], ngo_worker, cast.tot, ["identity"])
    admin = _member(cast.ngo_admin, cast.ngo)
    services.set_protection(
        access=get_case_for(admin, cases["protected"].code), membership=ngo_worker, protected=True, named_users=[]
    )
    _disclose(cases["placement"], ngo_worker, child_welfare, ["identity", "contact"])
    _consent(cases["placement"], ngo_worker, cast.nav, ["identity", "contact"])
    Case.objects.filter(pk=cases["placement"].pk).update(protective_placement_by=child_welfare)
    _consent(cases["foreign"], bergen, cast.nav, ["identity"])  # shared with NAV but NAV's caseworker is not assigned
    _disclose(cases["foreign"], bergen, cast.nav, ["identity"])
    Consent.objects.filter(case=cases["foreign"]).update(withdrawn_at=timezone.now())  # …and withdrawn
    Disclosure.objects.filter(case=cases["foreign"]).update(ended_at=timezone.now())  # …and ended

    # The NGO hands a case over to NAV with identity and immigration only; NAV accepts and owns it.
    handed = services.create_case(membership=ngo_worker, municipality=cast.oslo)
    _fill(handed, ngo_worker)
    handover = referral_services.hand_over(
        access=get_case_for(ngo_worker, handed.code),
        membership=ngo_worker,
        to=cast.nav,
        case_step=None,
        purpose="Overføring",
        field_groups=["identity", "immigration"],
        ground=referral_services.Ground(consent_form="written"),
    )
    nav_coordinator = _member(cast.nav_coordinator, cast.nav)
    referral_services.accept(referral=handover, membership=nav_coordinator)
    _disclose(handed, nav_coordinator, cast.tot, ["identity"])
    cases["handed_over"] = handed

    def assigned(case: Case) -> set[tuple[int, int]]:
        return set(CaseAssignment.objects.filter(case=case).values_list("user_id", "organisation_id"))

    facts["shared"] = ref.CaseFacts(
        owner=ids["ngo"],
        assigned=assigned(cases["shared"]),
        sharings=[
            ref.Sharing(ids["nav"], frozenset({"identity", "health"}), True),
            ref.Sharing(cast.tot.pk, frozenset({"identity"}), True),
        ],
    )
    facts["protected"] = ref.CaseFacts(
        owner=ids["ngo"],
        assigned=assigned(cases["protected"]),
        sharings=[
            ref.Sharing(ids["nav"], frozenset({"identity"}), True),
            ref.Sharing(cast.tot.pk, frozenset({"identity"}), True),
        ],
        protected=True,
        named={cast.ngo_worker.pk},
    )
    facts["placement"] = ref.CaseFacts(
        owner=ids["ngo"],
        assigned=assigned(cases["placement"]),
        sharings=[
            ref.Sharing(ids["cw"], frozenset({"identity", "contact"}), True),
            ref.Sharing(ids["nav"], frozenset({"identity", "contact"}), True),
        ],
        placement_by=ids["cw"],
    )
    facts["foreign"] = ref.CaseFacts(
        owner=cast.bergen_org.pk,
        assigned=assigned(cases["foreign"]),
        sharings=[ref.Sharing(ids["nav"], frozenset({"identity"}), False)],
    )
    facts["handed_over"] = ref.CaseFacts(
        owner=ids["nav"],
        assigned=assigned(handed),
        sharings=[
            ref.Sharing(ids["nav"], frozenset({"identity", "immigration"}), True),  # the hand-over's consent
            ref.Sharing(cast.tot.pk, frozenset({"identity"}), True),
        ],
        follow_up={ids["ngo"]},
        withheld=frozenset({"contact", "health", "criminal_case", "family"}),
    )
    ngo_dpo = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.DATA_PROTECTION_OFFICER).user
    return World(cast, child_welfare, cw_coordinator, cases, facts, ngo_dpo)


def _url(name: str, case: Case) -> str:
    args: list[Any] = [case.code]
    if name == "cases:edit_group":
        args.append(FieldGroup.IDENTITY)
    elif name == "cases:edit_right":
        args.append(case.rights.select_related("right").order_by("right__order").first().right.code)  # type: ignore[union-attr]
    elif name == "cases:record_decision":
        args.append("lawyer-appointed")  # both tracks
    elif name == "cases:sharing:consent_withdraw":
        args.append(Consent.objects.filter(case=case).order_by("pk").first().pk)  # type: ignore[union-attr]
    elif name in ("cases:finish_step", "cases:take_step"):
        args.append(CaseStep.objects.filter(case=case).order_by("step__order").first().step.code)  # type: ignore[union-attr]
    elif name == "cases:sharing:disclosure_end":
        args.append(Disclosure.objects.filter(case=case).order_by("pk").first().pk)  # type: ignore[union-attr]
    elif name.startswith("cases:meetings:") and name != "cases:meetings:convene":
        # An evaluation meeting convened by the owner, with the owner invited: every meeting page applies.
        meeting = Meeting.objects.create(
            case=case, kind=Meeting.Kind.EVALUATION, scheduled_at=timezone.now(), organisation=case.owner
        )
        meeting.invited.set([case.owner])
        args.append(meeting.pk)
    return reverse(name, args=args)


def _sharing_state(case: Case) -> tuple[Any, ...]:
    return (
        tuple(Consent.objects.filter(case=case).order_by("pk").values_list("withdrawn_at", flat=True)),
        tuple(Disclosure.objects.filter(case=case).order_by("pk").values_list("ended_at", flat=True)),
        tuple(CaseAssignment.objects.filter(case=case).values_list("user_id", "organisation_id")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("name", CASE_URLS)
def test_case_url(name: str, situation: str, world: World) -> None:
    case, facts = world.cases[situation], world.facts[situation]
    url = _url(name, case)
    problems = []
    for label, (user, organisation) in world.actors().items():
        with transaction.atomic():
            client = Client() if user is None else client_acting_in(user, organisation)
            before = _sharing_state(case)
            response = client.get(url)
            method = "GET"
            if response.status_code == 405:
                method = "POST"
                response = client.post(url, {"user": user.pk if user else ""})
            problem = _check(label, user, organisation, facts, response, name=name)
            if problem:
                problems.append(f"{label} {method}: {problem}")
            actor_sees = user is not None and organisation is not None and ref.sees(_actor(user, organisation), facts)
            if method == "POST" and not actor_sees and _sharing_state(case) != before:
                problems.append(f"{label} POST changed a case it cannot see")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def _actor(user: Any, organisation: Organisation) -> ref.Actor:
    return ref.Actor(user.pk, organisation.pk, Membership.objects.get(user=user, organisation=organisation).role)


def _check(
    label: str, user: Any, organisation: Organisation | None, facts: ref.CaseFacts, response: Any, *, name: str = ""
) -> str:
    status = response.status_code
    if user is None:
        return "" if status == 302 and response["Location"].startswith("/accounts/login/") else f"status {status}"
    if organisation is None:
        return "" if status == 403 else f"status {status} for a user with no organisation"
    actor = _actor(user, organisation)
    if name == "cases:who_has_seen" and ref.sees_who_has_seen(actor, facts):
        if status != 200:
            return f"status {status}, expected 200 (reviews the owner's log)"
        leaked = [group for group, (_, value) in SENTINELS.items() if value in response.content.decode()]
        return f"leaked {leaked}" if leaked else ""
    if not ref.sees(actor, facts):
        return "" if status == 404 else f"status {status}, expected 404"
    if status not in (200, 302, 403, 404) or (status == 404 and not ref.must_break_glass(actor, facts)):
        return f"status {status}"
    body = response.content.decode()
    granted = ref.groups(actor, facts)
    leaked = [group for group, (_, value) in SENTINELS.items() if value in body and group not in granted]
    return f"leaked {leaked}" if leaked else ""


@pytest.mark.django_db
def test_the_reference_model_agrees_on_what_each_member_sees_in_the_world(world: World) -> None:
    """The pages above could hide a leak behind a 403; check the field groups themselves too."""
    for situation, case in world.cases.items():
        for label, (user, organisation) in world.actors().items():
            if user is None or organisation is None:
                continue
            membership = _member(user, organisation)
            actor = _actor(user, organisation)
            if not ref.sees(actor, world.facts[situation]):
                continue
            access = get_case_for(membership, case.code)
            assert access.groups == ref.groups(actor, world.facts[situation]), (situation, label)
            assert access.must_break_glass == ref.must_break_glass(actor, world.facts[situation]), (situation, label)


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
def test_the_api_follows_the_same_rules(situation: str, world: World) -> None:
    """The same matrix through the JSON API: list and detail, per member with their own token."""
    case, facts = world.cases[situation], world.facts[situation]
    problems = []
    for label, (user, organisation) in world.actors().items():
        if user is None or organisation is None:
            continue
        _token, key = create_api_token(membership=_member(user, organisation), name="matrix")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        actor = _actor(user, organisation)
        listed = case.code in {item["code"] for item in client.get("/api/v1/cases?limit=200").json()["items"]}
        if listed != ref.listed(actor, facts):
            problems.append(f"{label}: listed={listed}")
        response = client.get(f"/api/v1/cases/{case.code}")
        if not ref.sees(actor, facts):
            expected = 404
        elif ref.must_break_glass(actor, facts):
            expected = 403
        else:
            expected = 200
        if response.status_code != expected:
            problems.append(f"{label}: status {response.status_code}, expected {expected}")
        granted = ref.groups(actor, facts)
        leaked = [group for group, (_, value) in SENTINELS.items() if value in response.text and group not in granted]
        if leaked:
            problems.append(f"{label}: leaked {leaked}")
        if expected == 200 and set(response.json()["field_groups"]) != set(granted):
            problems.append(f"{label}: groups {sorted(response.json()['field_groups'])}, expected {sorted(granted)}")
    assert not problems, "\n".join(problems)


RIGHTS_FIXTURE = Path(__file__).resolve().parent.parent / "rights" / "fixtures" / "rights_v1.json"


def _providers(right_code: str) -> set[str]:
    """Read from the catalogue file itself, not through the code under test."""
    return set(next(r for r in json.loads(RIGHTS_FIXTURE.read_text()) if r["code"] == right_code)["provided_by"])


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
def test_a_right_is_written_by_the_owner_or_the_organisation_that_provides_it(situation: str, world: World) -> None:
    """POST a right as every member: only the owner and a provider the case is shared with change it."""
    case, facts = world.cases[situation], world.facts[situation]
    code = "accommodation"  # both tracks; NAV, shelters and child welfare services provide it
    kinds = _providers(code)
    url = reverse("cases:edit_right", args=[case.code, code])
    today = timezone.localdate()
    data = {"status": "offered", "offered_on": today.strftime("%d.%m.%Y"), "note": ""}
    problems = []
    for label, (user, organisation) in world.actors().items():
        with transaction.atomic():
            client = Client() if user is None else client_acting_in(user, organisation)
            response = client.post(url, data)
            status = case.rights.get(right__code=code).status
            writes = False
            if user is None or organisation is None:
                expected = 302 if user is None else 403
            else:
                actor = _actor(user, organisation)
                providers = {o.pk for o in Organisation.objects.filter(kind__in=kinds)}
                if not ref.sees(actor, facts) or ref.must_break_glass(actor, facts):
                    expected = 404
                elif ref.may_write_as_provider(actor, facts, providers):
                    expected, writes = 302, True
                else:
                    expected = 403
            if response.status_code != expected:
                problems.append(f"{label}: status {response.status_code}, expected {expected}")
            if (status == "offered") != writes:
                problems.append(f"{label}: right is {status}")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


ASSIGN_URLS = ["cases:assign", "cases:unassign", "cases:move_assignment"]


@pytest.mark.django_db
@pytest.mark.parametrize("situation", [*SITUATIONS, "nav_responsible"])
@pytest.mark.parametrize("name", ASSIGN_URLS)
def test_assignment_changes_only_where_the_organisation_has_a_role(name: str, situation: str, world: World) -> None:
    """Every member × own, sharing and unrelated organisation × protected: the assignment URLs change the
    organisation's own assignments exactly when the reference says it may assign, and never on a case it
    cannot see (issue 15, hole 3: a sharing coordinator's POST changes nothing)."""
    if situation == "nav_responsible":
        # The shared case, with NAV responsible for its support step: NAV may now assign its own members.
        case = world.cases["shared"]
        CaseStep.objects.filter(case=case, step__code="support-while-pending").update(responsible=world.cast.nav)
        facts = replace(world.facts["shared"], roles={world.cast.nav.pk})
    else:
        case, facts = world.cases[situation], world.facts[situation]
    url = reverse(name, args=[case.code])
    problems = []
    for label, (user, organisation) in world.actors().items():
        if user is None or organisation is None:
            continue
        with transaction.atomic():
            # A colleague of the actor, who is never an actor: the one given, taken off or moved.
            colleague = MembershipFactory.create(organisation=organisation, role=Membership.Role.CASEWORKER).user
            data: dict[str, Any] = {"user": colleague.pk}
            if name != "cases:assign":
                CaseAssignment.objects.create(case=case, user=colleague, organisation=organisation)
                data["to"] = user.pk
            response = client_acting_in(user, organisation).post(url, data)
            held = CaseAssignment.objects.filter(case=case, user=colleague, organisation=organisation).exists()
            changed = held if name == "cases:assign" else not held
            actor = _actor(user, organisation)
            expected = ref.may_assign(actor, facts)
            if changed != expected:
                problems.append(f"{label}: changed={changed}, expected {expected}")
            if not ref.sees(actor, facts) and response.status_code != 404:
                problems.append(f"{label}: status {response.status_code} on a case it cannot see, expected 404")
            elif response.status_code not in (302, 403, 404):
                problems.append(f"{label}: status {response.status_code}")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


PROGRESS_GROUPS = [ref.GENERAL, FieldGroup.IDENTITY, FieldGroup.HEALTH, FieldGroup.CONTACT, FieldGroup.CRIMINAL_CASE]


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
def test_a_progress_entry_is_written_only_within_the_sharing(situation: str, world: World) -> None:
    """POST a progress entry about each group as every member: written exactly where the reference says (own,
    sharing and unrelated organisation × protected, placement), 404 where the case cannot be seen, and a
    refusal never saves anything or widens a sharing."""
    case, facts = world.cases[situation], world.facts[situation]
    url = reverse("cases:write_progress", args=[case.code])
    problems = []
    for label, (user, organisation) in world.actors().items():
        for group in PROGRESS_GROUPS:
            with transaction.atomic():
                client = Client() if user is None else client_acting_in(user, organisation)
                before = _sharing_state(case)
                response = client.post(url, {"group": group, "text": "Fremdrift i saken"})
                written = ProgressEntry.objects.filter(case=case).exists()
                if user is None or organisation is None:
                    expected, status = False, {302 if user is None else 403}
                else:
                    actor = _actor(user, organisation)
                    expected = ref.may_write_progress(actor, facts, group)
                    if expected:
                        status = {302}
                    elif not ref.sees(actor, facts):
                        status = {404}
                    elif ref.follows_up_only(actor, facts):
                        status = {403}  # a follow-up opens the case's own page, no other
                    else:
                        status = {200, 404}
                    if ref.sees(actor, facts) and not ref.must_break_glass(actor, facts):
                        access = get_case_for(_member(user, organisation), case.code)
                        may = {g for g in PROGRESS_GROUPS if ref.may_write_progress(actor, facts, g)}
                        if set(writable_progress_groups(access)) & set(PROGRESS_GROUPS) != may:
                            problems.append(f"{label}: offers {writable_progress_groups(access)}, expected {may}")
                if written != expected:
                    problems.append(f"{label} {group}: written={written}, expected {expected}")
                if response.status_code not in status:
                    problems.append(f"{label} {group}: status {response.status_code}, expected {status}")
                if _sharing_state(case) != before:
                    problems.append(f"{label} {group}: the sharing changed")
                transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
def test_a_progress_entry_is_read_by_whom_the_reference_says(situation: str, world: World) -> None:
    """Every member who may writes an entry about each group they may (after breaking the glass where needed);
    then each member's case page shows exactly the entries the reference lets them read."""
    case, facts = world.cases[situation], world.facts[situation]
    marks: dict[str, tuple[str, int]] = {}  # text -> (group, author organisation)
    for label, (user, organisation) in world.actors().items():
        if user is None or organisation is None:
            continue
        membership = _member(user, organisation)
        try:
            access = get_case_for(membership, case.code, glass_broken=True)
        except Http404:
            continue
        for group in writable_progress_groups(access):
            text = f"Fremdrift{label}{group}Slutt"
            services.write_progress_entry(access=access, membership=membership, group=group, text=text)
            marks[text] = (group, organisation.pk)
    assert marks
    problems = []
    for label, (user, organisation) in world.actors().items():
        if user is None or organisation is None:
            continue
        body = client_acting_in(user, organisation).get(reverse("cases:detail", args=[case.code])).content.decode()
        actor = _actor(user, organisation)
        for text, (group, author) in marks.items():
            expected = ref.reads_progress(actor, facts, group=group, author=author)
            if (text in body) != expected:
                problems.append(f"{label}: sees {text}={text in body}, expected {expected}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("situation", SITUATIONS)
def test_the_list_and_the_search_follow_the_same_rules(situation: str, world: World) -> None:
    """Issue 15, hole 1: a member finds a case in the list when it may open it without breaking the glass, and by
    the person's name only when it may also read the identity group — never through a sharing of other groups, a
    follow-up, a withheld identity or a protected case it is not named for."""
    case, facts = world.cases[situation], world.facts[situation]
    name = SENTINELS[FieldGroup.IDENTITY][1]
    problems = []
    for label, (user, organisation) in world.actors().items():
        if user is None or organisation is None:
            continue
        client = client_acting_in(user, organisation)
        actor = _actor(user, organisation)
        listed = case.code in client.get(reverse("cases:list")).text
        found = case.code in client.post(reverse("cases:list"), {"name": name}).text
        if listed != ref.listed(actor, facts):
            problems.append(f"{label}: listed={listed}")
        if found != (FieldGroup.IDENTITY in ref.groups(actor, facts)):
            problems.append(f"{label}: found by name={found}")
    assert not problems, "\n".join(problems)
