"""A new member's onboarding as the admin and the invitee do it: invitation, password, authenticator, Vern."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, expect

from accounts.totp import totp_code
from organisations.models import Invitation
from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)

INVITATION_PATH = re.compile(r"https?://[^/\s]+(?P<path>/invitation/[A-Za-z0-9_-]+/)")


def test_an_invited_person_sets_a_password_and_the_authenticator_and_opens_vern(
    vern: Vern, browser: Browser, cast: Cast
) -> None:
    vern.log_in(cast.ngo_admin)
    vern.go("/organisation/members/")
    vern.assert_accessible()
    vern.page.get_by_label("E-postadresse", exact=True).fill("ny.kollega@test.vern.invalid")
    vern.page.get_by_label("Fornavn", exact=True).fill("Nora")
    vern.page.get_by_label("Etternavn", exact=True).fill("Kollega")
    vern.page.get_by_label("Rolle", exact=True).select_option("caseworker")
    vern.page.get_by_role("button", name="Send invitasjonen").click()
    invitations = vern.page.get_by_test_id("invitations")
    expect(invitations).to_contain_text("Nora Kollega")
    expect(invitations).to_contain_text("Sendt 1 gang")
    vern.assert_accessible()
    invitation = Invitation.objects.get()
    vern.page.get_by_role("link", name="Trekk tilbake invitasjonen til Nora Kollega").click()
    vern.assert_accessible()
    vern.page.get_by_role("link", name="Avbryt").click()

    [message] = mail.outbox
    match = INVITATION_PATH.search(str(message.body))
    assert match, message.body
    newcomer = vern.another(browser)
    newcomer.go(match["path"])
    expect(newcomer.page.get_by_role("heading", level=1)).to_have_text("Invitasjon til Vern fra Trygg havn Oslo")
    expect(newcomer.page.get_by_test_id("invitation-facts")).to_contain_text("Saksbehandler")
    expect(newcomer.page.get_by_test_id("invitation-facts")).to_contain_text(cast.ngo_admin.get_full_name())
    assert "/invitation/" in newcomer.page.url
    assert match["path"] not in newcomer.page.url
    newcomer.assert_accessible()
    newcomer.page.get_by_label("Velg et passord", exact=True).fill("fjord-lantern-quietly-47")
    newcomer.page.get_by_label("Skriv passordet en gang til", exact=True).fill("fjord-lantern-quietly-47")
    newcomer.page.get_by_role("button", name="Lagre passordet og fortsett").click()

    expect(newcomer.page.get_by_role("heading", level=1)).to_have_text("Aktiver autentiseringsapp")
    newcomer.assert_accessible()
    secret = newcomer.page.locator("#authenticator_secret").input_value()
    newcomer.page.get_by_label("Autentiseringskode").fill(totp_code(secret))
    newcomer.page.get_by_role("button", name="Aktiver").click()
    # allauth shows the recovery codes once; Vern then opens in the new member's organisation.
    newcomer.go("/")
    expect(newcomer.page.get_by_test_id("active-organisation")).to_contain_text("Trygg havn Oslo")
    newcomer.assert_accessible()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    # The link cannot be used again, and says so.
    newcomer.go(match["path"])
    expect(newcomer.page.get_by_test_id("invitation-closed")).to_contain_text("Invitasjonen er godtatt")
    newcomer.assert_accessible()
