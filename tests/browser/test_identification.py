"""The identification toolkit in the browser, the three flows of the issue.

(a) a low-threshold service screens a woman exploited in prostitution: case, rights offered over
    weeks, the gap view empties as they are delivered;
(b) street outreach at 23:00 on a Friday screens a boy of unknown age selling drugs, on a phone 390 px
    wide: every step fits without scrolling sideways; child track, a notification to the out-of-hours
    child welfare service, no way to record "declined";
(c) a car-wash worker confirms exploitation but wants no help: an anonymous contact, no case —
    in English, so every page is checked by axe in both languages;
(d) an NGO worker at 23:00 screens a woman who needs an interpreter and wants help: the case opens
    with the screening's data in its groups, the interpretation right offered, and a link back.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from organisations.models import Membership, Organisation
from screening.models import ChildWelfareNotification, Screening
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def choose(vern: Vern, name: str, value: str) -> None:
    vern.page.locator(f"input[name={name}][value={value}]").check()


def check_step(vern: Vern) -> None:
    """No WCAG violation, and the page fits the viewport's width (a phone's too) without scrolling sideways."""
    vern.assert_accessible()
    assert vern.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def save(vern: Vern) -> None:
    vern.page.locator("form.vern-form button[type=submit][data-variant=primary]").click()


def screen(
    vern: Vern,
    *,
    minor: str,
    age: str,
    forms: list[str],
    gender: str,
    outcome: str,
    check_each: bool,
    interpreter_language: str = "",
) -> None:
    vern.page.locator("form[action$='/identification/new/'] button").click()
    choose(vern, "acute_danger", "no")
    if check_each:
        check_step(vern)
    save(vern)
    choose(vern, "possibly_minor", minor)
    if age:
        vern.page.locator("input[name=stated_age]").fill(age)
    choose(vern, "gender", gender)
    vern.page.locator("select[name=municipality]").select_option(label="Oslo")
    if check_each:
        check_step(vern)
    save(vern)
    expect(vern.page.locator("input[name=indicators]")).to_have_count(0)
    for form in forms:
        choose(vern, "forms", form)
    vern.page.locator("button[name=show_signs]").click()
    expect(vern.page.locator(f"input[name=forms][value={forms[0]}]")).to_be_checked()
    indicator = vern.page.locator("input[name=indicators]").first
    indicator.check()
    if check_each:
        check_step(vern)
    save(vern)
    choose(vern, "alone", "yes")
    if interpreter_language:
        choose(vern, "interpreter_needed", "yes")
        vern.page.locator("input[name=interpreter_language]").fill(interpreter_language)
    if check_each:
        check_step(vern)
    save(vern)
    if minor in ("yes", "unknown_with_reason"):
        expect(vern.page.locator("input[name=outcome][value=confirmed_no_help]")).to_have_count(0)
    choose(vern, "outcome", outcome)
    if check_each:
        check_step(vern)
    save(vern)
    if check_each:
        check_step(vern)
    vern.page.locator("main form button[type=submit]").click()  # finish


def test_a_low_threshold_service_screens_a_woman_and_her_rights_are_delivered(vern: Vern, cast: Cast) -> None:
    low_threshold = OrganisationFactory.create(
        name="Lavterskeltilbudet Oslo", kind=Organisation.Kind.LOW_THRESHOLD_SERVICE, municipality=cast.oslo
    )
    worker = MembershipFactory.create(organisation=low_threshold, role=Membership.Role.COORDINATOR).user
    vern.log_in(worker)
    vern.go("/identification/")
    screen(
        vern, minor="no", age="27", forms=["sexual"], gender="female", outcome="confirmed_wants_help", check_each=True
    )
    case = Case.objects.get()
    vern.page.get_by_role("link", name=f"Gå til sak {case.code}").click()
    expect(vern.page.get_by_test_id("case-track")).to_have_text("Voksen")
    assert case.track == Case.Track.ADULT
    vern.assert_accessible()

    # Weeks later: the case is old enough to show up as missing rights.
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=30))
    vern.go("/rights/gaps/")
    expect(vern.page.get_by_role("link", name=case.code)).to_be_visible()
    vern.assert_accessible()

    offered = (timezone.localdate() - timedelta(days=21)).isoformat()
    delivered = (timezone.localdate() - timedelta(days=7)).isoformat()
    for code in case.rights.values_list("right__code", flat=True):
        vern.go(f"/cases/{case.code}/rights/{code}/")
        choose(vern, "status", "delivered")
        vern.page.locator("input[name=offered_on]").fill(offered)
        vern.page.locator("input[name=delivered_on]").fill(delivered)
        save(vern)
        expect(vern.page.get_by_test_id(f"right-{code}")).to_be_visible()
    vern.assert_accessible()
    vern.go("/rights/gaps/")
    expect(vern.page.get_by_test_id("no-gaps")).to_be_visible()
    vern.go("/rights/summary/")
    expect(vern.page.locator("table")).to_contain_text("100 %")
    vern.assert_accessible()


def test_street_outreach_at_23_screens_a_boy_of_unknown_age(
    vern: Vern, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    friday_before_easter = datetime(2026, 3, 27, 23, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    monkeypatch.setattr("screening.services.current_time", lambda: friday_before_easter)
    outreach = OrganisationFactory.create(
        name="Uteteamet Oslo", kind=Organisation.Kind.STREET_OUTREACH, municipality=cast.oslo
    )
    OrganisationFactory.create(
        name="Barneverntjenesten Oslo", kind=Organisation.Kind.CHILD_WELFARE, municipality=cast.oslo
    )
    duty = OrganisationFactory.create(
        name="Barnevernvakten Oslo", kind=Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS, municipality=cast.oslo
    )
    worker = MembershipFactory.create(organisation=outreach, role=Membership.Role.CASEWORKER).user
    vern.page.set_viewport_size({"width": 390, "height": 844})  # a phone, in the street at night
    vern.log_in(worker)
    vern.go("/identification/")
    screen(
        vern,
        minor="unknown_with_reason",
        age="",
        forms=["criminality_drugs"],
        gender="male",
        outcome="concern_strengthened",
        check_each=True,
    )
    expect(vern.page.get_by_test_id("track")).to_be_visible()
    expect(vern.page.get_by_test_id("notification")).to_contain_text("Barnevernvakten Oslo")
    expect(vern.page.get_by_test_id("advice-possibly_minor").get_by_role("link", name="466 15 000")).to_have_attribute(
        "href", "tel:+4746615000"
    )
    vern.assert_accessible()
    notification = ChildWelfareNotification.objects.get()
    assert notification.to_organisation == duty
    assert notification.out_of_hours
    assert Screening.objects.get().track == Case.Track.CHILD
    vern.page.get_by_test_id("notification").locator("button").click()
    notification.refresh_from_db()
    assert notification.status == ChildWelfareNotification.Status.NOTIFIED


def test_a_car_wash_worker_who_wants_no_help_is_an_anonymous_contact_in_english(
    vern: Vern, cast: Cast, browser: Any
) -> None:
    vern.log_in(cast.ngo_worker)
    vern.page.get_by_role("button", name="English").click()
    vern.go("/identification/")
    vern.assert_accessible()
    screen(
        vern,
        minor="no",
        age="34",
        forms=["labour_car_wash"],
        gender="male",
        outcome="confirmed_no_help",
        check_each=True,
    )
    expect(vern.page.get_by_test_id("anonymous-contact")).to_be_visible()
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Screening finished")
    vern.assert_accessible()
    assert not Case.objects.exists()
    screening = Screening.objects.get()
    assert screening.is_anonymous_contact
    assert screening.forms == ["labour_car_wash"]


def test_an_ngo_worker_at_23_screens_and_the_case_opens_with_the_screenings_data(
    vern: Vern, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0) - timedelta(days=1)
    monkeypatch.setattr("screening.services.current_time", lambda: late)
    vern.log_in(cast.ngo_worker)
    vern.go("/identification/")
    screen(
        vern,
        minor="no",
        age="31",
        forms=["sexual", "begging"],
        gender="female",
        outcome="confirmed_wants_help",
        check_each=False,
        interpreter_language="rumensk",
    )
    case = Case.objects.get()
    screening = Screening.objects.get()
    assert screening.case == case
    vern.page.get_by_role("link", name=f"Gå til sak {case.code}").click()
    identity = vern.page.get_by_test_id("group-identity")
    expect(identity).to_contain_text("Kvinne")
    expect(identity).to_contain_text("31")
    expect(identity).to_contain_text("Nei, personen er voksen")
    expect(identity).to_contain_text("Trenger tolk")
    expect(identity).to_contain_text("rumensk")
    criminal_case = vern.page.get_by_test_id("group-criminal_case")
    expect(criminal_case).to_contain_text("Seksuell utnyttelse, også prostitusjon, Tvungen tigging")
    expect(vern.page.get_by_test_id("right-interpretation")).to_contain_text("Tilbudt")
    expect(vern.page.get_by_test_id("right-interpretation")).to_contain_text(late.strftime("%d.%m.%Y"))
    expect(vern.page.locator(".vern-timeline")).to_contain_text("Opprettet fra en kartlegging")
    vern.assert_accessible()

    vern.page.get_by_role("button", name="English").click()
    expect(vern.page.get_by_test_id("group-identity")).to_contain_text("Interpreter needed")
    expect(vern.page.get_by_test_id("group-criminal_case")).to_contain_text("Forced begging")
    expect(vern.page.get_by_test_id("right-interpretation")).to_contain_text("Offered")
    expect(vern.page.locator(".vern-timeline")).to_contain_text("Created from a screening")
    vern.assert_accessible()
    vern.page.get_by_test_id("case-screening").get_by_role("link", name="See the screening's summary").click()
    expect(vern.page.get_by_role("heading", level=1)).to_have_text("Screening finished")
    expect(vern.page.get_by_role("link", name=f"Go to case {case.code}")).to_be_visible()
    vern.assert_accessible()

    # The forms carried over are the group's own checkboxes: editing the group keeps them.
    vern.go(f"/cases/{case.code}/groups/criminal_case/")
    expect(vern.page.locator("input[name=exploitation_forms][value=sexual]")).to_be_checked()
    expect(vern.page.locator("input[name=exploitation_forms][value=begging]")).to_be_checked()
    vern.assert_accessible()
    save(vern)
    expect(vern.page.get_by_test_id("group-criminal_case")).to_contain_text("Forced begging")
