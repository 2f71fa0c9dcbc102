"""A 14-day support cycle that was missed shows up as overdue on the deadlines board."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.services import create_case
from chain.models import DeadlineRule
from chain.services import set_deadline
from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_missed_support_cycle_is_caught_by_the_board(vern: Vern, cast: Cast) -> None:
    nav = Membership.objects.select_related("user", "organisation").get(user=cast.nav_coordinator)
    case = create_case(membership=nav, municipality=cast.oslo)
    cycle = DeadlineRule.objects.get(code="support-cycle")
    set_deadline(
        access=get_case_for(nav, case.code), membership=nav, rule=cycle, start=timezone.now() - timedelta(days=16)
    )
    vern.log_in(cast.nav_coordinator)
    vern.page.get_by_role("link", name="Frister").click()
    expect(vern.page.get_by_test_id("overdue")).to_contain_text(case.code)
    vern.assert_accessible()
    vern.go(f"/cases/{case.code}/deadlines/new/")
    vern.assert_accessible()
    vern.page.locator(f"input[name=rule][value='{cycle.pk}']").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id("deadline-support-cycle")).to_have_count(2)
    vern.go("/chain/deadlines/")
    vern.page.get_by_test_id("overdue").locator("button").click()
    expect(vern.page.get_by_test_id("overdue")).not_to_contain_text(case.code)
