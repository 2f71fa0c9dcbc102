"""Placements of children and the missing-child alert: who acts, when the alert is raised, what is counted."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.access import get_case_for, granted_groups, visible_events
from cases.models import Case, CaseEvent, FieldGroup
from chain.models import Deadline, DeadlineRule
from notifications.models import Notification
from organisations.models import Membership, Organisation
from placements import services
from placements.access import alerts_for
from placements.models import Absconding, MissingChildAlert, Placement
from sharing import services as sharing_services
from sharing.models import LegalBasis
from tests.conftest import Cast
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory
from tests.helpers import client_acting_in
from tests.reference_data import ensure_reference_data
from tests.test_notifications import run_concurrently

OSLO = ZoneInfo("Europe/Oslo")
Kind = Placement.Kind
EventKind = CaseEvent.Kind

# Refusals are matched on their English source text; pages are read in bokmål where they are checked.
pytestmark = pytest.mark.usefixtures("english")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def member(user: Any, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=user, organisation=organisation)


@dataclass
class Bergen:
    """A child's case in Bergen, owned by the police, disclosed to both child welfare services."""

    cast: Cast
    police: Organisation
    out_of_hours: Organisation
    office: Organisation
    police_worker: Membership
    on_duty: Membership  # coordinator at Barnevernvakten
    office_coordinator: Membership
    case: Case

    def access(self, membership: Membership) -> Any:
        return get_case_for(membership, self.case.code)

    def start(self, kind: str = Kind.EMERGENCY, *, started_at: datetime | None = None, hours: int = 24) -> Placement:
        return services.start_placement(
            access=self.access(self.on_duty),
            membership=self.on_duty,
            kind=kind,
            started_at=started_at or timezone.now(),
            alert_after_hours=hours,
        )


def municipal(name: str, kind: str, municipality: Any) -> Organisation:
    return OrganisationFactory.create(
        name=name, kind=kind, owner_type=Organisation.OwnerType.MUNICIPAL, municipality=municipality
    )


def disclose(owner: Membership, case: Case, organisation: Organisation) -> None:
    sharing_services.disclose(
        access=get_case_for(owner, case.code),
        membership=owner,
        organisation=organisation,
        field_groups=[FieldGroup.IDENTITY, FieldGroup.CONTACT],
        legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"),
        justification="Barnet kan være utsatt for menneskehandel.",
        person_informed=False,
        informed_on=None,
    )


@pytest.fixture
def bergen(cast: Cast) -> Bergen:
    ensure_reference_data()  # emptied by an earlier transactional test
    police = OrganisationFactory.create(
        name="Vest politidistrikt",
        kind=Organisation.Kind.POLICE_DISTRICT,
        owner_type=Organisation.OwnerType.STATE,
        municipality=cast.bergen,
    )
    out_of_hours = municipal("Barnevernvakten i Bergen", Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS, cast.bergen)
    office = municipal("Barneverntjenesten i Bergen", Organisation.Kind.CHILD_WELFARE, cast.bergen)
    police_worker = MembershipFactory.create(organisation=police, role=Membership.Role.COORDINATOR)
    on_duty = MembershipFactory.create(organisation=out_of_hours, role=Membership.Role.COORDINATOR)
    office_coordinator = MembershipFactory.create(organisation=office, role=Membership.Role.COORDINATOR)
    case = case_services.create_case(membership=police_worker, municipality=cast.bergen, track=Case.Track.CHILD)
    for organisation in (out_of_hours, office):
        disclose(police_worker, case, organisation)
    return Bergen(cast, police, out_of_hours, office, police_worker, on_duty, office_coordinator, case)


def events(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("kind", flat=True))


# --- Starting, renewing, ending --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_child_welfare_service_starts_an_emergency_placement(bergen: Bergen) -> None:
    placement = bergen.start(hours=12)
    assert (placement.organisation, placement.kind, placement.alert_after_hours) == (
        bergen.out_of_hours,
        Kind.EMERGENCY,
        12,
    )
    assert placement.ends_at is None
    assert Case.objects.get(pk=bergen.case.pk).protective_placement_by is None
    started = bergen.case.events.get(kind=EventKind.PLACEMENT_STARTED)
    assert started.audience == bergen.out_of_hours


@pytest.mark.django_db
def test_the_alert_hours_default_to_the_setting(bergen: Bergen, settings: Any) -> None:
    settings.VERN_MISSING_CHILD_ALERT_HOURS = 8
    assert Placement(case=bergen.case, organisation=bergen.office).alert_after_hours == 8


@pytest.mark.django_db
def test_a_protective_placement_runs_six_weeks_closes_the_whereabouts_and_stands_on_the_board(bergen: Bergen) -> None:
    placement = bergen.start(Kind.PROTECTIVE, started_at=at(2026, 3, 2, 18, 0))
    assert placement.ends_at == at(2026, 4, 13, 18, 0)  # 42 days across the spring DST change, same wall-clock time
    case = Case.objects.get(pk=bergen.case.pk)
    assert case.protective_placement_by == bergen.out_of_hours
    assert FieldGroup.CONTACT not in granted_groups(case, bergen.police)  # not even the owner
    assert FieldGroup.CONTACT in granted_groups(case, bergen.out_of_hours)
    deadline = Deadline.objects.get(case=case, rule__code="protective-placement-end")
    assert (deadline.organisation, deadline.due_at, placement.deadline) == (
        bergen.out_of_hours,
        placement.ends_at,
        deadline,
    )


@pytest.mark.django_db
def test_a_protective_placement_takes_over_the_chain_steps_deadline(bergen: Bergen) -> None:
    rule = DeadlineRule.objects.get(code="protective-placement-end")
    step_deadline = Deadline.objects.create(
        case=bergen.case, rule=rule, organisation=bergen.out_of_hours, starts_at=at(2026, 3, 1), due_at=at(2026, 4, 12)
    )
    placement = bergen.start(Kind.PROTECTIVE, started_at=at(2026, 3, 2, 18, 0))
    assert placement.deadline == step_deadline
    assert Deadline.objects.filter(case=bergen.case, rule=rule).count() == 1
    assert Deadline.objects.get(pk=step_deadline.pk).due_at == placement.ends_at


@pytest.mark.django_db
def test_renewals_add_six_weeks_each_and_are_counted(bergen: Bergen) -> None:
    placement = bergen.start(Kind.PROTECTIVE, started_at=timezone.now() - timedelta(days=40))
    first_end = placement.ends_at
    for _ in range(2):
        placement = services.renew_placement(
            access=bergen.access(bergen.on_duty), membership=bergen.on_duty, placement=placement
        )
    assert placement.renewals == 2
    assert timezone.localtime(placement.ends_at).date() == timezone.localtime(first_end).date() + timedelta(days=84)
    assert placement.deadline is not None
    assert Deadline.objects.get(pk=placement.deadline.pk).due_at == placement.ends_at
    assert events(bergen.case).count(EventKind.PLACEMENT_RENEWED) == 2


@pytest.mark.django_db
def test_an_emergency_or_expired_placement_cannot_be_renewed(bergen: Bergen) -> None:
    access = bergen.access(bergen.on_duty)
    expired = bergen.start(Kind.PROTECTIVE, started_at=timezone.now() - timedelta(days=43))
    with pytest.raises(ValidationError, match="run out"):
        services.renew_placement(access=access, membership=bergen.on_duty, placement=expired)
    emergency = bergen.start()
    with pytest.raises(ValidationError, match="protective"):
        services.renew_placement(access=access, membership=bergen.on_duty, placement=emergency)


@pytest.mark.django_db
def test_ending_a_protective_placement_lifts_the_protection_and_closes_its_deadline(bergen: Bergen) -> None:
    placement = bergen.start(Kind.PROTECTIVE, started_at=timezone.now() - timedelta(days=3))
    services.end_placement(
        access=bergen.access(bergen.on_duty), membership=bergen.on_duty, placement=placement, at=timezone.now()
    )
    assert Case.objects.get(pk=bergen.case.pk).protective_placement_by is None
    assert placement.deadline is not None
    assert Deadline.objects.get(pk=placement.deadline.pk).done_at is not None
    assert services.open_placement(bergen.case) is None


@pytest.mark.django_db
def test_a_new_placement_ends_the_running_one(bergen: Bergen) -> None:
    emergency = bergen.start(started_at=timezone.now() - timedelta(hours=10))
    protective = services.start_placement(
        access=bergen.access(bergen.office_coordinator),
        membership=bergen.office_coordinator,
        kind=Kind.PROTECTIVE,
        started_at=timezone.now() - timedelta(hours=1),
        alert_after_hours=24,
    )
    emergency.refresh_from_db()
    assert emergency.ended_at == protective.started_at
    assert services.open_placement(bergen.case) == protective
    assert protective.organisation == bergen.office
    assert Case.objects.get(pk=bergen.case.pk).protective_placement_by == bergen.office


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("police", "child welfare service"),
        ("adult", "child welfare service"),
        ("future", "future"),
        ("missing", "missing"),
        ("before_current", "before"),
    ],
)
def test_bad_placements_are_refused_with_a_reason(bergen: Bergen, situation: str, message: str) -> None:
    membership, started_at = bergen.on_duty, timezone.now()
    if situation == "police":
        membership = bergen.police_worker
    elif situation == "adult":
        Case.objects.filter(pk=bergen.case.pk).update(track=Case.Track.ADULT)
    elif situation == "future":
        started_at += timedelta(hours=1)
    elif situation == "missing":
        placement = bergen.start(started_at=started_at - timedelta(hours=30))
        services.check_missing_children()
        assert services.open_alert(placement) is not None
    elif situation == "before_current":
        bergen.start(started_at=started_at - timedelta(hours=2))
        started_at -= timedelta(hours=3)
    with pytest.raises(ValidationError, match=message):
        services.start_placement(
            access=bergen.access(membership),
            membership=membership,
            kind=Kind.EMERGENCY,
            started_at=started_at,
            alert_after_hours=24,
        )


@pytest.mark.django_db
def test_only_the_responsible_service_acts_on_the_placement(bergen: Bergen) -> None:
    placement = bergen.start()
    for membership in (bergen.office_coordinator, bergen.police_worker):
        with pytest.raises(ValidationError, match="responsible"):
            services.record_contact(
                access=bergen.access(membership),
                membership=membership,
                placement=placement,
                at=timezone.now(),
                contact_made=True,
                whereabouts_known=False,
            )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "contact_made", "whereabouts_known", "message"),
    [
        (timedelta(hours=-2), True, False, "before the placement started"),
        (timedelta(hours=1), True, True, "future"),
        (timedelta(0), False, False, "Tick"),
    ],
)
def test_bad_contact_records_are_refused(
    bergen: Bergen, offset: timedelta, contact_made: bool, whereabouts_known: bool, message: str
) -> None:
    now = timezone.now()
    placement = bergen.start(started_at=now - timedelta(hours=1))
    with pytest.raises(ValidationError, match=message):
        services.record_contact(
            access=bergen.access(bergen.on_duty),
            membership=bergen.on_duty,
            placement=placement,
            at=now + offset,
            contact_made=contact_made,
            whereabouts_known=whereabouts_known,
        )


# --- The missing-child alert ---------------------------------------------------------------------


@pytest.mark.django_db
def test_no_contact_for_longer_than_the_placement_allows_raises_one_alert(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(days=3)
    placement = bergen.start(started_at=start)
    assert services.check_missing_children(start + timedelta(hours=23, minutes=59)) == 0
    assert services.check_missing_children(start + timedelta(hours=24, minutes=1)) == 1
    assert services.check_missing_children(start + timedelta(hours=30)) == 0  # never two open
    alert = MissingChildAlert.objects.get()
    assert (alert.placement, alert.reason, alert.missing_since) == (placement, "no_contact", start)
    assert events(bergen.case).count(EventKind.MISSING_ALERT_RAISED) == 1
    raised = bergen.case.events.get(kind=EventKind.MISSING_ALERT_RAISED)
    assert (raised.actor, raised.organisation, raised.audience) == (None, bergen.out_of_hours, bergen.out_of_hours)
    [notification] = Notification.objects.all()
    assert (notification.recipient, notification.kind) == (bergen.on_duty.user, Notification.Kind.MISSING_CHILD)


@pytest.mark.django_db
def test_a_recorded_contact_restarts_the_clock(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(days=3)
    placement = bergen.start(started_at=start)
    services.record_contact(
        access=bergen.access(bergen.on_duty),
        membership=bergen.on_duty,
        placement=placement,
        at=start + timedelta(hours=20),
        contact_made=False,
        whereabouts_known=True,
    )
    assert services.check_missing_children(start + timedelta(hours=30)) == 0
    assert services.check_missing_children(start + timedelta(hours=44, minutes=1)) == 1
    assert MissingChildAlert.objects.get().missing_since == start + timedelta(hours=20)


@pytest.mark.django_db
def test_each_placement_has_its_own_threshold(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(days=1)
    bergen.start(started_at=start, hours=6)
    assert services.check_missing_children(start + timedelta(hours=6, minutes=1)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "check", "raised"),
    [
        # Spring: 24 elapsed hours after 20:00 on 28 March are 21:00 on 29 March (the clocks went forward).
        (at(2026, 3, 28, 20, 0), at(2026, 3, 29, 20, 30), 0),
        (at(2026, 3, 28, 20, 0), at(2026, 3, 29, 21, 1), 1),
        # Autumn: 24 elapsed hours after 20:00 on 24 October are 19:00 on 25 October (the clocks went back).
        (at(2026, 10, 24, 20, 0), at(2026, 10, 25, 18, 59), 0),
        (at(2026, 10, 24, 20, 0), at(2026, 10, 25, 19, 30), 1),
    ],
)
def test_hours_without_contact_are_real_hours_across_dst(
    bergen: Bergen, start: datetime, check: datetime, raised: int
) -> None:
    Placement.objects.create(case=bergen.case, organisation=bergen.out_of_hours, kind=Kind.EMERGENCY, started_at=start)
    assert services.check_missing_children(check) == raised


@pytest.mark.django_db
def test_an_absconding_raises_the_alert_at_once_and_records_how_soon_after_the_start(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(hours=10)
    placement = bergen.start(started_at=start)
    absconding = services.record_absconding(
        access=bergen.access(bergen.on_duty),
        membership=bergen.on_duty,
        placement=placement,
        at=start + timedelta(hours=5),
        how=Absconding.How.RAN_AWAY,
    )
    assert absconding.after_start == timedelta(hours=5)
    alert = services.open_alert(placement)
    assert alert is not None
    assert (alert.reason, alert.absconding, alert.missing_since) == ("absconded", absconding, absconding.at)
    assert events(bergen.case)[-2:] == [EventKind.ABSCONDED, EventKind.MISSING_ALERT_RAISED]
    assert services.check_missing_children(start + timedelta(days=2)) == 0


@pytest.mark.django_db
def test_an_absconding_during_a_no_contact_alert_explains_it(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(hours=30)
    placement = bergen.start(started_at=start)
    services.check_missing_children()
    services.record_absconding(
        access=bergen.access(bergen.on_duty),
        membership=bergen.on_duty,
        placement=placement,
        at=start + timedelta(hours=2),
        how=Absconding.How.TAKEN,
    )
    alert = MissingChildAlert.objects.get()
    assert alert.reason == "absconded"
    assert alert.absconding is not None


@pytest.mark.django_db
def test_the_service_notifies_the_police_who_see_the_alert_by_code(bergen: Bergen) -> None:
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=30))
    services.check_missing_children()
    alert = services.open_alert(placement)
    assert alert is not None
    police_admin = MembershipFactory.create(organisation=bergen.police, role=Membership.Role.ORG_ADMIN)
    services.notify_police(access=bergen.access(bergen.on_duty), membership=bergen.on_duty, alert=alert)

    assert (alert.police_organisation, alert.police_notified_by) == (bergen.police, bergen.on_duty.user)
    assert bergen.case.events.get(kind=EventKind.POLICE_NOTIFIED).note == "Vest politidistrikt"
    told = Notification.objects.filter(kind=Notification.Kind.POLICE_NOTIFIED)
    assert {n.recipient_id for n in told} == {bergen.police_worker.user_id, police_admin.user_id}
    assert {n.link_path for n in told} == {reverse("placements:alerts")}
    assert list(alerts_for(police_admin)) == [alert]
    with pytest.raises(ValidationError, match="already"):
        services.notify_police(access=bergen.access(bergen.on_duty), membership=bergen.on_duty, alert=alert)


@pytest.mark.django_db
def test_police_not_in_vern_are_recorded_as_notified_by_phone(bergen: Bergen) -> None:
    Organisation.objects.filter(pk=bergen.police.pk).update(is_active=False)
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=30))
    services.check_missing_children()
    alert = services.open_alert(placement)
    assert alert is not None
    services.notify_police(access=bergen.access(bergen.on_duty), membership=bergen.on_duty, alert=alert)
    assert alert.police_notified_at is not None
    assert alert.police_organisation is None
    assert not Notification.objects.filter(kind=Notification.Kind.POLICE_NOTIFIED).exists()


@pytest.mark.django_db
def test_the_police_district_is_found_by_its_name_when_it_serves_several_municipalities(cast: Cast) -> None:
    police = OrganisationFactory.create(
        name="Vest politidistrikt",
        kind=Organisation.Kind.POLICE_DISTRICT,
        owner_type=Organisation.OwnerType.STATE,
        municipality=cast.bergen,
    )
    askoy = MunicipalityFactory.create(name="Askøy", police_district="Vest politidistrikt")
    assert services.police_for(askoy) == police
    assert services.police_for(cast.oslo) is None


@pytest.mark.django_db
def test_a_found_child_closes_the_alert_and_the_police_hear_of_it(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(hours=30)
    placement = bergen.start(started_at=start)
    services.check_missing_children()
    alert = services.open_alert(placement)
    assert alert is not None
    access = bergen.access(bergen.on_duty)
    services.notify_police(access=access, membership=bergen.on_duty, alert=alert)
    with pytest.raises(ValidationError, match="before going missing"):
        services.child_found(access=access, membership=bergen.on_duty, alert=alert, at=start - timedelta(hours=1))
    services.child_found(access=access, membership=bergen.on_duty, alert=alert, at=timezone.now())

    assert (alert.outcome, services.open_alert(placement)) == ("found", None)
    assert placement.contacts.filter(contact_made=True, whereabouts_known=True).exists()
    assert Notification.objects.filter(kind=Notification.Kind.CHILD_FOUND, organisation=bergen.police).exists()
    assert events(bergen.case)[-3:] == [
        EventKind.MISSING_ALERT_RAISED,
        EventKind.POLICE_NOTIFIED,
        EventKind.CHILD_FOUND,
    ]
    assert services.check_missing_children(timezone.now() + timedelta(hours=23)) == 0  # the clock restarted
    assert services.check_missing_children(timezone.now() + timedelta(hours=25)) == 1


@pytest.mark.django_db
def test_ending_the_placement_closes_an_open_alert(bergen: Bergen) -> None:
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=30))
    services.check_missing_children()
    services.end_placement(
        access=bergen.access(bergen.on_duty), membership=bergen.on_duty, placement=placement, at=timezone.now()
    )
    assert MissingChildAlert.objects.get().outcome == "placement_ended"


@pytest.mark.django_db
def test_placement_events_are_on_the_timeline_of_the_owner_and_the_responsible_service_only(bergen: Bergen) -> None:
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=3))
    services.record_absconding(
        access=bergen.access(bergen.on_duty),
        membership=bergen.on_duty,
        placement=placement,
        at=timezone.now() - timedelta(hours=1),
        how=Absconding.How.RAN_AWAY,
    )
    wanted = {EventKind.PLACEMENT_STARTED, EventKind.ABSCONDED, EventKind.MISSING_ALERT_RAISED}

    def kinds(membership: Membership) -> set[str]:
        return set(visible_events(bergen.access(membership), membership.organisation).values_list("kind", flat=True))

    assert wanted <= kinds(bergen.on_duty)
    assert wanted <= kinds(bergen.police_worker)  # the owner
    assert not wanted & kinds(bergen.office_coordinator)


# --- Statistics -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_statistics_count_abscondings_per_year_by_how_soon_after_the_start(bergen: Bergen) -> None:
    def placement(started: datetime, *abscondings: timedelta) -> None:
        created = Placement.objects.create(
            case=bergen.case,
            organisation=bergen.out_of_hours,
            kind=Kind.EMERGENCY,
            started_at=started,
            ended_at=started,
        )
        for after in abscondings:
            Absconding.objects.create(placement=created, at=started + after, how="ran_away", after_start=after)

    placement(at(2026, 1, 1, 0, 30), timedelta(hours=3))  # 2026 in Oslo, still 2025 in UTC
    placement(at(2025, 6, 1, 20, 0))
    placement(at(2025, 12, 31, 20, 0), timedelta(hours=30))
    placement(at(2026, 1, 10, 21, 0), timedelta(hours=30), timedelta(hours=2))  # the first absconding counts
    placement(at(2026, 3, 1, 21, 0), timedelta(days=10))
    placement(at(2026, 4, 1, 21, 0))

    assert services.absconding_statistics() == [
        services.AbscondingYear(year=2025, placements=2, absconded=1, within_24_hours=0, within_a_week=1),
        services.AbscondingYear(year=2026, placements=4, absconded=3, within_24_hours=2, within_a_week=2),
    ]


# --- Pages -----------------------------------------------------------------------------------------


def detail(membership: Membership, case: Case) -> str:
    return (
        client_acting_in(membership.user, membership.organisation).get(reverse("cases:detail", args=[case.code])).text
    )


@pytest.mark.django_db
def test_the_case_page_shows_the_placement_to_the_owner_and_child_welfare_but_only_the_responsible_service_acts(
    bergen: Bergen,
) -> None:
    bergen.start()
    contact_url = reverse("cases:placements:contact", args=[bergen.case.code])
    on_duty, office, police = (
        detail(m, bergen.case) for m in (bergen.on_duty, bergen.office_coordinator, bergen.police_worker)
    )
    assert 'data-testid="current-placement"' in on_duty
    assert contact_url in on_duty
    assert 'data-testid="current-placement"' in office
    assert contact_url not in office
    assert 'data-testid="current-placement"' in police
    assert contact_url not in police
    nav = MembershipFactory.create(
        organisation=OrganisationFactory.create(kind=Organisation.Kind.NAV_OFFICE), role="coordinator"
    )
    disclose(bergen.police_worker, bergen.case, nav.organisation)
    assert 'data-testid="placements"' not in detail(nav, bergen.case)


@pytest.mark.django_db
def test_a_worker_records_an_absconding_in_the_form(bergen: Bergen) -> None:
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=6))
    client = client_acting_in(bergen.on_duty.user, bergen.out_of_hours)
    url = reverse("cases:placements:absconded", args=[bergen.case.code])
    assert client.get(url).status_code == 200
    when = timezone.localtime(placement.started_at + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"at": when, "how": "ran_away"})
    assert response.status_code == 302
    assert Absconding.objects.get().placement == placement
    assert services.open_alert(placement) is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"at": "2001-01-01T10:00", "how": "ran_away"}, "before the placement started"),
        ({"at": "not a time", "how": "ran_away"}, "Enter a valid date/time"),
        ({"at": "2001-01-01T10:00", "how": "vanished"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    bergen: Bergen, data: dict[str, str], message: str
) -> None:
    bergen.start(started_at=timezone.now() - timedelta(hours=6))
    client = client_acting_in(bergen.on_duty.user, bergen.out_of_hours)
    client.cookies["vern_language"] = "en"
    response = client.post(reverse("cases:placements:absconded", args=[bergen.case.code]), data)
    assert response.status_code == 200
    assert message in response.text
    assert not Absconding.objects.exists()


@pytest.mark.django_db
def test_forms_without_a_running_placement_send_the_worker_back_with_a_message(bergen: Bergen) -> None:
    client = client_acting_in(bergen.on_duty.user, bergen.out_of_hours)
    for name in ("contact", "absconded", "end", "found"):
        response = client.get(reverse(f"cases:placements:{name}", args=[bergen.case.code]))
        assert response.status_code == 302
    for name in ("renew", "notify_police"):
        assert client.post(reverse(f"cases:placements:{name}", args=[bergen.case.code])).status_code == 302


@pytest.mark.django_db
def test_the_start_form_places_the_child(bergen: Bergen) -> None:
    client = client_acting_in(bergen.on_duty.user, bergen.out_of_hours)
    url = reverse("cases:placements:start", args=[bergen.case.code])
    page = client.get(url).text
    assert 'value="24"' in page
    started = timezone.localtime() - timedelta(hours=1)
    response = client.post(
        url, {"kind": "protective", "started_at": started.strftime("%Y-%m-%dT%H:%M"), "alert_after_hours": "12"}
    )
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.kind, placement.alert_after_hours, placement.renewals) == ("protective", 12, 0)
    assert client_acting_in(bergen.police_worker.user, bergen.police).get(url).status_code == 403


@pytest.mark.django_db
def test_the_alert_list_shows_open_alerts_to_the_service_and_to_the_police_told_of_them(bergen: Bergen) -> None:
    placement = bergen.start(started_at=timezone.now() - timedelta(hours=30))
    services.check_missing_children()
    url = reverse("placements:alerts")
    case_link = reverse("cases:detail", args=[bergen.case.code])
    assert case_link in client_acting_in(bergen.on_duty.user, bergen.out_of_hours).get(url).text
    assert bergen.case.code not in client_acting_in(bergen.office_coordinator.user, bergen.office).get(url).text

    # A case the police district does not see: the police get the code, not a link.
    Case.objects.filter(pk=bergen.case.pk).update(owner=bergen.out_of_hours)
    alert = services.open_alert(placement)
    assert alert is not None
    services.notify_police(access=bergen.access(bergen.on_duty), membership=bergen.on_duty, alert=alert)
    police_page = client_acting_in(bergen.police_worker.user, bergen.police).get(url).text
    assert bergen.case.code in police_page
    assert case_link not in police_page


@pytest.mark.django_db
def test_the_alert_list_costs_the_same_queries_for_3_and_30_alerts(bergen: Bergen) -> None:
    client = client_acting_in(bergen.on_duty.user, bergen.out_of_hours)
    url = reverse("placements:alerts")
    client.get(url)
    counts = []
    for count in (3, 30):
        while MissingChildAlert.objects.count() < count:
            case = case_services.create_case(
                membership=bergen.police_worker, municipality=bergen.cast.bergen, track=Case.Track.CHILD
            )
            disclose(bergen.police_worker, case, bergen.out_of_hours)
            placement = Placement.objects.create(
                case=case, organisation=bergen.out_of_hours, kind=Kind.EMERGENCY, started_at=timezone.now()
            )
            MissingChildAlert.objects.create(
                placement=placement, reason="no_contact", missing_since=timezone.now(), raised_at=timezone.now()
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).text.count("<tr") == count + 1
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Two reminder runs at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_raise_one_alert(bergen: Bergen) -> None:
    for _ in range(3):
        case = case_services.create_case(
            membership=bergen.police_worker, municipality=bergen.cast.bergen, track=Case.Track.CHILD
        )
        Placement.objects.create(
            case=case,
            organisation=bergen.out_of_hours,
            kind=Kind.EMERGENCY,
            started_at=timezone.now() - timedelta(days=2),
        )
    run_concurrently(2, services.check_missing_children)
    assert MissingChildAlert.objects.count() == 3
    assert CaseEvent.objects.filter(kind=EventKind.MISSING_ALERT_RAISED).count() == 3
