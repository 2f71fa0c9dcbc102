""" "Min dag": each persona's start page shows their work — by case code, with one action each — and no one else's."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case, set_protection
from chain.models import CaseStep, Deadline
from home.today import today_for
from national_statistics.models import Contribution, YearLinkage
from organisations.models import Membership
from placements.services import check_missing_children
from referrals import services as referral_services
from referrals.services import Ground
from screening.services import start_screening
from tests.conftest import Cast
from tests.helpers import client_acting_in
from tests.test_placements import Bergen, bergen

__all__ = ["bergen"]  # a fixture, used by name
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chain_templates")]

OSLO = ZoneInfo("Europe/Oslo")
NOTHING = "Ingenting venter på deg i dag."


def membership(user: Any, organisation: Any) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=user, organisation=organisation)


def ngo_case(cast: Cast) -> Case:
    return create_case(membership=membership(cast.ngo_worker, cast.ngo), municipality=cast.oslo)


def deadline(case: Case, title: str, due_at: datetime) -> Deadline:
    return Deadline.objects.create(
        case=case, title=title, organisation=case.owner, starts_at=due_at - timedelta(days=7), due_at=due_at
    )


def refer_to_nav(cast: Cast, case: Case) -> None:
    owner = membership(cast.ngo_worker, cast.ngo)
    referral_services.refer(
        access=get_case_for(owner, case.code),
        membership=owner,
        to=cast.nav,
        case_step=None,
        purpose="Vurdere økonomisk stønad",
        field_groups=["identity"],
        ground=Ground(consent_form="written"),
    )


def page(user: Any, organisation: Any) -> str:
    return client_acting_in(user, organisation).get(reverse("home")).text


def test_the_ngo_worker_sees_the_overdue_deadline_and_their_unfinished_screening(cast: Cast) -> None:
    case = ngo_case(cast)
    deadline(case, "Søke om bolig", timezone.now() - timedelta(days=1))
    deadline(case, "Evaluere tiltakene", timezone.now() + timedelta(days=20))
    screening = start_screening(membership=membership(cast.ngo_worker, cast.ngo))
    start_screening(membership=membership(cast.ngo_colleague, cast.ngo))

    shown = page(cast.ngo_worker, cast.ngo)

    assert 'data-testid="urgent"' in shown
    assert f'data-case="{case.code}"' in shown
    assert "Søke om bolig" in shown
    assert "Evaluere tiltakene" not in shown  # not due yet
    assert reverse("screening:detail", args=[screening.pk]) in shown
    assert shown.count('data-testid="screening"') == 1  # the colleague's draft is the colleague's
    assert "Velg hvem som er ansvarlig" not in shown  # a caseworker does not coordinate the chain


def test_the_nav_coordinator_answers_the_referral_and_gives_the_unowned_step(cast: Cast) -> None:
    case = ngo_case(cast)
    refer_to_nav(cast, case)
    start_screening(membership=membership(cast.ngo_worker, cast.ngo))
    unowned = CaseStep.objects.filter(case=case, status=CaseStep.Status.ACTIVE, responsible=None)
    assert unowned.exists()  # Oslo has no low-threshold service for the relay's first step

    shown = page(cast.nav_coordinator, cast.nav)

    assert "Trygg havn Oslo henviser saken til dere." in shown
    assert reverse("referrals:inbox") in shown
    assert "Ingen er ansvarlig for steget" in shown
    assert f'data-case="{case.code}"' in shown
    assert 'data-testid="screening"' not in shown
    assert "Søke om bolig" not in shown


def test_another_municipality_sees_none_of_it(cast: Cast) -> None:
    case = ngo_case(cast)
    refer_to_nav(cast, case)
    deadline(case, "Søke om bolig", timezone.now() - timedelta(days=1))

    shown = page(cast.bergen_admin, cast.bergen_org)

    assert NOTHING in shown
    assert case.code not in shown


def test_a_protected_case_shows_only_to_those_named_for_it(cast: Cast) -> None:
    case = ngo_case(cast)
    owner = membership(cast.ngo_worker, cast.ngo)
    set_protection(access=get_case_for(owner, case.code), membership=owner, protected=True, named_users=[])
    deadline(case, "Søke om bolig", timezone.now() - timedelta(days=1))

    assert case.code in page(cast.ngo_worker, cast.ngo)
    assert case.code not in page(cast.ngo_admin, cast.ngo)


def test_the_admin_is_told_the_log_review_is_due_once_cases_were_read(cast: Cast) -> None:
    assert "Gå gjennom tilgangsloggen" not in page(cast.ngo_admin, cast.ngo)
    case = ngo_case(cast)
    client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("cases:detail", args=[case.code]))

    assert reverse("log_review:review") in page(cast.ngo_admin, cast.ngo)
    assert reverse("log_review:review") not in page(cast.ngo_worker, cast.ngo)


def test_the_statistician_gets_only_the_statistics_work(cast: Cast) -> None:
    case = ngo_case(cast)
    deadline(case, "Søke om bolig", timezone.now() - timedelta(days=1))
    kom = cast.statistician.memberships.get().organisation
    assert NOTHING in page(cast.statistician, kom)
    YearLinkage.objects.create(
        year=2025,
        linked_at=timezone.now() - timedelta(days=2),
        records=1,
        persons=1,
        compared=0,
        threshold=0.9,
        key_fingerprint="ab",
        seconds=1,
    )
    Contribution.objects.create(
        source=Contribution.Source.UPLOAD, year=2025, organisation_name="Krisesenter", key_fingerprint="ab", sha256="1"
    )

    shown = page(cast.statistician, kom)

    assert "Koble 2025 på nytt" in shown
    assert f"{reverse('national_statistics:report')}?year=2025" in shown
    assert case.code not in shown
    assert reverse("cases:create") not in shown


def test_the_out_of_hours_service_sees_its_missing_child(bergen: Bergen) -> None:
    start = timezone.now() - timedelta(hours=30)
    bergen.start(started_at=start)
    check_missing_children(timezone.now())

    on_duty = page(bergen.on_duty.user, bergen.out_of_hours)
    office = page(bergen.office_coordinator.user, bergen.office)

    assert 'data-testid="missing-child"' in on_duty
    assert f'data-case="{bergen.case.code}"' in on_duty
    assert 'data-testid="missing-child"' not in office


def test_deadlines_due_today_stand_apart_from_the_overdue(cast: Cast) -> None:
    now = datetime(2026, 6, 10, 10, 0, tzinfo=OSLO)
    case = ngo_case(cast)
    deadline(case, "Søke om bolig", now - timedelta(hours=1))
    deadline(case, "Ringe advokaten", now + timedelta(hours=3))
    deadline(case, "Evaluere tiltakene", now + timedelta(days=1))

    today = today_for(membership(cast.ngo_worker, cast.ngo), now)

    assert [item.why for item in today.urgent] == ["Søke om bolig"]
    assert [item.why for item in today.due_today] == ["Ringe advokaten"]
    assert all(item.case_code == case.code for item in today.urgent + today.due_today)


def test_an_empty_day_says_so_in_both_languages(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_colleague, cast.ngo)
    assert NOTHING in client.get(reverse("home")).text
    assert "Min dag" in client.get(reverse("home")).text

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("home")).text

    assert "Nothing waits for you today." in english
    assert "My day" in english


def test_the_page_is_in_english_for_an_english_reader(cast: Cast) -> None:
    case = ngo_case(cast)
    refer_to_nav(cast, case)
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    shown = client.get(reverse("home")).text

    assert "Trygg havn Oslo refers the case to you." in shown
    assert "Accept or decline" in shown
    assert "Godta eller avslå" not in shown


def queries_for_home(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def add_work(cast: Cast) -> None:
    case = ngo_case(cast)
    refer_to_nav(cast, case)
    Deadline.objects.create(
        case=case, title="Søke om bolig", organisation=cast.nav, starts_at=timezone.now(), due_at=timezone.now()
    )


def test_the_page_takes_as_many_queries_for_much_work_as_for_little(cast: Cast) -> None:
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    add_work(cast)
    queries_for_home(client)  # the first page of a session also writes the session
    little = queries_for_home(client)
    for _ in range(4):
        add_work(cast)

    assert queries_for_home(client) == little
