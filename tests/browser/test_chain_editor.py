"""Bergen's TOT coordinator makes a new version of the child chain, adds a step, is refused once, fixes it and
activates it; a case opened before keeps version 1 until it is moved."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.models import Case
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import CaseChain, ChainTemplate, DeadlineRule
from organisations.models import Membership, Organisation
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_edits_and_activates_a_new_version_of_the_chain(vern: Vern, cast: Cast) -> None:
    load_templates(apps.get_model)
    tot = OrganisationFactory.create(
        name="TOT Bergen",
        kind=Organisation.Kind.TOT_COORDINATOR,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=cast.bergen,
    )
    coordinator = MembershipFactory.create(organisation=tot, role=Membership.Role.COORDINATOR)
    membership = Membership.objects.select_related("user", "organisation").get(pk=coordinator.pk)
    before = create_case(membership=membership, municipality=cast.bergen, track=Case.Track.CHILD)
    v1 = ChainTemplate.objects.get(municipality=cast.bergen, track=Case.Track.CHILD)
    unfounded = DeadlineRule.objects.create(
        code="unfounded",
        title_nb="Svar fra tolketjenesten",
        title_en="Answer from the interpreting service",
        unit=DeadlineRule.Unit.DAYS,
        amount=2,
        starts_from_nb="bestillingen",
        starts_from_en="the booking",
        legal_reference_nb="",
        legal_reference_en="",
        status="unconfirmed",
        source="test",
    )
    page = vern.page

    vern.log_in(coordinator.user)
    page.locator("nav a[href='/chain/templates/']").click()
    vern.assert_accessible()
    page.get_by_test_id("template-4601-child-v1").get_by_role("link").click()
    vern.assert_accessible()
    page.get_by_test_id("new-version").click()
    draft = ChainTemplate.objects.get(municipality=cast.bergen, track=Case.Track.CHILD, version=2)
    expect(page.get_by_test_id("version")).to_have_text("2")
    vern.assert_accessible()

    page.get_by_test_id("add-step").click()
    vern.assert_accessible()
    page.locator("[name=code]").fill("interpreter")
    page.locator("[name=title_nb]").fill("Tolk bestilt til TOT-møtet")
    page.locator("[name=title_en]").fill("Interpreter booked for the TOT meeting")
    page.locator("[name=done_means_nb]").fill("Tolken er bestilt")
    page.locator("[name=done_means_en]").fill("The interpreter is booked")
    page.locator("[name=responsible_kind]").select_option(Organisation.Kind.TOT_COORDINATOR)
    page.locator("[name=deadline_rule]").select_option(str(unfounded.pk))
    page.get_by_test_id("save-step").click()
    expect(page.locator("#id_deadline_rule_error")).to_be_visible()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    vern.assert_accessible()
    assert not draft.steps.filter(code="interpreter").exists()

    page.locator("[name=deadline_rule]").select_option("")
    page.get_by_test_id("save-step").click()
    expect(page.get_by_test_id("step-interpreter")).to_be_visible()
    vern.assert_accessible()
    page.get_by_test_id("activate").click()
    expect(page.get_by_test_id("activate")).to_have_count(0)
    expect(page.get_by_test_id("new-version")).to_be_visible()  # an active version is edited through a new one
    vern.assert_accessible()
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert (draft.status, v1.status) == (ChainTemplate.Status.ACTIVE, ChainTemplate.Status.RETIRED)

    assert CaseChain.objects.get(case=before).template == v1
    after = create_case(membership=membership, municipality=cast.bergen, track=Case.Track.CHILD)
    assert CaseChain.objects.get(case=after).template == draft

    vern.go(f"/cases/{before.code}/")
    page.locator(f"a[href='/cases/{before.code}/chain/move/']").click()
    vern.assert_accessible()
    page.locator(f"input[name=template][value='{draft.pk}']").check()
    page.locator("form.vern-form button[type=submit]").click()
    expect(page.get_by_test_id("case-chain-version")).to_contain_text("2")
    assert CaseChain.objects.get(case=before).template == draft
    assert get_case_for(membership, before.code).case.steps.filter(step__code="interpreter").exists()
