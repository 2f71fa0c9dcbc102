"""Scenario (d): a child runs away from an emergency placement within 24 hours.

In Bergen the police have opened a child's case and told the out-of-hours child
welfare service. At eight in the evening the service places the child in an
emergency placement; shortly after midnight the child is gone. The worker on duty
records it, the missing-child alert is raised at once and stands on the timeline,
the worker records that the police are notified, and the police district sees the
alert — by case code only — in Vern and by e-mail. The absconding is counted by
the statistics. The child is found, and the alert closes.

Selectors are input names, links and test ids, and expected texts are looked up
in bokmål, so the scenario holds whatever the translations say.
"""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import expect

from cases.access import get_case_for
from cases.models import Case, CaseEvent, FieldGroup
from cases.services import create_case
from chain.catalogue import load_templates
from notifications.models import Notification
from notifications.tasks import run_reminders
from organisations.models import Membership, Organisation
from placements.models import Absconding, MissingChildAlert
from placements.services import absconding_statistics
from sharing.models import LegalBasis
from sharing.services import disclose
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def bokmal(label: Any) -> str:
    with translation.override("nb"):
        return str(label)


def local_input(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def submit(vern: Vern) -> None:
    vern.page.locator("form.vern-form button[type=submit]").click()


def test_a_child_who_runs_away_within_24_hours_is_recorded_reported_and_counted(
    vern: Vern, cast: Cast, browser: Any
) -> None:
    load_templates(apps.get_model)  # Bergen's TOT model for children
    police = OrganisationFactory.create(
        name="Vest politidistrikt",
        kind=Organisation.Kind.POLICE_DISTRICT,
        owner_type=Organisation.OwnerType.STATE,
        municipality=cast.bergen,
    )
    out_of_hours = OrganisationFactory.create(
        name="Barnevernvakten i Bergen",
        kind=Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS,
        owner_type=Organisation.OwnerType.MUNICIPAL,
        municipality=cast.bergen,
    )
    officer = MembershipFactory.create(organisation=police, role=Membership.Role.CASEWORKER, user__first_name="Siri")
    on_duty = MembershipFactory.create(
        organisation=out_of_hours, role=Membership.Role.COORDINATOR, user__first_name="Jonas"
    )
    case = create_case(membership=officer, municipality=cast.bergen, track=Case.Track.CHILD)
    disclose(
        access=get_case_for(officer, case.code),
        membership=officer,
        organisation=out_of_hours,
        field_groups=[FieldGroup.IDENTITY, FieldGroup.CONTACT],
        legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"),
        justification="Barnet kan være utsatt for menneskehandel.",
        person_informed=False,
        informed_on=None,
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    evening = timezone.make_aware(datetime.combine(yesterday, time(20, 0)))
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time(0, 0)))

    # The worker on duty places the child in an emergency placement at 20:00.
    worker = vern
    worker.log_in(on_duty.user)
    worker.go(f"/cases/{case.code}/")
    worker.assert_accessible()
    worker.page.locator(f"a[href='/cases/{case.code}/placement/start/']").click()
    worker.assert_accessible()
    worker.page.locator("input[name=kind][value=emergency]").check()
    worker.page.locator("input[name=started_at]").fill(local_input(evening))
    expect(worker.page.locator("input[name=alert_after_hours]")).to_have_value("24")
    submit(worker)
    expect(worker.page.get_by_test_id("current-placement")).to_contain_text("Barnevernvakten i Bergen")
    worker.assert_accessible()

    # After midnight the child is gone. A time before the placement is refused, nothing is lost.
    worker.page.locator(f"a[href='/cases/{case.code}/placement/absconded/']").click()
    worker.assert_accessible()
    worker.page.locator("input[name=at]").fill(local_input(evening - timedelta(hours=1)))
    worker.page.locator("input[name=how][value=ran_away]").check()
    submit(worker)
    expect(worker.page.get_by_role("alert")).to_be_visible()
    worker.assert_accessible()
    expect(worker.page.locator("input[name=how][value=ran_away]")).to_be_checked()
    worker.page.locator("input[name=at]").fill(local_input(midnight))
    submit(worker)

    alert = worker.page.get_by_test_id("missing-alert")
    expect(alert).to_be_visible()
    timeline = worker.page.locator(".vern-timeline")
    expect(timeline).to_contain_text(bokmal(CaseEvent.Kind.ABSCONDED.label))
    expect(timeline).to_contain_text(bokmal(CaseEvent.Kind.MISSING_ALERT_RAISED.label))
    worker.assert_accessible()

    # The service decides to notify the police.
    alert.locator(f"form[action='/cases/{case.code}/placement/police/'] button").click()
    expect(timeline).to_contain_text(bokmal(CaseEvent.Kind.POLICE_NOTIFIED.label))
    worker.assert_accessible()

    # The reminder run e-mails the police district: the code and a link, nothing more.
    run_reminders()
    [police_mail] = [message for message in mail.outbox if message.to == [officer.user.email]]
    assert case.code in police_mail.subject
    assert "/placements/alerts/" in police_mail.body

    # The police officer sees the notification and the alert, by code.
    officer_browser = worker.another(browser)
    officer_browser.log_in(officer.user)
    notifications_link = officer_browser.page.get_by_test_id("notifications-link")
    expect(notifications_link.locator(".ds-badge")).to_have_attribute("data-count", "1")
    notifications_link.click()
    expect(officer_browser.page.get_by_test_id("notification-police_notified")).to_contain_text(case.code)
    officer_browser.assert_accessible()
    officer_browser.go("/placements/alerts/")
    expect(officer_browser.page.get_by_test_id("alerts")).to_contain_text(case.code)
    expect(officer_browser.page.get_by_test_id("alerts")).to_contain_text("Barnevernvakten i Bergen")
    officer_browser.assert_accessible()
    officer_browser.go(f"/cases/{case.code}/")  # the police own the case: they see the placement, cannot act on it
    expect(officer_browser.page.get_by_test_id("missing-alert")).to_be_visible()
    expect(officer_browser.page.locator(f"form[action='/cases/{case.code}/placement/police/']")).to_have_count(0)
    officer_browser.assert_accessible()

    # Counted: a child who absconded within 24 hours of the placement.
    absconding = Absconding.objects.get()
    assert absconding.after_start < timedelta(hours=24)
    [year] = [row for row in absconding_statistics() if row.year == timezone.localtime(evening).year]
    assert (year.placements, year.absconded, year.within_24_hours) == (1, 1, 1)

    # The child is found in the morning; the alert closes and the police are told.
    worker.page.locator(f"a[href='/cases/{case.code}/placement/found/']").click()
    worker.assert_accessible()
    worker.page.locator("input[name=at]").fill(local_input(timezone.now()))
    submit(worker)
    expect(worker.page.get_by_test_id("missing-alert")).to_have_count(0)
    expect(timeline).to_contain_text(bokmal(CaseEvent.Kind.CHILD_FOUND.label))
    worker.assert_accessible()
    assert MissingChildAlert.objects.get().outcome == MissingChildAlert.Outcome.FOUND
    assert Notification.objects.filter(kind=Notification.Kind.CHILD_FOUND, recipient=officer.user).exists()
    officer_browser.go("/placements/alerts/")
    expect(officer_browser.page.get_by_test_id("alerts")).to_have_count(0)
    officer_browser.assert_accessible()
