"""The deadlines board in the browser: a missed 14-day cycle is caught, and NAV confirms three cycles.

Each cycle counts from the previous one's due date, never from the moment of the click, and records who
confirmed that the application is still pending (sosialtjenesteloven § 18). Checked by axe in bokmål and,
after switching, in English; confirming the same cycle again (a second tab) changes nothing.
"""

import re
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain import rules
from chain.catalogue import load_templates
from chain.models import CaseStep, Deadline, DeadlineRule
from chain.services import finish_step, set_deadline
from organisations.models import Membership
from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def nav_member(cast: Cast) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=cast.nav_coordinator)


def test_a_missed_support_cycle_is_caught_by_the_board(vern: Vern, cast: Cast) -> None:
    nav = nav_member(cast)
    case = create_case(membership=nav, municipality=cast.oslo)
    cycle = DeadlineRule.objects.get(code="support-cycle")
    missed = set_deadline(
        access=get_case_for(nav, case.code), membership=nav, rule=cycle, start=timezone.now() - timedelta(days=16)
    )
    vern.log_in(cast.nav_coordinator)
    vern.page.get_by_role("link", name="Frister", exact=True).click()
    expect(vern.page.get_by_test_id("overdue")).to_contain_text(case.code)
    expect(vern.page.get_by_test_id("overdue")).to_contain_text("sosialtjenesteloven § 18")
    vern.assert_accessible()
    vern.go(f"/cases/{case.code}/deadlines/new/")
    vern.assert_accessible()
    vern.page.locator(f"input[name=rule][value='{cycle.pk}']").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id("deadline-support-cycle")).to_have_count(2)
    vern.go("/chain/deadlines/")
    vern.page.get_by_test_id(f"deadline-{missed.pk}").get_by_role("link", name=f"Bekreft for {case.code}").click()
    vern.page.get_by_label("UDI").check()
    vern.page.get_by_role("button", name="Bekreft og merk som utført").click()  # no step: no next cycle
    expect(vern.page.get_by_test_id("overdue")).not_to_contain_text(case.code)
    missed.refresh_from_db()
    assert missed.confirmed_by == Deadline.ConfirmedBy.UDI


def at_the_support_step(cast: Cast, started: datetime) -> Case:
    """A case NAV Oslo owns on the Oslo adult relay, at the 14-day support step since `started`."""
    nav = nav_member(cast)
    case = create_case(membership=nav, municipality=cast.oslo)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=started)
    access = get_case_for(nav, case.code)
    for code in ("identified", "lawyer", "reflection-application"):
        finish_step(access=access, membership=nav, case_step=case.steps.get(step__code=code), at=started)
    return case


def open_cycle(case: Case) -> Deadline:
    return Deadline.objects.select_related("rule").get(case=case, rule__code="support-cycle", done_at=None)


def confirm(vern: Vern, case: Case, *, who: str, link: str, button: str) -> Deadline:
    """Confirm the open cycle from the board as `who`; returns the cycle that was confirmed."""
    cycle = open_cycle(case)
    vern.go("/chain/deadlines/")
    vern.page.get_by_test_id(f"deadline-{cycle.pk}").get_by_role("link", name=f"{link} {case.code}").click()
    vern.assert_accessible()
    vern.page.get_by_label(who, exact=True).check()
    vern.page.get_by_role("button", name=button).click()
    return cycle


def test_nav_confirms_three_cycles_each_from_the_previous_due_date_with_who_confirmed(vern: Vern, cast: Cast) -> None:
    load_templates(apps.get_model)  # after `vern` has reloaded the deadline rules a transactional test emptied
    started = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=35)
    case = at_the_support_step(cast, started)
    rule = DeadlineRule.objects.get(code="support-cycle")
    vern.log_in(cast.nav_coordinator)
    vern.page.get_by_role("link", name="Frister", exact=True).click()
    vern.assert_accessible()
    headings = vern.page.get_by_test_id("overdue").locator("th")
    expect(headings).to_have_text(["Frist", "Sak", "Hva skal gjøres", "Rettslig henvisning", "Ansvarlig", "Handling"])

    # Two cycles were missed: each is confirmed on its own, and the dates do not move with the click.
    first = confirm(vern, case, who="Personen selv", link="Bekreft for", button="Bekreft og start neste periode")
    expect(vern.page.locator(".vern-messages")).to_contain_text("Bekreftet. Neste periode har frist")
    second = confirm(vern, case, who="Advokaten", link="Bekreft for", button="Bekreft og start neste periode")

    # The rest in English.
    vern.page.get_by_role("button", name="English").click()
    third_row = vern.page.get_by_test_id(f"deadline-{open_cycle(case).pk}")
    expect(third_row).to_contain_text("Previous cycle: Confirmed by: The lawyer")
    vern.assert_accessible()
    # A second tab open on the same cycle: it will be submitted after the first.
    other_tab = vern.page.context.new_page()
    other_tab.set_default_timeout(5000)
    other_tab.goto(f"{vern.base_url}/chain/deadlines/{open_cycle(case).pk}/done/")
    other_tab.get_by_label("The person", exact=True).check()
    third = confirm(vern, case, who="UDI", link="Confirm for", button="Confirm and start the next cycle")
    expect(vern.page.locator(".vern-messages")).to_contain_text("Confirmed. The next cycle is due")
    fourth = open_cycle(case)
    later = vern.page.get_by_test_id("later")
    fourth_row = later.get_by_test_id(f"deadline-{fourth.pk}")
    expect(fourth_row).to_contain_text("Social Services Act (sosialtjenesteloven) § 18")
    expect(later.get_by_test_id(f"deadline-{fourth.pk}")).to_contain_text("NAV Oslo")
    expect(later.get_by_test_id(f"deadline-{fourth.pk}")).to_contain_text("Confirmed by: UDI")
    vern.assert_accessible()

    # Each cycle counted from the previous one's due date, with who confirmed it and who recorded it.
    cycles = [Deadline.objects.get(pk=d.pk) for d in (first, second, third, fourth)]
    assert cycles[0].starts_at == started
    for previous, following in pairwise(cycles):
        assert following.follows_id == previous.pk
        assert following.starts_at == rules.next_cycle_start(rule, previous.starts_at)
        assert following.due_at == rules.due_at_for(rule, following.starts_at)
    assert [c.confirmed_by for c in cycles] == ["person", "lawyer", "udi", ""]
    assert all(c.done_by_id == cast.nav_coordinator.pk and c.confirmed_at for c in cycles[:3])

    # The same cycle confirmed again from the tab left open: a clear message, nothing changed, no second next cycle.
    other_tab.get_by_role("button", name="Confirm and start the next cycle").click()
    expect(other_tab.locator(".vern-messages")).to_contain_text(re.compile("already marked done .* Nothing"))
    assert Deadline.objects.filter(case=case).count() == 4
    assert Deadline.objects.get(pk=third.pk).confirmed_by == "udi"
