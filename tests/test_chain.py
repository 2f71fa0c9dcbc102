"""A case's way through its chain: templates as data, steps, responsibility, deadlines, the end."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.access import get_case_for
from cases.models import Case, CaseEvent
from cases.services import create_case
from chain import services
from chain.catalogue import load_templates
from chain.models import CaseChain, CaseStep, ChainTemplate, Deadline
from organisations.models import Membership, Organisation
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def organisation(cast: Cast, kind: str, municipality: object = None) -> Organisation:
    return OrganisationFactory.create(
        kind=kind, owner_type=Organisation.OwnerType.MUNICIPAL, municipality=municipality or cast.oslo
    )


def member(org: Organisation, role: str = Membership.Role.COORDINATOR) -> Membership:
    return MembershipFactory.create(organisation=org, role=role)


def opened_earlier(case: Case, at: datetime) -> None:
    """As if the case had been opened at `at`: its first step started then."""
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=at)


def step(case: Case, code: str) -> CaseStep:
    return CaseStep.objects.select_related("step__deadline_rule", "responsible").get(case=case, step__code=code)


def test_both_shipped_templates_load_with_legal_references(chain_templates: None, cast: Cast) -> None:
    oslo = ChainTemplate.objects.get(municipality=cast.oslo, track="adult", status="active")
    bergen = ChainTemplate.objects.get(municipality=cast.bergen, track="child", status="active")
    assert [s.code for s in oslo.steps.all()][:5] == [
        "identified",
        "lawyer",
        "reflection-application",
        "support-while-pending",
        "reflection-period",
    ]
    assert bergen.steps.get(code="tot-meeting").deadline_rule.code == "tot-meeting"  # type: ignore[union-attr]
    for template in (oslo, bergen):
        for chain_step in template.steps.all():
            assert chain_step.legal_reference
            assert chain_step.deadline_rule is None or chain_step.deadline_rule.legal_reference
    assert load_templates(apps.get_model) == 0  # loading again changes nothing


def test_a_new_case_starts_at_the_first_step_with_the_owner_responsible_when_it_takes_it(
    chain_templates: None, cast: Cast
) -> None:
    low_threshold = member(organisation(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE))
    case = create_case(membership=low_threshold, municipality=cast.oslo)
    assert case.chain.template.version == 1
    first = step(case, "identified")
    assert first.status == CaseStep.Status.ACTIVE
    assert first.responsible_id == low_threshold.organisation_id
    assert step(case, "lawyer").status == CaseStep.Status.WAITING


def test_no_template_for_the_track_means_no_chain(chain_templates: None, cast: Cast) -> None:
    nav = cast.nav_worker.memberships.get(organisation=cast.nav)
    case = create_case(membership=nav, municipality=cast.oslo, track=Case.Track.CHILD)
    assert not CaseChain.objects.filter(case=case).exists()
    assert not case.steps.exists()


def test_finishing_a_step_starts_the_next_and_its_deadline_belongs_to_the_responsible(
    chain_templates: None, cast: Cast
) -> None:
    low = member(organisation(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE))
    case = create_case(membership=low, municipality=cast.oslo)
    access = get_case_for(low, case.code)
    t0 = datetime(2026, 11, 2, 10, 0, tzinfo=OSLO)
    opened_earlier(case, t0)
    for code in ("identified", "lawyer", "reflection-application"):
        services.finish_step(access=access, membership=low, case_step=step(case, code), at=t0)
    support = step(case, "support-while-pending")
    assert support.status == CaseStep.Status.ACTIVE
    assert support.responsible_id == cast.nav.pk  # Oslo's only NAV office
    deadline = Deadline.objects.get(case=case, case_step=support)
    assert deadline.organisation_id == cast.nav.pk
    assert deadline.due_at == datetime(2026, 11, 16, 10, 0, tzinfo=OSLO)


def test_the_14_day_cycle_repeats_until_the_step_is_done(chain_templates: None, cast: Cast) -> None:
    low = member(organisation(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE))
    nav = member(organisation(cast, Organisation.Kind.NAV_OFFICE))
    case = create_case(membership=low, municipality=cast.oslo)
    access = get_case_for(low, case.code)
    t0 = datetime(2026, 10, 20, 10, 0, tzinfo=OSLO)
    opened_earlier(case, t0)
    for code in ("identified", "lawyer", "reflection-application"):
        services.finish_step(access=access, membership=low, case_step=step(case, code), at=t0)
    services.assign_responsibility(
        case_step=step(case, "support-while-pending"), organisation=nav.organisation, membership=nav
    )
    first = Deadline.objects.get(case=case)
    assert first.due_at == datetime(2026, 11, 3, 10, 0, tzinfo=OSLO)  # across the DST change, same wall clock
    second = services.complete_deadline(
        deadline=first,
        membership=nav,
        at=t0 + timedelta(days=13),
        confirmed_by=Deadline.ConfirmedBy.UDI,
        confirmed_at=t0 + timedelta(days=12),
    )
    assert second is not None
    # From the previous due date, not from the day it was confirmed.
    assert second.due_at == datetime(2026, 11, 17, 10, 0, tzinfo=OSLO)
    services.finish_step(
        access=access, membership=low, case_step=step(case, "support-while-pending"), at=t0 + timedelta(days=20)
    )
    second.refresh_from_db()
    assert second.done_at is not None  # the step is over: the cycle stops
    with pytest.raises(ValidationError):
        services.complete_deadline(
            deadline=second, membership=nav, confirmed_by="udi", confirmed_at=t0 + timedelta(days=20)
        )
    assert Deadline.objects.filter(case=case, rule__code="support-cycle").count() == 2  # no third cycle
    reflection = step(case, "reflection-period")
    # Two NAV offices in Oslo: neither is taken, the owner (a low-threshold service) does not take NAV's step…
    assert reflection.responsible is None
    # …and the step's deadline runs all the same, held until someone takes it.
    assert Deadline.objects.filter(case_step=reflection, rule__code="reflection-period-end", done_at=None).exists()


def test_reflection_period_counts_six_months_from_the_decision_date(chain_templates: None, cast: Cast) -> None:
    nav = member(organisation(cast, Organisation.Kind.NAV_OFFICE))
    case = create_case(membership=nav, municipality=cast.oslo)
    access = get_case_for(nav, case.code)
    decision = datetime(2026, 8, 31, 12, 0, tzinfo=OSLO)
    opened_earlier(case, decision)
    for code in ("identified", "lawyer", "reflection-application", "support-while-pending"):
        services.finish_step(access=access, membership=nav, case_step=step(case, code), at=decision)
    deadline = Deadline.objects.get(case=case, rule__code="reflection-period-end")
    assert deadline.due_at == datetime(2027, 2, 28, 12, 0, tzinfo=OSLO)


def test_only_the_responsible_or_the_owner_finishes_a_step(chain_templates: None, cast: Cast) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    nav = cast.nav_coordinator.memberships.get(organisation=cast.nav)
    from sharing.services import record_consent

    record_consent(
        access=get_case_for(owner, case.code),
        membership=owner,
        organisation=cast.nav,
        field_groups=["identity"],
        purpose="Oppfølging",
        form="written",
        given_on=datetime.now(OSLO).date(),
        expires_on=None,
    )
    with pytest.raises(ValidationError):
        services.finish_step(
            access=get_case_for(nav, case.code),
            membership=nav,
            case_step=step(case, "identified"),
            at=datetime.now(OSLO),
        )


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (datetime(2020, 1, 1, tzinfo=OSLO), "before it started"),
        (datetime.now(OSLO) + timedelta(days=2), "future"),
    ],
)
def test_a_step_cannot_end_before_it_started_or_in_the_future(
    chain_templates: None, cast: Cast, at: datetime, message: str
) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    with pytest.raises(ValidationError, match=message):
        services.finish_step(
            access=get_case_for(owner, case.code), membership=owner, case_step=step(case, "identified"), at=at
        )


def test_a_step_goes_only_to_an_organisation_that_takes_it(chain_templates: None, cast: Cast) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    with pytest.raises(ValidationError, match="does not take"):
        services.assign_responsibility(case_step=step(case, "identified"), organisation=cast.nav, membership=owner)


def test_ending_a_case_skips_open_steps_and_closes_their_deadlines(chain_templates: None, cast: Cast) -> None:
    nav = member(organisation(cast, Organisation.Kind.NAV_OFFICE))
    case = create_case(membership=nav, municipality=cast.oslo)
    access = get_case_for(nav, case.code)
    now = datetime.now(OSLO)
    for code in ("identified", "lawyer", "reflection-application"):
        services.finish_step(access=access, membership=nav, case_step=step(case, code), at=now)
    services.end_case(access=access, membership=nav, reason=CaseChain.EndReason.RETURNED)
    assert set(case.steps.values_list("status", flat=True)) == {CaseStep.Status.DONE, CaseStep.Status.SKIPPED}
    assert not Deadline.objects.filter(case=case, done_at__isnull=True).exists()
    assert case.events.filter(kind=CaseEvent.Kind.CASE_ENDED).exists()
    with pytest.raises(ValidationError, match="already ended"):
        services.end_case(access=access, membership=nav, reason=CaseChain.EndReason.RETURNED)


def test_the_case_page_shows_the_chain_and_a_step_can_be_finished_in_the_browser_form(
    chain_templates: None, cast: Cast
) -> None:
    owner = cast.ngo_worker.memberships.get(organisation=cast.ngo)
    case = create_case(membership=owner, municipality=cast.oslo)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    page = client.get(reverse("cases:detail", args=[case.code])).text
    assert "No one responsible" in page or "Ingen ansvarlig" in page
    response = client.post(
        reverse("cases:finish_step", args=[case.code, "identified"]), {"at": "2099-01-01T10:00"}, follow=False
    )
    assert response.status_code == 200  # in the future: refused with the form again
    response = client.post(
        reverse("cases:finish_step", args=[case.code, "identified"]),
        {"at": datetime.now(OSLO).strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    assert step(case, "lawyer").status == CaseStep.Status.ACTIVE


def test_an_organisation_that_accepted_a_step_in_advance_stays_responsible_when_it_starts(
    chain_templates: None, cast: Cast
) -> None:
    low = member(organisation(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE))
    lawyer = member(organisation(cast, Organisation.Kind.LAWYER))
    case = create_case(membership=low, municipality=cast.oslo)
    services.assign_responsibility(case_step=step(case, "lawyer"), organisation=lawyer.organisation, membership=low)
    services.finish_step(
        access=get_case_for(low, case.code), membership=low, case_step=step(case, "identified"), at=datetime.now(OSLO)
    )
    assert step(case, "lawyer").status == CaseStep.Status.ACTIVE
    assert step(case, "lawyer").responsible_id == lawyer.organisation_id
