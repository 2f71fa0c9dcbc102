from collections import Counter
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from audit.models import AccessEntry
from audit.services import verify_chain
from cases.models import Case, CaseEvent, FieldGroup, FieldGroupRecord
from cases.services import create_case, find_cases_by_identity
from core import crypto
from demo import cases as demo_cases
from demo.cases import SeededCases
from demo.seeding import FIRST_NAMES, LAST_NAMES, LOCAL_ORGANISATIONS, seed_demo
from organisations.models import Membership, Municipality, Organisation
from sharing.models import Consent, Disclosure
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten cases per unit of scale instead of a thousand: the tests check the shape, not the volume."""
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 10)


def test_it_creates_every_kind_of_organisation_and_every_role() -> None:
    result = seed_demo(seed=7, scale=1)
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Membership.Role.values)
    assert set(Municipality.objects.values_list("name", flat=True)) == {"Oslo", "Bergen"}
    assert result.users == User.objects.count()
    assert all(user.email.endswith(".invalid") for user in User.objects.all())


def test_every_demo_user_can_log_in_with_the_printed_password_and_has_totp() -> None:
    result = seed_demo(seed=7, scale=1)
    for user in User.objects.all():
        assert user.check_password(result.password)
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == User.objects.count()


def test_it_is_deterministic_and_idempotent() -> None:
    first = seed_demo(seed=7, scale=1)
    names = sorted(User.objects.values_list("email", "first_name", "last_name"))
    second = seed_demo(seed=7, scale=1)
    assert first.logins == second.logins
    assert first.password == second.password
    assert sorted(User.objects.values_list("email", "first_name", "last_name")) == names


def test_it_grows_with_scale() -> None:
    seed_demo(seed=7, scale=3)
    assert Municipality.objects.count() == 4
    assert Organisation.objects.filter(municipality__name="Demokommune 2").count() == len(LOCAL_ORGANISATIONS)


def test_the_command_prints_the_log_ins() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "oslo.ngo.saksbehandler@demo.vern.invalid" in out.getvalue()


def test_the_command_rejects_a_bad_scale() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0")


def test_totp_code_refuses_outside_demo_mode() -> None:
    seed_demo(seed=7, scale=1)
    with pytest.raises(CommandError, match="demo mode"):
        call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid")


def test_totp_code_prints_a_code_in_demo_mode(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    seed_demo(seed=7, scale=1)
    out = StringIO()
    call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid", stdout=out)
    assert out.getvalue().strip().isdigit()


# --- Cases ----------------------------------------------------------------------------------------

# A fixed day, so the tests do not depend on today's date (the case history ends before it).
DAY = date(2026, 3, 2)


class _Rollback(Exception):
    pass


def content() -> dict[str, list[Any]]:
    """Everything the case step wrote, without database ids (which differ between runs on PostgreSQL)."""
    people = [
        (record.case.code, record.group, crypto.decrypt_json(record.ciphertext, aad=record.associated_data))
        for record in FieldGroupRecord.objects.select_related("case").order_by("case__code", "group")
    ]
    events = CaseEvent.objects.order_by("case__code", "at", "kind")
    consents = Consent.objects.order_by("case__code", "organisation__name")
    return {
        "cases": list(Case.objects.order_by("code").values_list("code", "owner__name", "created_at", "is_protected")),
        "people": people,
        "events": list(
            events.values_list("case__code", "kind", "at", "actor__email", "audience__name", "field_groups", "note")
        ),
        "consents": list(consents.values_list("case__code", "organisation__name", "given_on", "withdrawn_at")),
        "log": list(
            AccessEntry.objects.order_by("sequence").values_list(
                "sequence", "case__code", "at", "user__email", "organisation__name", "action", "assigned", "reason"
            )
        ),
    }


def content_seeded_with(seed: int) -> dict[str, list[Any]]:
    try:
        with transaction.atomic():
            seed_demo(seed=seed, scale=1, today=DAY)
            seeded = content()
            raise _Rollback
    except _Rollback:
        return seeded


def test_the_demo_has_a_dozen_cases_in_oslo_and_bergen_with_every_kind_of_sharing() -> None:
    result = seed_demo(seed=7, scale=1, today=DAY)
    assert result.cases == SeededCases(
        cases=Case.objects.count(), events=CaseEvent.objects.count(), access_entries=AccessEntry.objects.count()
    )
    assert result.cases.cases == 12
    assert set(Case.objects.values_list("municipality__name", flat=True)) == {"Oslo", "Bergen"}
    assert {consent.organisation.kind for consent in Consent.objects.all()} == {Organisation.Kind.NAV_OFFICE}
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()
    assert Disclosure.objects.exists()
    protected = Case.objects.get(is_protected=True)
    assert protected.protected_access.exists()
    assert 8 <= (result.cases.events + result.cases.access_entries) / result.cases.cases <= 12
    assert verify_chain() == []


def test_the_demo_people_are_fictional_encrypted_and_found_by_name() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    record = FieldGroupRecord.objects.select_related("case").filter(group=FieldGroup.IDENTITY).first()
    assert record is not None
    person = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
    assert person["first_name"] in FIRST_NAMES
    assert person["last_name"] in LAST_NAMES
    assert person["last_name"] not in record.ciphertext
    name = f"{person['first_name']} {person['last_name']}"
    assert record.case in find_cases_by_identity(cases=Case.objects.all(), name=name, birth_date="")
    assert FieldGroupRecord.objects.filter(group=FieldGroup.IDENTITY).count() == Case.objects.count()


def test_the_case_history_ends_before_the_day_it_is_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 1000)  # enough cases that some open on the last day
    seed_demo(seed=7, scale=2, today=DAY)
    start_of_day = datetime.combine(DAY, time.min, tzinfo=ZoneInfo("Europe/Oslo"))
    history = [
        *Case.objects.values_list("created_at", flat=True),
        *CaseEvent.objects.values_list("at", flat=True),
        *AccessEntry.objects.values_list("at", flat=True),
    ]
    assert max(history) < start_of_day
    assert Case.objects.filter(created_at__gte=start_of_day - timedelta(days=3)).exists()  # the Friday before
    # Each case's timeline starts with its creation.
    for case in Case.objects.all():
        assert case.events.order_by("at").first().kind == CaseEvent.Kind.CREATED  # type: ignore[union-attr]


def test_the_log_is_in_time_order() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    times = list(AccessEntry.objects.order_by("sequence").values_list("at", flat=True))
    assert times == sorted(times)


def test_the_cases_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    first = content_seeded_with(7)
    assert first == content_seeded_with(7)
    other = content_seeded_with(8)
    assert other["people"] != first["people"]
    assert other["log"] != first["log"]


def test_it_adds_the_cases_once() -> None:
    seed_demo(seed=7, scale=1)
    before = content()
    again = seed_demo(seed=7, scale=1)
    assert again.cases == SeededCases()
    assert content() == before


def test_cases_opened_in_vern_continue_after_the_demo_codes() -> None:
    seed_demo(seed=7, scale=1)
    coordinator = Membership.objects.select_related("user", "organisation").get(
        user__email="oslo.tot.koordinator@demo.vern.invalid"
    )
    municipality = coordinator.organisation.municipality
    assert municipality is not None
    case = create_case(membership=coordinator, municipality=municipality)
    assert Case.objects.filter(code=case.code).count() == 1


def test_the_scaled_demo_has_about_a_thousand_cases_per_scale_with_ten_entries_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 100)  # 300 cases: the shape of scale 3, a tenth the size
    result = seed_demo(seed=7, scale=3, today=DAY)
    assert result.cases.cases == 3 * 100 + 12
    per_municipality = Counter(Case.objects.values_list("municipality__name", flat=True))
    assert set(per_municipality) == {"Oslo", "Bergen", "Demokommune 1", "Demokommune 2"}
    assert per_municipality["Oslo"] > per_municipality["Demokommune 1"]
    assert Case.objects.values("owner").distinct().count() >= 4 * 5
    assert 9 <= (result.cases.events + result.cases.access_entries) / result.cases.cases <= 11
    assert Consent.objects.count() > 50
    assert verify_chain() == []


def test_the_coordinator_sees_the_demo_cases_and_opens_one() -> None:
    seed_demo(seed=7, scale=1)
    coordinator = User.objects.get(email="oslo.tot.koordinator@demo.vern.invalid")
    organisation = Organisation.objects.get(name="TOT-koordinator Oslo")
    client = client_acting_in(coordinator, organisation)
    case = Case.objects.filter(owner=organisation, is_protected=False).first()
    assert case is not None
    assert case.code in client.get(reverse("cases:list")).content.decode()
    record = case.field_groups.get(group=FieldGroup.IDENTITY)
    person = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
    assert person["last_name"] in client.get(reverse("cases:detail", args=[case.code])).content.decode()


def test_the_command_counts_the_cases() -> None:
    out = StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("Demo cases: 12 cases, ")
    call_command("seed_demo", "--quiet-logins", stdout=out)
    assert out.getvalue().splitlines()[-2] == "Demo cases: the demo municipalities already have cases; none added."


def test_the_command_allows_scale_100_and_no_more() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "101")
