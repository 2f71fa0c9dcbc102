"""Scenarios (a) and (c) of issue 6, replayed in the browser by the people who do the work in Oslo.

(a) The adult relay: a low-threshold service identifies a woman, refers her to a
lawyer, the police take the reflection-period application, NAV pays support
every 14 days while it is pending — one cycle is missed and caught by the
board — UDI decides, the six months run from the decision date, and she is
granted temporary residence.
(c) She applies for asylum instead: the case is handed over to a state reception
centre, which has not accepted yet — the coordinators' overview raises it.

The flow started in September; the test opens the case as it was then and the
people record each step with the date it happened.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from playwright.sync_api import Browser, expect

from cases.models import Case
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import CaseChain, CaseStep, Deadline
from organisations.models import Membership, Organisation
from referrals.models import Referral
from tests.browser.conftest import Vern
from tests.browser.flows import accept, finish, log_in, refer
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
OSLO = ZoneInfo("Europe/Oslo")


def member(cast: Cast, kind: str, name: str, role: str = Membership.Role.COORDINATOR) -> Membership:
    owner_types: dict[str, str] = {
        Organisation.Kind.LAWYER: Organisation.OwnerType.PRIVATE,
        Organisation.Kind.POLICE_DISTRICT: Organisation.OwnerType.STATE,
        Organisation.Kind.RECEPTION_CENTRE: Organisation.OwnerType.STATE,
    }
    owner_type = owner_types.get(kind, Organisation.OwnerType.MUNICIPAL)
    organisation = OrganisationFactory.create(name=name, kind=kind, owner_type=owner_type, municipality=cast.oslo)
    return MembershipFactory.create(organisation=organisation, role=role)


@pytest.fixture
def oslo(cast: Cast) -> dict[str, Membership]:
    load_templates(apps.get_model)
    return {
        "low": member(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE, "Lavterskeltilbudet i Oslo"),
        "lawyer": member(cast, Organisation.Kind.LAWYER, "Advokatkontoret Fjord"),
        "police": member(cast, Organisation.Kind.POLICE_DISTRICT, "Oslo politidistrikt"),
        "nav": cast.nav_coordinator.memberships.select_related("organisation").get(organisation=cast.nav),
        "reception": member(cast, Organisation.Kind.RECEPTION_CENTRE, "Asylmottaket i Oslo"),
        "coordinator": member(cast, Organisation.Kind.TOT_COORDINATOR, "Koordinator Oslo kommune"),
    }


def identified_in_september(low: Membership, cast: Cast) -> Case:
    case = create_case(membership=low, municipality=cast.oslo)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=datetime(2026, 9, 1, 9, 0, tzinfo=OSLO))
    return case


def relay_until_the_decision(vern: Vern, browser: Browser, oslo: dict[str, Membership], case: Case) -> Vern:
    """Identification → lawyer → application via the police → NAV support, a missed cycle caught; UDI decides."""
    low = vern
    low.log_in(oslo["low"].user)
    low.go(f"/cases/{case.code}/")
    low.assert_accessible()
    finish(low, case, "identified", "2026-09-01T10:00")
    refer(low, case, "lawyer", "Advokatkontoret Fjord")

    lawyer = log_in(vern, browser, oslo["lawyer"])
    accept(lawyer, case)
    finish(lawyer, case, "lawyer", "2026-09-03T14:00")

    refer(low, case, "reflection-application", "Oslo politidistrikt")
    police = log_in(vern, browser, oslo["police"])
    accept(police, case)
    finish(police, case, "reflection-application", "2026-09-07T12:00")

    refer(low, case, "support-while-pending", "NAV Oslo")
    nav = log_in(vern, browser, oslo["nav"])
    accept(nav, case)
    # The first payment was due 21 September; nobody confirmed it. The board says so.
    nav.go("/chain/deadlines/")
    expect(nav.page.get_by_test_id("overdue")).to_contain_text(case.code)
    nav.assert_accessible()
    nav.page.get_by_test_id("overdue").locator("button").click()  # confirmed pending, paid
    cycles = Deadline.objects.filter(case=case, rule__code="support-cycle")
    assert cycles.count() == 2  # the next cycle starts from the payment
    assert cycles.filter(done_at=None).count() == 1
    finish(nav, case, "support-while-pending", "2026-10-15T11:00")  # UDI's decision date
    return nav


def test_a_the_oslo_adult_relay_until_temporary_residence(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    case = identified_in_september(oslo["low"], cast)
    nav = relay_until_the_decision(vern, browser, oslo, case)

    # Reflection period granted: Oslo's only NAV office has the step; six months from the decision date.
    nav.go(f"/cases/{case.code}/")
    expect(nav.page.get_by_test_id("step-reflection-period")).to_contain_text("NAV Oslo")
    end = Deadline.objects.get(case=case, rule__code="reflection-period-end")
    assert end.due_at == datetime(2027, 4, 15, 11, 0, tzinfo=OSLO)
    assert not Deadline.objects.filter(case=case, rule__code="support-cycle", done_at=None).exists()
    finish(nav, case, "reflection-period", "2026-11-02T09:00")  # residence applied for

    # UDI is not in this demo chain: the owner records the permit, and the reception step does not apply.
    vern.go(f"/cases/{case.code}/chain/steps/residence/done/")
    vern.page.locator("input[name=at]").fill("2026-11-20T10:00")
    vern.page.locator("form.vern-form button[type=submit]").click()
    vern.go(f"/cases/{case.code}/chain/steps/state-reception/done/")
    vern.page.locator("input[name=at]").fill("2026-11-20T10:05")
    vern.page.locator("input[name=skip]").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id("step-state-reception")).to_have_attribute("data-status", "skipped")
    vern.go(f"/cases/{case.code}/end/")
    vern.assert_accessible()
    vern.page.locator("input[name=reason][value=residence_granted]").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    vern.page.wait_for_url("**/meetings/**")  # on to the evaluation meeting
    assert CaseChain.objects.get(case=case).end_reason == CaseChain.EndReason.RESIDENCE_GRANTED
    assert list(case.steps.order_by("step__order").values_list("status", flat=True)) == [
        "done",
        "done",
        "done",
        "done",
        "done",
        "done",
        "skipped",
    ]

    # The lawyer who took one step hears how it went, without more than was shared.
    lawyer_feedback = Referral.objects.get(case=case, to_organisation=oslo["lawyer"].organisation)
    assert lawyer_feedback.status == Referral.Status.ACCEPTED
    vern.go("/referrals/")
    expect(vern.page.get_by_test_id("outgoing")).to_contain_text("NAV Oslo")
    vern.assert_accessible()


def test_c_an_asylum_hand_over_not_yet_accepted_is_raised_on_the_board(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    case = identified_in_september(oslo["low"], cast)
    nav = relay_until_the_decision(vern, browser, oslo, case)
    finish(nav, case, "reflection-period", "2026-11-02T09:00")
    finish(vern, case, "residence", "2026-11-16T10:00")  # she applied for asylum

    refer(vern, case, "state-reception", "Asylmottaket i Oslo", handover=True)
    case.refresh_from_db()
    assert case.owner_id == oslo["low"].organisation_id  # the sender stays responsible until accepted

    coordinator = log_in(vern, browser, oslo["coordinator"])
    coordinator.go("/chain/overview/")
    coordinator.assert_accessible()
    expect(coordinator.page.get_by_test_id("handovers")).to_contain_text("Asylmottaket i Oslo")
    # Oslo's only reception centre is responsible for the step while the hand-over waits: no step is unowned.
    expect(coordinator.page.get_by_test_id("unassigned-count")).to_have_text("0")
    expect(coordinator.page.get_by_test_id("handover-count")).to_have_text("1")

    reception = log_in(vern, browser, oslo["reception"])
    accept(reception, case)
    coordinator.go("/chain/overview/")
    expect(coordinator.page.get_by_test_id("handover-count")).to_have_text("0")
    case.refresh_from_db()
    assert case.owner_id == oslo["reception"].organisation_id
    # Accepting the hand-over is what the state-reception step waits for.
    assert case.steps.get(step__code="state-reception").status == CaseStep.Status.DONE
