"""Screening flows through the views: drafts, autosave, completion, anonymous contacts, cases."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.models import Case
from organisations.models import Organisation
from rights.models import CaseRight
from screening.models import CatalogueVersion, ChildWelfareNotification, Screening
from tests.conftest import Cast
from tests.factories import OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


def answer(client: Any, screening: Screening, step: str, data: dict[str, Any]) -> Any:
    return client.post(reverse("screening:step", args=[screening.pk, step]), data)


def start(client: Any) -> Screening:
    response = client.post(reverse("screening:start"))
    assert response.status_code == 302
    return Screening.objects.latest("pk")


@pytest.fixture
def child_welfare(cast: Cast) -> dict[str, Organisation]:
    return {
        "office": OrganisationFactory.create(
            name="Barneverntjenesten Oslo", kind=Organisation.Kind.CHILD_WELFARE, municipality=cast.oslo
        ),
        "duty": OrganisationFactory.create(
            name="Barnevernvakten Oslo", kind=Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS, municipality=cast.oslo
        ),
    }


def test_the_catalogue_loads_on_a_fresh_database_with_sources() -> None:
    version = CatalogueVersion.objects.get(is_active=True)
    sources = {source["code"] for source in version.sources}
    assert version.forms.count() >= 10
    for item in [*version.forms.all(), *version.indicators.all(), *version.advice.all()]:
        assert item.source in sources, item.code
    advice = {a.code: a for a in version.advice.all()}
    assert "112" in advice["acute_danger"].phone
    assert "02800" in advice["acute_danger"].phone
    assert "466 15 000" in advice["possibly_minor"].phone
    assert {"sexual", "labour_car_wash", "begging", "criminality_drugs", "benefit_fraud", "organ_removal"} <= set(
        version.forms.values_list("code", flat=True)
    )


def test_acute_danger_shows_and_records_the_advice(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = answer(client, screening, "danger", {"acute_danger": "yes"})
    page = client.get(response["Location"])
    assert "02800" in page.text
    assert "112" in page.text
    screening.refresh_from_db()
    assert screening.acute_advice_shown_at is not None


def test_answers_are_kept_as_a_draft_and_autosaved(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = client.post(
        reverse("screening:step", args=[screening.pk, "age"]),
        {"possibly_minor": "unknown_with_reason", "stated_age": "not a number"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    screening.refresh_from_db()
    assert screening.possibly_minor == "unknown_with_reason"  # the valid part is kept
    listing = client.get(reverse("screening:list"))
    assert reverse("screening:step", args=[screening.pk, "age"]) in listing.text  # continued where it was left


def test_contradictory_answers_are_allowed_but_flagged(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = answer(
        client,
        screening,
        "age",
        {"possibly_minor": "yes", "stated_age": "30", "gender": "male", "municipality": cast.oslo.pk},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert 'data-color="warning"' in page.text


def complete(client: Any, screening: Screening, *, minor: str, outcome: str, age: str = "") -> Any:
    answer(client, screening, "danger", {"acute_danger": "no"})
    answer(client, screening, "age", {"possibly_minor": minor, "stated_age": age})
    answer(client, screening, "outcome", {"outcome": outcome})
    return client.post(reverse("screening:review", args=[screening.pk]))


def test_a_person_who_wants_help_gets_a_case_with_the_rights_of_their_track(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    complete(client, screening, minor="no", age="28", outcome="confirmed_wants_help")
    screening.refresh_from_db()
    assert screening.case is not None
    assert screening.case.track == Case.Track.ADULT
    codes = set(CaseRight.objects.filter(case=screening.case).values_list("right__code", flat=True))
    assert codes
    assert not any("education" in code or "guardian" in code for code in codes)


def test_declining_help_leaves_an_anonymous_contact_and_no_case(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    complete(client, screening, minor="no", age="35", outcome="confirmed_no_help")
    screening.refresh_from_db()
    assert screening.is_anonymous_contact
    assert not Case.objects.exists()
    client.post(reverse("screening:make_case", args=[screening.pk]))  # the worker may still open one later
    screening.refresh_from_db()
    assert screening.case is not None


def test_a_child_cannot_decline(cast: Cast, child_welfare: dict[str, Organisation]) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    page = client.get(reverse("screening:step", args=[screening.pk, "outcome"]))
    assert 'value="confirmed_no_help"' in page.text  # not yet known to be a child
    answer(client, screening, "age", {"possibly_minor": "unknown_with_reason"})
    page = client.get(reverse("screening:step", args=[screening.pk, "outcome"]))
    assert 'value="confirmed_no_help"' not in page.text
    response = answer(client, screening, "outcome", {"outcome": "confirmed_no_help"})
    assert response.status_code == 200  # refused with an explanation


@pytest.mark.parametrize(
    ("moment", "service"),
    [
        (datetime(2026, 11, 27, 23, 0, tzinfo=OSLO), "duty"),  # Friday 23:00
        (datetime(2026, 11, 24, 10, 0, tzinfo=OSLO), "office"),  # Tuesday 10:00
        (datetime(2026, 4, 2, 10, 0, tzinfo=OSLO), "duty"),  # Maundy Thursday
    ],
)
def test_a_possible_child_creates_a_notification_to_the_service_on_duty(
    cast: Cast, child_welfare: dict[str, Organisation], monkeypatch: pytest.MonkeyPatch, moment: datetime, service: str
) -> None:
    monkeypatch.setattr("screening.services.current_time", lambda: moment)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    complete(client, screening, minor="unknown_with_reason", outcome="concern_strengthened")
    notification = ChildWelfareNotification.objects.get(screening=screening)
    assert notification.to_organisation == child_welfare[service]
    assert notification.out_of_hours is (service == "duty")
    page = client.get(reverse("screening:detail", args=[screening.pk]))
    assert "466 15 000" in page.text
    client.post(reverse("screening:notification_done", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.status == ChildWelfareNotification.Status.NOTIFIED


def test_other_organisations_cannot_see_a_screening(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    other = client_acting_in(cast.bergen_admin, cast.bergen_org)
    assert other.get(reverse("screening:detail", args=[screening.pk])).status_code == 404
    assert other.get(reverse("screening:step", args=[screening.pk, "danger"])).status_code == 404


def test_a_finished_screening_keeps_its_catalogue_version(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    complete(client, screening, minor="no", outcome="concern_weakened")
    screening.refresh_from_db()
    assert screening.version.number == 1
    assert screening.status == Screening.Status.COMPLETED
    assert client.get(reverse("screening:step", args=[screening.pk, "danger"])).status_code == 404


def test_a_system_admin_copies_edits_and_activates_a_new_catalogue_version(cast: Cast) -> None:
    from django.apps import apps

    from screening.catalogue import copy_as_new_version

    admin = client_acting_in(cast.ngo_admin, cast.ngo)
    cast.ngo_admin.is_staff = cast.ngo_admin.is_superuser = True
    cast.ngo_admin.save()
    old = CatalogueVersion.objects.get(is_active=True)
    used = start(client_acting_in(cast.ngo_worker, cast.ngo))
    new = copy_as_new_version(old, get_model=lambda name: apps.get_model("screening", name))
    assert new.number == old.number + 1
    assert new.indicators.count() == old.indicators.count()
    assert not new.is_active
    response = admin.post(
        "/system-admin/screening/catalogueversion/",
        {"action": "activate", "_selected_action": [new.pk]},
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.is_active
    assert CatalogueVersion.objects.filter(is_active=True).count() == 1
    used.refresh_from_db()
    assert used.version == old  # a screening keeps the version it started with
    # A version that screenings used can no longer be changed in the admin.
    assert admin.get(f"/system-admin/screening/catalogueversion/{old.pk}/change/").status_code in (200, 302, 403)
    assert admin.post(f"/system-admin/screening/catalogueversion/{old.pk}/change/", {"title": "x"}).status_code != 302


def test_the_start_page_reminds_of_notifications_to_send(cast: Cast, child_welfare: dict[str, Organisation]) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    complete(client, screening, minor="yes", outcome="concern_strengthened")
    home = client.get(reverse("home"))
    assert 'data-testid="notifications-to-send"' in home.text
    notification = ChildWelfareNotification.objects.get()
    client.post(reverse("screening:notification_done", args=[notification.pk]))
    assert 'data-testid="notifications-to-send"' not in client.get(reverse("home")).text
