"""Log-in with password and mandatory TOTP, lock-out, session end, log-out everywhere."""

from datetime import timedelta
from smtplib import SMTPException
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import login_attempts
from accounts.login_attempts import delay_after
from accounts.models import ApiToken, LoginAttempts
from accounts.services import create_api_token
from accounts.totp import totp_code
from organisations.models import Membership
from tests.conftest import Cast
from tests.factories import PASSWORD, MembershipFactory, UserFactory, current_code_of
from tests.helpers import client_acting_in
from tests.test_notifications import run_concurrently

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
def test_it_locks_after_five_wrong_totp_codes(cast: Cast) -> None:
    client = Client()
    log_in_with_password(client, cast.ngo_worker.email)
    for _ in range(5):
        client.post(MFA, {"code": "000000"})
    response = client.post(MFA, {"code": current_code_of(cast.ngo_worker)})
    assert client.get(reverse("home")).status_code == 302
    assert "For mange mislykkede innlogginger" in response.text


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
    without_tokens = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("accounts:security")).text
    assert "revoke_api_tokens" not in without_tokens


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


# --- Delays instead of a lock-out (issue 15, hole 7) ---------------------------------------------

WRONG = "wrong-password-123"
ADDRESS_A, ADDRESS_B, ADDRESS_C, OFFICE = "192.0.2.10", "198.51.100.20", "203.0.113.30", "192.0.2.99"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def time_passes(seconds: float) -> None:
    """Move every recorded log-in attempt `seconds` into the past, as if that much time had gone by."""
    ago = timedelta(seconds=seconds)
    LoginAttempts.objects.update(
        last_failure_at=F("last_failure_at") - ago,
        window_started_at=F("window_started_at") - ago,
        last_success_at=F("last_success_at") - ago,
        warned_at=F("warned_at") - ago,
    )


def password_accepted(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == MFA


def is_delayed(response: Any) -> bool:
    return response.status_code == 200 and "For mange mislykkede forsøk på å logge inn herfra" in response.text


def fail_many_times(email: str, address: str, times: int) -> None:
    """`times` wrong passwords that are really checked: each after its delay from this address has passed."""
    client = from_address(address)
    for _ in range(times):
        time_passes(15 * 60)
        response = log_in_with_password(client, email, WRONG)
        assert response.status_code == 200
        assert not is_delayed(response)


@pytest.mark.django_db
def test_three_wrong_passwords_cost_nothing_then_the_next_attempt_waits(cast: Cast) -> None:
    client = from_address(ADDRESS_A)
    for _ in range(3):
        response = log_in_with_password(client, cast.ngo_worker.email, WRONG)
        assert response.status_code == 200
        assert not is_delayed(response)
    response = log_in_with_password(client, cast.ngo_worker.email)
    assert is_delayed(response), "even the right password waits, so the refusal says nothing about it"
    assert "Prøv igjen om 2 sekunder, kl." in response.text
    assert "Kontoen er ikke låst." in response.text
    time_passes(2)
    assert password_accepted(log_in_with_password(client, cast.ngo_worker.email))


@pytest.mark.django_db
def test_the_delays_double_from_the_same_address_and_a_success_resets_them(cast: Cast) -> None:
    client = from_address(ADDRESS_A)
    email = cast.ngo_worker.email
    for _ in range(3):
        log_in_with_password(client, email, WRONG)
    for delay in (2, 4, 8, 16):
        assert is_delayed(log_in_with_password(client, email, WRONG))
        time_passes(delay - 1)
        assert is_delayed(log_in_with_password(client, email, WRONG)), delay
        time_passes(1)
        response = log_in_with_password(client, email, WRONG)
        assert not is_delayed(response), delay
    time_passes(32)
    assert password_accepted(log_in_with_password(client, email))
    client = from_address(ADDRESS_A)  # a new log-in, from the same address
    for _ in range(3):
        assert not is_delayed(log_in_with_password(client, email, WRONG))
    assert is_delayed(log_in_with_password(client, email, WRONG))


@pytest.mark.django_db
def test_the_delay_from_one_address_is_capped_at_15_minutes() -> None:
    assert delay_after(50, cap_seconds=settings.LOGIN_MAX_DELAY_FROM_ADDRESS_SECONDS) == timedelta(minutes=15)
    assert delay_after(50, cap_seconds=settings.LOGIN_MAX_DELAY_FOR_ACCOUNT_SECONDS) == timedelta(minutes=1)
    assert [delay_after(n, cap_seconds=900).total_seconds() for n in range(2, 7)] == [0, 2, 4, 8, 16]


@pytest.mark.django_db
def test_an_attackers_50_wrong_passwords_do_not_stop_the_real_user_at_their_usual_address(cast: Cast) -> None:
    email = cast.ngo_worker.email
    assert password_accepted(log_in_with_password(from_address(ADDRESS_B), email))  # the user's usual desk
    fail_many_times(email, ADDRESS_A, 50)
    assert is_delayed(log_in_with_password(from_address(ADDRESS_A), email)), "the attacker is slowed"
    real_user = from_address(ADDRESS_B)
    assert password_accepted(log_in_with_password(real_user, email))
    assert real_user.post(MFA, {"code": current_code_of(cast.ngo_worker)}).status_code == 302
    assert real_user.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_at_a_new_address_the_real_user_waits_a_minute_at_most(cast: Cast) -> None:
    email = cast.ngo_worker.email
    fail_many_times(email, ADDRESS_A, 50)
    new_address = from_address(ADDRESS_C)
    assert is_delayed(log_in_with_password(new_address, email)), "guesses from everywhere slow the account a little"
    time_passes(60)
    assert password_accepted(log_in_with_password(new_address, email))


@pytest.mark.django_db
def test_40_colleagues_failing_once_behind_one_office_address_do_not_block_the_41st(cast: Cast) -> None:
    office = from_address(OFFICE)
    for colleague in UserFactory.create_batch(40):
        response = log_in_with_password(office, colleague.email, WRONG)
        assert not is_delayed(response)
    assert password_accepted(log_in_with_password(office, cast.ngo_worker.email))


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_stopped_for_the_hour(cast: Cast, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 5
    machine = from_address(ADDRESS_A)
    for n in range(5):
        assert not is_delayed(log_in_with_password(machine, f"guess-{n}@example.invalid", WRONG))
    assert is_delayed(log_in_with_password(machine, cast.ngo_worker.email))
    assert password_accepted(log_in_with_password(from_address(ADDRESS_B), cast.ngo_worker.email))
    time_passes(60 * 60)
    assert password_accepted(log_in_with_password(machine, cast.ngo_worker.email))


@pytest.mark.django_db
def test_the_counts_hold_neither_e_mail_nor_ip_address(cast: Cast) -> None:
    log_in_with_password(from_address(ADDRESS_A), cast.ngo_worker.email, WRONG)
    stored = " ".join(str(value) for row in LoginAttempts.objects.values() for value in row.values())
    assert LoginAttempts.objects.count() == 3
    assert cast.ngo_worker.email not in stored
    assert ADDRESS_A not in stored


@pytest.mark.django_db
def test_repeated_failures_tell_the_user_and_the_admins_once_a_day(
    cast: Cast, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    email = cast.ngo_worker.email
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times(email, ADDRESS_A, 9)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times(email, ADDRESS_A, 1)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([email, cast.ngo_admin.email])
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times(email, ADDRESS_A, 5)
    assert len(mailoutbox) == 2, "one warning a day"
    to_user = next(message for message in mailoutbox if message.to == [email])
    assert "10 mislykkede forsøk" in to_user.body
    assert "Kontoen din er ikke låst" in to_user.body
    to_admin = next(message for message in mailoutbox if message.to == [cast.ngo_admin.email])
    assert str(cast.ngo_worker) in to_admin.body
    for message in mailoutbox:
        assert ADDRESS_A not in message.body
        assert WRONG not in message.body
    with django_capture_on_commit_callbacks(execute=True):
        time_passes(24 * 60 * 60)
        fail_many_times(email, ADDRESS_A, 10)
    assert len(mailoutbox) == 4, "a new day, a new warning"


@pytest.mark.django_db
def test_failures_for_an_unknown_e_mail_address_send_nothing(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times("nobody@example.invalid", ADDRESS_A, 12)
    assert mailoutbox == []


@pytest.mark.django_db
def test_wrong_totp_codes_count_towards_the_warning(
    cast: Cast, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    email = cast.ngo_worker.email
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times(email, ADDRESS_A, 6)
        client = from_address(ADDRESS_A)
        time_passes(15 * 60)
        assert password_accepted(log_in_with_password(client, email))
        for _ in range(4):
            client.post(MFA, {"code": "000000"})
    assert [message.to for message in mailoutbox if message.to == [email]] == [[email]]


@pytest.mark.django_db
def test_confirming_the_password_again_is_delayed_like_a_log_in(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    reauthenticate = reverse("account_reauthenticate")
    for _ in range(3):
        assert client.post(reauthenticate, {"password": WRONG}).status_code == 200
    refused = client.post(reauthenticate, {"password": PASSWORD})
    assert "Prøv igjen om 2 sekunder" in refused.text
    time_passes(2)
    assert client.post(reauthenticate, {"password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_counts_nobody_needs_any_more_are_forgotten_at_the_next_log_in(cast: Cast) -> None:
    log_in_with_password(from_address(ADDRESS_A), "nobody@example.invalid", WRONG)
    assert LoginAttempts.objects.count() == 3
    LoginAttempts.objects.update(updated_at=timezone.now() - timedelta(days=91))
    assert password_accepted(log_in_with_password(from_address(ADDRESS_B), cast.ngo_worker.email))
    assert LoginAttempts.objects.count() == 3, "only the three rows of the log-in just made are left"


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_wait_for_each_other_instead_of_sharing_one_delay(cast: Cast) -> None:
    email = cast.ngo_worker.email
    for _ in range(3):
        login_attempts.begin_attempt(email=email, address=ADDRESS_A)
    time_passes(2)  # the fourth attempt may go now: one of the parallel ones, and only one
    outcomes: list[str] = []

    def guess() -> None:
        try:
            login_attempts.begin_attempt(email=email, address=ADDRESS_A)
            outcomes.append("checked")
        except login_attempts.LoginDelayed:
            outcomes.append("delayed")

    run_concurrently(6, guess)
    assert sorted(outcomes) == ["checked"] + ["delayed"] * 5


@pytest.mark.django_db
def test_a_warning_that_could_not_be_sent_is_tried_again_and_the_log_in_page_still_answers(
    cast: Cast, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise SMTPException("mail server down")

    email = cast.ngo_worker.email
    with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
        patched.setattr(login_attempts, "send_mail", refuse)
        fail_many_times(email, ADDRESS_A, 10)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        fail_many_times(email, ADDRESS_A, 1)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([email, cast.ngo_admin.email])
