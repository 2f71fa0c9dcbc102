"""The confidential case: creation, encrypted field groups, optimistic locking, protection."""

import re
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEntry
from cases import services
from cases.access import get_case_for, visible_cases
from cases.models import Case, CaseEvent, FieldGroup, FieldGroupRecord
from cases.nationality import country_choices, country_code
from notifications.models import Notification
from organisations.models import Membership
from sharing.models import Consent
from sharing.services import record_consent, withdraw_consent
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

IDENTITY = {"first_name": "Testa", "last_name": "Personsen", "birth_date": "2009-04-01", "nationality": "Testland"}


def membership(user: Any, organisation: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


def new_case(cast: Cast, identity: dict[str, Any] | None = None) -> Case:
    worker = membership(cast.ngo_worker, cast.ngo)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    if identity:
        access = get_case_for(worker, case.code)
        services.save_field_group(
            access=access, membership=worker, group=FieldGroup.IDENTITY, data=identity, expected_version=case.version
        )
    return Case.objects.get(pk=case.pk)


def test_it_gives_each_case_a_pseudonym_code_per_municipality_and_year(cast: Cast) -> None:
    first, second = new_case(cast), new_case(cast)
    year = first.created_at.year
    assert first.code == f"OSL-{year}-0001"
    assert second.code == f"OSL-{year}-0002"


def test_the_creator_is_assigned_and_the_creation_is_on_the_timeline(cast: Cast) -> None:
    case = new_case(cast)
    assert case in visible_cases(membership(cast.ngo_worker, cast.ngo))
    assert case not in visible_cases(membership(cast.ngo_colleague, cast.ngo))
    assert case in visible_cases(membership(cast.ngo_admin, cast.ngo))
    assert case.events.get().kind == CaseEvent.Kind.CREATED


def test_identifying_data_is_stored_encrypted(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM cases_fieldgrouprecord WHERE case_id = %s", [case.pk])
        (ciphertext,) = cursor.fetchone()
    for value in IDENTITY.values():
        assert value not in ciphertext
    worker = membership(cast.ngo_worker, cast.ngo)
    data = services.read_field_groups(access=get_case_for(worker, case.code), membership=worker)
    assert data[FieldGroup.IDENTITY] == IDENTITY


def test_reading_personal_data_is_logged(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    worker = membership(cast.ngo_worker, cast.ngo)
    services.read_field_groups(access=get_case_for(worker, case.code), membership=worker)
    entry = AccessEntry.objects.filter(case=case, action=AccessEntry.Action.VIEW).get()
    assert entry.user == cast.ngo_worker
    assert entry.field_groups == [FieldGroup.IDENTITY]
    assert entry.assigned


def test_it_finds_a_person_by_exact_name_and_birth_date_through_the_blind_index(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    new_case(cast, {**IDENTITY, "first_name": "Annen"})
    cases = visible_cases(membership(cast.ngo_admin, cast.ngo))
    found = services.find_cases_by_identity(cases=cases, name="testa  PERSONSEN", birth_date="2009-04-01")
    assert list(found) == [case]
    assert not services.find_cases_by_identity(cases=cases, name="Testa Person", birth_date="")


def test_a_search_finds_a_person_only_where_the_identity_may_be_read(cast: Cast) -> None:
    """Issue 15, hole 1: a name or date of birth is never confirmed through a case whose identity was not
    shared with the searcher, nor through a protected case the member is not named for."""
    case = new_case(cast, IDENTITY)
    owner = membership(cast.ngo_worker, cast.ngo)
    nav = membership(cast.nav_coordinator, cast.nav)

    def found_by(member: Membership, **search: str) -> bool:
        page = client_acting_in(member.user, member.organisation).post(reverse("cases:list"), search).text
        return case.code in page

    def share(groups: list[str]) -> Consent:
        return record_consent(
            access=get_case_for(owner, case.code),
            membership=owner,
            organisation=cast.nav,
            field_groups=groups,
            purpose="Bistand",
            form=Consent.Form.WRITTEN,
            given_on=timezone.localdate(),
            expires_on=None,
        )

    health_only = share([FieldGroup.HEALTH])
    assert case.code in client_acting_in(nav.user, cast.nav).get(reverse("cases:list")).text  # NAV sees it
    assert not found_by(nav, name="Testa Personsen")
    assert not found_by(nav, birth_date="01.04.2009")
    withdraw_consent(access=get_case_for(owner, case.code), membership=owner, consent=health_only)
    share([FieldGroup.IDENTITY])
    assert found_by(nav, name="Testa Personsen")
    admin = membership(cast.ngo_admin, cast.ngo)
    assert found_by(admin, name="Testa Personsen")
    Case.objects.filter(pk=case.pk).update(is_protected=True)
    assert not found_by(admin, name="Testa Personsen")  # not named for it: break the glass from the code
    assert not found_by(nav, birth_date="01.04.2009")


def test_a_protected_case_is_listed_only_to_those_named_for_it_and_opens_by_its_code(cast: Cast) -> None:
    """Issue 15, hole 1: a row in the list would tell everyone who may see the organisation's cases that a
    person under high threat is there; the others open it by its code, behind the glass."""
    case = new_case(cast, IDENTITY)
    admin = membership(cast.ngo_admin, cast.ngo)
    services.set_protection(
        access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[cast.ngo_worker]
    )
    coordinator = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.COORDINATOR)
    unnamed = client_acting_in(coordinator.user, cast.ngo)
    assert case.code not in unnamed.get(reverse("cases:list")).text
    assert case.code in client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("cases:list")).text
    opened = unnamed.get(reverse("cases:open"), {"code": f" {case.code.lower()} "})
    assert opened.status_code == 302
    assert opened["Location"] == reverse("cases:detail", args=[case.code])
    assert reverse("cases:break_glass", args=[case.code]) in unnamed.get(opened["Location"], follow=True).text
    refused = unnamed.get(reverse("cases:open"), {"code": "not a code"}, follow=True)
    assert "OSL-2026-0042" in refused.text  # the message says what a code looks like


def test_a_search_is_logged_with_its_hits_and_never_what_was_searched_for(cast: Cast) -> None:
    """Issue 15, hole 1: every search by identity is in the access log: who, when, how many cases it found."""
    case = new_case(cast, IDENTITY)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.post(reverse("cases:list"), {"name": "Testa Personsen", "birth_date": "01.04.2009"})
    client.post(reverse("cases:list"), {"name": "Ingen Personsen"})
    found, nothing = AccessEntry.objects.filter(action=AccessEntry.Action.SEARCH).order_by("sequence")
    assert (found.user, found.organisation, found.case, found.hits) == (cast.ngo_worker, cast.ngo, None, 1)
    assert found.field_groups == [FieldGroup.IDENTITY]
    assert nothing.hits == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_accessentry WHERE action = %s", [AccessEntry.Action.SEARCH])
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    # The chain's hex hashes may hold any run of digits by chance ("2009"): they are checked whole, the rest as text.
    hashes = {"hash", "previous_hash"}
    stored = repr([[value for column, value in zip(columns, row, strict=True) if column not in hashes] for row in rows])
    chained = {row[columns.index(column)] for row in rows for column in hashes}
    for term in ("Testa", "Personsen", "Ingen", "2009", "01.04", case.name_index, case.birth_date_index):
        assert term not in stored
    assert not chained & {case.name_index, case.birth_date_index}


def test_searches_beyond_the_limit_are_refused_with_429_and_not_run(cast: Cast, settings: Any) -> None:
    settings.VERN_SEARCH_LIMIT = 3
    new_case(cast, IDENTITY)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    search = {"name": "Testa Personsen"}
    searched = '"cases_case"."name_index" ='

    def post_search() -> tuple[Any, bool]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("cases:list"), search)
        return response, any(searched in query["sql"] for query in queries)

    for _allowed in range(3):
        response, ran = post_search()
        assert (response.status_code, ran) == (200, True)
    refused, ran = post_search()
    assert (refused.status_code, ran) == (429, False)
    assert "Du har søkt 3 ganger i løpet av 10 minutter" in refused.text
    assert 'value="Testa Personsen"' in refused.text  # the form is kept
    assert AccessEntry.objects.filter(action=AccessEntry.Action.SEARCH).count() == 3
    # The limit is the user's: a colleague searches on.
    assert client_acting_in(cast.ngo_admin, cast.ngo).post(reverse("cases:list"), search).status_code == 200


def test_a_stale_save_is_refused(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    worker = membership(cast.ngo_worker, cast.ngo)
    access = get_case_for(worker, case.code)
    services.save_field_group(
        access=access, membership=worker, group=FieldGroup.HEALTH, data={"needs": "x"}, expected_version=case.version
    )
    with pytest.raises(services.StaleCaseError):
        services.save_field_group(
            access=access,
            membership=worker,
            group=FieldGroup.HEALTH,
            data={"needs": "y"},
            expected_version=case.version,
        )


def test_the_second_editor_keeps_their_input_and_sees_why(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    url = reverse("cases:edit_group", args=[case.code, FieldGroup.HEALTH])
    first = client.post(url, {"version": case.version, "needs": "First editor"})
    assert first.status_code == 302
    second = client.post(url, {"version": case.version, "needs": "Second editor's careful notes"})
    assert second.status_code == 200
    assert "Second editor&#x27;s careful notes" in second.text
    assert "har endret denne saken" in second.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "2999-01-01", "fremtiden"),
        ("birth_date", "1850-01-01", "umulig alder"),
        ("birth_date", "31.02.2010", "gyldig dato"),
        ("estimated_age", "200", "mindre enn eller lik 120"),
        ("national_id", "12345678901", "ikke et gyldig"),
    ],
)
def test_it_explains_invalid_identity_input(cast: Cast, field: str, value: str, message: str) -> None:
    case = new_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(
        reverse("cases:edit_group", args=[case.code, FieldGroup.IDENTITY]), {"version": case.version, field: value}
    )
    assert response.status_code == 200
    assert message in response.text
    assert not FieldGroupRecord.objects.filter(case=case).exists()


def test_a_valid_national_identity_number_is_accepted(cast: Cast) -> None:
    case = new_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(
        reverse("cases:edit_group", args=[case.code, FieldGroup.IDENTITY]),
        {"version": case.version, "national_id": "410190 00077"},  # a D-number made up to pass the check digits
    )
    assert response.status_code == 302


def stored_group(cast: Cast, case: Case, group: str) -> dict[str, Any]:
    worker = membership(cast.ngo_worker, cast.ngo)
    return services.read_field_groups(access=get_case_for(worker, case.code), membership=worker).get(group, {})


def in_english(client: Any) -> Any:
    client.cookies["vern_language"] = "en"
    return client


def test_a_nationality_is_stored_as_its_country_code(cast: Cast) -> None:
    case = new_case(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(
        reverse("cases:edit_group", args=[case.code, FieldGroup.IDENTITY]),
        {"version": case.version, "nationality": "RO"},
    )
    assert response.status_code == 302
    assert stored_group(cast, case, FieldGroup.IDENTITY) == {"nationality": "RO"}


@pytest.mark.parametrize(("name", "code"), [("Ukraina", "UA"), ("Norge", "NO"), ("Ukraine", "UA"), ("romania", "RO")])
def test_a_nationality_stored_as_a_name_prefills_its_code_and_saving_keeps_it(cast: Cast, name: str, code: str) -> None:
    case = new_case(cast, {"first_name": "Testa", "nationality": name})
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    url = reverse("cases:edit_group", args=[case.code, FieldGroup.IDENTITY])
    form = client.get(url).context["form"]
    assert form.initial["nationality"] == code
    assert f'<option value="{code}" selected>' in str(form["nationality"])
    unchanged = {name: value for name, value in form.initial.items() if value}
    assert client.post(url, {"version": case.version, **unchanged}).status_code == 302
    assert stored_group(cast, case, FieldGroup.IDENTITY) == {"first_name": "Testa", "nationality": code}


def test_a_nationality_that_names_no_country_is_shown_and_saving_it_asks_for_a_country(cast: Cast) -> None:
    case = new_case(cast, {"nationality": "Statsløs"})
    client = in_english(client_acting_in(cast.ngo_worker, cast.ngo))
    url = reverse("cases:edit_group", args=[case.code, FieldGroup.IDENTITY])
    assert '<option value="Statsløs" selected>' in client.get(url).text
    response = client.post(url, {"version": case.version, "nationality": "Statsløs"})
    assert response.status_code == 200
    assert "“Statsløs” is not a country in the list" in response.text
    assert stored_group(cast, case, FieldGroup.IDENTITY) == {"nationality": "Statsløs"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NO", "NO"),
        ("ro", "RO"),
        ("Norge", "NO"),
        (" Ukraina ", "UA"),
        ("Norway", "NO"),
        ("ukraine", "UA"),
        ("Testland", ""),
        ("XX", ""),
        ("", ""),
    ],
)
def test_country_code_reads_a_code_or_a_bokmal_or_english_name(value: str, code: str) -> None:
    assert country_code(value) == code


def test_the_countries_are_in_the_alphabetical_order_of_the_users_language() -> None:
    with translation.override("nb"):
        bokmal = [name for _code, name in country_choices()]
    assert bokmal[-3:] == ["Øst-Timor", "Østerrike", "Åland"]
    assert bokmal.index("Réunion") < bokmal.index("Romania")
    with translation.override("en"):
        english = [name for _code, name in country_choices()]
    assert english[:3] == ["Afghanistan", "Åland Islands", "Albania"]


@pytest.mark.parametrize(("language", "name"), [("nb", "Norge"), ("en", "Norway")])
def test_the_case_page_names_the_country_in_the_users_language(cast: Cast, language: str, name: str) -> None:
    coded, legacy = new_case(cast, {"nationality": "NO"}), new_case(cast, {"nationality": "Norge"})
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.cookies["vern_language"] = language
    for case in (coded, legacy):
        rows = dict(client.get(reverse("cases:detail", args=[case.code])).context["groups"][0][2])
        assert str(rows["Nasjonalitet" if language == "nb" else "Nationality"]) == name


def test_the_immigration_facts_are_stored_as_their_answers(cast: Cast) -> None:
    case = new_case(cast)
    client = in_english(client_acting_in(cast.ngo_worker, cast.ngo))
    response = client.post(
        reverse("cases:edit_group", args=[case.code, FieldGroup.IMMIGRATION]),
        {"version": case.version, "reflection_period": "granted", "temporary_residence": "applied"},
    )
    assert response.status_code == 302
    assert stored_group(cast, case, FieldGroup.IMMIGRATION) == {
        "reflection_period": "granted",
        "temporary_residence": "applied",
    }
    page = client.get(reverse("cases:detail", args=[case.code])).text
    assert "<dt>Reflection period</dt><dd>Granted</dd>" in page
    assert "<dt>Temporary residence as a victim</dt><dd>Applied for, pending</dd>" in page


@pytest.mark.parametrize("field", ["reflection_period", "temporary_residence"])
def test_an_unknown_immigration_answer_is_refused(cast: Cast, field: str) -> None:
    case = new_case(cast)
    client = in_english(client_acting_in(cast.ngo_worker, cast.ngo))
    response = client.post(
        reverse("cases:edit_group", args=[case.code, FieldGroup.IMMIGRATION]),
        {"version": case.version, field: "maybe", "status": "Venter"},
    )
    assert response.status_code == 200
    assert "Choose one of the answers in the list." in response.text
    assert not FieldGroupRecord.objects.filter(case=case).exists()


def test_a_protected_case_opens_only_for_named_users(cast: Cast, mailoutbox: list[Any]) -> None:
    case = new_case(cast, IDENTITY)
    admin = membership(cast.ngo_admin, cast.ngo)
    services.set_protection(
        access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[cast.ngo_worker]
    )
    assert not get_case_for(membership(cast.ngo_worker, cast.ngo), case.code).must_break_glass
    assert not get_case_for(admin, case.code).must_break_glass  # the admin who protected it is named
    outsider = MembershipFactory_coordinator(cast)
    access = get_case_for(outsider, case.code)
    assert access.must_break_glass
    assert access.groups == frozenset()


def MembershipFactory_coordinator(cast: Cast) -> Membership:
    from tests.factories import MembershipFactory

    return MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.COORDINATOR)


def test_breaking_the_glass_needs_a_reason_is_logged_and_notifies_the_admins(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    admin = membership(cast.ngo_admin, cast.ngo)
    services.set_protection(access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[])
    coordinator = MembershipFactory_coordinator(cast)
    client = client_acting_in(coordinator.user, cast.ngo)
    detail = reverse("cases:detail", args=[case.code])
    assert client.get(detail)["Location"] == reverse("cases:break_glass", args=[case.code])
    assert "Testa" not in client.get(reverse("cases:break_glass", args=[case.code])).text
    refused = client.post(reverse("cases:break_glass", args=[case.code]), {"ground": "acute-danger", "explanation": ""})
    assert refused.status_code == 200
    client.post(
        reverse("cases:break_glass", args=[case.code]),
        {"ground": "acute-danger", "explanation": "Politiet ringte om akutt fare"},
    )
    page = client.get(detail)
    assert page.status_code == 200
    assert "Testa" in page.text
    entry = AccessEntry.objects.get(case=case, action=AccessEntry.Action.BREAK_THE_GLASS)
    assert entry.reason == "Akutt fare for personen: Politiet ringte om akutt fare"
    assert list(Notification.objects.values_list("recipient", flat=True)) == [cast.ngo_admin.pk]


def test_an_invisible_case_answers_exactly_like_a_missing_one(cast: Cast) -> None:
    case = new_case(cast, IDENTITY)
    client = client_acting_in(cast.bergen_admin, cast.bergen_org)
    hidden = client.get(reverse("cases:detail", args=[case.code]))
    missing = client.get(reverse("cases:detail", args=["OSL-2099-9999"]))
    assert hidden.status_code == missing.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')

    def normalised(response: Any, code: str) -> bytes:
        return token.sub(b"", response.content).replace(code.encode(), b"CODE")

    assert normalised(hidden, case.code) == normalised(missing, "OSL-2099-9999")
    with pytest.raises(Http404):
        get_case_for(membership(cast.bergen_admin, cast.bergen_org), case.code)


def test_statisticians_see_no_cases(cast: Cast) -> None:
    new_case(cast, IDENTITY)
    kom = cast.statistician.memberships.get()
    assert not visible_cases(kom).exists()
