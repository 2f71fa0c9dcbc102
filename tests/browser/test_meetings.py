"""The Bergen TOT model, from the TOT meeting to the learning log.

A TOT coordinator convenes a TOT meeting of the organisations responsible in a
child's case, records the minutes and an action item that lands on child
welfare's deadlines board; the case ends, the evaluation meeting records what
worked and what went wrong, the findings appear in the learning log without
the case, and one is escalated. axe-core on every page.
"""

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from chain.catalogue import load_templates
from learning.models import Escalation, Routine
from meetings.models import Finding, FindingCategory, Meeting
from tests.bergen import bergen_child_case
from tests.browser.conftest import Vern
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)

HOUSING = "Ingen egnet bolig for barn etter den beskyttende plasseringen."
INTERPRETING = "Tolk på telefon var på plass samme natt."


def submit(vern: Vern) -> None:
    vern.page.locator("form.vern-form button[type=submit]").click()


def test_a_tot_meeting_to_an_escalated_finding(vern: Vern, cast: Cast, browser: object) -> None:
    load_templates(apps.get_model)
    bergen = bergen_child_case(cast)
    code, now = bergen.case.code, timezone.localtime()
    page = vern.page

    vern.log_in(bergen.tot_coordinator)
    vern.go(f"/cases/{code}/")
    expect(page.get_by_test_id("case-meetings")).to_be_visible()
    vern.assert_accessible()

    # Convene: every organisation with a responsibility is proposed, and all are ticked.
    page.get_by_test_id("case-meetings").locator(f"a[href='/cases/{code}/meetings/new/']").click()
    vern.assert_accessible()
    for organisation in (bergen.tot, bergen.police, bergen.out_of_hours, bergen.child_welfare):
        expect(page.locator(f"input[name=invited][value='{organisation.pk}']")).to_be_checked()
    page.locator("input[name=kind][value=tot]").check()
    page.locator("input[name=scheduled_at]").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.locator(f"input[name=invited][value='{bergen.out_of_hours.pk}']").uncheck()
    submit(vern)
    meeting = Meeting.objects.get()
    expect(page.get_by_test_id("invited")).to_contain_text(bergen.police.name)
    expect(page.get_by_test_id("invited")).not_to_contain_text(bergen.out_of_hours.name)
    vern.assert_accessible()

    # The minutes, with one progress entry per invited organisation.
    vern.go(f"/cases/{code}/meetings/{meeting.pk}/minutes/")
    vern.assert_accessible()
    page.locator("textarea[name=safety]").fill("Lav risiko for ny kontakt med bakmenn.")
    page.locator("textarea[name=needs]").fill("Skole og tolk.")
    page.locator(f"textarea[name=progress_{bergen.police.pk}]").fill("Avhør gjennomført.")
    page.locator("textarea[name=decisions]").fill("Beskyttende plassering fortsetter.")
    submit(vern)
    expect(page.get_by_test_id("minutes")).to_contain_text("Avhør gjennomført.")
    vern.assert_accessible()

    # An action item for child welfare, due today.
    vern.go(f"/cases/{code}/meetings/{meeting.pk}/actions/new/")
    vern.assert_accessible()
    page.locator("input[name=title]").fill("Kartlegge skoletilbud")
    page.locator("select[name=organisation]").select_option(str(bergen.child_welfare.pk))
    page.locator("select[name=member]").select_option(str(bergen.member(bergen.cw_coordinator).pk))
    page.locator("input[name=due_on]").fill(now.date().isoformat())
    submit(vern)
    expect(page.get_by_test_id("action-items")).to_contain_text("Kartlegge skoletilbud")

    # …which child welfare's coordinator finds on her deadlines board.
    child_welfare = vern.another(browser)
    child_welfare.log_in(bergen.cw_coordinator)
    child_welfare.go("/chain/deadlines/")
    expect(child_welfare.page.get_by_test_id("today")).to_contain_text("Kartlegge skoletilbud")
    expect(child_welfare.page.get_by_test_id("today")).to_contain_text(code)
    child_welfare.assert_accessible()

    # The case ends; the evaluation meeting follows.
    vern.go(f"/cases/{code}/end/")
    vern.assert_accessible()
    page.locator("input[name=reason][value=returned]").check()
    submit(vern)
    expect(page.locator("input[name=kind][value=evaluation]")).to_be_checked()
    submit(vern)
    evaluation = Meeting.objects.get(kind=Meeting.Kind.EVALUATION)
    expect(page.get_by_test_id("findings")).to_be_visible()
    for category, outcome, text in [("housing", "went_wrong", HOUSING), ("interpreting", "worked", INTERPRETING)]:
        vern.go(f"/cases/{code}/meetings/{evaluation.pk}/findings/new/")
        vern.assert_accessible()
        page.locator("select[name=category]").select_option(str(FindingCategory.objects.get(code=category).pk))
        page.locator(f"input[name=outcome][value={outcome}]").check()
        page.locator("textarea[name=text]").fill(text)
        submit(vern)
        expect(page.get_by_test_id("findings")).to_contain_text(text)
    vern.go(f"/cases/{code}/")
    expect(page.get_by_test_id("case-ended")).to_be_visible()
    vern.assert_accessible()

    # The learning log shows the findings without the case; the housing finding is escalated.
    vern.go("/learning/")
    findings = page.get_by_test_id("findings")
    expect(findings).to_contain_text(HOUSING)
    expect(findings).to_contain_text(INTERPRETING)
    expect(findings).not_to_contain_text(code)
    vern.assert_accessible()
    housing = Finding.objects.get(category__code="housing")
    findings.locator(f"a[href='/learning/escalations/new/?finding={housing.pk}']").click()
    vern.assert_accessible()
    page.locator("input[name=title]").fill("Ingen egnet bolig for barn")
    page.locator("input[name=level][value=directorate]").check()
    page.locator("select[name=owner_organisation]").select_option(str(bergen.tot.pk))
    page.locator("select[name=owner]").select_option(str(bergen.member(bergen.tot_coordinator).pk))
    submit(vern)
    expect(page.get_by_test_id("escalation-status")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text(bergen.tot.name)
    vern.assert_accessible()
    vern.go("/learning/")
    escalated = page.get_by_test_id("findings").locator(
        f"a[href='/learning/escalations/{Escalation.objects.get().pk}/']"
    )
    expect(escalated).to_have_count(1)
    vern.go("/learning/escalations/")
    expect(page.get_by_test_id("escalations")).to_contain_text("Ingen egnet bolig for barn")
    vern.assert_accessible()


def test_a_coordinator_keeps_a_routine_in_versions_and_moves_an_escalation_on(vern: Vern, cast: Cast) -> None:
    load_templates(apps.get_model)
    bergen = bergen_child_case(cast)
    page = vern.page
    vern.log_in(bergen.tot_coordinator)

    vern.go("/learning/routines/")
    vern.assert_accessible()
    vern.go("/learning/routines/new/")
    vern.assert_accessible()
    page.locator("input[name=title]").fill("Barn funnet om natten")
    page.locator("select[name=step_code]").select_option("police-notice")
    page.locator("textarea[name=body]").fill("Ring barnevernsvakten\nBestill tolk")
    submit(vern)
    expect(page.get_by_test_id("checklist").locator("li")).to_have_count(2)
    vern.assert_accessible()
    routine = Routine.objects.get()
    vern.go(f"/learning/routines/{routine.pk}/edit/")
    vern.assert_accessible()
    page.locator("textarea[name=body]").fill("Ring barnevernsvakten\nRing TOT-koordinator\nBestill tolk")
    page.locator("input[name=note]").fill("TOT-koordinator varsles")
    submit(vern)
    expect(page.get_by_test_id("checklist").locator("li")).to_have_count(3)
    page.locator(f"a[href='/learning/routines/{routine.pk}/versions/1/']").click()
    expect(page.get_by_test_id("old-version")).to_be_visible()
    expect(page.get_by_test_id("checklist").locator("li")).to_have_count(2)
    vern.assert_accessible()

    vern.go("/learning/escalations/new/")
    vern.assert_accessible()
    page.locator("input[name=title]").fill("Ingen egnet bolig for barn")
    page.locator("textarea[name=description]").fill("Barn venter i månedsvis på bolig.")
    page.locator("select[name=owner_organisation]").select_option(str(bergen.tot.pk))
    submit(vern)
    escalation = Escalation.objects.get()
    vern.go(f"/learning/escalations/{escalation.pk}/change/")
    vern.assert_accessible()
    page.locator("input[name=status][value=escalated]").check()
    page.locator("input[name=level][value=ministry]").check()
    page.locator("textarea[name=note]").fill("Sendt til departementet.")
    submit(vern)
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("history")).to_contain_text("Sendt til departementet.")
    vern.assert_accessible()
