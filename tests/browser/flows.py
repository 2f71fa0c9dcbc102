"""Steps the chain scenarios repeat in the browser: finish a step, refer, accept, log in elsewhere."""

from datetime import date

from playwright.sync_api import Browser, expect

from cases.models import Case
from organisations.models import Membership
from sharing.models import LegalBasis
from tests.browser.conftest import Vern


def finish(vern: Vern, case: Case, step: str, at: str) -> None:
    vern.go(f"/cases/{case.code}/chain/steps/{step}/done/")
    vern.page.locator("input[name=at]").fill(at)
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id(f"step-{step}")).to_have_attribute("data-status", "done")


def refer(vern: Vern, case: Case, step: str, to: str, *, handover: bool = False, legal_basis: str = "") -> None:
    """Refer a step (or hand the case over) with written consent, or under `legal_basis` (its code)."""
    vern.go(f"/cases/{case.code}/{'hand-over' if handover else 'refer'}/?step={step}")
    vern.assert_accessible()
    vern.page.locator("select[name=to]").select_option(label=to)
    vern.page.locator("input[name=purpose]").fill("Oppfølging etter identifisering")
    if legal_basis:
        vern.page.locator("input[name=ground][value=legal_basis]").check()
        basis = LegalBasis.objects.get(code=legal_basis)
        vern.page.locator(f"input[name=legal_basis][value='{basis.pk}']").check()
        vern.page.locator("textarea[name=justification]").fill("Barnet er under 18 år og trenger vern.")
    else:
        vern.page.locator("input[name=ground][value=consent]").check()
        vern.page.locator("input[name=consent_form][value=written]").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    if handover:  # a hand-over shows exactly what goes before it is sent
        expect(vern.page.get_by_test_id("handover-summary")).to_be_visible()
        vern.assert_accessible()
        vern.page.get_by_role("button", name="Send overføringen").click()
    expect(vern.page.get_by_test_id("case-chain")).to_be_visible()


def record_asylum_claim(vern: Vern, case: Case) -> None:
    """The owner records in the immigration group that the person has applied for asylum."""
    vern.go(f"/cases/{case.code}/groups/immigration/")
    vern.page.locator("select[name=asylum]").select_option("applied")
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id("group-immigration")).to_contain_text("Søkt, ikke avgjort")


def accept(vern: Vern, case: Case) -> None:
    vern.go("/referrals/")
    vern.assert_accessible()
    vern.page.get_by_test_id(f"referral-{case.code}").locator("button").click()
    expect(vern.page.get_by_test_id("case-chain")).to_be_visible()


def log_in(vern: Vern, browser: Browser, membership: Membership) -> Vern:
    person = vern.another(browser)
    person.log_in(membership.user, membership.organisation.name)
    return person


def record_decision(vern: Vern, case: Case, code: str, label: str, on: date) -> None:
    """The organisation that decides records a decision's date from the case page (chain.decisions)."""
    vern.go(f"/cases/{case.code}/")
    vern.page.get_by_test_id(f"decision-{code}").get_by_role("link", name=f"Registrer «{label}»").click()
    vern.assert_accessible()
    vern.page.locator("input[name=decided_on]").fill(on.isoformat())
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id(f"decision-{code}")).to_contain_text(on.strftime("%d.%m.%Y"))
