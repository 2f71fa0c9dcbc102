"""No step without an owner, no deadline that does not run; events of the apps above move the steps they complete.

Issue 14, item 3: a step is given to the organisation the template names, or to the
municipality's one organisation of the step's kind; with several, a coordinator
chooses; with none, the municipality's coordinator holds its deadline, which runs
from the event that started the step either way.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.access import get_case_for
from cases.models import Case, CaseEvent
from cases.services import create_case
from chain import editor, services
from chain.access import holding_organisation
from chain.catalogue import set_completing_events
from chain.models import CaseStep, ChainStep, ChainTemplate, Deadline, StepEvent
from chain.overview import overview
from meetings.models import Meeting
from meetings.services import Minutes, convene_meeting, record_minutes
from notifications.models import Notification
from organisations.models import Membership, Organisation
from placements.models import Placement
from placements.services import start_placement
from tests.bergen import bergen_child_case
from tests.conftest import Cast
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "chain_templates")]
GOOD_FRIDAY_NOTICE = datetime(2026, 4, 3, 23, 0, tzinfo=OSLO)
UNOWNED = Notification.Kind.STEP_WITHOUT_RESPONSIBLE


def organisation(municipality: object, kind: str, name: str = "", owner_type: str = "municipal") -> Organisation:
    extra = {"name": name} if name else {}
    return OrganisationFactory.create(kind=kind, owner_type=owner_type, municipality=municipality, **extra)


def member(org: Organisation, role: str = Membership.Role.COORDINATOR) -> Membership:
    return MembershipFactory.create(organisation=org, role=role)


def step(case: Case, code: str) -> CaseStep:
    return CaseStep.objects.select_related("step", "responsible").get(case=case, step__code=code)


def unowned_notices(case: Case) -> set[tuple[int, int]]:
    return set(Notification.objects.filter(case=case, kind=UNOWNED).values_list("recipient_id", "organisation_id"))


# --- Who is responsible when a step starts ----------------------------------------------------------------


def test_the_one_organisation_of_the_steps_kind_in_the_municipality_takes_it(cast: Cast) -> None:
    # Trygg havn is an NGO project; the first step of Oslo's relay wants a low-threshold service.
    low_threshold = organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE, "Lavterskel Oslo")
    organisation(cast.bergen, Organisation.Kind.LOW_THRESHOLD_SERVICE)  # another city's does not count
    case = create_case(membership=cast.ngo_worker.memberships.get(organisation=cast.ngo), municipality=cast.oslo)
    assert step(case, "identified").responsible_id == low_threshold.pk
    assert unowned_notices(case) == set()


def test_several_candidates_none_is_taken_the_coordinators_are_told_and_offered_the_choice(cast: Cast) -> None:
    first = organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE, "Lavterskel Grønland")
    second = organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE, "Lavterskel Tøyen")
    case = create_case(membership=cast.ngo_worker.memberships.get(organisation=cast.ngo), municipality=cast.oslo)
    identified = step(case, "identified")
    assert identified.responsible is None
    # Oslo's coordinators are told: the TOT coordinator's and NAV's, not the NGO's admin (private).
    assert unowned_notices(case) == {(cast.nav_worker.pk, cast.tot.pk), (cast.nav_coordinator.pk, cast.nav.pk)}
    notice = Notification.objects.filter(case=case, kind=UNOWNED).first()
    assert notice is not None
    assert notice.link_path == f"/chain/overview/?municipality={cast.oslo.pk}"
    coordinator = cast.nav_coordinator.memberships.select_related("organisation").get(organisation=cast.nav)
    [row] = overview(membership=coordinator, municipality=cast.oslo).unassigned
    assert row.candidates == [first, second]  # type: ignore[attr-defined]

    client = client_acting_in(cast.nav_coordinator, cast.nav)
    page = client.get(reverse("chain:overview")).text
    assert f'value="{second.pk}"' in page
    url = reverse("chain:choose_responsible", args=[identified.pk])
    response = client.post(url, {"organisation": second.pk}, follow=True)
    assert "Lavterskel Tøyen er nå ansvarlig for «Identifisert av lavterskeltilbud»" in response.text
    assert step(case, "identified").responsible_id == second.pk
    assigned = case.events.get(kind=CaseEvent.Kind.RESPONSIBILITY_ASSIGNED)
    assert (assigned.actor_id, assigned.organisation_id) == (cast.nav_coordinator.pk, cast.nav.pk)
    again = client.post(url, {"organisation": first.pk}, follow=True)
    assert "Lavterskel Tøyen har allerede tatt steget" in again.text
    assert step(case, "identified").responsible_id == second.pk


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ("wrong_kind", "NAV Oslo er ikke av typen «Lavterskeltilbud» og kan ikke ta steget"),
        ("other_city", "hører ikke til Oslo: velg en av kommunens egne."),
        ("missing", "Velg en av organisasjonene som er foreslått."),
    ],
)
def test_a_coordinator_cannot_choose_an_organisation_that_does_not_take_the_step(
    cast: Cast, chosen: str, message: str
) -> None:
    organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE)
    organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE)
    elsewhere = organisation(cast.bergen, Organisation.Kind.LOW_THRESHOLD_SERVICE)
    case = create_case(membership=cast.ngo_worker.memberships.get(organisation=cast.ngo), municipality=cast.oslo)
    pk = {"wrong_kind": cast.nav.pk, "other_city": elsewhere.pk, "missing": 999_999}[chosen]
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    response = client.post(
        reverse("chain:choose_responsible", args=[step(case, "identified").pk]), {"organisation": pk}, follow=True
    )
    assert response.status_code == 200
    assert message in response.text
    assert step(case, "identified").responsible is None


def test_choosing_is_for_the_municipalitys_coordinators_only(cast: Cast) -> None:
    organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE)
    chosen = organisation(cast.oslo, Organisation.Kind.LOW_THRESHOLD_SERVICE)
    case = create_case(membership=cast.ngo_worker.memberships.get(organisation=cast.ngo), municipality=cast.oslo)
    with pytest.raises(ValidationError, match="not in progress"):
        services.choose_responsible(
            case_step=step(case, "lawyer"),
            organisation=chosen,
            membership=cast.nav_coordinator.memberships.get(organisation=cast.nav),
        )
    url = reverse("chain:choose_responsible", args=[step(case, "identified").pk])
    caseworker = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.CASEWORKER).user
    bergen_coordinator = member(organisation(cast.bergen, Organisation.Kind.CHILD_WELFARE))
    assert client_acting_in(caseworker, cast.nav).post(url, {"organisation": chosen.pk}).status_code == 403
    assert client_acting_in(cast.ngo_admin, cast.ngo).post(url, {"organisation": chosen.pk}).status_code == 403
    other_city = client_acting_in(bergen_coordinator.user, bergen_coordinator.organisation)
    assert other_city.post(url, {"organisation": chosen.pk}).status_code == 404
    assert client_acting_in(cast.nav_coordinator, cast.nav).get(url).status_code == 405
    assert step(case, "identified").responsible is None


# --- Deadlines run from the event that starts the step, whoever holds them ------------------------------------


def bergen_without_a_tot_coordinator(cast: Cast) -> tuple[Membership, Organisation, Case]:
    """Bergen's police notify; its child welfare service is there, its TOT coordinator not yet in Vern."""
    police = member(organisation(cast.bergen, Organisation.Kind.POLICE_DISTRICT, "Vest politidistrikt", "state"))
    child_welfare = organisation(cast.bergen, Organisation.Kind.CHILD_WELFARE, "Barneverntjenesten i Bergen")
    member(child_welfare)
    case = create_case(membership=police, municipality=cast.bergen, track=Case.Track.CHILD)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=GOOD_FRIDAY_NOTICE - timedelta(minutes=10))
    services.finish_step(
        access=get_case_for(police, case.code),
        membership=police,
        case_step=step(case, "police-notice"),
        at=GOOD_FRIDAY_NOTICE,
    )
    return police, child_welfare, case


def test_with_no_one_to_take_it_the_coordinator_holds_the_tot_meeting_deadline_from_the_police_notice(
    cast: Cast,
) -> None:
    _, child_welfare, case = bergen_without_a_tot_coordinator(cast)
    meeting = step(case, "tot-meeting")
    assert meeting.status == CaseStep.Status.ACTIVE
    assert meeting.responsible is None
    deadline = Deadline.objects.get(case=case, rule__code="tot-meeting", done_at=None)
    # One working day from Good Friday 23:00: Easter Monday is a holiday, so Tuesday 23:00.
    assert deadline.starts_at == GOOD_FRIDAY_NOTICE
    assert deadline.due_at == datetime(2026, 4, 7, 23, 0, tzinfo=OSLO)
    assert deadline.organisation_id == child_welfare.pk == holding_organisation(cast.bergen).pk  # type: ignore[union-attr]
    assert {org for _, org in unowned_notices(case)} == {child_welfare.pk}
    coordinator = member(organisation(cast.bergen, Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS))
    board = overview(membership=coordinator, municipality=cast.bergen)
    assert [row.step.code for row in board.unassigned] == ["tot-meeting"]
    assert board.unassigned[0].candidates == []  # type: ignore[attr-defined]

    # The TOT coordinator joins and takes the step: the deadline moves to it and keeps running from the notice.
    tot = organisation(cast.bergen, Organisation.Kind.TOT_COORDINATOR, "TOT-koordinator Bergen")
    services.assign_responsibility(case_step=meeting, organisation=tot, membership=member(tot))
    deadline.refresh_from_db()
    assert deadline.organisation_id == tot.pk
    assert deadline.due_at == datetime(2026, 4, 7, 23, 0, tzinfo=OSLO)
    assert Deadline.objects.filter(case=case, rule__code="tot-meeting").count() == 1


def test_the_municipalitys_tot_coordinator_holds_first_then_its_public_services_then_the_national_unit(
    cast: Cast,
) -> None:
    assert holding_organisation(cast.oslo) == cast.tot
    nowhere = MunicipalityFactory.create()
    organisation(nowhere, Organisation.Kind.NGO_PROJECT, owner_type="private")
    national = Organisation.objects.get(kind=Organisation.Kind.NATIONAL_COORDINATION)
    assert holding_organisation(nowhere) == national
    services_first = organisation(nowhere, Organisation.Kind.NAV_OFFICE)
    assert holding_organisation(nowhere) == services_first


def test_the_bergen_tot_meeting_deadline_runs_from_the_police_notice_before_anyone_takes_the_step(
    cast: Cast,
) -> None:
    """Two TOT teams in Bergen: neither is taken until a coordinator chooses; the deadline runs meanwhile."""
    tot = organisation(cast.bergen, Organisation.Kind.TOT_COORDINATOR, "TOT-koordinator Bergen")
    organisation(cast.bergen, Organisation.Kind.TOT_COORDINATOR, "TOT-team Bergen sentrum")
    tone = member(tot)
    police = member(organisation(cast.bergen, Organisation.Kind.POLICE_DISTRICT, "Vest politidistrikt", "state"))
    case = create_case(membership=police, municipality=cast.bergen, track=Case.Track.CHILD)
    assert step(case, "police-notice").responsible_id == police.organisation_id  # the owner takes its own step
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=GOOD_FRIDAY_NOTICE - timedelta(minutes=10))
    services.finish_step(
        access=get_case_for(police, case.code),
        membership=police,
        case_step=step(case, "police-notice"),
        at=GOOD_FRIDAY_NOTICE,
    )
    assert step(case, "tot-meeting").responsible is None
    deadline = Deadline.objects.get(case=case, rule__code="tot-meeting")
    assert deadline.due_at == datetime(2026, 4, 7, 23, 0, tzinfo=OSLO)
    assert deadline.organisation_id == tot.pk  # the first TOT coordinator holds it meanwhile
    assert (tone.user_id, tot.pk) in unowned_notices(case)
    services.choose_responsible(case_step=step(case, "tot-meeting"), organisation=tot, membership=tone)
    deadline.refresh_from_db()
    assert step(case, "tot-meeting").responsible_id == tot.pk
    assert deadline.due_at == datetime(2026, 4, 7, 23, 0, tzinfo=OSLO)


# --- Events of the apps above move the steps they complete -------------------------------------------------


def test_a_held_meeting_moves_the_tot_meeting_step_and_an_emergency_placement_moves_the_placement_step(
    cast: Cast,
) -> None:
    bergen = bergen_child_case(cast)
    case = bergen.case
    tot = bergen.member(bergen.tot_coordinator)
    notice = timezone.now() - timedelta(minutes=30)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=notice)
    services.finish_step(
        access=get_case_for(tot, case.code), membership=tot, case_step=step(case, "police-notice"), at=notice
    )
    child_welfare = bergen.member(bergen.cw_coordinator)

    # A placement while the TOT meeting is still to be held does not finish the meeting's step.
    def place(kind: str, at: datetime) -> Placement:
        return start_placement(
            access=get_case_for(child_welfare, case.code),
            membership=child_welfare,
            kind=kind,
            started_at=at,
            alert_after_hours=24,
        )

    meeting = convene_meeting(
        access=get_case_for(tot, case.code),
        membership=tot,
        kind=Meeting.Kind.TOT,
        scheduled_at=timezone.now(),
        invited=[bergen.tot, bergen.police, bergen.child_welfare],
    )
    held = timezone.now() - timedelta(minutes=2)
    record_minutes(
        access=get_case_for(tot, case.code),
        membership=tot,
        meeting=meeting,
        minutes=Minutes(decisions="Akuttplassering i natt."),
        held_at=held,
        expected_version=meeting.version,
    )
    tot_meeting = step(case, "tot-meeting")
    assert (tot_meeting.status, tot_meeting.done_at) == (CaseStep.Status.DONE, held)
    assert not Deadline.objects.filter(case=case, rule__code="tot-meeting", done_at=None).exists()
    completed = case.events.filter(kind=CaseEvent.Kind.STEP_COMPLETED, note="tot-meeting").get()
    assert (completed.actor_id, completed.organisation_id) == (bergen.tot_coordinator.pk, bergen.tot.pk)
    assert step(case, "emergency-placement").status == CaseStep.Status.ACTIVE

    placed = timezone.now() - timedelta(minutes=1)
    place(Placement.Kind.EMERGENCY, placed)
    emergency = step(case, "emergency-placement")
    assert (emergency.status, emergency.done_at) == (CaseStep.Status.DONE, placed)
    completed = case.events.filter(kind=CaseEvent.Kind.STEP_COMPLETED, note="emergency-placement").get()
    assert (completed.actor_id, completed.organisation_id) == (bergen.cw_coordinator.pk, bergen.child_welfare.pk)
    assert step(case, "guardian").status == CaseStep.Status.ACTIVE
    # A second meeting or placement finishes nothing the template does not say it finishes.
    place(Placement.Kind.PROTECTIVE, timezone.now())
    assert step(case, "guardian").status == CaseStep.Status.ACTIVE


def test_a_placement_before_the_placement_step_is_reached_finishes_no_other_step(cast: Cast) -> None:
    bergen = bergen_child_case(cast)
    child_welfare = bergen.member(bergen.cw_coordinator)
    start_placement(
        access=get_case_for(child_welfare, bergen.case.code),
        membership=child_welfare,
        kind=Placement.Kind.EMERGENCY,
        started_at=timezone.now(),
        alert_after_hours=24,
    )
    assert step(bergen.case, "police-notice").status == CaseStep.Status.ACTIVE
    assert step(bergen.case, "emergency-placement").status == CaseStep.Status.WAITING


def test_record_event_names_only_known_events_and_respects_the_given_step(cast: Cast) -> None:
    bergen = bergen_child_case(cast)
    tot = bergen.member(bergen.tot_coordinator)
    with pytest.raises(ValueError, match="unknown step event"):
        services.record_event(case=bergen.case, event="decision_recorded", membership=tot, at=timezone.now())
    ChainStep.objects.filter(template=bergen.case.chain.template, code="police-notice").update(
        completed_by_event=StepEvent.REFERRAL_ACCEPTED
    )
    other = step(bergen.case, "lawyer")
    assert (
        services.record_event(
            case=bergen.case, event=StepEvent.REFERRAL_ACCEPTED, membership=tot, at=timezone.now(), case_step=other
        )
        is None
    )
    assert step(bergen.case, "police-notice").status == CaseStep.Status.ACTIVE


# --- The event is data: in the shipped templates and the editor ---------------------------------------------------


def test_the_shipped_templates_say_which_event_completes_which_step(cast: Cast) -> None:
    events = set(
        ChainStep.objects.exclude(completed_by_event="").values_list("template__track", "code", "completed_by_event")
    )
    # A lawyer taking the case is not the appointment (straffeprosessloven § 107 b): that step is marked by hand.
    assert events == {
        ("adult", "state-reception", StepEvent.REFERRAL_ACCEPTED),
        ("child", "tot-meeting", StepEvent.MEETING_HELD),
        ("child", "emergency-placement", StepEvent.PLACEMENT_STARTED),
    }
    # Templates loaded before the field existed get the events from the data migration's function.
    ChainStep.objects.update(completed_by_event="")
    assert set_completing_events(apps.get_model) == 3
    assert ChainStep.objects.get(template__municipality=cast.bergen, code="tot-meeting").completed_by_event == (
        StepEvent.MEETING_HELD
    )


def test_a_coordinator_changes_the_completing_event_in_the_template_editor(cast: Cast) -> None:
    coordinator = member(organisation(cast.bergen, Organisation.Kind.CHILD_WELFARE))
    active = ChainTemplate.objects.get(municipality=cast.bergen, track="child", status="active")
    draft = editor.new_version(template=active, membership=coordinator)
    assert draft.steps.get(code="tot-meeting").completed_by_event == StepEvent.MEETING_HELD  # copied over
    guardian = draft.steps.get(code="guardian")
    client = client_acting_in(coordinator.user, coordinator.organisation)
    url = reverse("chain:step_edit", args=[draft.pk, guardian.pk])
    form = client.get(url)
    assert 'name="completed_by_event"' in form.text
    data = editor.StepContent.of(guardian).as_dict() | {"completed_by_event": StepEvent.MEETING_HELD}
    data["responsible_organisation"] = ""
    data["deadline_rule"] = guardian.deadline_rule_id
    response = client.post(url, {key: value for key, value in data.items() if value is not None})
    assert response.status_code == 302, response.text
    guardian.refresh_from_db()
    assert guardian.completed_by_event == StepEvent.MEETING_HELD
    bad = client.post(url, data | {"completed_by_event": "decision_recorded"})
    assert bad.status_code == 200
    guardian.refresh_from_db()
    assert guardian.completed_by_event == StepEvent.MEETING_HELD
