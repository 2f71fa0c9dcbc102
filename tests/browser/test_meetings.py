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

from cases.access import get_case_for
from chain.catalogue import load_templates
from learning.models import Escalation, Routine
from meetings.models import Finding, FindingCategory, Meeting
from organisations.models import Membership, Organisation
from sharing import services as sharing_services
from sharing.models import LegalBasis
from tests.bergen import Bergen, bergen_child_case
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

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


def share(bergen: Bergen, organisation: Organisation, basis: str) -> None:
    owner = bergen.member(bergen.tot_coordinator)
    sharing_services.disclose(
        access=get_case_for(owner, bergen.case.code),
        membership=owner,
        organisation=organisation,
        field_groups=["identity"],
        legal_basis=LegalBasis.objects.get(code=basis),
        justification="Barnet må beskyttes nå.",
        person_informed=False,
        informed_on=None,
    )


def test_a_tot_meeting_of_everyone_with_a_role_each_writing_its_own_action(
    vern: Vern, cast: Cast, browser: object
) -> None:
    """The TOT coordinator convenes the police, Barnevernsvakten, Bufetat and the child's lawyer; Bufetat has
    no step and the case is not shared with it, so the coordinator shares it on a legal basis first. Each
    invited organisation then writes its own action item, and at the end each sees what it is entitled to."""
    load_templates(apps.get_model)
    bergen = bergen_child_case(cast)
    code, page = bergen.case.code, vern.page

    def organisation(name: str, kind: str) -> tuple[Organisation, Membership]:
        created = OrganisationFactory.create(name=name, kind=kind, owner_type="state", municipality=cast.bergen)
        return created, MembershipFactory.create(organisation=created, role=Membership.Role.COORDINATOR)

    bufetat, bufetat_member = organisation("Bufetat region vest", Organisation.Kind.BUFETAT)
    lawyer, lawyer_member = organisation("Advokat Berg", Organisation.Kind.LAWYER)
    officer = MembershipFactory.create(organisation=bergen.police, role=Membership.Role.COORDINATOR)
    night_worker = MembershipFactory.create(organisation=bergen.out_of_hours, role=Membership.Role.COORDINATOR)
    share(bergen, bergen.police, "danger-to-life-or-health")
    share(bergen, bergen.out_of_hours, "child-welfare-duty-to-notify")
    share(bergen, lawyer, "public-body-recipient-tasks")

    # Bufetat has a role in the child track's meetings, but the case is not shared with it yet.
    vern.log_in(bergen.tot_coordinator)
    vern.go(f"/cases/{code}/meetings/new/?kind=tot")
    expect(page.get_by_test_id("not-shared")).to_contain_text("Bufetat region vest")
    expect(page.locator(f"input[name=invited][value='{lawyer.pk}']")).not_to_be_checked()
    vern.assert_accessible()
    page.get_by_test_id("not-shared").get_by_role("link", name="del på et rettslig grunnlag").click()
    expect(page.locator("select[name=organisation]")).to_have_value(str(bufetat.pk))
    page.locator("input[name=field_groups][value=identity]").check()
    basis = LegalBasis.objects.get(code="public-body-recipient-tasks")
    page.locator(f"input[name=legal_basis][value='{basis.pk}']").check()
    page.locator("textarea[name=justification]").fill("Bufetat skal skaffe institusjonsplass.")
    page.locator("form.vern-form button[type=submit]").click()

    # Now all four can be invited, each on its ground.
    vern.go(f"/cases/{code}/meetings/new/?kind=tot")
    expect(page.get_by_test_id("not-shared")).to_have_count(0)
    page.locator("input[name=scheduled_at]").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    for invited in (bufetat, lawyer):
        page.locator(f"input[name=invited][value='{invited.pk}']").check()
    page.locator(f"input[name=invited][value='{bergen.child_welfare.pk}']").uncheck()
    submit(vern)
    meeting = Meeting.objects.get()
    invitations = page.get_by_test_id("invited")
    expect(invitations).to_contain_text("Bufetat region vest (rettslig grunnlag: forvaltningsloven § 13 b nr. 7)")
    expect(invitations).to_contain_text("Vest politidistrikt (ansvarlig for et steg)")
    expect(invitations).not_to_contain_text(bergen.child_welfare.name)
    vern.assert_accessible()

    # Each invited organisation, logged in as its member, adds its own action item.
    due = (timezone.localdate()).isoformat()
    actions = {
        bergen.police: (officer, "Avhøre barnet med tolk"),
        bergen.out_of_hours: (night_worker, "Følge barnet til akuttplassering"),
        bufetat: (bufetat_member, "Finne institusjonsplass"),
        lawyer: (lawyer_member, "Møte barnet før avhøret"),
    }
    for invited, (member, title) in actions.items():
        colleague = vern.another(browser)
        colleague.log_in(member.user)
        colleague.go(f"/cases/{code}/meetings/{meeting.pk}/")
        colleague.page.get_by_test_id("action-items").get_by_role("link").click()
        options = colleague.page.locator("select[name=organisation] option[value]:not([value=''])")
        expect(options).to_have_count(1)  # its own organisation only
        colleague.page.locator("input[name=title]").fill(title)
        colleague.page.locator("select[name=organisation]").select_option(str(invited.pk))
        colleague.page.locator("input[name=due_on]").fill(due)
        colleague.page.locator("form.vern-form button[type=submit]").click()
        expect(colleague.page.get_by_test_id("action-items")).to_contain_text(title)
        if invited == bufetat:
            colleague.assert_accessible()
            colleague.go("/chain/deadlines/")
            expect(colleague.page.get_by_test_id("today")).to_contain_text(title)
        colleague.page.context.close()

    # At the end: the convener sees every action; child welfare, not invited, does not find the meeting.
    vern.go(f"/cases/{code}/meetings/{meeting.pk}/")
    for _member, title in actions.values():
        expect(page.get_by_test_id("action-items")).to_contain_text(title)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("invited")).to_contain_text("Bufetat region vest (legal basis: forvaltningsloven")
    vern.assert_accessible()
    outsider = vern.another(browser)
    outsider.log_in(bergen.cw_coordinator)
    outsider.go(f"/cases/{code}/meetings/{meeting.pk}/")
    expect(outsider.page.get_by_test_id("minutes")).to_have_count(0)
