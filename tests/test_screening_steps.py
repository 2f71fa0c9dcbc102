"""The screening's steps on a phone: required answers first, signs only of the forms ticked, where you are."""

from typing import Any

import pytest
from django.urls import reverse

from organisations.models import Membership, Organisation
from screening.models import ChildWelfareNotification, Indicator, Screening
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


def start(client: Any) -> Screening:
    client.post(reverse("screening:start"))
    return Screening.objects.latest("pk")


def step_url(screening: Screening, step: str) -> str:
    return reverse("screening:step", args=[screening.pk, step])


def signs_of(screening: Screening, form: str) -> list[str]:
    return list(Indicator.objects.filter(version=screening.version, form=form).values_list("code", flat=True))


def test_the_exploitation_step_shows_no_signs_until_a_form_is_ticked(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    page = client.get(step_url(screening, "exploitation"))
    assert 'name="indicators"' not in page.text
    assert 'name="forms"' in page.text


def test_show_signs_shows_only_the_signs_of_the_forms_ticked(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = client.post(step_url(screening, "exploitation"), {"forms": ["begging"], "show_signs": "1"})
    assert response.status_code == 302
    assert response["Location"] == step_url(screening, "exploitation") + "#signs"
    page = client.get(response["Location"])
    for code in signs_of(screening, "begging") + signs_of(screening, "general"):
        assert f'value="{code}"' in page.text
    for code in signs_of(screening, "sexual") + signs_of(screening, "minor"):
        assert f'value="{code}"' not in page.text


def test_a_possible_child_also_gets_the_signs_of_a_minor(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    Screening.objects.filter(pk=screening.pk).update(possibly_minor="yes", forms=["begging"])
    page = client.get(step_url(screening, "exploitation"))
    for code in signs_of(screening, "minor"):
        assert f'value="{code}"' in page.text


def test_signs_of_a_form_no_longer_ticked_are_not_kept(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    begging, sexual = signs_of(screening, "begging")[0], signs_of(screening, "sexual")[0]
    response = client.post(
        step_url(screening, "exploitation"),
        {"forms": ["sexual"], "indicators": [begging, sexual], "shown_forms": ["begging", "sexual"]},
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(screening, "conversation")
    screening.refresh_from_db()
    assert screening.forms == ["sexual"]
    assert screening.indicators == [sexual]


def test_a_newly_ticked_form_shows_its_signs_before_moving_on(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = client.post(
        step_url(screening, "exploitation"), {"forms": ["begging", "sexual"], "shown_forms": ["begging"]}
    )
    assert response["Location"] == step_url(screening, "exploitation") + "#signs"
    screening.refresh_from_db()
    assert screening.forms == ["begging", "sexual"]


def test_gender_and_municipality_are_asked_with_the_age_and_errors_link_to_the_field(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = client.post(step_url(screening, "age"), {"possibly_minor": "no", "municipality": ""})
    assert response.status_code == 200
    for field in ("gender", "municipality"):
        assert f'href="#id_{field}"' in response.text
        assert f'id="id_{field}"' in response.text
        assert f'id="id_{field}_error"' in response.text
    exploitation = client.get(step_url(screening, "exploitation"))
    assert 'name="gender"' not in exploitation.text
    assert 'name="municipality"' not in exploitation.text


def test_each_step_says_which_step_of_how_many_it_is(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    page = client.get(step_url(screening, "age"))
    assert "Steg 2 av 6: Om personen" in page.text
    assert page.text.count('aria-current="step"') == 1
    review = client.get(reverse("screening:review", args=[screening.pk]))
    assert "Steg 6 av 6: Avslutt" in review.text


def test_every_phone_number_the_screening_shows_is_a_tel_link(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    response = client.post(step_url(screening, "danger"), {"acute_danger": "yes"})
    page = client.get(response["Location"])
    assert '<a class="ds-link" href="tel:112">112</a>' in page.text
    assert '<a class="ds-link" href="tel:02800">02800</a>' in page.text
    Screening.objects.filter(pk=screening.pk).update(possibly_minor="yes")
    page = client.get(step_url(screening, "age"))
    assert '<a class="ds-link" href="tel:+4746615000">466 15 000</a>' in page.text


def test_without_a_child_welfare_service_the_guidance_line_is_a_tel_link(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    client.post(step_url(screening, "danger"), {"acute_danger": "no"})
    client.post(step_url(screening, "age"), {"possibly_minor": "yes", "gender": "male", "municipality": cast.oslo.pk})
    client.post(step_url(screening, "outcome"), {"outcome": "concern_strengthened"})
    client.post(reverse("screening:review", args=[screening.pk]))
    page = client.get(reverse("screening:detail", args=[screening.pk]))
    assert 'data-testid="notification"' in page.text
    assert page.text.count('href="tel:+4746615000"') >= 2  # in the notice and in the advice


def test_unfinished_screenings_can_be_told_apart(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    first, second = start(client), start(client)
    Screening.objects.filter(pk=second.pk).update(acute_danger=False, possibly_minor="no", outcome="concern_weakened")
    listing = client.get(reverse("screening:list"))
    drafts = listing.text.split('data-testid="drafts"')[1].split("</ul>")[0]
    assert f"Fortsett Kartlegging {first.pk}" in drafts
    assert f"Fortsett Kartlegging {second.pk}" in drafts
    assert "Kommet til: Fare." in drafts
    assert "Kommet til: Utfall." in drafts
    assert "Utfall så langt: Bekymringen er svekket" in drafts
    assert step_url(second, "outcome") in drafts


def test_only_its_worker_deletes_an_unfinished_screening_after_confirming(cast: Cast, caplog: Any) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    url = reverse("screening:delete", args=[screening.pk])
    assert url in client.get(reverse("screening:list")).text
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert Screening.objects.filter(pk=screening.pk).exists()  # asking deletes nothing
    colleague = client_acting_in(cast.ngo_admin, cast.ngo)
    assert colleague.post(url).status_code == 404
    with caplog.at_level("INFO", logger="screening.services"):
        response = client.post(url)
    assert response["Location"] == reverse("screening:list")
    assert not Screening.objects.filter(pk=screening.pk).exists()
    assert f"Unfinished screening {screening.pk} deleted by user {cast.ngo_worker.pk}" in caplog.text


def test_a_finished_screening_cannot_be_deleted(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    Screening.objects.filter(pk=screening.pk).update(status=Screening.Status.COMPLETED)
    assert client.post(reverse("screening:delete", args=[screening.pk])).status_code == 404
    assert Screening.objects.filter(pk=screening.pk).exists()


@pytest.mark.parametrize("kind", [Organisation.Kind.CHILD_WELFARE, Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS])
def test_child_welfare_screening_a_child_gets_its_own_case_not_a_notification(cast: Cast, kind: str) -> None:
    service = OrganisationFactory.create(name="Barnevernvakten Oslo", kind=kind, municipality=cast.oslo)
    worker = MembershipFactory.create(organisation=service, role=Membership.Role.COORDINATOR).user
    client = client_acting_in(worker, service)
    screening = start(client)
    client.post(step_url(screening, "danger"), {"acute_danger": "no"})
    client.post(step_url(screening, "age"), {"possibly_minor": "yes", "gender": "male", "municipality": cast.oslo.pk})
    outcome = client.get(step_url(screening, "outcome"))
    assert 'data-testid="own-child-welfare-case"' in outcome.text
    assert 'data-testid="advice-possibly_minor"' not in outcome.text
    assert 'href="tel:02800"' in outcome.text
    client.post(step_url(screening, "outcome"), {"outcome": "concern_strengthened"})
    client.post(reverse("screening:review", args=[screening.pk]))
    assert not ChildWelfareNotification.objects.exists()
    detail = client.get(reverse("screening:detail", args=[screening.pk]))
    assert 'data-testid="own-child-welfare-case"' in detail.text
    assert 'data-testid="notification"' not in detail.text


def test_the_review_shows_every_answer_and_what_is_recorded_with_links_to_change_them(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = start(client)
    begging = Indicator.objects.get(version=screening.version, code=signs_of(screening, "begging")[0])
    client.post(step_url(screening, "danger"), {"acute_danger": "no"})
    client.post(
        step_url(screening, "age"),
        {"possibly_minor": "no", "stated_age": "41", "gender": "female", "municipality": cast.oslo.pk},
    )
    client.post(
        step_url(screening, "exploitation"),
        {"forms": ["begging"], "indicators": [begging.code], "shown_forms": ["begging"]},
    )
    client.post(step_url(screening, "conversation"), {"alone": "yes", "interpreter_needed": "yes"})
    client.post(step_url(screening, "outcome"), {"outcome": "confirmed_wants_help"})
    page = client.get(reverse("screening:review", args=[screening.pk])).text
    for step in ("danger", "age", "exploitation", "conversation", "outcome"):
        assert f'data-testid="review-{step}"' in page
        assert f'href="{step_url(screening, step)}"' in page
    person = page.split('data-testid="review-age"')[1].split("</section>")[0]
    for answer in ("41", "Kvinne", "Oslo"):
        assert answer in person
    exploitation = page.split('data-testid="review-exploitation"')[1].split("</section>")[0]
    assert "Tvungen tigging" in exploitation
    assert begging.text_nb in exploitation
    assert "Vern oppretter en sak" in page
    assert "Telles i statistikken" in page
