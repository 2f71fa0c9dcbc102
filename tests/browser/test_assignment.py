"""Scenario: NAV Oslo's coordinator accepts a referral of the support step and names a caseworker; the caseworker
logs in and finds the case under "my cases"; she falls ill, and the coordinator moves the case to a colleague,
who takes over while she no longer sees it. Every page is checked by axe, in bokmål and in English."""

from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain.catalogue import load_templates
from organisations.models import Membership
from referrals import services as referrals
from referrals.services import Ground
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def referred_to_nav(cast: Cast) -> Case:
    """Trygg havn has identified a woman and refers NAV's support step to NAV Oslo, with written consent."""
    load_templates(apps.get_model)
    ngo = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker, organisation=cast.ngo)
    case = create_case(membership=ngo, municipality=cast.oslo)
    referrals.refer(
        access=get_case_for(ngo, case.code),
        membership=ngo,
        to=cast.nav,
        case_step=case.steps.select_related("step").get(step__code="support-while-pending"),
        purpose="Livsopphold mens søknaden behandles",
        field_groups=["identity"],
        ground=Ground(consent_form="written"),
    )
    return case


def test_nav_gives_the_case_to_a_caseworker_and_moves_it_to_a_colleague(vern: Vern, cast: Cast, browser: Any) -> None:
    case = referred_to_nav(cast)
    ingrid = cast.nav_worker  # a caseworker at NAV Oslo (and coordinator at TOT Oslo)
    per = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.CASEWORKER, user__first_name="Per").user

    # NAV's coordinator accepts and names Ingrid.
    coordinator = vern
    coordinator.log_in(cast.nav_coordinator)
    coordinator.go("/referrals/")
    coordinator.assert_accessible()
    row = coordinator.page.get_by_test_id(f"referral-{case.code}")
    row.get_by_label("Saksbehandler").select_option(label=str(ingrid))
    row.get_by_role("button").click()
    expect(coordinator.page.get_by_role("status")).to_contain_text(f"{ingrid} arbeider med saken")
    assignment = coordinator.page.get_by_test_id("assignment")
    expect(assignment.get_by_test_id(f"assigned-{ingrid.pk}")).to_be_visible()
    expect(assignment.get_by_role("heading")).to_have_text("Hvem som arbeider med saken i NAV Oslo")
    coordinator.assert_accessible()

    # Ingrid logs in and finds the case under "my cases".
    worker = coordinator.another(browser)
    worker.log_in(ingrid, "NAV Oslo")
    worker.page.get_by_role("link", name="Saker", exact=True).click()
    worker.page.get_by_role("link", name="Mine saker").click()
    expect(worker.page.get_by_role("link", name=case.code)).to_be_visible()
    expect(worker.page.get_by_test_id(f"holders-{case.code}")).to_contain_text(str(ingrid))
    worker.assert_accessible()

    # Ingrid is ill: the coordinator moves the case to Per.
    coordinator.page.get_by_label(f"Flytt fra {ingrid} til").select_option(label=str(per))
    coordinator.page.get_by_role("button", name=f"Flytt saken fra {ingrid}").click()
    expect(coordinator.page.get_by_role("status")).to_contain_text(f"Saken er flyttet fra {ingrid} til {per}")
    assignment = coordinator.page.get_by_test_id("assignment")
    expect(assignment.get_by_test_id(f"assigned-{per.pk}")).to_be_visible()
    expect(assignment.get_by_test_id(f"assigned-{ingrid.pk}")).to_have_count(0)
    expect(coordinator.page.locator(".vern-timeline")).to_contain_text(f"Flyttet til en kollega: {per}")
    coordinator.assert_accessible()

    # Ingrid no longer has it; Per finds it under his cases.
    worker.page.reload()
    expect(worker.page.get_by_role("link", name=case.code)).to_have_count(0)
    worker.go(f"/cases/{case.code}/")
    expect(worker.page.get_by_role("heading", level=1)).to_have_text("Vi fant ikke siden")
    colleague = coordinator.another(browser)
    colleague.log_in(per)
    colleague.go("/cases/?mine=1")
    expect(colleague.page.get_by_role("link", name=case.code)).to_be_visible()

    # The same page in English, checked by axe too.
    coordinator.page.get_by_role("button", name="English").click()
    expect(coordinator.page.get_by_test_id("assignment").get_by_role("heading")).to_have_text(
        "Who works on the case in NAV Oslo"
    )
    expect(coordinator.page.get_by_role("button", name=f"Unassign {per}")).to_be_visible()
    coordinator.assert_accessible()
    coordinator.go("/cases/")
    expect(coordinator.page.get_by_role("link", name="My cases")).to_be_visible()
    expect(coordinator.page.get_by_test_id(f"holders-{case.code}")).to_contain_text(str(per))
    coordinator.assert_accessible()
