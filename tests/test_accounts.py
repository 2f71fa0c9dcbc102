"""Log-in with password and mandatory TOTP, lock-out, session end, log-out everywhere."""

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import create_api_token
from accounts.totp import totp_code
from organisations.models import Membership
from tests.conftest import Cast
from tests.factories import PASSWORD, MembershipFactory, UserFactory, current_code_of
from tests.helpers import client_acting_in

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"


def log_in_with_password(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.django_db
def test_it_asks_for_a_totp_code_after_the_password(cast: Cast) -> None:
    client = Client()
    response = log_in_with_password(client, cast.ngo_worker.email)
    assert response.status_code == 302
    assert response["Location"] == MFA
    assert client.get(reverse("home")).status_code == 302  # not logged in yet


@pytest.mark.django_db
def test_it_logs_in_with_password_and_totp_and_selects_the_only_organisation(cast: Cast) -> None:
    client = Client()
    log_in_with_password(client, cast.ngo_worker.email)
    response = client.post(MFA, {"code": current_code_of(cast.ngo_worker)})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Trygg havn Oslo" in home.text


@pytest.mark.django_db
def test_it_refuses_a_wrong_totp_code(cast: Cast) -> None:
    client = Client()
    log_in_with_password(client, cast.ngo_worker.email)
    wrong = f"{(int(current_code_of(cast.ngo_worker)) + 1) % 1_000_000:06d}"
    response = client.post(MFA, {"code": wrong})
    assert response.status_code == 200
    assert "Feil kode" in response.text
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_it_locks_the_account_after_five_wrong_passwords(cast: Cast) -> None:
    client = Client()
    for _ in range(5):
        response = log_in_with_password(client, cast.ngo_worker.email, "wrong-password-123")
        assert response.status_code == 200
    response = log_in_with_password(client, cast.ngo_worker.email)
    assert response.status_code == 200, "the correct password must not work while locked"
    assert "For mange innloggingsforsøk" in response.text


@pytest.mark.django_db
def test_it_locks_after_five_wrong_totp_codes(cast: Cast) -> None:
    client = Client()
    log_in_with_password(client, cast.ngo_worker.email)
    for _ in range(5):
        client.post(MFA, {"code": "000000"})
    response = client.post(MFA, {"code": current_code_of(cast.ngo_worker)})
    assert client.get(reverse("home")).status_code == 302
    assert "For mange innloggingsforsøk" in response.text


@pytest.mark.django_db
def test_it_sends_a_user_without_totp_to_enrolment(cast: Cast) -> None:
    newcomer = MembershipFactory.create(organisation=cast.ngo, user=UserFactory.create(totp=False)).user
    client = Client()
    response = log_in_with_password(client, newcomer.email)
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("mfa_activate_totp")
    # Every other page is closed until enrolment, the member list included.
    assert client.get(reverse("organisations:choose"))["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_it_enrols_totp_and_then_opens_vern(cast: Cast) -> None:
    newcomer = MembershipFactory.create(organisation=cast.ngo, user=UserFactory.create(totp=False)).user
    client = Client()
    log_in_with_password(client, newcomer.email)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_it_does_not_let_users_remove_their_authenticator(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=cast.ngo_worker, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_it_does_not_offer_sign_up() -> None:
    response = Client().post("/accounts/signup/", {"email": "new@test.vern.invalid", "password1": "x" * 20})
    assert response.status_code == 200
    from accounts.models import User

    assert not User.objects.filter(email="new@test.vern.invalid").exists()


@pytest.mark.django_db
def test_it_says_the_session_ended_when_it_expired(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    Session.objects.all().delete()  # what expiry does on the server side
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "Økten din er avsluttet" in response.text


@pytest.mark.django_db
def test_it_logs_out_everywhere(cast: Cast) -> None:
    laptop = client_acting_in(cast.ngo_worker, cast.ngo)
    assert laptop.get(reverse("home")).status_code == 200
    phone = Client()
    log_in_with_password(phone, cast.ngo_worker.email)
    phone.post(MFA, {"code": current_code_of(cast.ngo_worker)})
    assert phone.get(reverse("home")).status_code == 200

    response = phone.post(reverse("accounts:log_out_everywhere"))
    assert response.status_code == 302
    assert phone.get(reverse("home")).status_code == 302
    assert laptop.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_security_page_lists_sessions(cast: Cast) -> None:
    client = Client()
    log_in_with_password(client, cast.ngo_worker.email)
    client.post(MFA, {"code": current_code_of(cast.ngo_worker)})
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 200
    assert "Logg ut overalt" in response.text


def test_sessions_are_short_lived() -> None:
    assert settings.SESSION_COOKIE_AGE <= 30 * 60


def api_key_of(user: Any, organisation: Any) -> str:
    member = Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)
    return create_api_token(membership=member, name="Skript")[1]


@pytest.mark.django_db
def test_log_out_everywhere_offers_to_revoke_the_api_tokens_and_says_how_many(cast: Cast) -> None:
    api_key_of(cast.ngo_worker, cast.ngo)
    api_key_of(cast.ngo_worker, cast.ngo)
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("accounts:security"))
    assert page.context["log_out_form"]["revoke_api_tokens"].value() is True
    assert "Tilbakekall også API-tokenene mine" in page.text
    assert "Du har 2 API-tokener som virker nå." in page.text


@pytest.mark.django_db
def test_log_out_everywhere_revokes_the_api_tokens_when_ticked(cast: Cast) -> None:
    key = api_key_of(cast.ngo_worker, cast.ngo)
    other_users_key = api_key_of(cast.ngo_admin, cast.ngo)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    response = client.post(reverse("accounts:log_out_everywhere"), {"revoke_api_tokens": "on"}, follow=True)
    assert "1 API-token ble tilbakekalt." in response.text
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/cases").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other_users_key}").get("/api/v1/cases").status_code == 200
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_log_out_everywhere_keeps_the_api_tokens_when_unticked(cast: Cast) -> None:
    key = api_key_of(cast.ngo_worker, cast.ngo)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.post(reverse("accounts:log_out_everywhere"), {})
    assert client.get(reverse("home")).status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/cases").status_code == 200
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
