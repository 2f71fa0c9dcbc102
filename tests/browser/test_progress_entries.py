"""Scenario: the NGO that owns a case shares health with NAV by consent, and identity only with the TOT team;
NAV's member writes a progress entry about health (after being told that an empty one is not saved); the NGO
sees it with NAV's name; the TOT team sees neither the entry nor that it was written. The case page is checked
by axe in bokmål and in English."""

from typing import Any

import pytest
from playwright.sync_api import expect

from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Trenger fastlege: time hos legevakten er bestilt"


def consent(vern: Vern, organisation: str, group: str) -> None:
    vern.page.get_by_role("link", name="Registrer samtykke til deling").click()
    vern.page.get_by_label("Del med").select_option(label=organisation)
    vern.page.get_by_label(group, exact=True).check()
    vern.page.get_by_label("Formål").fill("Oppfølging av bolig og helse")
    vern.page.get_by_label("Skriftlig").check()
    vern.page.get_by_role("button", name="Registrer samtykke").click()
    expect(vern.page.get_by_role("table", name="Samtykker")).to_contain_text(organisation)


def test_a_partner_writes_its_part_within_its_sharing(vern: Vern, cast: Cast, browser: Any) -> None:
    tot_coordinator = MembershipFactory.create(organisation=cast.tot, role=Membership.Role.COORDINATOR).user

    ngo = vern
    ngo.log_in(cast.ngo_worker)
    ngo.go("/cases/new/")
    ngo.page.get_by_role("button", name="Opprett sak").click()
    ngo.page.get_by_label("Fornavn").fill("Testa")
    ngo.page.get_by_role("button", name="Lagre").click()
    code = ngo.page.get_by_role("heading", level=1).inner_text().split()[-1]
    consent(ngo, "NAV Oslo", "Helse")
    consent(ngo, "TOT Oslo", "Identitet")

    # NAV's coordinator may write about health or in general, nothing else.
    nav = ngo.another(browser)
    nav.log_in(cast.nav_coordinator)
    nav.go(f"/cases/{code}/")
    progress = nav.page.get_by_test_id("progress")
    expect(progress.get_by_role("heading", level=2)).to_have_text("Fremdrift")
    about = progress.get_by_label("Gjelder", exact=True)
    expect(about.locator("option")).to_have_text(["Velg", "Helse", "Generelt, ikke om én type opplysninger"])
    nav.assert_accessible()

    # An empty entry is explained, in bokmål, and nothing is saved.
    about.select_option(label="Helse")
    progress.get_by_role("button", name="Lagre fremdriftsnotatet").click()
    expect(nav.page.get_by_role("alert")).to_contain_text("Skriv hva organisasjonen din har gjort eller fått vite")
    nav.assert_accessible()
    nav.page.get_by_label("Hva har organisasjonen din gjort eller fått vite?").fill(NOTE)
    nav.page.get_by_role("button", name="Lagre fremdriftsnotatet").click()
    expect(nav.page.get_by_role("status")).to_contain_text("Fremdriftsnotatet er lagret")
    entries = nav.page.get_by_test_id("progress-entries").locator("li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text(NOTE)
    expect(entries.first).to_contain_text("NAV Oslo")

    # The owner sees it, with who wrote it and what it is about, and the timeline says so (without the text).
    ngo.go(f"/cases/{code}/")
    entry = ngo.page.get_by_test_id("progress-entries").locator("li").first
    expect(entry).to_contain_text(NOTE)
    expect(entry).to_contain_text("NAV Oslo")
    expect(entry).to_contain_text(str(cast.nav_coordinator))
    expect(entry).to_contain_text("Helse")
    timeline = ngo.page.locator(".vern-timeline")
    expect(timeline).to_contain_text("Fremdriftsnotat skrevet (Helse) – NAV Oslo")
    expect(timeline).not_to_contain_text(NOTE)
    ngo.assert_accessible()

    # The TOT team, which the case shares identity with, sees neither the entry nor that it was written.
    tot = ngo.another(browser)
    tot.log_in(tot_coordinator)
    tot.go(f"/cases/{code}/")
    expect(tot.page.get_by_test_id("progress")).to_contain_text("Ingen fremdriftsnotater du har tilgang til ennå.")
    assert "legevakten" not in tot.page.content()
    assert "Fremdriftsnotat skrevet" not in tot.page.content()
    tot.assert_accessible()

    # The same page in English, checked by axe too.
    ngo.page.get_by_role("button", name="English").click()
    expect(ngo.page.get_by_test_id("progress").get_by_role("heading", level=2)).to_have_text("Progress")
    expect(ngo.page.get_by_test_id("progress-entries").locator("li").first).to_contain_text("Health")
    ngo.assert_accessible()
