"""The learning log, escalations and routines: who reads and writes them, their history and versions."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain.models import CaseChain
from chain.services import end_case
from learning import services
from learning.access import get_routine_for
from learning.models import Escalation, Routine
from meetings import services as meeting_services
from meetings.models import Finding, FindingCategory, Meeting
from organisations.models import Membership, Municipality, Organisation
from tests.bergen import Bergen, bergen_child_case
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def bergen(cast: Cast, chain_templates: None) -> Bergen:
    return bergen_child_case(cast)


def member(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation__municipality").get(
        user=user, organisation=organisation
    )


def evaluation(owner: Membership, municipality: Municipality) -> Meeting:
    """A case of `owner`'s on the municipality's shipped chain, ended, with its evaluation meeting convened."""
    track = Case.Track.CHILD if municipality.name == "Bergen" else Case.Track.ADULT
    case = create_case(membership=owner, municipality=municipality, track=track)
    access = get_case_for(owner, case.code)
    end_case(access=access, membership=owner, reason=CaseChain.EndReason.MOVED_ON)
    return meeting_services.convene_meeting(
        access=access,
        membership=owner,
        kind=Meeting.Kind.EVALUATION,
        scheduled_at=timezone.now(),
        invited=[owner.organisation],
    )


def find(
    meeting: Meeting, owner: Membership, text: str, category: str = "housing", outcome: str = "went_wrong"
) -> Finding:
    return meeting_services.record_finding(
        access=get_case_for(owner, meeting.case.code),
        membership=owner,
        meeting=meeting,
        category=FindingCategory.objects.get(code=category),
        outcome=outcome,
        text=text,
    )


@pytest.fixture
def findings(bergen: Bergen, cast: Cast) -> dict[str, Finding]:
    tot = bergen.member(bergen.tot_coordinator)
    bergen_meeting = evaluation(tot, cast.bergen)
    ngo = member(cast.ngo_worker, cast.ngo)
    oslo_meeting = evaluation(ngo, cast.oslo)
    return {
        "bergen_housing": find(bergen_meeting, tot, "Ingen egnet bolig for barn i tre måneder."),
        "bergen_interpreting": find(bergen_meeting, tot, "Tolk på telefon samme natt.", "interpreting", "worked"),
        "oslo_housing": find(oslo_meeting, ngo, "Krisebolig ble funnet raskt.", "housing", "worked"),
    }


# --- The learning log -------------------------------------------------------------------------------


def log_page(user: User, query: dict[str, Any] | None = None) -> Any:
    return client_acting_in(user).get(reverse("learning:log"), query or {})


def test_the_learning_log_shows_findings_across_cases_without_their_cases(
    findings: dict[str, Finding], bergen: Bergen
) -> None:
    page = log_page(bergen.tot_coordinator).content.decode()
    for finding in findings.values():
        assert finding.text in page
    assert "Bergen" in page
    for meeting in Meeting.objects.select_related("case"):
        assert meeting.case.code not in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"category": "housing"}, {"bergen_housing", "oslo_housing"}),
        ({"municipality": "bergen"}, {"bergen_housing", "bergen_interpreting"}),
        ({"outcome": "worked"}, {"bergen_interpreting", "oslo_housing"}),
        ({"text": "TOLK"}, {"bergen_interpreting"}),
        ({"category": "housing", "municipality": "oslo", "outcome": "worked"}, {"oslo_housing"}),
    ],
)
def test_the_learning_log_is_searchable(
    findings: dict[str, Finding], bergen: Bergen, cast: Cast, query: dict[str, str], shown: set[str]
) -> None:
    values = {
        "housing": FindingCategory.objects.get(code="housing").pk,
        "bergen": cast.bergen.pk,
        "oslo": cast.oslo.pk,
    }
    page = log_page(bergen.tot_coordinator, {k: values.get(v, v) for k, v in query.items()}).content.decode()
    assert {name for name, finding in findings.items() if finding.text in page} == shown


def test_coordinators_admins_and_the_national_statisticians_read_the_log(bergen: Bergen, cast: Cast) -> None:
    assert log_page(bergen.tot_coordinator).status_code == 200
    assert log_page(cast.ngo_admin).status_code == 200
    assert log_page(cast.statistician).status_code == 200
    assert log_page(cast.ngo_worker).status_code == 403
    assert log_page(bergen.cw_worker).status_code == 403
    elsewhere = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.STATISTICIAN).user
    assert log_page(elsewhere).status_code == 403
    assert client_acting_in(cast.ngo_worker).get(reverse("learning:escalations")).status_code == 403


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_learning_log_costs_the_same_with_3_and_30_findings(bergen: Bergen, cast: Cast) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    meeting = evaluation(tot, cast.bergen)
    client, url = client_acting_in(bergen.tot_coordinator), reverse("learning:log")
    for n in range(3):
        raise_from(tot, finding=find(meeting, tot, f"Funn {n}")) if n % 2 else find(meeting, tot, f"Funn {n}")
    client.get(url)
    few = queries(client, url)
    for n in range(3, 30):
        raise_from(tot, finding=find(meeting, tot, f"Funn {n}")) if n % 2 else find(meeting, tot, f"Funn {n}")
    assert queries(client, url) == few


# --- Escalations --------------------------------------------------------------------------------------


def raise_from(membership: Membership, *, finding: Finding | None = None, **overrides: Any) -> Escalation:
    municipality = membership.organisation.municipality
    assert municipality is not None
    arguments: dict[str, Any] = {
        "municipality": municipality,
        "title": "Ingen egnet bolig for barn",
        "description": "Barn venter i månedsvis på bolig etter beskyttende plassering.",
        "level": Escalation.Level.MUNICIPALITY,
        "owner_organisation": membership.organisation,
        "owner": membership.user,
        "finding": finding,
    } | overrides
    return services.raise_escalation(membership=membership, **arguments)


def test_a_coordinator_escalates_a_finding_and_its_history_begins(findings: dict[str, Finding], bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    escalation = raise_from(tot, finding=findings["bergen_housing"])
    assert (escalation.status, escalation.level, escalation.finding) == (
        "open",
        "municipality",
        findings["bergen_housing"],
    )
    change = escalation.changes.get()
    assert (change.status, change.by, change.by_organisation) == ("open", bergen.tot_coordinator, bergen.tot)


def test_the_history_keeps_every_change_with_its_note(bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    escalation = raise_from(tot)
    services.change_escalation(
        membership=tot,
        escalation=escalation,
        status=Escalation.Status.ESCALATED,
        level=Escalation.Level.DIRECTORATE,
        owner_organisation=bergen.child_welfare,
        owner=bergen.cw_coordinator,
        note="Sendt til Bufdir.",
    )
    cw = bergen.member(bergen.cw_coordinator)  # now the owner
    services.change_escalation(
        membership=cw,
        escalation=Escalation.objects.get(pk=escalation.pk),
        status=Escalation.Status.DECIDED,
        level=Escalation.Level.DIRECTORATE,
        owner_organisation=bergen.child_welfare,
        owner=bergen.cw_coordinator,
        note="Bufdir gir tilskudd til bolig.",
    )
    history = list(escalation.changes.values_list("status", "level", "owner_organisation", "by", "note"))
    assert history == [
        ("open", "municipality", bergen.tot.pk, bergen.tot_coordinator.pk, ""),
        ("escalated", "directorate", bergen.child_welfare.pk, bergen.tot_coordinator.pk, "Sendt til Bufdir."),
        ("decided", "directorate", bergen.child_welfare.pk, bergen.cw_coordinator.pk, "Bufdir gir tilskudd til bolig."),
    ]
    page = client_acting_in(bergen.tot_coordinator).get(reverse("learning:escalation", args=[escalation.pk]))
    assert "Bufdir gir tilskudd til bolig." in page.content.decode()


def test_only_the_municipalitys_coordinators_raise_its_escalations(bergen: Bergen, cast: Cast) -> None:
    with pytest.raises(PermissionError):
        raise_from(member(cast.ngo_admin, cast.ngo))  # an NGO does not run the chain
    with pytest.raises(PermissionError):
        raise_from(member(cast.nav_coordinator, cast.nav), municipality=cast.bergen)  # another municipality
    assert client_acting_in(cast.ngo_admin).get(reverse("learning:raise_escalation")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": " "}, "what the problem is"),
        ({"owner_organisation": "oslo_nav", "owner": None}, "neither an organisation in Bergen nor a national body"),
        ({"owner": "cw_worker", "owner_organisation": "child_welfare"}, "must be a coordinator or admin"),
        ({"finding": "oslo_finding"}, "from another municipality"),
        ({"level": "parliament"}, "level"),
    ],
)
def test_it_refuses_an_escalation_nobody_could_follow(
    findings: dict[str, Finding], bergen: Bergen, cast: Cast, overrides: dict[str, Any], reason: str
) -> None:
    named = {
        "oslo_nav": cast.nav,
        "cw_worker": bergen.cw_worker,
        "child_welfare": bergen.child_welfare,
        "oslo_finding": findings["oslo_housing"],
    }
    with pytest.raises(ValidationError, match=reason):
        raise_from(bergen.member(bergen.tot_coordinator), **{k: named.get(v, v) for k, v in overrides.items()})
    assert not Escalation.objects.exists()


def test_a_national_body_can_own_an_escalation(bergen: Bergen) -> None:
    bufdir = OrganisationFactory.create(name="Bufdir", owner_type="state", kind="bufetat", municipality=None)
    escalation = raise_from(bergen.member(bergen.tot_coordinator), owner_organisation=bufdir, owner=None)
    assert escalation.owner_organisation == bufdir


def test_a_change_needs_a_note_and_the_right_to_change(bergen: Bergen, cast: Cast) -> None:
    escalation = raise_from(bergen.member(bergen.tot_coordinator))
    arguments: dict[str, Any] = {
        "escalation": escalation,
        "status": "closed",
        "level": "municipality",
        "owner_organisation": bergen.tot,
    }
    with pytest.raises(ValidationError, match="Write a note"):
        services.change_escalation(membership=bergen.member(bergen.tot_coordinator), note=" ", **arguments)
    with pytest.raises(PermissionError):
        services.change_escalation(membership=member(cast.ngo_admin, cast.ngo), note="Lukket", **arguments)
    oslo = member(cast.nav_coordinator, cast.nav)  # coordinates another municipality
    with pytest.raises(PermissionError):
        services.change_escalation(membership=oslo, note="Lukket", **arguments)
    url = reverse("learning:change_escalation", args=[escalation.pk])
    assert client_acting_in(cast.nav_coordinator, cast.nav).get(url).status_code == 403
    assert client_acting_in(bergen.cw_coordinator).get(url).status_code == 200  # coordinates Bergen


def test_open_escalations_per_municipality_for_the_coordinators_overview(bergen: Bergen, cast: Cast) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    first, _second = raise_from(tot), raise_from(tot)
    raise_from(member(cast.nav_coordinator, cast.nav))
    services.change_escalation(
        membership=tot,
        escalation=first,
        status="decided",
        level="municipality",
        owner_organisation=bergen.tot,
        note="Vedtatt",
    )
    assert services.open_escalations(cast.bergen).count() == 1
    assert services.open_escalation_counts() == {cast.bergen.pk: 1, cast.oslo.pk: 1}


def test_escalations_are_raised_and_changed_through_the_pages(findings: dict[str, Finding], bergen: Bergen) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    finding = findings["bergen_housing"]
    url = f"{reverse('learning:raise_escalation')}?finding={finding.pk}"
    assert finding.text in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "municipality": bergen.case.municipality_id,
            "title": "Ingen egnet bolig for barn",
            "description": finding.text,
            "level": "municipality",
            "owner_organisation": bergen.child_welfare.pk,
            "owner": bergen.member(bergen.tot_coordinator).pk,  # not of the owner organisation
        },
    )
    assert "Velg en koordinator eller administrator i eierorganisasjonen" in response.content.decode()
    response = client.post(
        url,
        {
            "municipality": bergen.case.municipality_id,
            "title": "Ingen egnet bolig for barn",
            "description": finding.text,
            "level": "municipality",
            "owner_organisation": bergen.child_welfare.pk,
            "owner": bergen.member(bergen.cw_coordinator).pk,
        },
    )
    escalation = Escalation.objects.get()
    assert escalation.finding == finding
    assert response["Location"] == reverse("learning:escalation", args=[escalation.pk])
    log = client.get(reverse("learning:log")).content.decode()
    assert reverse("learning:escalation", args=[escalation.pk]) in log
    response = client_acting_in(bergen.cw_coordinator).post(
        reverse("learning:change_escalation", args=[escalation.pk]),
        {"status": "escalated", "level": "ministry", "owner_organisation": bergen.child_welfare.pk, "note": "Til BFD"},
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert (escalation.status, escalation.level, escalation.owner) == ("escalated", "ministry", None)


def test_the_escalation_list_filters_and_costs_the_same_with_3_and_30(bergen: Bergen, cast: Cast) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    client: Any = client_acting_in(bergen.tot_coordinator)
    url = reverse("learning:escalations")
    for _ in range(3):
        raise_from(tot)
    client.get(url)
    few = queries(client, url)
    for _ in range(27):
        raise_from(tot, owner=None)
    assert queries(client, url) == few
    raise_from(member(cast.nav_coordinator, cast.nav), title="Oslo-problemet")
    assert "Oslo-problemet" not in client.get(url, {"municipality": cast.bergen.pk}).content.decode()
    assert "Oslo-problemet" in client.get(url, {"municipality": cast.oslo.pk, "status": "open"}).content.decode()
    assert "Oslo-problemet" not in client.get(url, {"level": "ministry"}).content.decode()


# --- Routines ---------------------------------------------------------------------------------------------


def write(membership: Membership, **overrides: Any) -> Routine:
    municipality = membership.organisation.municipality
    assert municipality is not None
    arguments: dict[str, Any] = {
        "municipality": municipality,
        "title": "Barn funnet om natten",
        "step_code": "police-notice",
        "body": "- Ring TOT-koordinator\n- Ring barnevernsvakten\n\n- Bestill tolk",
    } | overrides
    return services.write_routine(membership=membership, **arguments)


def test_a_routine_keeps_every_version_and_shows_the_current_one(bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    routine = write(tot)
    assert routine.versions.get().items == ["Ring TOT-koordinator", "Ring barnevernsvakten", "Bestill tolk"]
    services.revise_routine(
        membership=tot,
        routine=routine,
        title="Barn funnet om natten eller i helgen",
        body="Ring TOT-koordinator\nRing barnevernsvakten",
        step_code="police-notice",
        note="Tolk bestilles av barnevernet",
        expected_version=1,
    )
    routine.refresh_from_db()
    assert (routine.version, routine.title) == (2, "Barn funnet om natten eller i helgen")
    assert list(routine.versions.values_list("number", flat=True)) == [2, 1]
    client = client_acting_in(bergen.cw_worker)  # every member of the municipality reads
    current = client.get(reverse("learning:routine", args=[routine.pk])).content.decode()
    assert "Bestill tolk" not in current
    old = client.get(reverse("learning:routine_version", args=[routine.pk, 1])).content.decode()
    assert "Bestill tolk" in old
    assert "ikke den gjeldende" in old
    assert client.get(reverse("learning:revise_routine", args=[routine.pk])).status_code == 403


def test_routines_for_a_step_are_found_by_the_steps_code(bergen: Bergen, cast: Cast) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    night, meeting = write(tot), write(tot, title="TOT-møtet", step_code="tot-meeting")
    write(tot, title="Generelt", step_code="")
    assert list(services.routines_for_step(cast.bergen, "police-notice")) == [night]
    assert services.routines_by_step(cast.bergen) == {"police-notice": [night], "tot-meeting": [meeting]}
    assert not services.routines_for_step(cast.oslo, "police-notice").exists()


def test_it_refuses_a_routine_for_a_step_the_chain_does_not_have(bergen: Bergen) -> None:
    with pytest.raises(ValidationError, match="no step “support-while-pending”"):
        write(bergen.member(bergen.tot_coordinator), step_code="support-while-pending")  # an Oslo step
    with pytest.raises(ValidationError, match="title and at least one item"):
        write(bergen.member(bergen.tot_coordinator), body="\n ")


def test_only_the_municipalitys_coordinators_write_routines(bergen: Bergen, cast: Cast) -> None:
    with pytest.raises(PermissionError):
        write(bergen.member(bergen.cw_worker))
    with pytest.raises(PermissionError):
        write(member(cast.nav_coordinator, cast.nav), municipality=cast.bergen, step_code="")
    assert client_acting_in(bergen.cw_worker).get(reverse("learning:write_routine")).status_code == 403


def test_a_routine_of_another_municipality_is_not_found(bergen: Bergen, cast: Cast) -> None:
    routine = write(bergen.member(bergen.tot_coordinator))
    with pytest.raises(Http404):
        get_routine_for(member(cast.nav_coordinator, cast.nav), routine.pk)
    assert client_acting_in(cast.ngo_worker).get(reverse("learning:routine", args=[routine.pk])).status_code == 404
    national = MembershipFactory.create(
        organisation=cast.statistician.memberships.get().organisation, role="coordinator"
    )
    assert client_acting_in(national.user).get(reverse("learning:routine", args=[routine.pk])).status_code == 200


def test_an_edit_from_a_stale_form_is_refused_and_kept(bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    routine = write(tot)
    url = reverse("learning:revise_routine", args=[routine.pk])
    client = client_acting_in(bergen.tot_coordinator)
    data = {"title": "Ny tittel", "step_code": "police-notice", "body": "Ring politiet", "version": 1}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data | {"body": "Ring legevakten"})
    assert "Noen andre har lagret en ny versjon" in response.content.decode()
    assert "Ring legevakten" in response.content.decode()
    assert list(Routine.objects.get().versions.values_list("number", flat=True)) == [2, 1]


def test_a_routine_is_written_through_the_page(bergen: Bergen) -> None:
    client = client_acting_in(bergen.tot_coordinator)
    url = reverse("learning:write_routine")
    page = client.get(url).content.decode()
    assert "police-notice" in page
    response = client.post(
        url,
        {
            "municipality": bergen.case.municipality_id,
            "title": "TOT-møtet",
            "step_code": "tot-meeting",
            "body": "Inviter",
        },
    )
    routine = Routine.objects.get()
    assert response["Location"] == reverse("learning:routine", args=[routine.pk])


def test_the_routine_list_costs_the_same_with_3_and_30(bergen: Bergen) -> None:
    tot = bergen.member(bergen.tot_coordinator)
    client, url = client_acting_in(bergen.cw_worker), reverse("learning:routines")
    for n in range(3):
        write(tot, title=f"Rutine {n}")
    client.get(url)
    few = queries(client, url)
    for n in range(3, 30):
        write(tot, title=f"Rutine {n}")
    assert queries(client, url) == few
