"""The JSON API: API tokens, the same access rules as the HTML pages, and the same access log."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken
from audit.models import AccessEntry
from audit.services import verify_chain
from cases import services
from cases.access import get_case_for
from cases.api import MAX_OFFSET
from cases.models import Case, FieldGroup
from organisations.models import Membership
from sharing.models import Consent
from sharing.services import record_consent
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in
from vern.api import openapi_document

pytestmark = pytest.mark.django_db

IDENTITY = {"first_name": "Testa", "last_name": "Personsen", "birth_date": "2009-04-01"}
HEALTH = {"needs": "Trenger fastlege"}
CASES = "/api/v1/cases"


def membership(user: Any, organisation: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


def key_for(user: Any, organisation: Any) -> str:
    _token, key = account_services.create_api_token(membership=membership(user, organisation), name="Test")
    return key


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def new_case(cast: Cast, **groups: dict[str, Any]) -> Case:
    """A case of the NGO, opened by `ngo_worker`, with the given field groups filled in."""
    worker = membership(cast.ngo_worker, cast.ngo)
    case = services.create_case(membership=worker, municipality=cast.ngo.municipality)  # type: ignore[arg-type]
    for group, data in groups.items():
        case = services.save_field_group(
            access=get_case_for(worker, case.code),
            membership=worker,
            group=group,
            data=data,
            expected_version=case.version,
        )
    return case


def share_with_nav(cast: Cast, case: Case, field_groups: list[str]) -> None:
    worker = membership(cast.ngo_worker, cast.ngo)
    record_consent(
        access=get_case_for(worker, case.code),
        membership=worker,
        organisation=cast.nav,
        field_groups=field_groups,
        purpose="Oppfølging fra NAV",
        form=Consent.Form.WRITTEN,
        given_on=timezone.localdate(),
        expires_on=None,
    )


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


# --- Authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer vern_not-a-key", "Bearer not-even-the-format", "Basic dXNlcjpwYXNz"],
)
def test_it_refuses_a_request_without_a_valid_token(cast: Cast, authorization: str) -> None:
    new_case(cast)
    key_for(cast.ngo_admin, cast.ngo)
    response = Client(HTTP_AUTHORIZATION=authorization).get(CASES)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_a_revoked_token(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_admin, cast.ngo), name="Test")
    assert api(key).get(CASES).status_code == 200
    account_services.revoke_api_token(token=token)
    assert api(key).get(CASES).status_code == 401


def test_it_refuses_a_token_of_a_deactivated_organisation_or_user(cast: Cast) -> None:
    key = key_for(cast.ngo_admin, cast.ngo)
    cast.ngo.is_active = False
    cast.ngo.save()
    assert api(key).get(CASES).status_code == 401
    cast.ngo.is_active = True
    cast.ngo.save()
    cast.ngo_admin.is_active = False
    cast.ngo_admin.save()
    assert api(key).get(CASES).status_code == 401


def test_a_removed_membership_takes_its_tokens_with_it(cast: Cast) -> None:
    key = key_for(cast.ngo_worker, cast.ngo)
    membership(cast.ngo_worker, cast.ngo).delete()
    assert api(key).get(CASES).status_code == 401
    assert not ApiToken.objects.filter(user=cast.ngo_worker).exists()
    # The log keeps the token's creation, by id, and stays intact.
    assert AccessEntry.objects.filter(action=AccessEntry.Action.TOKEN_CREATED).exists()
    assert verify_chain().problems == []


def test_it_stores_only_the_hash_of_the_key(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_admin, cast.ngo), name="Test")
    assert key.startswith("vern_")
    assert len(key) > 40
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.key_prefix == key[:8]
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert key not in stored


def test_it_records_when_a_token_was_last_used_at_most_once_a_minute(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_admin, cast.ngo), name="Test")
    assert token.last_used_at is None
    api(key).get(CASES)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    api(key).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    api(key).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at > first_use


# --- The list of cases --------------------------------------------------------------------------


def test_the_list_shows_the_cases_the_member_sees_in_the_organisation_of_the_token(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY)
    assert codes(api(key_for(cast.ngo_admin, cast.ngo)).get(CASES)) == [case.code]
    assert codes(api(key_for(cast.ngo_worker, cast.ngo)).get(CASES)) == [case.code]
    # A caseworker sees only the cases they are assigned to, in the API as in the browser.
    assert codes(api(key_for(cast.ngo_colleague, cast.ngo)).get(CASES)) == []


def test_the_list_holds_no_personal_data(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY)
    response = api(key_for(cast.ngo_admin, cast.ngo)).get(CASES)
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "code": case.code,
                "owner_name": "Trygg havn Oslo",
                "municipality_name": "Oslo",
                "is_protected": False,
                "created_at": response.json()["items"][0]["created_at"],
                "version": case.version,
            }
        ],
    }
    assert "Testa" not in response.text
    assert not AccessEntry.objects.filter(action=AccessEntry.Action.API).exists()


def test_the_list_shows_cases_shared_with_the_organisation(cast: Cast) -> None:
    shared, _not_shared = new_case(cast, identity=IDENTITY), new_case(cast)
    share_with_nav(cast, shared, [FieldGroup.HEALTH])
    assert codes(api(key_for(cast.nav_coordinator, cast.nav)).get(CASES)) == [shared.code]


def test_a_token_sees_only_what_its_own_membership_sees(cast: Cast) -> None:
    # nav_worker is a caseworker at NAV (assigned to nothing) and a coordinator at TOT.
    shared = new_case(cast)
    share_with_nav(cast, shared, [FieldGroup.HEALTH])
    assert codes(api(key_for(cast.nav_worker, cast.nav)).get(CASES)) == []
    assert codes(api(key_for(cast.nav_worker, cast.tot)).get(CASES)) == []
    assert api(key_for(cast.nav_worker, cast.tot)).get(f"{CASES}/{shared.code}").status_code == 404


def test_the_list_is_empty_for_an_unrelated_organisation(cast: Cast) -> None:
    new_case(cast, identity=IDENTITY)
    assert api(key_for(cast.bergen_admin, cast.bergen_org)).get(CASES).json() == {"count": 0, "items": []}


def test_statisticians_see_no_cases(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY)
    client = api(key_for(cast.statistician, cast.statistician.memberships.get().organisation))
    assert client.get(CASES).json() == {"count": 0, "items": []}
    assert client.get(f"{CASES}/{case.code}").status_code == 404


def test_the_list_is_paginated_newest_first(cast: Cast) -> None:
    created = [new_case(cast).code for _ in range(5)]
    client = api(key_for(cast.ngo_admin, cast.ngo))
    page = client.get(CASES, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [item["code"] for item in page["items"]] == created[::-1][1:3]
    assert client.get(CASES, {"limit": 200}).status_code == 200
    assert client.get(CASES, {"limit": 201}).status_code == 422
    assert client.get(CASES, {"offset": -1}).status_code == 422


@pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 2**63 - 1, 2**63])
def test_an_offset_beyond_the_bound_is_refused_not_a_server_error(cast: Cast, offset: int) -> None:
    # 2**63 overflowed the database's 64-bit OFFSET into a 500 (issue 15).
    new_case(cast)
    client = api(key_for(cast.ngo_admin, cast.ngo))
    assert client.get(CASES, {"offset": MAX_OFFSET}).json()["items"] == []
    response = client.get(CASES, {"offset": offset})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "less_than_equal",
                "loc": ["query", "offset"],
                "msg": f"Input should be less than or equal to {MAX_OFFSET}",
                "ctx": {"le": MAX_OFFSET},
            }
        ]
    }


def test_the_list_takes_the_same_number_of_queries_however_many_cases(cast: Cast) -> None:
    client = api(key_for(cast.ngo_admin, cast.ngo))
    new_case(cast)
    client.get(CASES)  # the first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        assert len(codes(client.get(CASES))) == 1
    for _ in range(5):
        new_case(cast)
    with CaptureQueriesContext(connection) as many:
        assert len(codes(client.get(CASES))) == 6
    assert len(many) == len(few) <= 3, [query["sql"] for query in many.captured_queries]


# --- One case -----------------------------------------------------------------------------------


def test_the_owner_reads_every_field_group(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY, health=HEALTH)
    response = api(key_for(cast.ngo_admin, cast.ngo)).get(f"{CASES}/{case.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == case.code
    assert body["readable_groups"] == sorted(FieldGroup.values)
    assert body["field_groups"] == {"identity": IDENTITY, "health": HEALTH}


def test_a_sharing_organisation_reads_only_the_groups_shared_with_it(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY, health=HEALTH)
    share_with_nav(cast, case, [FieldGroup.HEALTH])
    response = api(key_for(cast.nav_coordinator, cast.nav)).get(f"{CASES}/{case.code}")
    assert response.status_code == 200
    assert response.json()["readable_groups"] == ["health"]
    assert response.json()["field_groups"] == {"health": HEALTH}
    assert "Testa" not in response.text


def test_every_read_through_the_api_is_logged_with_the_token_that_read(cast: Cast) -> None:
    """Issue 15, hole 5: the log tells which of a member's tokens read, so a leaked one can be traced."""
    case = new_case(cast, identity=IDENTITY, health=HEALTH)
    share_with_nav(cast, case, [FieldGroup.HEALTH])
    nav = membership(cast.nav_coordinator, cast.nav)
    first, first_key = account_services.create_api_token(membership=nav, name="Skript")
    second, second_key = account_services.create_api_token(membership=nav, name="Annet skript")
    api(first_key).get(f"{CASES}/{case.code}")
    api(second_key).get(f"{CASES}/{case.code}")
    entries = AccessEntry.objects.filter(case=case).exclude(action=AccessEntry.Action.EDIT).order_by("sequence")
    assert [(e.action, e.user, e.organisation, e.field_groups, e.api_token_id) for e in entries] == [
        (AccessEntry.Action.API, cast.nav_coordinator, cast.nav, ["health"], first.pk),
        (AccessEntry.Action.API, cast.nav_coordinator, cast.nav, ["health"], second.pk),
    ]
    assert verify_chain().problems == []


def test_creating_and_revoking_a_token_is_logged_once(cast: Cast) -> None:
    token, _key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Skript")
    account_services.revoke_api_token(token=token)
    account_services.revoke_api_token(token=token)  # already revoked: nothing happens, nothing is logged
    entries = AccessEntry.objects.order_by("sequence")
    assert [(e.action, e.user, e.organisation, e.case, e.api_token_id) for e in entries] == [
        (AccessEntry.Action.TOKEN_CREATED, cast.ngo_worker, cast.ngo, None, token.pk),
        (AccessEntry.Action.TOKEN_REVOKED, cast.ngo_worker, cast.ngo, None, token.pk),
    ]


def test_a_protected_case_answers_403_to_a_member_who_is_not_named(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY)
    admin = membership(cast.ngo_admin, cast.ngo)
    services.set_protection(
        access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[cast.ngo_worker]
    )
    coordinator = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.COORDINATOR)
    response = api(key_for(coordinator.user, cast.ngo)).get(f"{CASES}/{case.code}")
    assert response.status_code == 403
    assert response.json() == {"detail": "protected"}
    assert "Testa" not in response.text
    assert not AccessEntry.objects.filter(case=case, action=AccessEntry.Action.API).exists()
    # Issue 15, hole 1: the list does not show it to a member not named for it, as the HTML list does not.
    assert api(key_for(coordinator.user, cast.ngo)).get(CASES).json()["items"] == []
    assert api(key_for(cast.ngo_worker, cast.ngo)).get(CASES).json()["items"][0]["is_protected"] is True
    # A named member reads it.
    named = api(key_for(cast.ngo_worker, cast.ngo)).get(f"{CASES}/{case.code}")
    assert named.status_code == 200
    assert named.json()["field_groups"] == {"identity": IDENTITY}


@pytest.mark.parametrize("code", ["osl-2026-0001", "OSL-2026-1", "OSL-2026-0001x", "x" * 10_000])
def test_a_code_that_is_no_case_code_is_refused(cast: Cast, code: str) -> None:
    response = api(key_for(cast.ngo_admin, cast.ngo)).get(f"{CASES}/{code}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "code"]
    assert code not in response.text


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/cases/", "/api/v1/cases/OSL-2026-0001/more", "/api/v2/cases"])
def test_any_other_path_under_the_api_answers_404_in_the_api_shape(cast: Cast, path: str) -> None:
    for client in (Client(), api(key_for(cast.ngo_admin, cast.ngo))):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 404
            assert response["Content-Type"] == "application/json; charset=utf-8"
            assert response.json() == {"detail": "Not Found"}


def test_an_invisible_case_answers_exactly_like_a_missing_one(cast: Cast) -> None:
    case = new_case(cast, identity=IDENTITY)
    client = api(key_for(cast.bergen_admin, cast.bergen_org))
    hidden = client.get(f"{CASES}/{case.code}")
    missing = client.get(f"{CASES}/OSL-2099-9999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.headers == missing.headers
    assert not AccessEntry.objects.filter(action=AccessEntry.Action.API).exists()


# --- Managing tokens in the browser -------------------------------------------------------------


def test_a_member_creates_a_token_and_sees_its_key_once(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    url = reverse("accounts:api_tokens")
    response = client.post(url, {"name": "Statistikkeksport", "lifetime_days": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.membership, token.name) == (
        cast.ngo_worker,
        membership(cast.ngo_worker, cast.ngo),
        "Statistikkeksport",
    )
    key = response.context["new_key"]
    assert key in response.text
    assert 'data-testid="new-api-key"' in response.text
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    again = client.get(url)
    assert key not in again.text
    assert token.key_prefix in again.text
    assert "Statistikkeksport" in again.text
    # The key works in the API as the member.
    assert api(key).get(CASES).status_code == 200


def test_a_token_needs_a_name(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(reverse("accounts:api_tokens"), {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_page_lists_only_own_tokens_in_the_organisation_acted_in(cast: Cast) -> None:
    account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Mitt skript")
    account_services.create_api_token(membership=membership(cast.ngo_admin, cast.ngo), name="Adminens skript")
    account_services.create_api_token(membership=membership(cast.nav_worker, cast.tot), name="TOT-skript")
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("accounts:api_tokens")).text
    assert "Mitt skript" in page
    assert "Adminens skript" not in page
    nav_page = client_acting_in(cast.nav_worker, cast.nav).get(reverse("accounts:api_tokens")).text
    assert "TOT-skript" not in nav_page


def test_a_member_revokes_their_token(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Skript")
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(reverse("accounts:revoke_api_token"), {"token": token.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:api_tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(key).get(CASES).status_code == 401
    page = client.get(reverse("accounts:api_tokens")).text
    assert f'name="token" value="{token.pk}"' not in page


def test_nobody_revokes_another_members_token(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Skript")
    for user, organisation in [(cast.ngo_admin, cast.ngo), (cast.bergen_admin, cast.bergen_org)]:
        client = client_acting_in(user, organisation)
        assert client.post(reverse("accounts:revoke_api_token"), {"token": token.pk}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api(key).get(CASES).status_code == 200


def test_the_security_page_links_to_the_tokens(cast: Cast) -> None:
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("accounts:security")).text
    assert reverse("accounts:api_tokens") in page


# --- The committed schema -----------------------------------------------------------------------


def test_the_committed_openapi_schema_is_current() -> None:
    committed = Path(settings.BASE_DIR, "docs", "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(openapi_document()), (
        "docs/openapi.json is out of date: run `python manage.py export_openapi` and commit the result."
    )
    assert committed == openapi_document(), "docs/openapi.json is not formatted as export_openapi writes it."


def test_every_operation_documents_its_refusals_with_a_schema() -> None:
    # A token may always be missing and a parameter out of bounds: 401 and 422 belong to every operation.
    document = json.loads(openapi_document())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"200", "401", "422"} <= responses.keys(), (method, path)
            for status, response in responses.items():
                assert "$ref" in response["content"]["application/json"]["schema"], (method, path, status)


# --- Expiry and the organisation admin's overview (issue 15, hole 5) ----------------------------


def test_a_token_lives_90_days_by_default(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    page = client.get(reverse("accounts:api_tokens"))
    assert page.context["form"]["lifetime_days"].value() == 90
    client.post(reverse("accounts:api_tokens"), {"name": "Skript", "lifetime_days": "90"})
    token = ApiToken.objects.get()
    assert timedelta(days=90) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(days=90)
    assert token.days_left == 90
    assert "Utløper om 90 dager" in client.get(reverse("accounts:api_tokens")).text


def test_a_member_chooses_the_lifetime_but_never_for_ever(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.post(reverse("accounts:api_tokens"), {"name": "Kort", "lifetime_days": "30"})
    assert ApiToken.objects.get().days_left == 30
    for lifetime in ["0", "36500", ""]:
        response = client.post(reverse("accounts:api_tokens"), {"name": "Evig", "lifetime_days": lifetime})
        assert response.context["form"].errors["lifetime_days"]
    assert ApiToken.objects.count() == 1
    with pytest.raises(ValueError, match="not 0"):
        account_services.create_api_token(
            membership=membership(cast.ngo_worker, cast.ngo), name="Evig", lifetime_days=0
        )


def test_a_token_about_to_expire_is_marked(cast: Cast) -> None:
    token, _key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Skript")
    assert not token.expires_soon
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=6, hours=1))
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("accounts:api_tokens")).text
    assert '<span class="ds-tag" data-color="warning">Utløper om 7 dager</span>' in page


def test_an_expired_token_is_refused_with_a_clear_401(cast: Cast) -> None:
    token, key = account_services.create_api_token(
        membership=membership(cast.ngo_admin, cast.ngo), name="Test", lifetime_days=30
    )
    assert api(key).get(CASES).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(key).get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "expired" in response.json()["detail"]
    assert not AccessEntry.objects.filter(action=AccessEntry.Action.API).exists()
    page = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("accounts:api_tokens")).text
    assert "Utløpt" in page
    assert f'name="token" value="{token.pk}"' not in page  # nothing left to revoke


def test_the_admin_sees_every_token_of_the_organisation_but_no_key(cast: Cast) -> None:
    _token, key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Eksport")
    account_services.create_api_token(membership=membership(cast.bergen_admin, cast.bergen_org), name="Bergens skript")
    response = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("organisations:api_tokens"))
    assert response.status_code == 200
    assert "Eksport" in response.text
    assert str(cast.ngo_worker) in response.text
    assert "Utløper om 90 dager" in response.text
    assert "Bergens skript" not in response.text
    assert key not in response.text
    assert key[:8] not in response.text


def test_the_admin_revokes_a_members_token(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Eksport")
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    response = client.post(reverse("organisations:revoke_api_token", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(key).get(CASES).status_code == 401
    # The access log names the admin who revoked it, in the member's organisation.
    revoked = AccessEntry.objects.get(action=AccessEntry.Action.TOKEN_REVOKED)
    assert (revoked.user, revoked.organisation, revoked.api_token_id) == (cast.ngo_admin, cast.ngo, token.pk)


def test_an_admin_of_another_organisation_cannot_revoke_a_token(cast: Cast) -> None:
    token, key = account_services.create_api_token(membership=membership(cast.ngo_worker, cast.ngo), name="Eksport")
    for user, organisation in [(cast.bergen_admin, cast.bergen_org), (cast.ngo_worker, cast.ngo)]:
        response = client_acting_in(user, organisation).post(reverse("organisations:revoke_api_token", args=[token.pk]))
        assert response.status_code in (403, 404)
    assert (
        client_acting_in(cast.bergen_admin, cast.bergen_org)
        .post(reverse("organisations:revoke_api_token", args=[token.pk]))
        .status_code
        == 404
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api(key).get(CASES).status_code == 200
