"""From screening to case: what the screening recorded reaches the case's field groups and rights."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEntry
from cases.models import Case, CaseEvent, FieldGroup, FieldGroupRecord
from cases.services import create_case
from core import crypto
from organisations.models import Membership
from rights.models import CaseRight
from screening import services
from screening.models import Screening
from sharing.services import record_consent
from tests.conftest import Cast
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


def answer(client: Any, screening: Screening, step: str, data: dict[str, Any]) -> None:
    response = client.post(reverse("screening:step", args=[screening.pk, step]), data)
    assert response.status_code == 302, step


def screen(
    client: Any,
    cast: Cast,
    *,
    minor: str = "no",
    age: str = "28",
    forms: tuple[str, ...] = ("sexual", "begging"),
    gender: str = "female",
    interpreter: str = "yes",
    language: str = "rumensk",
    outcome: str = "confirmed_wants_help",
) -> Screening:
    client.post(reverse("screening:start"))
    screening = Screening.objects.latest("pk")
    answer(client, screening, "danger", {"acute_danger": "no"})
    answer(
        client,
        screening,
        "age",
        {"possibly_minor": minor, "stated_age": age, "gender": gender, "municipality": cast.oslo.pk},
    )
    answer(client, screening, "exploitation", {"forms": list(forms), "shown_forms": list(forms)})
    answer(
        client,
        screening,
        "conversation",
        {"alone": "yes", "interpreter_needed": interpreter, "interpreter_language": language},
    )
    answer(client, screening, "outcome", {"outcome": outcome})
    client.post(reverse("screening:review", args=[screening.pk]))
    screening.refresh_from_db()
    return screening


def groups_of(case: Case) -> dict[str, dict[str, Any]]:
    return {
        record.group: crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
        for record in FieldGroupRecord.objects.filter(case=case)
    }


def interpretation(case: Case) -> CaseRight:
    return CaseRight.objects.get(case=case, right__code="interpretation")


def worker_membership(cast: Cast) -> Membership:
    return Membership.objects.get(user=cast.ngo_worker, organisation=cast.ngo)


def test_it_carries_every_field_of_the_screening_into_the_case(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = screen(client, cast)
    case = screening.case
    assert case is not None
    assert case.municipality == cast.oslo
    assert case.track == Case.Track.ADULT
    assert groups_of(case) == {
        FieldGroup.IDENTITY: {
            "gender": "female",
            "estimated_age": 28,
            "possibly_minor": "no",
            "interpreter_needed": "yes",
            "interpreter_language": "rumensk",
        },
        FieldGroup.CRIMINAL_CASE: {"exploitation_forms": ["sexual", "begging"]},
    }
    page = client.get(reverse("cases:detail", args=[case.code])).text
    assert "Utnyttelsesformer" in page
    assert "Tvungen tigging" in page  # the catalogue's name of the form, not its code
    assert "Trenger tolk" in page
    assert "rumensk" in page


def test_an_interpreter_need_marks_the_interpretation_right_offered(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    case = screen(client, cast).case
    assert case is not None
    right = interpretation(case)
    assert right.status == CaseRight.Status.OFFERED
    assert right.offered_on == timezone.localdate()
    assert right.organisation == cast.ngo
    assert right.updated_by == cast.ngo_worker
    others = CaseRight.objects.filter(case=case).exclude(right__code="interpretation")
    assert set(others.values_list("status", flat=True)) == {CaseRight.Status.NOT_OFFERED}


def test_no_interpreter_need_leaves_the_interpretation_right_not_offered(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    case = screen(client, cast, interpreter="no", language="").case
    assert case is not None
    assert interpretation(case).status == CaseRight.Status.NOT_OFFERED
    assert groups_of(case)[FieldGroup.IDENTITY]["interpreter_needed"] == "no"
    assert "interpreter_language" not in groups_of(case)[FieldGroup.IDENTITY]


def test_a_possible_minor_is_carried_over_on_the_child_track(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    case = screen(client, cast, minor="unknown_with_reason", age="", gender="unknown", interpreter="", language="").case
    assert case is not None
    assert case.track == Case.Track.CHILD
    identity = groups_of(case)[FieldGroup.IDENTITY]
    assert identity == {"possibly_minor": "unknown_with_reason"}  # no age, gender not known, need not answered
    assert interpretation(case).status == CaseRight.Status.NOT_OFFERED
    page = client.get(reverse("cases:detail", args=[case.code])).text
    assert "Alderen er ukjent, men det er grunn til å tro at personen er under 18 år" in page


def test_a_screening_on_a_past_day_offers_the_right_on_that_day(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("screening.services.current_time", lambda: timezone.now() - timedelta(days=3))
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    case = screen(client, cast).case
    assert case is not None
    assert interpretation(case).offered_on == timezone.localdate() - timedelta(days=3)


def test_it_never_overwrites_what_the_case_already_has(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = screen(client, cast, outcome="confirmed_no_help")  # an anonymous contact, no case yet
    membership = worker_membership(cast)
    case = create_case(membership=membership, municipality=cast.oslo)
    record = FieldGroupRecord(case=case, group=FieldGroup.IDENTITY)
    record.ciphertext = crypto.encrypt_json({"gender": "male", "estimated_age": 40}, aad=record.associated_data)
    record.save()
    right = interpretation(case)
    right.status, right.offered_on, right.delivered_on = CaseRight.Status.DELIVERED, date(2026, 1, 5), date(2026, 1, 6)
    right.save()

    written = services.carry_over(screening=screening, case=case, membership=membership)

    assert written == [FieldGroup.IDENTITY, FieldGroup.CRIMINAL_CASE]
    identity = groups_of(case)[FieldGroup.IDENTITY]
    assert identity["gender"] == "male"
    assert identity["estimated_age"] == 40
    assert identity["interpreter_language"] == "rumensk"  # what was missing is added
    right.refresh_from_db()
    assert right.status == CaseRight.Status.DELIVERED
    assert right.delivered_on == date(2026, 1, 6)
    events = CaseEvent.objects.filter(case=case).count()
    assert services.carry_over(screening=screening, case=case, membership=membership) == []  # nothing left to add
    assert CaseEvent.objects.filter(case=case).count() == events


def test_it_writes_only_fields_the_case_groups_have(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = screen(client, cast, outcome="concern_strengthened")
    monkeypatch.setattr(
        "screening.services.case_fields_from",
        lambda screening: {FieldGroup.IDENTITY: {"gender": "female", "shoe_size": 38}},
    )
    case = services.make_case(screening=screening, membership=worker_membership(cast))
    assert groups_of(case) == {FieldGroup.IDENTITY: {"gender": "female"}}


def test_the_timeline_and_the_access_log_say_who_carried_it_over(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    case = screen(client, cast).case
    assert case is not None
    events = CaseEvent.objects.filter(case=case)
    assert events.get(kind=CaseEvent.Kind.FROM_SCREENING).actor == cast.ngo_worker
    changed = events.filter(kind=CaseEvent.Kind.FIELD_GROUP_CHANGED)
    assert sorted(group for event in changed for group in event.field_groups) == ["criminal_case", "identity"]
    assert {event.actor for event in changed} == {cast.ngo_worker}
    assert events.get(kind=CaseEvent.Kind.RIGHT_UPDATED).note == "interpretation: offered"
    edits = AccessEntry.objects.filter(case=case, action=AccessEntry.Action.EDIT)
    assert {entry.user for entry in edits} == {cast.ngo_worker}
    assert sorted(group for entry in edits for group in entry.field_groups) == ["criminal_case", "identity"]


def test_the_screening_and_the_case_link_to_each_other(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = screen(client, cast)
    case = screening.case
    assert case is not None
    page = client.get(reverse("cases:detail", args=[case.code])).text
    assert 'data-testid="case-screening"' in page
    assert reverse("screening:detail", args=[screening.pk]) in page
    assert "Opprettet fra en kartlegging" in page  # on the timeline
    summary = client.get(reverse("screening:detail", args=[screening.pk])).text
    assert reverse("cases:detail", args=[case.code]) in summary
    # A colleague's case opened by hand has no screening to link to.
    other = create_case(membership=worker_membership(cast), municipality=cast.oslo)
    assert 'data-testid="case-screening"' not in client.get(reverse("cases:detail", args=[other.code])).text


def test_an_organisation_that_may_not_see_the_screening_gets_no_link(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    screening = screen(client, cast)
    case = screening.case
    assert case is not None
    from cases.access import get_case_for

    membership = worker_membership(cast)
    record_consent(
        access=get_case_for(membership, case.code),
        membership=membership,
        organisation=cast.nav,
        field_groups=[FieldGroup.IDENTITY],
        purpose="Livsopphold",
        form="written",
        given_on=timezone.localdate(),
        expires_on=None,
    )
    nav = client_acting_in(cast.nav_coordinator, cast.nav)
    page = nav.get(reverse("cases:detail", args=[case.code]))
    assert page.status_code == 200
    assert "Trenger tolk" in page.text  # NAV reads the identity group it was given …
    assert 'data-testid="case-screening"' not in page.text  # … but not the screening
    assert reverse("screening:detail", args=[screening.pk]) not in page.text
    assert "Opprettet fra en kartlegging" not in page.text
    assert "Utnyttelsesformer" not in page.text  # the criminal case group was not shared
    assert nav.get(reverse("screening:detail", args=[screening.pk])).status_code == 404
