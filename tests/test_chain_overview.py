"""The coordinators' overview: where cases are, for how long, and where nobody is responsible."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain.access import coordinated_municipalities, may_coordinate
from chain.models import CaseStep
from chain.overview import overview
from chain.services import finish_step
from learning.services import raise_escalation, write_routine
from organisations.models import Membership, Organisation
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = pytest.mark.django_db


def coordinator(cast: Cast, kind: str = Organisation.Kind.TOT_COORDINATOR, municipality: object = None) -> Membership:
    organisation = OrganisationFactory.create(
        kind=kind, owner_type=Organisation.OwnerType.MUNICIPAL, municipality=municipality or cast.oslo
    )
    return MembershipFactory.create(organisation=organisation, role=Membership.Role.COORDINATOR)


def test_who_coordinates(cast: Cast) -> None:
    oslo = coordinator(cast)
    national = MembershipFactory.create(
        organisation=OrganisationFactory.create(
            kind=Organisation.Kind.NATIONAL_COORDINATION, owner_type=Organisation.OwnerType.STATE, municipality=None
        ),
        role=Membership.Role.COORDINATOR,
    )
    caseworker = MembershipFactory.create(organisation=oslo.organisation, role=Membership.Role.CASEWORKER)
    ngo_admin = cast.ngo_admin.memberships.get(organisation=cast.ngo)
    assert coordinated_municipalities(oslo) == [cast.oslo]
    assert set(coordinated_municipalities(national)) == {cast.oslo, cast.bergen}
    assert not may_coordinate(caseworker, cast.oslo)
    assert not may_coordinate(ngo_admin, cast.oslo)  # private organisations take part but do not run chains
    assert not may_coordinate(oslo, cast.bergen)


def test_it_counts_cases_per_step_with_time_in_step_and_raises_steps_with_no_one_responsible(
    chain_templates: None, cast: Cast
) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=OSLO)
    cases = [create_case(membership=owner, municipality=cast.oslo) for _ in range(3)]
    for days, case in zip((1, 3, 10), cases, strict=True):
        case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=now - timedelta(days=days))
    access = get_case_for(owner, cases[0].code)
    finish_step(
        access=access,
        membership=owner,
        case_step=cases[0].steps.get(step__code="identified"),
        at=now - timedelta(hours=12),
    )
    board = overview(membership=coordinator(cast), municipality=cast.oslo, now=now)
    identified = next(row for row in board.steps if row.code == "identified")
    assert identified.cases_now == 2
    assert identified.longest_now == timedelta(days=10)
    assert identified.median_now == timedelta(days=6.5)
    assert identified.median_completed == timedelta(hours=12)
    # The NGO owns them but does not take any step: every case in progress has a step with no one responsible.
    assert board.unassigned_count == 3
    assert board.unassigned[0].case.code == cases[2].code  # longest waiting first
    assert not any(step.visible for step in board.unassigned)  # type: ignore[attr-defined]  # not shared with the coordinator


def test_the_page_is_for_coordinators_and_its_queries_do_not_grow_with_cases(chain_templates: None, cast: Cast) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    member = coordinator(cast)
    client = client_acting_in(member.user, member.organisation)
    url = reverse("chain:overview")
    create_case(membership=owner, municipality=cast.oslo)
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        for _ in range(5):
            create_case(membership=owner, municipality=cast.oslo, track=Case.Track.ADULT)
    assert counts[0] == counts[1]
    assert 'data-testid="unassigned-count">6<' in response.text
    caseworker = MembershipFactory.create(organisation=member.organisation, role=Membership.Role.CASEWORKER)
    assert client_acting_in(caseworker.user, member.organisation).get(url).status_code == 403
    bergen_only = client.get(url, {"municipality": cast.bergen.pk})
    assert bergen_only.status_code == 200  # an unknown choice falls back to her own municipality
    assert "Oslo" in bergen_only.text


def test_the_overview_counts_open_escalations_and_the_case_page_links_the_steps_routines(
    chain_templates: None, cast: Cast
) -> None:
    member = coordinator(cast)
    raise_escalation(
        membership=member,
        municipality=cast.oslo,
        title="Ingen egnet bolig på tre måneder",
        description="Kommunen har ikke boliger for personer i refleksjonsperioden.",
        level="directorate",
        owner_organisation=member.organisation,
    )
    routine = write_routine(
        membership=member,
        municipality=cast.oslo,
        title="Sjekkliste for første samtale",
        body="1. Tolk\n2. Trygt sted",
        step_code="identified",
    )
    client = client_acting_in(member.user, member.organisation)
    assert 'data-testid="escalation-count">1<' in client.get(reverse("chain:overview")).text
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("cases:detail", args=[case.code])).text
    assert reverse("learning:routine", args=[routine.pk]) in page
    bergen = create_case(
        membership=cast.bergen_admin.memberships.get(organisation=cast.bergen_org), municipality=cast.bergen
    )
    bergen_page = client_acting_in(cast.bergen_admin, cast.bergen_org).get(reverse("cases:detail", args=[bergen.code]))
    assert reverse("learning:routine", args=[routine.pk]) not in bergen_page.text


def test_median_when_done_covers_the_last_year_only(chain_templates: None, cast: Cast) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=OSLO)
    recent, old = (create_case(membership=owner, municipality=cast.oslo) for _ in range(2))
    for case, started, hours in ((recent, now - timedelta(days=30), 2), (old, now - timedelta(days=800), 50)):
        case.steps.filter(step__code="identified").update(
            status=CaseStep.Status.DONE, started_at=started, done_at=started + timedelta(hours=hours)
        )
    board = overview(membership=coordinator(cast), municipality=cast.oslo, now=now)
    identified = next(row for row in board.steps if row.code == "identified")
    assert identified.median_completed == timedelta(hours=2)
