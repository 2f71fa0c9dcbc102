"""Scenario (b) of issue 6 and the Bergen scenario of issue 14: the child TOT flow, from a police notice at
23:00 on Good Friday to the evaluation meeting, replayed by the people of seven organisations.

The police meet a girl who may be 16 at 22:50 on Friday 3 April 2026 (Good Friday) and notify the TOT
coordinator at 23:00. The TOT meeting is due within one working day: Easter Monday is a public holiday,
so by Tuesday 7 April — and that deadline runs from the notice although Bergen has two TOT teams and
nobody has taken the step yet (issue 14, item 3): the TOT coordinator finds it on her overview and
takes it. The police share the case with Bufetat and the girl's lawyer, who have a role in the meeting
but no step; each invited organisation writes its own action item. The meeting held completes its
step; out-of-hours child welfare's emergency placement completes the placement step; she runs away
that night and the police district sees the alert until she is found; child welfare sees that a
guardian is appointed the next working morning; a lawyer is appointed; a protective placement runs
for six weeks; follow-up meetings; the investigation is dropped and the evaluation meeting records
what worked.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Browser, expect

from cases.models import Case, CaseEvent
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import CaseStep, Deadline
from learning.models import Escalation
from meetings.models import Finding, FindingCategory, Meeting
from notifications.models import Notification
from organisations.models import Membership, Organisation
from sharing.models import LegalBasis
from tests.browser.conftest import Vern
from tests.browser.flows import accept, finish, log_in, refer
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
OSLO = ZoneInfo("Europe/Oslo")
DUTY_TO_NOTIFY = "child-welfare-duty-to-notify"


def member(cast: Cast, kind: str, name: str, owner_type: str = Organisation.OwnerType.MUNICIPAL) -> Membership:
    organisation = OrganisationFactory.create(name=name, kind=kind, owner_type=owner_type, municipality=cast.bergen)
    return MembershipFactory.create(organisation=organisation, role=Membership.Role.COORDINATOR)


@pytest.fixture
def bergen(cast: Cast) -> dict[str, Membership]:
    load_templates(apps.get_model)
    state, private = Organisation.OwnerType.STATE, Organisation.OwnerType.PRIVATE
    return {
        "police": member(cast, Organisation.Kind.POLICE_DISTRICT, "Vest politidistrikt", state),
        "tot": member(cast, Organisation.Kind.TOT_COORDINATOR, "TOT-koordinator Bergen"),
        "tot_south": member(cast, Organisation.Kind.TOT_COORDINATOR, "TOT-koordinator Bergen sør"),
        "out_of_hours": member(cast, Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS, "Barnevernsvakten i Bergen"),
        "child_welfare": member(cast, Organisation.Kind.CHILD_WELFARE, "Barneverntjenesten i Bergen"),
        "lawyer": member(cast, Organisation.Kind.LAWYER, "Advokatkontoret Bryggen", private),
        "bufetat": member(cast, Organisation.Kind.BUFETAT, "Bufetat region vest", state),
    }


def test_b_the_bergen_tot_flow_from_a_good_friday_notice_to_the_evaluation_meeting(
    vern: Vern, browser: Browser, cast: Cast, bergen: dict[str, Membership]
) -> None:
    police_member = bergen["police"]
    case = create_case(membership=police_member, municipality=cast.bergen, track=Case.Track.CHILD)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=datetime(2026, 4, 3, 22, 50, tzinfo=OSLO))

    # Friday 23:00: the police notify the TOT coordinator and, the same night, out-of-hours child welfare.
    police = vern
    police.log_in(police_member.user)
    police.go(f"/cases/{case.code}/")
    police.assert_accessible()
    finish(police, case, "police-notice", "2026-04-03T23:00")

    # Two TOT teams could take the meeting, so neither is given it — but its deadline runs from the notice.
    meeting_step = police.page.get_by_test_id("step-tot-meeting")
    expect(meeting_step).to_contain_text("Ingen ansvarlig")
    expect(police.page.get_by_test_id("deadline-tot-meeting")).to_contain_text("07.04.2026 23:00")
    meeting_due = Deadline.objects.get(case=case, rule__code="tot-meeting")
    assert meeting_due.starts_at == datetime(2026, 4, 3, 23, 0, tzinfo=OSLO)
    assert meeting_due.due_at == datetime(2026, 4, 7, 23, 0, tzinfo=OSLO)  # Easter Monday is no working day
    assert meeting_due.organisation_id == bergen["tot"].organisation_id  # the municipality's coordinator holds it

    # The TOT coordinator is told, finds the step on her overview and gives it to her own team.
    tot_member = bergen["tot"]
    assert Notification.objects.filter(
        recipient=tot_member.user, kind=Notification.Kind.STEP_WITHOUT_RESPONSIBLE, case=case
    ).exists()
    tot = log_in(vern, browser, tot_member)
    tot.go("/chain/overview/")
    tot.assert_accessible()
    expect(tot.page.get_by_test_id("unassigned-count")).to_have_text("1")
    row = tot.page.get_by_test_id("unassigned-tot-meeting")
    expect(row).to_contain_text("Vest politidistrikt")  # not shared with her yet: the owner, whom to call
    row.locator("select[name=organisation]").select_option(label="TOT-koordinator Bergen")
    row.locator("button").click()
    expect(tot.page.locator(".ds-alert").first).to_contain_text("TOT-koordinator Bergen er nå ansvarlig")
    expect(tot.page.get_by_test_id("unassigned-count")).to_have_text("0")
    tot.assert_accessible()
    meeting_due.refresh_from_db()
    assert (meeting_due.organisation_id, meeting_due.due_at) == (
        tot_member.organisation_id,
        datetime(2026, 4, 7, 23, 0, tzinfo=OSLO),
    )

    refer(police, case, "tot-meeting", "TOT-koordinator Bergen", legal_basis=DUTY_TO_NOTIFY)
    refer(police, case, "emergency-placement", "Barnevernsvakten i Bergen", legal_basis=DUTY_TO_NOTIFY)
    refer(police, case, "guardian", "Barneverntjenesten i Bergen", legal_basis=DUTY_TO_NOTIFY)
    accept(tot, case)
    out_of_hours = log_in(vern, browser, bergen["out_of_hours"])
    accept(out_of_hours, case)
    child_welfare = log_in(vern, browser, bergen["child_welfare"])
    accept(child_welfare, case)

    # Bufetat (an institution place) and the girl's lawyer have a role in the meeting but no step yet: the
    # police, who own the case, share it with them on a legal basis first.
    basis = LegalBasis.objects.get(code="public-body-recipient-tasks")
    for name in ("Bufetat region vest", "Advokatkontoret Bryggen"):
        police.go(f"/cases/{case.code}/sharing/disclosure/new/")
        police.page.locator("select[name=organisation]").select_option(label=name)
        police.page.locator("input[name=field_groups][value=identity]").check()
        police.page.locator(f"input[name=legal_basis][value='{basis.pk}']").check()
        police.page.locator("textarea[name=justification]").fill("Skal delta i TOT-møtet om jentas sikkerhet.")
        police.page.locator("form.vern-form button[type=submit]").click()
        expect(police.page.get_by_test_id("case-chain")).to_be_visible()

    # Tuesday: the TOT meeting; the responsible organisations are all proposed, Bufetat and the lawyer offered.
    tot.go(f"/cases/{case.code}/meetings/new/")
    tot.assert_accessible()
    for key in ("police", "tot", "out_of_hours", "child_welfare"):
        expect(tot.page.locator(f"input[name=invited][value='{bergen[key].organisation_id}']")).to_be_checked()
    for key in ("bufetat", "lawyer"):  # a role in the meeting, not a step: offered, not ticked
        invitee = tot.page.locator(f"input[name=invited][value='{bergen[key].organisation_id}']")
        expect(invitee).not_to_be_checked()
        invitee.check()
    tot.page.locator("input[name=kind][value=tot]").check()
    tot.page.locator("input[name=scheduled_at]").fill("2026-04-07T09:00")
    tot.page.locator("form.vern-form button[type=submit]").click()
    meeting = Meeting.objects.get(case=case, kind=Meeting.Kind.TOT)
    expect(tot.page.get_by_test_id("invited")).to_contain_text("Bufetat region vest (rettslig grunnlag:")

    # Each invited organisation writes its own action item, logged in as its member.
    lawyer = log_in(vern, browser, bergen["lawyer"])
    bufetat = log_in(vern, browser, bergen["bufetat"])
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    for person, key, title in [
        (police, "police", "Avhøre jenta med tolk"),
        (out_of_hours, "out_of_hours", "Følge jenta til plasseringen"),
        (bufetat, "bufetat", "Finne institusjonsplass utenfor Bergen"),
        (lawyer, "lawyer", "Møte jenta før avhøret"),
    ]:
        person.go(f"/cases/{case.code}/meetings/{meeting.pk}/actions/new/")
        person.page.locator("input[name=title]").fill(title)
        person.page.locator("select[name=organisation]").select_option(str(bergen[key].organisation_id))
        person.page.locator("input[name=due_on]").fill(due)
        person.page.locator("form.vern-form button[type=submit]").click()
        expect(person.page.get_by_test_id("action-items")).to_contain_text(title)
    bufetat.assert_accessible()
    owners = set(meeting.action_items.values_list("deadline__organisation_id", flat=True))
    assert owners == {bergen[key].organisation_id for key in ("police", "out_of_hours", "bufetat", "lawyer")}
    tot.go(f"/cases/{case.code}/meetings/{meeting.pk}/minutes/")
    tot.page.locator("input[name=held_at]").fill("2026-04-07T11:00")
    tot.page.locator("textarea[name=safety]").fill("Bakmennene kan lete etter henne i Bergen.")
    tot.page.locator("textarea[name=needs]").fill("Trygt sted, tolk, verge.")
    tot.page.locator("textarea[name=decisions]").fill("Beskyttende plassering utenfor Bergen.")
    tot.page.locator("form.vern-form button[type=submit]").click()
    expect(tot.page.get_by_test_id("minutes")).to_contain_text("Beskyttende plassering")
    # The meeting held is what completes the TOT meeting step: nobody marks it done by hand.
    tot.go(f"/cases/{case.code}/")
    expect(tot.page.get_by_test_id("step-tot-meeting")).to_have_attribute("data-status", "done")
    assert case.steps.get(step__code="tot-meeting").done_at == datetime(2026, 4, 7, 11, 0, tzinfo=OSLO)

    # Out-of-hours child welfare places her: the placement completes the placement step, and the guardian
    # is due the next working morning.
    out_of_hours.go(f"/cases/{case.code}/")
    out_of_hours.page.locator(f"a[href='/cases/{case.code}/placement/start/']").click()
    out_of_hours.assert_accessible()
    out_of_hours.page.locator("input[name=kind][value=emergency]").check()
    out_of_hours.page.locator("input[name=started_at]").fill("2026-04-07T11:30")
    out_of_hours.page.locator("form.vern-form button[type=submit]").click()
    expect(out_of_hours.page.get_by_test_id("current-placement")).to_contain_text("Barnevernsvakten i Bergen")
    expect(out_of_hours.page.get_by_test_id("step-emergency-placement")).to_have_attribute("data-status", "done")
    expect(out_of_hours.page.get_by_test_id("step-guardian")).to_have_attribute("data-status", "active")
    guardian_due = Deadline.objects.get(case=case, rule__code="guardian-next-morning")
    assert guardian_due.due_at == datetime(2026, 4, 8, 9, 0, tzinfo=OSLO)

    # That night she runs away from the placement. The service notifies the police district, which sees the
    # alert and the case's code; she is found in the morning.
    out_of_hours.page.locator(f"a[href='/cases/{case.code}/placement/absconded/']").click()
    out_of_hours.page.locator("input[name=at]").fill("2026-04-07T22:00")
    out_of_hours.page.locator("input[name=how][value=ran_away]").check()
    out_of_hours.page.locator("form.vern-form button[type=submit]").click()
    alert = out_of_hours.page.get_by_test_id("missing-alert")
    expect(alert).to_be_visible()
    alert.locator(f"form[action='/cases/{case.code}/placement/police/'] button").click()
    police.go("/placements/alerts/")
    expect(police.page.get_by_test_id("alerts")).to_contain_text(case.code)
    expect(police.page.get_by_test_id("alerts")).to_contain_text("Barnevernsvakten i Bergen")
    police.assert_accessible()
    out_of_hours.go(f"/cases/{case.code}/")
    out_of_hours.page.locator(f"a[href='/cases/{case.code}/placement/found/']").click()
    out_of_hours.page.locator("input[name=at]").fill("2026-04-08T06:30")
    out_of_hours.page.locator("form.vern-form button[type=submit]").click()
    expect(out_of_hours.page.get_by_test_id("missing-alert")).to_have_count(0)

    finish(child_welfare, case, "guardian", "2026-04-08T08:45")

    # A lawyer, then child welfare, Bergen's only one, has the protective placement: six weeks from its start.
    refer(police, case, "lawyer", "Advokatkontoret Bryggen", legal_basis=DUTY_TO_NOTIFY)
    accept(lawyer, case)
    finish(lawyer, case, "lawyer", "2026-04-10T10:00")
    child_welfare.go(f"/cases/{case.code}/")
    expect(child_welfare.page.get_by_test_id("step-protective-placement")).to_contain_text("Barneverntjenesten")
    placement_end = Deadline.objects.get(case=case, rule__code="protective-placement-end")
    assert placement_end.due_at == datetime(2026, 5, 22, 10, 0, tzinfo=OSLO)
    finish(child_welfare, case, "protective-placement", "2026-05-20T14:00")

    # Follow-up by the TOT coordinator; then the investigation is dropped and the case ends.
    tot.go(f"/cases/{case.code}/")
    tot.page.get_by_test_id("step-follow-up").locator("button").click()
    finish(tot, case, "follow-up", "2026-09-01T12:00")
    police.go(f"/cases/{case.code}/end/")
    police.assert_accessible()
    police.page.locator("input[name=reason][value=investigation_dropped]").check()
    police.page.locator("form.vern-form button[type=submit]").click()

    # The evaluation meeting: convened straight after, with what worked and what went wrong.
    expect(police.page.locator("input[name=kind][value=evaluation]")).to_be_checked()
    police.page.locator("form.vern-form button[type=submit]").click()
    evaluation = Meeting.objects.get(case=case, kind=Meeting.Kind.EVALUATION)
    for category, outcome, text in [
        ("interpreting", "worked", "Tolk på telefon var på plass samme natt."),
        ("housing", "went_wrong", "Ingen plass i beskyttet institusjon i Bergen i påsken."),
    ]:
        police.go(f"/cases/{case.code}/meetings/{evaluation.pk}/findings/new/")
        police.page.locator("select[name=category]").select_option(str(FindingCategory.objects.get(code=category).pk))
        police.page.locator(f"input[name=outcome][value={outcome}]").check()
        police.page.locator("textarea[name=text]").fill(text)
        police.page.locator("form.vern-form button[type=submit]").click()
        expect(police.page.get_by_test_id("findings")).to_contain_text(text)
    police.assert_accessible()

    assert Finding.objects.filter(municipality=cast.bergen).count() == 2
    assert not Escalation.objects.exists()
    assert list(case.steps.order_by("step__order").values_list("status", flat=True)) == [
        *["done"] * 7,
        "skipped",  # the evaluation happened as a meeting after the case ended
    ]
    kinds = set(case.events.values_list("kind", flat=True))
    assert {CaseEvent.Kind.MEETING_HELD, CaseEvent.Kind.CASE_ENDED, CaseEvent.Kind.EVALUATION_RECORDED} <= kinds

    # The coordinator's overview for Bergen: nothing stuck.
    tot.go("/chain/overview/")
    tot.assert_accessible()
    expect(tot.page.get_by_test_id("unassigned-count")).to_have_text("0")
