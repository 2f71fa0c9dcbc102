"""Scenario: Trygg havn's data protection officer opens the log review, finds a broken glass with a thin reason
on one of the organisation's cases, concludes on it with a note, records that the period is reviewed, and opens
who has seen the person — without opening the case. Every page is checked by axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.services import record_access
from cases.models import FieldGroup
from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import CaseFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_data_protection_officer_reviews_a_broken_glass(vern: Vern, cast: Cast) -> None:
    case = CaseFactory.create(owner=cast.ngo, is_protected=True)
    record_access(
        user=cast.ngo_worker,
        organisation=cast.ngo,
        case=case,
        field_groups=[FieldGroup.IDENTITY],
        action="break_the_glass",
        reason="Annet: ville bare se hvordan det går",
        at=timezone.now() - timedelta(hours=1),
    )
    dpo = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.DATA_PROTECTION_OFFICER).user

    vern.log_in(dpo)
    vern.page.get_by_role("link", name="Loggkontroll").click()
    expect(vern.page.get_by_test_id("last-review")).to_have_text("Loggen er ikke kontrollert ennå.")
    flag = vern.page.get_by_test_id("flag-break_the_glass")
    expect(flag).to_contain_text("ville bare se hvordan det går")
    expect(flag).to_contain_text(case.code)
    vern.assert_accessible()

    flag.get_by_text("Oppslagene, og din konklusjon").click()
    expect(flag.get_by_role("link", name=case.code)).to_be_visible()
    flag.get_by_label("Spurte brukeren").check()
    flag.get_by_label("Merknad").fill("Politiet ringte; begrunnelsen skal skrives fullt ut neste gang.")
    flag.get_by_role("button", name="Merk som kontrollert").click()
    expect(vern.page.get_by_role("status")).to_contain_text("Funnet er merket som kontrollert.")
    expect(vern.page.get_by_test_id("flag-reviewed")).to_contain_text("Kontrollert: Spurte brukeren")
    vern.assert_accessible()

    vern.page.get_by_role("button", name="Registrer at perioden er kontrollert").click()
    expect(vern.page.get_by_test_id("last-review")).to_contain_text("Siste gjennomgang")

    vern.page.get_by_test_id("flag-break_the_glass").get_by_text("Oppslagene, og din konklusjon").click()
    vern.page.get_by_role("link", name=case.code).click()
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Hvem har sett opplysninger om personen")
    expect(vern.page.get_by_role("link", name="Tilbake til loggkontrollen")).to_be_visible()
    vern.assert_accessible()
