"""Scenario: an NGO records written consent to share identity and health with NAV;
NAV sees exactly that; the consent is withdrawn and NAV sees nothing; the NGO
sees NAV's read in "who has seen this person"."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def test_consent_based_sharing_from_ngo_to_nav(vern: Vern, cast: Cast, browser: Any) -> None:
    ngo = vern
    ngo.log_in(cast.ngo_worker)
    ngo.page.get_by_role("link", name="Saker", exact=True).click()
    ngo.assert_accessible()
    ngo.page.get_by_role("link", name="Ny sak").click()
    ngo.assert_accessible()
    ngo.page.get_by_role("button", name="Opprett sak").click()

    # Identity, then health and whereabouts.
    expect(ngo.page.get_by_role("heading", level=1)).to_have_text("Identitet")
    ngo.assert_accessible()
    ngo.page.get_by_label("Fornavn").fill("Testa")
    ngo.page.get_by_label("Etternavn").fill("Fiktiv")
    ngo.page.get_by_label("Fødselsdato").fill("1999-04-01")
    ngo.page.get_by_role("button", name="Lagre").click()
    code = ngo.page.get_by_role("heading", level=1).inner_text().split()[-1]
    ngo.assert_accessible()
    ngo.page.get_by_role("link", name="Endre opplysninger: Helse").click()
    ngo.page.get_by_label("Helsebehov").fill("Trenger fastlege")
    ngo.page.get_by_role("button", name="Lagre").click()
    ngo.page.get_by_role("link", name="Endre opplysninger: Kontakt og oppholdssted").click()
    ngo.page.get_by_label("Adresse").fill("Hemmelig vei 1")
    ngo.page.get_by_role("button", name="Lagre").click()

    # Written consent to share identity and health with NAV Oslo.
    ngo.page.get_by_role("link", name="Registrer samtykke til deling").click()
    ngo.page.get_by_role("button", name="Registrer samtykke").click()  # empty: explained, nothing lost
    expect(ngo.page.get_by_role("alert")).to_be_visible()
    ngo.assert_accessible()
    ngo.page.get_by_label("Del med").select_option(label="NAV Oslo")
    ngo.page.get_by_label("Identitet").check()
    ngo.page.get_by_label("Helse").check()
    ngo.page.get_by_label("Formål").fill("Planlegge bolig og livsopphold")
    ngo.page.get_by_label("Skriftlig").check()
    ngo.page.get_by_role("button", name="Registrer samtykke").click()
    expect(ngo.page.get_by_role("table", name="Samtykker")).to_contain_text("NAV Oslo")

    # NAV's coordinator sees identity and health, not the address.
    nav = ngo.another(browser)
    nav.log_in(cast.nav_coordinator)
    nav.go(f"/cases/{code}/")
    expect(nav.page.get_by_test_id("group-identity")).to_contain_text("Testa")
    expect(nav.page.get_by_test_id("group-health")).to_contain_text("Trenger fastlege")
    expect(nav.page.get_by_test_id("group-contact")).to_have_count(0)
    assert "Hemmelig vei" not in nav.page.content()
    nav.assert_accessible()

    # The person withdraws consent: NAV no longer finds the case.
    ngo.page.get_by_role("button", name="Trekk tilbake samtykket for NAV Oslo").click()
    expect(ngo.page.get_by_role("status")).to_contain_text("trukket tilbake")
    nav.go(f"/cases/{code}/")
    expect(nav.page.get_by_role("heading", level=1)).to_have_text("Vi fant ikke siden")
    nav.go("/cases/")
    expect(nav.page.get_by_text(code)).to_have_count(0)

    # The NGO sees both its own reads and NAV's in "who has seen this person".
    ngo.page.get_by_role("link", name="Hvem har sett opplysninger om personen").click()
    report = ngo.page.get_by_role("table", name="Organisasjoner som har lest opplysningene")
    expect(report).to_contain_text("NAV Oslo")
    expect(report).to_contain_text("Trygg havn Oslo")
    ngo.assert_accessible()
