"""Min dag in the browser: three people log in and each start page shows their own work, accessibly.

A municipal coordinator at NAV Oslo has a referral to answer and a step nobody is responsible for; the worker
on duty at Barnevernvakten in Bergen has a missing child; the NGO worker who sent the referral has an overdue
deadline and an unfinished screening. Each sees that, by case code, and nothing of the others'.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import Deadline
from organisations.models import Membership
from placements.services import check_missing_children
from referrals import services as referral_services
from referrals.services import Ground
from screening.services import start_screening
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.test_placements import Bergen, bergen

__all__ = ["bergen"]  # a fixture, used by name
pytestmark = pytest.mark.django_db(transaction=True)


def test_three_people_each_see_their_own_day(vern: Vern, cast: Cast, bergen: Bergen, browser: Any) -> None:
    load_templates(apps.get_model)
    worker = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker)
    case = create_case(membership=worker, municipality=cast.oslo)
    referral_services.refer(
        access=get_case_for(worker, case.code),
        membership=worker,
        to=cast.nav,
        case_step=None,
        purpose="Vurdere økonomisk stønad",
        field_groups=["identity"],
        ground=Ground(consent_form="written"),
    )
    now = timezone.now()
    Deadline.objects.create(
        case=case, title="Søke om bolig", organisation=cast.ngo, starts_at=now - timedelta(days=8), due_at=now
    )
    start_screening(membership=worker)
    bergen.start(started_at=now - timedelta(hours=30))
    check_missing_children(now)

    vern.log_in(cast.nav_coordinator)
    page = vern.page
    expect(page.get_by_role("heading", name="Min dag", level=1)).to_be_visible()
    referral = page.get_by_test_id("referral")
    expect(referral).to_contain_text(case.code)
    expect(referral.get_by_role("link", name=f"Godta eller avslå {case.code}")).to_be_visible()
    expect(page.get_by_test_id("unassigned-step")).to_contain_text(case.code)
    expect(page.get_by_test_id("missing-child")).to_have_count(0)
    vern.assert_accessible()

    on_duty = vern.another(browser)
    on_duty.log_in(bergen.on_duty.user)
    alert = on_duty.page.get_by_test_id("urgent").get_by_test_id("missing-child")
    expect(alert).to_contain_text(bergen.case.code)
    expect(on_duty.page.get_by_test_id("referral")).to_have_count(0)
    expect(on_duty.page.get_by_text(case.code)).to_have_count(0)
    on_duty.assert_accessible()
    alert.get_by_role("link").click()
    expect(on_duty.page).to_have_url(f"{vern.base_url}/cases/{bergen.case.code}/")

    ngo = vern.another(browser)
    ngo.log_in(cast.ngo_worker)
    expect(ngo.page.get_by_test_id("urgent").get_by_test_id("deadline")).to_contain_text("Søke om bolig")
    expect(ngo.page.get_by_test_id("screening")).to_have_count(1)
    expect(ngo.page.get_by_test_id("referral")).to_have_count(0)
    expect(ngo.page.get_by_test_id("missing-child")).to_have_count(0)
    ngo.assert_accessible()
    ngo.page.get_by_test_id("deadline").get_by_role("link").click()
    expect(ngo.page.get_by_role("heading", level=1)).to_be_visible()
