import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AccessEntry
from audit.services import verify_chain
from cases.access import granted_groups
from cases.models import Case, CaseEvent, FieldGroup, FieldGroupRecord
from cases.services import create_case, find_cases_by_identity
from chain import rules
from chain.models import CaseChain, CaseStep, ChainTemplate, Deadline
from core import crypto
from demo import cases as demo_cases
from demo.cases import SeededCases
from demo.seeding import FIRST_NAMES, LAST_NAMES, LOCAL_ORGANISATIONS, seed_demo
from organisations.models import Membership, Municipality, Organisation
from referrals.models import Referral
from sharing.models import Consent, Disclosure
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten cases per unit of scale instead of a thousand: the tests check the shape, not the volume."""
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 10)


def test_it_creates_every_kind_of_organisation_and_every_role() -> None:
    result = seed_demo(seed=7, scale=1)
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Membership.Role.values)
    assert set(Municipality.objects.values_list("name", flat=True)) == {"Oslo", "Bergen"}
    assert result.users == User.objects.count()
    assert all(user.email.endswith(".invalid") for user in User.objects.all())


def test_every_demo_user_can_log_in_with_the_printed_password_and_has_totp() -> None:
    result = seed_demo(seed=7, scale=1)
    for user in User.objects.all():
        assert user.check_password(result.password)
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == User.objects.count()


def test_it_is_deterministic_and_idempotent() -> None:
    first = seed_demo(seed=7, scale=1)
    names = sorted(User.objects.values_list("email", "first_name", "last_name"))
    second = seed_demo(seed=7, scale=1)
    assert first.logins == second.logins
    assert first.password == second.password
    assert sorted(User.objects.values_list("email", "first_name", "last_name")) == names


def test_it_grows_with_scale() -> None:
    seed_demo(seed=7, scale=3)
    assert Municipality.objects.count() == 4
    assert Organisation.objects.filter(municipality__name="Demokommune 2").count() == len(LOCAL_ORGANISATIONS)


def test_the_command_prints_the_log_ins() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "oslo.ngo.saksbehandler@demo.vern.invalid" in out.getvalue()


def test_the_command_rejects_a_bad_scale() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0")


def test_totp_code_refuses_outside_demo_mode() -> None:
    seed_demo(seed=7, scale=1)
    with pytest.raises(CommandError, match="demo mode"):
        call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid")


def test_totp_code_prints_a_code_in_demo_mode(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    seed_demo(seed=7, scale=1)
    out = StringIO()
    call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid", stdout=out)
    assert out.getvalue().strip().isdigit()


# --- Cases ----------------------------------------------------------------------------------------

# A fixed day, so the tests do not depend on today's date (the case history ends before it).
DAY = date(2026, 3, 2)
START_OF_DAY = datetime.combine(DAY, time.min, tzinfo=ZoneInfo("Europe/Oslo"))
# What the chain adds to a timeline; the rest is the case's own story of about ten events and log entries.
CHAIN_EVENTS = [
    CaseEvent.Kind.STEP_STARTED,
    CaseEvent.Kind.STEP_COMPLETED,
    CaseEvent.Kind.RESPONSIBILITY_ASSIGNED,
    CaseEvent.Kind.CASE_ENDED,
    CaseEvent.Kind.REFERRAL_SENT,
    CaseEvent.Kind.HANDOVER_REQUESTED,
    CaseEvent.Kind.PRECONDITION_OVERRIDDEN,
]


def entries_per_case_besides_the_chain() -> float:
    story = CaseEvent.objects.exclude(kind__in=CHAIN_EVENTS).count() + AccessEntry.objects.count()
    return story / Case.objects.count()


class _Rollback(Exception):
    pass


def content() -> dict[str, list[Any]]:
    """Everything the case step wrote, without database ids (which differ between runs on PostgreSQL)."""
    people = [
        (record.case.code, record.group, crypto.decrypt_json(record.ciphertext, aad=record.associated_data))
        for record in FieldGroupRecord.objects.select_related("case").order_by("case__code", "group")
    ]
    events = CaseEvent.objects.order_by("case__code", "at", "kind")
    consents = Consent.objects.order_by("case__code", "organisation__name", "recorded_at")
    steps = CaseStep.objects.order_by("case__code", "step__order")
    return {
        "cases": list(Case.objects.order_by("code").values_list("code", "owner__name", "created_at", "is_protected")),
        "people": people,
        # Events recorded at the same moment (a case's identity and contact groups) have no order of their own.
        "events": sorted(
            events.values_list("case__code", "kind", "at", "actor__email", "audience__name", "field_groups", "note"),
            key=repr,
        ),
        "consents": sorted(
            consents.values_list("case__code", "organisation__name", "given_on", "withdrawn_at"), key=repr
        ),
        "chains": list(
            CaseChain.objects.order_by("case__code").values_list(
                "case__code", "template__title_en", "started_at", "ended_at", "end_reason"
            )
        ),
        "steps": list(
            steps.values_list("case__code", "step__code", "status", "responsible__name", "started_at", "done_at")
        ),
        "deadlines": sorted(
            Deadline.objects.values_list(
                "case__code", "rule__code", "organisation__name", "starts_at", "due_at", "done_at"
            ),
            key=repr,
        ),
        "referrals": sorted(
            Referral.objects.values_list(
                "case__code", "kind", "case_step__step__code", "to_organisation__name", "status", "decided_at"
            ),
            key=repr,
        ),
        "log": list(
            AccessEntry.objects.order_by("sequence").values_list(
                "sequence", "case__code", "at", "user__email", "organisation__name", "action", "assigned", "reason"
            )
        ),
    }


def content_seeded_with(seed: int) -> dict[str, list[Any]]:
    try:
        with transaction.atomic():
            seed_demo(seed=seed, scale=1, today=DAY)
            seeded = content()
            raise _Rollback
    except _Rollback:
        return seeded


def test_the_demo_has_a_dozen_cases_in_oslo_and_bergen_with_every_kind_of_sharing() -> None:
    result = seed_demo(seed=7, scale=1, today=DAY)
    assert result.cases == SeededCases(
        cases=Case.objects.count(),
        twins=demo_cases.MIN_TWINS,
        events=CaseEvent.objects.count(),
        access_entries=AccessEntry.objects.count(),
        chains=CaseChain.objects.count(),
        deadlines=Deadline.objects.count(),
        referrals=Referral.objects.count(),
    )
    assert result.cases.cases == 12 + demo_cases.MIN_TWINS  # the showcase, and people a second organisation registered
    assert set(Case.objects.values_list("municipality__name", flat=True)) == {"Oslo", "Bergen"}
    # Besides the consents that go with referrals on the chain, the people consent to NAV.
    story_consents = Consent.objects.exclude(pk__in=Referral.objects.values("consent"))
    assert {consent.organisation.kind for consent in story_consents} == {Organisation.Kind.NAV_OFFICE}
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()
    assert Disclosure.objects.exists()
    protected = Case.objects.get(is_protected=True)
    assert protected.protected_access.exists()
    assert 8 <= entries_per_case_besides_the_chain() <= 12
    assert verify_chain().problems == []


def test_the_demo_people_are_fictional_encrypted_and_found_by_name() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    record = FieldGroupRecord.objects.select_related("case").filter(group=FieldGroup.IDENTITY).first()
    assert record is not None
    person = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
    assert person["first_name"] in FIRST_NAMES
    assert person["last_name"] in LAST_NAMES
    assert person["last_name"] not in record.ciphertext
    name = f"{person['first_name']} {person['last_name']}"
    assert record.case in find_cases_by_identity(cases=Case.objects.all(), name=name, birth_date="")
    assert FieldGroupRecord.objects.filter(group=FieldGroup.IDENTITY).count() == Case.objects.count()


def test_the_case_history_ends_before_the_day_it_is_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 1000)  # enough cases that some open on the last day
    seed_demo(seed=7, scale=2, today=DAY)
    start_of_day = START_OF_DAY
    history = [
        *Case.objects.values_list("created_at", flat=True),
        *CaseEvent.objects.values_list("at", flat=True),
        *AccessEntry.objects.values_list("at", flat=True),
        *CaseStep.objects.exclude(done_at=None).values_list("done_at", flat=True),
        *Referral.objects.values_list("created_at", flat=True),
        *Referral.objects.exclude(decided_at=None).values_list("decided_at", flat=True),
        *Deadline.objects.exclude(done_at=None).values_list("done_at", flat=True),
    ]
    assert max(at for at in history if at is not None) < start_of_day
    assert Case.objects.filter(created_at__gte=start_of_day - timedelta(days=3)).exists()  # the Friday before
    # Each case's timeline starts with its creation.
    for case in Case.objects.all():
        assert case.events.order_by("at").first().kind == CaseEvent.Kind.CREATED  # type: ignore[union-attr]


def test_the_log_is_in_time_order() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    times = list(AccessEntry.objects.order_by("sequence").values_list("at", flat=True))
    assert times == sorted(times)


def test_the_cases_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    first = content_seeded_with(7)
    assert first == content_seeded_with(7)
    other = content_seeded_with(8)
    assert other["people"] != first["people"]
    assert other["log"] != first["log"]


def test_it_adds_the_cases_once() -> None:
    seed_demo(seed=7, scale=1)
    before = content()
    again = seed_demo(seed=7, scale=1)
    assert again.cases == SeededCases()
    assert content() == before


def test_cases_opened_in_vern_continue_after_the_demo_codes() -> None:
    seed_demo(seed=7, scale=1)
    coordinator = Membership.objects.select_related("user", "organisation").get(
        user__email="oslo.tot.koordinator@demo.vern.invalid"
    )
    municipality = coordinator.organisation.municipality
    assert municipality is not None
    case = create_case(membership=coordinator, municipality=municipality)
    assert Case.objects.filter(code=case.code).count() == 1


def test_the_scaled_demo_has_about_a_thousand_cases_per_scale_with_ten_entries_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 100)  # 300 cases: the shape of scale 3, a tenth the size
    result = seed_demo(seed=7, scale=3, today=DAY)
    assert result.cases.cases == 3 * 100 + 12 + result.cases.twins
    adults_in_the_cities = Case.objects.filter(municipality__name__in=["Oslo", "Bergen"], track=Case.Track.ADULT)
    assert 0.06 < result.cases.twins / (adults_in_the_cities.count() - result.cases.twins) < 0.1  # TWIN_SHARE
    per_municipality = Counter(Case.objects.values_list("municipality__name", flat=True))
    assert set(per_municipality) == {"Oslo", "Bergen", "Demokommune 1", "Demokommune 2"}
    assert per_municipality["Oslo"] > per_municipality["Demokommune 1"]
    assert Case.objects.values("owner").distinct().count() >= 4 * 5
    assert 9 <= entries_per_case_besides_the_chain() <= 11
    assert Consent.objects.count() > 50
    assert verify_chain().problems == []


def test_the_coordinator_sees_the_demo_cases_and_opens_one() -> None:
    seed_demo(seed=7, scale=1)
    coordinator = User.objects.get(email="oslo.tot.koordinator@demo.vern.invalid")
    organisation = Organisation.objects.get(name="TOT-koordinator Oslo")
    client = client_acting_in(coordinator, organisation)
    case = Case.objects.filter(owner=organisation, is_protected=False).first()
    assert case is not None
    assert case.code in client.get(reverse("cases:list")).content.decode()
    record = case.field_groups.get(group=FieldGroup.IDENTITY)
    person = crypto.decrypt_json(record.ciphertext, aad=record.associated_data)
    assert person["last_name"] in client.get(reverse("cases:detail", args=[case.code])).content.decode()


def test_the_command_counts_the_cases() -> None:
    out = StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("Demo cases: 15 cases (3 of a person another organisation registered too), ")
    call_command("seed_demo", "--quiet-logins", stdout=out)
    assert "Demo cases: the demo municipalities already have cases; none added." in out.getvalue().splitlines()


def test_the_command_allows_scale_100_and_no_more() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "101")


# --- The chain ------------------------------------------------------------------------------------


@pytest.fixture
def national_shape(monkeypatch: pytest.MonkeyPatch) -> SeededCases:
    """Scale 3 at a tenth of the size: 312 cases in Oslo, Bergen and two demo municipalities."""
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 100)
    return seed_demo(seed=7, scale=3, today=DAY).cases


def test_every_case_with_a_chain_for_its_track_is_on_it_from_its_opening(national_shape: SeededCases) -> None:
    active = {
        (template.municipality_id, template.track): template
        for template in ChainTemplate.objects.filter(status=ChainTemplate.Status.ACTIVE)
    }
    assert {(template.municipality.name, template.track) for template in active.values()} == {
        ("Oslo", Case.Track.ADULT),
        ("Bergen", Case.Track.CHILD),
    }
    for case in Case.objects.select_related("chain__template"):
        template = active.get((case.municipality_id, case.track))
        if template is None:
            assert not CaseChain.objects.filter(case=case).exists()
            continue
        assert case.chain.template == template
        assert case.chain.started_at == case.created_at
        assert case.steps.count() == template.steps.count()
    assert national_shape.chains == CaseChain.objects.count()
    children = Case.objects.filter(track=Case.Track.CHILD)
    assert set(children.values_list("municipality__name", flat=True)) == {"Bergen"}
    assert children.filter(chain__isnull=False).count() == children.count() > 10
    assert Case.objects.filter(chain=None).exists()  # the demo municipalities have no chain yet


def test_a_step_in_progress_has_a_responsible_that_takes_it_or_none(national_shape: SeededCases) -> None:
    in_progress = CaseStep.objects.filter(status=CaseStep.Status.ACTIVE).select_related(
        "step", "responsible", "case__owner", "case__chain"
    )
    assert in_progress.count() > 100
    for case_step in in_progress:
        assert case_step.case.chain.ended_at is None
        if case_step.responsible is not None:
            assert case_step.step.takes(case_step.responsible)
            assert case_step.responsible.municipality_id in (case_step.case.municipality_id, None)
        else:
            assert not case_step.step.takes(case_step.case.owner)  # the owner would be responsible itself
    nobody = in_progress.filter(responsible=None).count()
    assert 0 < nobody < in_progress.count() / 5
    assert Case.objects.filter(steps__status=CaseStep.Status.ACTIVE).distinct().count() == in_progress.count()
    ended = CaseChain.objects.exclude(ended_at=None)
    assert 0 < ended.count() < CaseChain.objects.count() / 2
    assert not CaseStep.objects.filter(case__chain__in=ended, status__in=["active", "waiting"]).exists()


def test_the_steps_follow_each_other_in_time(national_shape: SeededCases) -> None:
    steps = CaseStep.objects.select_related("case__chain", "step").order_by("case", "step__order")
    by_case: dict[int, list[CaseStep]] = {}
    for case_step in steps:
        by_case.setdefault(case_step.case_id, []).append(case_step)
    for case_steps in by_case.values():
        chain = case_steps[0].case.chain
        started = [case_step for case_step in case_steps if case_step.started_at is not None]
        assert started[0] is case_steps[0]
        assert started[0].started_at == chain.started_at
        for before, after in itertools.pairwise(started):
            assert before.status in (CaseStep.Status.DONE, CaseStep.Status.SKIPPED)
            assert after.started_at == before.done_at
        for case_step in started:
            started_at = cast(datetime, case_step.started_at)
            assert started_at <= (case_step.done_at or started_at) < START_OF_DAY
        for case_step in case_steps[len(started) :]:
            assert case_step.status in (CaseStep.Status.WAITING, CaseStep.Status.SKIPPED)
            assert case_step.done_at is None
        if chain.ended_at is not None:
            assert chain.ended_at == started[-1].done_at
            assert chain.end_reason in CaseChain.EndReason.values


def test_deadlines_are_those_of_the_rules_owned_by_the_responsible_and_some_are_overdue(
    national_shape: SeededCases,
) -> None:
    deadlines = Deadline.objects.select_related("rule", "case_step__step", "case_step__responsible")
    assert deadlines.count() == national_shape.deadlines > 20
    for deadline in deadlines:
        rule, case_step = deadline.rule, deadline.case_step
        assert rule is not None
        assert case_step is not None
        assert deadline.due_at == rules.due_at_for(rule, deadline.starts_at)  # on the working day the rule says
        assert case_step.status == CaseStep.Status.ACTIVE
        assert case_step.step.deadline_rule_id == rule.pk
        assert deadline.organisation_id == case_step.responsible_id
        assert cast(datetime, case_step.started_at) <= deadline.starts_at < START_OF_DAY
        if deadline.done_at is not None:  # a round of the repeating cycle, done before it fell due
            assert rule.repeats
            assert deadline.starts_at < deadline.done_at <= deadline.due_at
            assert deadline.confirmed_by in Deadline.ConfirmedBy.values  # who confirmed the application is pending
            assert deadline.confirmed_at == deadline.done_at
    # Each round of a repeating cycle counts from the previous round's due date, not from when it was confirmed.
    rounds: dict[int | None, list[Deadline]] = {}
    for deadline in deadlines.filter(rule__repeats=True).order_by("starts_at"):
        rounds.setdefault(deadline.case_step_id, []).append(deadline)
    assert any(len(cycle) > 1 for cycle in rounds.values())
    for cycle in rounds.values():
        for previous, following in pairwise(cycle):
            assert previous.rule is not None
            assert following.starts_at == rules.next_cycle_start(previous.rule, previous.starts_at)
    # Every step in progress with a rule and someone responsible has one open deadline.
    with_rule = CaseStep.objects.filter(status="active", step__deadline_rule__isnull=False, responsible__isnull=False)
    assert sorted(Deadline.objects.filter(done_at=None).values_list("case_step", flat=True)) == sorted(
        with_rule.values_list("pk", flat=True)
    )
    open_deadlines = Deadline.objects.filter(done_at=None)
    assert 0 < open_deadlines.filter(due_at__lt=START_OF_DAY).count() < open_deadlines.count()


def test_the_responsible_got_the_case_by_an_accepted_referral_with_consent(national_shape: SeededCases) -> None:
    taken = (
        CaseStep.objects.exclude(responsible=None)
        .exclude(responsible=models.F("case__owner"))
        .select_related("step", "case", "responsible")
    )
    assert taken.count() > 100
    for case_step in taken:
        referral = Referral.objects.select_related("consent").get(
            case_step=case_step, to_organisation=case_step.responsible, status=Referral.Status.ACCEPTED
        )
        assert referral.from_organisation_id == case_step.case.owner_id
        needs = set(case_step.step.field_groups or [FieldGroup.IDENTITY])
        assert set(referral.field_groups) == needs
        assert referral.consent is not None
        assert set(referral.consent.field_groups) == needs
        assert needs <= granted_groups(case_step.case, cast(Organisation, case_step.responsible))
        assert case_step.started_at < referral.created_at <= referral.decided_at  # type: ignore[operator]
        assert referral.decided_at <= (case_step.done_at or START_OF_DAY)  # type: ignore[operator]
    pending = Referral.objects.filter(status=Referral.Status.PENDING)
    assert pending.filter(kind=Referral.Kind.REFERRAL).exists()
    for referral in pending.select_related("case_step"):
        assert referral.case_step is not None
        assert referral.case_step.responsible_id is None
    handovers = pending.filter(kind=Referral.Kind.HANDOVER)
    assert handovers.exists()
    assert set(handovers.values_list("to_organisation__kind", flat=True)) == {Organisation.Kind.RECEPTION_CENTRE}


def test_the_showcase_gives_the_coordinators_something_to_see() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    coordinator = User.objects.get(email="oslo.tot.koordinator@demo.vern.invalid")
    client = client_acting_in(coordinator, Organisation.objects.get(name="TOT-koordinator Oslo"))
    overview = client.get(reverse("chain:overview"))
    assert overview.status_code == 200
    board = overview.context["overview"]
    assert board.unassigned_count >= 1
    assert [panel.count for panel in board.panels if panel.testid == "handover-count"] == [1]
    bergen = Case.objects.filter(municipality__name="Bergen", track=Case.Track.CHILD)
    assert bergen.count() == 2
    assert Deadline.objects.filter(case__in=bergen, due_at__lt=timezone.now()).exists()
    # The organisation asked to take the step nobody has taken on finds the referral in its inbox.
    waiting = (
        Referral.objects.select_related("case", "to_organisation")
        .filter(kind=Referral.Kind.REFERRAL, status=Referral.Status.PENDING)
        .first()
    )
    assert waiting is not None
    receiver = Membership.objects.filter(organisation=waiting.to_organisation, role=Membership.Role.ORG_ADMIN).first()
    assert receiver is not None
    inbox = client_acting_in(receiver.user, receiver.organisation).get(reverse("referrals:inbox"))
    assert waiting.case.code in inbox.content.decode()
    nav = User.objects.get(email="oslo.nav.koordinator@demo.vern.invalid")
    deadlines = client_acting_in(nav, Organisation.objects.get(name="NAV Oslo")).get(reverse("chain:board"))
    assert deadlines.status_code == 200
    assert any(deadlines.context["board"].__dict__.values())
