"""Log-in, MFA, delays after wrong passwords, session expiry and organisation switch, as a person does them."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.totp import totp_code
from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import PASSWORD, MembershipFactory, UserFactory, current_code_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_logs_in_with_password_and_totp(vern: Vern, cast: Cast) -> None:
    vern.go("/")
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Logg inn i Vern")
    vern.assert_accessible()
    vern.submit_password(cast.ngo_worker.email, PASSWORD)
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Tofaktorautentisering")
    vern.assert_accessible()
    vern.submit_code(current_code_of(cast.ngo_worker))
    expect(vern.page.get_by_test_id("active-organisation")).to_contain_text("Trygg havn Oslo")
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Min dag")
    vern.assert_accessible()


def test_it_refuses_a_wrong_code(vern: Vern, cast: Cast) -> None:
    vern.go("/accounts/login/")
    vern.submit_password(cast.ngo_worker.email, PASSWORD)
    wrong = f"{(int(current_code_of(cast.ngo_worker)) + 1) % 1_000_000:06d}"
    vern.submit_code(wrong)
    expect(vern.page.get_by_role("alert")).to_contain_text("Feil kode")
    vern.assert_accessible()
    vern.go("/")
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Tofaktorautentisering")
    expect(vern.page.get_by_test_id("active-organisation")).to_have_count(0)


def test_it_slows_down_repeated_wrong_passwords_but_does_not_lock_the_account(vern: Vern, cast: Cast) -> None:
    vern.go("/accounts/login/")
    for _ in range(3):
        vern.submit_password(cast.ngo_worker.email, "not-the-password")
        expect(vern.page.get_by_role("alert")).to_contain_text("feil")
    vern.submit_password(cast.ngo_worker.email, PASSWORD)
    expect(vern.page.get_by_role("alert")).to_contain_text(re.compile(r"Prøv igjen om [12] sekunde?r?, kl\."))
    expect(vern.page.get_by_role("alert")).to_contain_text("Kontoen er ikke låst.")
    vern.assert_accessible()
    vern.page.wait_for_timeout(2_100)
    vern.submit_password(cast.ngo_worker.email, PASSWORD)
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Tofaktorautentisering")


def test_it_ends_the_session_after_inactivity(vern: Vern, cast: Cast, settings: Any) -> None:
    vern.go("/accounts/login/")
    vern.submit_password(cast.ngo_worker.email, PASSWORD)
    vern.submit_code(current_code_of(cast.ngo_worker))
    expect(vern.page.get_by_test_id("active-organisation")).to_be_visible()
    settings.SESSION_COOKIE_AGE = 1
    vern.go("/account/security/")  # this request saves the session with the short idle limit
    vern.page.wait_for_timeout(2500)
    vern.go("/")
    expect(vern.page.get_by_role("status")).to_contain_text("Økten din er avsluttet")
    vern.assert_accessible()


def test_it_switches_organisation(vern: Vern, cast: Cast) -> None:
    vern.go("/accounts/login/")
    vern.submit_password(cast.nav_worker.email, PASSWORD)
    vern.submit_code(current_code_of(cast.nav_worker))
    expect(vern.page.get_by_role("heading", level=1)).to_contain_text("Hvilken organisasjon")
    vern.assert_accessible()
    vern.page.get_by_label("NAV Oslo").check()
    vern.page.get_by_role("button", name="Fortsett").click()
    expect(vern.page.get_by_test_id("active-organisation")).to_contain_text("NAV Oslo")
    vern.page.get_by_role("link", name="Bytt organisasjon").click()
    vern.page.get_by_label("TOT Oslo").check()
    vern.page.get_by_role("button", name="Fortsett").click()
    expect(vern.page.get_by_test_id("active-organisation")).to_contain_text("TOT Oslo")
    expect(vern.page.get_by_test_id("active-organisation")).to_contain_text("Koordinator")


def test_a_new_user_enrols_the_authenticator_app_at_first_log_in(vern: Vern, cast: Cast) -> None:
    newcomer = MembershipFactory.create(organisation=cast.ngo, user=UserFactory.create(totp=False)).user
    vern.go("/accounts/login/")
    vern.submit_password(newcomer.email, PASSWORD)
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Aktiver autentiseringsapp")
    vern.assert_accessible()
    secret = vern.page.locator("#authenticator_secret").input_value()
    vern.page.get_by_label("Autentiseringskode").fill(totp_code(secret))
    vern.page.get_by_role("button", name="Aktiver").click()
    # allauth shows the recovery codes once; Vern then opens.
    vern.go("/")
    expect(vern.page.get_by_test_id("active-organisation")).to_contain_text("Trygg havn Oslo")


def test_it_speaks_english_when_asked(vern: Vern, cast: Cast) -> None:
    vern.go("/accounts/login/")
    vern.page.get_by_role("button", name="English").click()
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Log in to Vern")
    vern.assert_accessible()
    vern.page.get_by_role("button", name="Norsk bokmål").click()
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Logg inn i Vern")


def test_admin_pages_are_accessible(vern: Vern, cast: Cast) -> None:
    vern.go("/accounts/login/")
    vern.submit_password(cast.ngo_admin.email, PASSWORD)
    vern.submit_code(current_code_of(cast.ngo_admin))
    vern.page.get_by_role("link", name="Medlemmer").click()
    expect(vern.page.get_by_role("heading", level=1)).to_contain_text("Trygg havn Oslo")
    vern.assert_accessible()
    vern.page.get_by_role("button", name="Send invitasjonen").click()
    expect(vern.page.get_by_role("alert")).to_be_visible()
    vern.assert_accessible()
    vern.page.get_by_label("E-postadresse").fill("ny@test.vern.invalid")
    vern.page.get_by_label("Fornavn").fill("Nina")
    vern.page.get_by_label("Etternavn").fill("Nyansatt")
    vern.page.get_by_label("Rolle", exact=True).select_option(Membership.Role.CASEWORKER)
    vern.page.get_by_role("button", name="Send invitasjonen").click()
    # Invited, not yet a member: the address is in the list of invitations.
    expect(vern.page.get_by_test_id("invitations").get_by_role("cell", name="ny@test.vern.invalid")).to_be_visible()
    vern.assert_accessible()
    vern.page.get_by_role("link", name="Kontosikkerhet").click()
    vern.assert_accessible()
    vern.go("/accounts/2fa/")
    vern.assert_accessible()
    vern.go("/this-page-does-not-exist/")
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Vi fant ikke siden")
    vern.assert_accessible()
