"""Scenarios (a) and (c) of issue 6, replayed in the browser by the people who do the work in Oslo.

(a) The adult relay: a low-threshold service identifies a woman, refers her to a
lawyer, the police take the reflection-period application, NAV pays support
every 14 days while it is pending — one cycle is missed and caught by the
board — UDI decides, the six months run from the decision date, and she is
granted temporary residence.
(c) She applies for asylum instead: the case is handed over to a state reception
centre, which has not accepted yet — the coordinators' overview raises it.
(Issue 14) The asylum hand-over keeps the person: refused without an asylum
claim, sent with the groups the NGO chose, and the NGO follows the case after.

The flow started in September; the test opens the case as it was then and the
people record each step with the date it happened.
"""

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from playwright.sync_api import Browser, expect

from cases.models import Case
from cases.services import create_case
from chain.catalogue import load_templates
from chain.models import CaseChain, CaseStep, Deadline
from organisations.models import Membership, Organisation
from referrals.models import Referral
from tests.browser.conftest import Vern
from tests.browser.flows import accept, finish, log_in, record_asylum_claim, record_decision, refer
from tests.browser.test_identification import screen
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
OSLO = ZoneInfo("Europe/Oslo")


def member(cast: Cast, kind: str, name: str, role: str = Membership.Role.COORDINATOR) -> Membership:
    owner_types: dict[str, str] = {
        Organisation.Kind.LAWYER: Organisation.OwnerType.PRIVATE,
        Organisation.Kind.POLICE_DISTRICT: Organisation.OwnerType.STATE,
        Organisation.Kind.RECEPTION_CENTRE: Organisation.OwnerType.STATE,
    }
    owner_type = owner_types.get(kind, Organisation.OwnerType.MUNICIPAL)
    organisation = OrganisationFactory.create(name=name, kind=kind, owner_type=owner_type, municipality=cast.oslo)
    return MembershipFactory.create(organisation=organisation, role=role)


@pytest.fixture
def oslo(cast: Cast) -> dict[str, Membership]:
    load_templates(apps.get_model)
    return {
        "low": member(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE, "Lavterskeltilbudet i Oslo"),
        "lawyer": member(cast, Organisation.Kind.LAWYER, "Advokatkontoret Fjord"),
        "police": member(cast, Organisation.Kind.POLICE_DISTRICT, "Oslo politidistrikt"),
        "nav": cast.nav_coordinator.memberships.select_related("organisation").get(organisation=cast.nav),
        "reception": member(cast, Organisation.Kind.RECEPTION_CENTRE, "Asylmottaket i Oslo"),
        "coordinator": member(cast, Organisation.Kind.TOT_COORDINATOR, "Koordinator Oslo kommune"),
    }


def identified_in_september(low: Membership, cast: Cast) -> Case:
    case = create_case(membership=low, municipality=cast.oslo)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=datetime(2026, 9, 1, 9, 0, tzinfo=OSLO))
    return case


def relay_until_the_decision(vern: Vern, browser: Browser, oslo: dict[str, Membership], case: Case) -> Vern:
    """Identification → lawyer → application via the police → NAV support, a missed cycle caught; UDI decides."""
    low = vern
    low.log_in(oslo["low"].user)
    low.go(f"/cases/{case.code}/")
    low.assert_accessible()
    finish(low, case, "identified", "2026-09-01T10:00")
    refer(low, case, "lawyer", "Advokatkontoret Fjord")

    lawyer = log_in(vern, browser, oslo["lawyer"])
    accept(lawyer, case)
    finish(lawyer, case, "lawyer", "2026-09-03T14:00")

    refer(low, case, "reflection-application", "Oslo politidistrikt")
    police = log_in(vern, browser, oslo["police"])
    accept(police, case)
    finish(police, case, "reflection-application", "2026-09-07T12:00")

    refer(low, case, "support-while-pending", "NAV Oslo")
    nav = log_in(vern, browser, oslo["nav"])
    accept(nav, case)
    # The first payment was due 21 September; nobody confirmed it. The board says so.
    nav.go("/chain/deadlines/")
    expect(nav.page.get_by_test_id("overdue")).to_contain_text(case.code)
    nav.assert_accessible()
    nav.page.get_by_test_id("overdue").get_by_role("link", name=f"Bekreft for {case.code}").click()
    nav.assert_accessible()
    nav.page.get_by_label("UDI", exact=True).check()  # UDI confirmed the application is still pending; paid
    nav.page.get_by_role("button", name="Bekreft og start neste periode").click()
    cycles = Deadline.objects.filter(case=case, rule__code="support-cycle").order_by("due_at")
    assert cycles.count() == 2
    assert cycles.filter(done_at=None).count() == 1
    assert cycles[0].confirmed_by == "udi"
    assert cycles[1].starts_at == cycles[0].due_at  # the next cycle counts from 21 September, not from the click
    finish(nav, case, "support-while-pending", "2026-10-15T11:00")  # UDI's decision date
    return nav


def test_a_the_oslo_adult_relay_until_temporary_residence(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    case = identified_in_september(oslo["low"], cast)
    nav = relay_until_the_decision(vern, browser, oslo, case)

    # Reflection period granted: Oslo's only NAV office has the step; six months from the decision date.
    nav.go(f"/cases/{case.code}/")
    expect(nav.page.get_by_test_id("step-reflection-period")).to_contain_text("NAV Oslo")
    end = Deadline.objects.get(case=case, rule__code="reflection-period-end")
    assert end.due_at == datetime(2027, 4, 15, 11, 0, tzinfo=OSLO)
    assert not Deadline.objects.filter(case=case, rule__code="support-cycle", done_at=None).exists()
    finish(nav, case, "reflection-period", "2026-11-02T09:00")  # residence applied for

    # UDI is not in this demo chain: the owner records the permit, and the reception step does not apply.
    vern.go(f"/cases/{case.code}/chain/steps/residence/done/")
    vern.page.locator("input[name=at]").fill("2026-11-20T10:00")
    vern.page.locator("form.vern-form button[type=submit]").click()
    vern.go(f"/cases/{case.code}/chain/steps/state-reception/done/")
    vern.page.locator("input[name=at]").fill("2026-11-20T10:05")
    vern.page.locator("input[name=skip]").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.get_by_test_id("step-state-reception")).to_have_attribute("data-status", "skipped")
    vern.go(f"/cases/{case.code}/end/")
    vern.assert_accessible()
    vern.page.locator("input[name=reason][value=residence_granted]").check()
    vern.page.locator("form.vern-form button[type=submit]").click()
    vern.page.wait_for_url("**/meetings/**")  # on to the evaluation meeting
    assert CaseChain.objects.get(case=case).end_reason == CaseChain.EndReason.RESIDENCE_GRANTED
    assert list(case.steps.order_by("step__order").values_list("status", flat=True)) == [
        "done",
        "done",
        "done",
        "done",
        "done",
        "done",
        "skipped",
    ]

    # The lawyer who took one step hears how it went, without more than was shared.
    lawyer_feedback = Referral.objects.get(case=case, to_organisation=oslo["lawyer"].organisation)
    assert lawyer_feedback.status == Referral.Status.ACCEPTED
    vern.go("/referrals/")
    expect(vern.page.get_by_test_id("outgoing")).to_contain_text("NAV Oslo")
    vern.assert_accessible()


def test_c_an_asylum_hand_over_not_yet_accepted_is_raised_on_the_board(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    case = identified_in_september(oslo["low"], cast)
    nav = relay_until_the_decision(vern, browser, oslo, case)
    finish(nav, case, "reflection-period", "2026-11-02T09:00")
    finish(vern, case, "residence", "2026-11-16T10:00")  # she applied for asylum
    record_asylum_claim(vern, case)

    refer(vern, case, "state-reception", "Asylmottaket i Oslo", handover=True)
    case.refresh_from_db()
    assert case.owner_id == oslo["low"].organisation_id  # the sender stays responsible until accepted

    coordinator = log_in(vern, browser, oslo["coordinator"])
    coordinator.go("/chain/overview/")
    coordinator.assert_accessible()
    expect(coordinator.page.get_by_test_id("handovers")).to_contain_text("Asylmottaket i Oslo")
    # Oslo's only reception centre is responsible for the step while the hand-over waits: no step is unowned.
    expect(coordinator.page.get_by_test_id("unassigned-count")).to_have_text("0")
    expect(coordinator.page.get_by_test_id("handover-count")).to_have_text("1")

    reception = log_in(vern, browser, oslo["reception"])
    accept(reception, case)
    coordinator.go("/chain/overview/")
    expect(coordinator.page.get_by_test_id("handover-count")).to_have_text("0")
    case.refresh_from_db()
    assert case.owner_id == oslo["reception"].organisation_id
    # Accepting the hand-over is what the state-reception step waits for.
    assert case.steps.get(step__code="state-reception").status == CaseStep.Status.DONE


def test_d_every_partner_writes_its_own_part_of_the_shared_case(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    """Issue 14: the NGO shares with NAV and the lawyer by consent; the lawyer records the appointment, the police
    the application, UDI the decision date (the six months count from it), NAV the living support delivered."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.access import get_case_for
    from chain.models import CaseDecision
    from chain.rules import add_months
    from rights.models import CaseRight
    from sharing.models import Consent
    from sharing.services import record_consent

    ngo = cast.ngo_worker.memberships.select_related("user", "organisation").get()
    udi = member(cast, Organisation.Kind.UDI, "Utlendingsdirektoratet")
    case = create_case(membership=ngo, municipality=cast.oslo)
    today = timezone.localdate()
    appointed, lodged, decided = (today - timedelta(days=d) for d in (30, 25, 10))

    owner = vern
    owner.log_in(cast.ngo_worker)
    for organisation in ("NAV Oslo", "Advokatkontoret Fjord"):
        owner.go(f"/cases/{case.code}/sharing/consent/new/")
        owner.page.locator("select[name=organisation]").select_option(label=organisation)
        for group in ("identity", "immigration"):
            owner.page.locator(f"input[name=field_groups][value={group}]").check()
        owner.page.locator("input[name=purpose]").fill("Bistand etter identifisering")
        owner.page.locator("input[name=form][value=written]").check()
        owner.page.locator("form.vern-form button[type=submit]").click()
        expect(owner.page.get_by_test_id("case-chain")).to_be_visible()
    owner.assert_accessible()
    for partner in (oslo["police"].organisation, udi.organisation):  # given earlier, for the application
        record_consent(
            access=get_case_for(ngo, case.code),
            membership=ngo,
            organisation=partner,
            field_groups=["identity", "immigration"],
            purpose="Søknad om refleksjonsperiode",
            form=Consent.Form.WRITTEN,
            given_on=today - timedelta(days=40),
            expires_on=None,
        )

    lawyer = log_in(vern, browser, oslo["lawyer"])
    record_decision(lawyer, case, "lawyer-appointed", "Bistandsadvokat oppnevnt", appointed)
    police = log_in(vern, browser, oslo["police"])
    record_decision(
        police, case, "reflection-application-submitted", "Søknad om refleksjonsperiode levert til politiet", lodged
    )
    # The police may not record UDI's decision: the page says who does.
    police.go(f"/cases/{case.code}/decisions/reflection-period-granted/")
    expect(police.page.get_by_test_id("decision-refused")).to_contain_text("Utlendingsdirektoratet (UDI)")
    police.assert_accessible()

    udi_person = log_in(vern, browser, udi)
    record_decision(
        udi_person, case, "reflection-period-granted", "Refleksjonsperiode innvilget (vedtaksdato)", decided
    )
    end = add_months(decided, 6)
    deadline_cell = udi_person.page.get_by_test_id("decision-deadline-reflection-period-granted")
    expect(deadline_cell).to_contain_text(end.strftime("%d.%m.%Y"))
    expect(deadline_cell).to_contain_text("utlendingsforskriften § 8-3 første ledd")
    udi_person.assert_accessible()
    deadline = Deadline.objects.get(case=case, rule__code="reflection-period-end")
    assert deadline.starts_at == datetime.combine(decided, datetime.min.time(), tzinfo=OSLO)  # not the click

    nav = log_in(vern, browser, oslo["nav"])
    nav.go(f"/cases/{case.code}/")
    nav.page.get_by_test_id("right-living_support").get_by_role("link").click()
    nav.assert_accessible()
    nav.page.locator("input[name=status][value=delivered]").check()
    nav.page.locator("input[name=offered_on]").fill((decided + timedelta(days=1)).isoformat())
    nav.page.locator("input[name=delivered_on]").fill((decided + timedelta(days=2)).isoformat())
    nav.page.locator("form.vern-form button[type=submit]").click()
    living_support = nav.page.get_by_test_id("right-living_support")
    expect(living_support).to_contain_text("Gitt")
    expect(living_support).to_contain_text("NAV Oslo")
    # NAV sees the rights it provides, not the lawyer's; the decisions and the deadline with its legal reference.
    expect(nav.page.get_by_test_id("right-victim_lawyer")).to_have_count(0)
    expect(nav.page.get_by_test_id("decision-reflection-period-granted")).to_contain_text("Utlendingsdirektoratet")
    expect(nav.page.get_by_test_id("deadline-reflection-period-end")).to_contain_text("utlendingsloven § 38")
    nav.assert_accessible()
    nav.page.get_by_role("button", name="English").click()
    expect(nav.page.get_by_test_id("right-living_support")).to_contain_text("Delivered")
    expect(nav.page.get_by_test_id("case-decisions")).to_contain_text("Decisions and dates")
    nav.assert_accessible()

    # What each organisation sees at the end.
    owner.go(f"/cases/{case.code}/")
    expect(owner.page.get_by_test_id("right-living_support")).to_contain_text("NAV Oslo")
    expect(owner.page.get_by_test_id("right-victim_lawyer")).to_be_visible()  # the owner sees every right
    for code, organisation in [
        ("lawyer-appointed", "Advokatkontoret Fjord"),
        ("reflection-application-submitted", "Oslo politidistrikt"),
        ("reflection-period-granted", "Utlendingsdirektoratet"),
    ]:
        expect(owner.page.get_by_test_id(f"decision-{code}")).to_contain_text(organisation)
    expect(owner.page.locator(".vern-timeline")).to_contain_text("Beslutning registrert")
    expect(owner.page.locator(".vern-timeline")).to_contain_text("Rettighet oppdatert")
    owner.assert_accessible()
    lawyer.go(f"/cases/{case.code}/")
    expect(lawyer.page.get_by_test_id("right-victim_lawyer")).to_be_visible()
    expect(lawyer.page.get_by_test_id("right-living_support")).to_have_count(0)
    udi_person.go(f"/cases/{case.code}/")
    expect(udi_person.page.get_by_test_id("case-rights")).to_have_count(0)  # UDI provides none of the rights
    assert CaseRight.objects.get(case=case, right__code="living_support").organisation == oslo["nav"].organisation
    assert CaseDecision.objects.filter(case=case, is_current=True).count() == 3


def test_the_asylum_hand_over_keeps_the_person(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership]
) -> None:
    """Issue 14, item 6: refused without an asylum claim, sent with only the groups the NGO chose and saw, accepted
    by the reception centre; the NGO still sees the case's way and the answer, and no information about her."""
    from cases.access import get_case_for
    from cases.services import save_field_group

    low = oslo["low"]
    case = identified_in_september(low, cast)
    for group, data in [("health", {"needs": "Gravid i uke 20"}), ("criminal_case", {"status": "Anmeldt 3. mai"})]:
        version = Case.objects.get(pk=case.pk).version
        save_field_group(
            access=get_case_for(low, case.code), membership=low, group=group, data=data, expected_version=version
        )

    ngo = vern
    ngo.log_in(low.user)

    def fill_hand_over() -> None:
        ngo.go(f"/cases/{case.code}/hand-over/?step=state-reception")
        expect(ngo.page.get_by_test_id("precondition")).to_contain_text("asylsøknad er registrert")
        ngo.page.locator("select[name=to]").select_option(label="Asylmottaket i Oslo")
        ngo.page.locator("input[name=purpose]").fill("Asylsøknad: overføring til statlig mottak")
        # The step's needs are chosen in advance — identity and immigration, not the whole file.
        expect(ngo.page.locator("input[name=field_groups][value=identity]")).to_be_checked()
        expect(ngo.page.locator("input[name=field_groups][value=immigration]")).to_be_checked()
        for group in ("contact", "health", "criminal_case", "family"):
            expect(ngo.page.locator(f"input[name=field_groups][value={group}]")).not_to_be_checked()
        ngo.page.locator("input[name=ground][value=consent]").check()
        ngo.page.locator("input[name=consent_form][value=written]").check()
        ngo.page.get_by_role("button", name="Vis hva som sendes").click()

    # No asylum claim recorded yet: refused, with what is missing and what to do.
    fill_hand_over()
    expect(ngo.page.locator("main")).to_contain_text("venter på dette: asylsøknad er registrert (utlendingssak)")
    ngo.assert_accessible()
    assert not Referral.objects.filter(case=case).exists()

    record_asylum_claim(ngo, case)
    fill_hand_over()
    groups = ngo.page.get_by_test_id("handover-groups").locator("li")
    expect(groups).to_have_text(["Identitet", "Utlendingssak"])  # exactly what goes
    expect(ngo.page.get_by_test_id("handover-not-sent")).to_contain_text("Helse")
    expect(ngo.page.get_by_test_id("handover-to")).to_have_text("Asylmottaket i Oslo")
    ngo.assert_accessible()
    ngo.page.get_by_role("button", name="Send overføringen").click()
    expect(ngo.page.get_by_test_id("case-referrals-sent")).to_contain_text("Venter på svar")
    referral = Referral.objects.get(case=case)
    assert (referral.kind, referral.field_groups) == (Referral.Kind.HANDOVER, ["identity", "immigration"])

    reception = log_in(vern, browser, oslo["reception"])
    accept(reception, case)
    expect(reception.page.get_by_test_id("group-identity")).to_be_visible()
    expect(reception.page.get_by_test_id("group-health")).to_have_count(0)  # not handed over
    expect(reception.page.get_by_test_id("withheld")).to_contain_text("Helse")
    reception.assert_accessible()
    case.refresh_from_db()
    assert case.owner_id == oslo["reception"].organisation_id

    # The NGO still opens the case: its way through the chain and the answer, no information about her.
    ngo.go(f"/cases/{case.code}/")
    expect(ngo.page.get_by_test_id("follow-up")).to_be_visible()
    expect(ngo.page.get_by_test_id("step-identified")).to_be_visible()
    expect(ngo.page.get_by_test_id("step-state-reception")).to_be_visible()
    expect(ngo.page.get_by_test_id("sent-status")).to_contain_text("Godtatt")
    expect(ngo.page.locator(".vern-timeline")).to_contain_text("Overføring godtatt")
    expect(ngo.page.locator("[data-testid^=group-]")).to_have_count(0)
    body = ngo.page.locator("main").inner_text()
    for value in ("Gravid i uke 20", "Anmeldt 3. mai", "Søkt, ikke avgjort"):
        assert value not in body
    ngo.assert_accessible()
    response = ngo.page.goto(ngo.base_url + f"/cases/{case.code}/groups/health/")
    assert response is not None
    assert response.status == 403
    ngo.go(f"/cases/{case.code}/")
    ngo.page.get_by_role("button", name="Be Asylmottaket i Oslo om fortsatt tilgang").click()
    expect(ngo.page.get_by_test_id("continued-access")).to_contain_text("Du ba Asylmottaket i Oslo om fortsatt tilgang")
    ngo.page.get_by_role("button", name="English").click()
    expect(ngo.page.get_by_test_id("sent-status")).to_contain_text("Accepted")
    expect(ngo.page.get_by_test_id("follow-up")).to_contain_text("no information about the person")
    ngo.assert_accessible()


def test_e_the_relay_from_a_screening_at_23_to_the_reflection_period(
    vern: Vern, browser: Browser, cast: Cast, oslo: dict[str, Membership], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14's Oslo relay, each step by the organisation that does it: the NGO screens at 23:00 and the case
    opens with what the screening found; the NGO shares by consent; the lawyer, the police and UDI record their
    dates; NAV gives the case to a caseworker, who records the living support and confirms three 14-day cycles
    (each from the previous due date, with who confirmed); the reflection period runs from UDI's decision date.
    At the end, what each organisation sees."""
    from datetime import timedelta

    from chain import rules
    from chain.models import DeadlineRule
    from rights.models import CaseRight

    night = datetime(2026, 9, 1, 23, 0, tzinfo=OSLO)
    monkeypatch.setattr("screening.services.current_time", lambda: night)
    udi = member(cast, Organisation.Kind.UDI, "Utlendingsdirektoratet")
    per = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.CASEWORKER, user__first_name="Per")

    # 23:00: the NGO's outreach worker screens a woman who wants help and needs an interpreter.
    ngo = vern
    ngo.log_in(cast.ngo_worker)
    ngo.go("/identification/")
    screen(
        ngo,
        minor="no",
        age="28",
        forms=["sexual"],
        gender="female",
        outcome="confirmed_wants_help",
        check_each=False,
        interpreter_language="rumensk",
    )
    case = Case.objects.get()
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=night)  # the case opened that night
    ngo.page.get_by_role("link", name=f"Gå til sak {case.code}").click()
    expect(ngo.page.get_by_test_id("group-identity")).to_contain_text("Trenger tolk")
    expect(ngo.page.get_by_test_id("right-interpretation")).to_contain_text("Tilbudt")
    ngo.assert_accessible()
    finish(ngo, case, "identified", "2026-09-02T09:00")
    for organisation in ("NAV Oslo", "Advokatkontoret Fjord", "Oslo politidistrikt", "Utlendingsdirektoratet"):
        ngo.go(f"/cases/{case.code}/sharing/consent/new/")
        ngo.page.locator("select[name=organisation]").select_option(label=organisation)
        for group in ("identity", "immigration"):
            ngo.page.locator(f"input[name=field_groups][value={group}]").check()
        ngo.page.locator("input[name=purpose]").fill("Bistand og søknad om refleksjonsperiode")
        ngo.page.locator("input[name=form][value=written]").check()
        ngo.page.locator("form.vern-form button[type=submit]").click()
        expect(ngo.page.get_by_test_id("case-chain")).to_be_visible()

    # The lawyer, the police and UDI each record the date only they know.
    lawyer = log_in(vern, browser, oslo["lawyer"])
    record_decision(lawyer, case, "lawyer-appointed", "Bistandsadvokat oppnevnt", date(2026, 9, 3))
    police = log_in(vern, browser, oslo["police"])
    submitted = "Søknad om refleksjonsperiode levert til politiet"
    record_decision(police, case, "reflection-application-submitted", submitted, date(2026, 9, 7))
    expect(police.page.get_by_test_id("step-support-while-pending")).to_contain_text("NAV Oslo")  # the only one

    # NAV's coordinator gives the case to Per, who finds it under "my cases".
    nav = log_in(vern, browser, oslo["nav"])
    nav.go(f"/cases/{case.code}/")
    nav.page.locator("select[name=user]").select_option(str(per.user_id))
    nav.page.locator(f"form[action='/cases/{case.code}/assign/'] button").click()
    expect(nav.page.get_by_test_id(f"assigned-{per.user_id}")).to_be_visible()
    nav.assert_accessible()
    caseworker = log_in(vern, browser, per)
    caseworker.go("/cases/?mine=1")
    expect(caseworker.page.get_by_role("link", name=case.code)).to_be_visible()

    # Per records the living support NAV delivered, and confirms three 14-day cycles as they were confirmed.
    caseworker.go(f"/cases/{case.code}/")
    caseworker.page.get_by_test_id("right-living_support").get_by_role("link").click()
    caseworker.page.locator("input[name=status][value=delivered]").check()
    caseworker.page.locator("input[name=offered_on]").fill("2026-09-08")
    caseworker.page.locator("input[name=delivered_on]").fill("2026-09-08")
    caseworker.page.locator("form.vern-form button[type=submit]").click()
    expect(caseworker.page.get_by_test_id("right-living_support")).to_contain_text("Gitt")
    confirmed = []
    for who in ("Personen selv", "Advokaten", "UDI"):
        cycle = Deadline.objects.get(case=case, rule__code="support-cycle", done_at=None)
        caseworker.go("/chain/deadlines/")
        row = caseworker.page.get_by_test_id(f"deadline-{cycle.pk}")
        expect(row).to_contain_text("sosialtjenesteloven § 18")
        row.get_by_role("link", name=f"Bekreft for {case.code}").click()
        caseworker.page.get_by_label(who, exact=True).check()
        on = (cycle.due_at - timedelta(days=1)).astimezone(OSLO)
        caseworker.page.locator("input[name=confirmed_at]").fill(on.strftime("%Y-%m-%dT%H:%M"))
        caseworker.page.get_by_role("button", name="Bekreft og start neste periode").click()
        expect(caseworker.page.locator(".vern-messages")).to_contain_text("Bekreftet. Neste periode har frist")
        confirmed.append(cycle.pk)
    caseworker.assert_accessible()
    rule = DeadlineRule.objects.get(code="support-cycle")
    cycles = list(Deadline.objects.filter(case=case, rule=rule).order_by("starts_at"))
    assert [c.pk for c in cycles[:3]] == confirmed
    assert cycles[0].starts_at == datetime(2026, 9, 7, 0, 0, tzinfo=OSLO)  # from the day the police received it
    for previous, following in pairwise(cycles):
        assert following.starts_at == rules.next_cycle_start(rule, previous.starts_at)  # never from the click
    assert [c.confirmed_by for c in cycles[:3]] == ["person", "lawyer", "udi"]
    assert {c.done_by_id for c in cycles[:3]} == {per.user_id}

    # UDI grants the reflection period on 20 October: the six months run from that day, not from the click.
    udi_person = log_in(vern, browser, udi)
    record_decision(
        udi_person, case, "reflection-period-granted", "Refleksjonsperiode innvilget (vedtaksdato)", date(2026, 10, 20)
    )
    end = Deadline.objects.get(case=case, rule__code="reflection-period-end")
    assert end.starts_at == datetime(2026, 10, 20, 0, 0, tzinfo=OSLO)
    assert not Deadline.objects.filter(case=case, rule=rule, done_at=None).exists()  # support while pending ended
    caseworker.go(f"/cases/{case.code}/")
    expect(caseworker.page.get_by_test_id("deadline-reflection-period-end")).to_contain_text("utlendingsloven § 38")

    # What each organisation sees at the end.
    ngo.go(f"/cases/{case.code}/")
    for code, organisation in [
        ("lawyer-appointed", "Advokatkontoret Fjord"),
        ("reflection-application-submitted", "Oslo politidistrikt"),
        ("reflection-period-granted", "Utlendingsdirektoratet"),
    ]:
        expect(ngo.page.get_by_test_id(f"decision-{code}")).to_contain_text(organisation)
    expect(ngo.page.get_by_test_id("right-living_support")).to_contain_text("NAV Oslo")
    expect(ngo.page.get_by_test_id("group-identity")).to_contain_text("rumensk")
    ngo.page.get_by_role("button", name="English").click()
    expect(ngo.page.get_by_test_id("right-living_support")).to_contain_text("Delivered")
    ngo.assert_accessible()
    caseworker.go(f"/cases/{case.code}/")
    expect(caseworker.page.get_by_test_id("right-victim_lawyer")).to_have_count(0)  # NAV sees the rights it provides
    expect(caseworker.page.get_by_test_id("group-identity")).to_contain_text("rumensk")
    expect(caseworker.page.get_by_test_id("group-health")).to_have_count(0)  # never shared with NAV
    lawyer.go(f"/cases/{case.code}/")
    expect(lawyer.page.get_by_test_id("right-victim_lawyer")).to_be_visible()
    expect(lawyer.page.get_by_test_id("right-living_support")).to_have_count(0)
    udi_person.go(f"/cases/{case.code}/")
    expect(udi_person.page.get_by_test_id("case-rights")).to_have_count(0)  # UDI provides none of the rights
    expect(udi_person.page.get_by_test_id("decision-lawyer-appointed")).to_contain_text("Advokatkontoret Fjord")
    assert CaseRight.objects.get(case=case, right__code="living_support").organisation == cast.nav
