"""The dates that drive deadlines, recorded by the organisation that decides (issue 14, item 1).

UDI records the reflection-period decision date and the six-month deadline counts from it; the police record
that the application was lodged; the lawyer records the appointment (the guardian or child welfare, for a child).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEntry
from cases import services as case_services
from cases.access import get_case_for
from cases.models import Case, CaseEvent
from chain import decisions
from chain.models import CaseDecision, CaseStep, Deadline, DecisionKind
from chain.rules import add_months
from chain.services import assign_responsibility, finish_step
from organisations.models import Membership, Organisation
from sharing import services as sharing_services
from sharing.models import Consent
from tests import reference_access as ref
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db
GRANTED, SUBMITTED, LAWYER = "reflection-period-granted", "reflection-application-submitted", "lawyer-appointed"


@dataclass
class Relay:
    cast: Cast
    udi: Organisation
    police: Organisation
    lawyer: Organisation
    udi_worker: Any
    police_worker: Any
    lawyer_worker: Any

    def member(self, user: Any, organisation: Organisation | None = None) -> Membership:
        memberships = Membership.objects.select_related("user", "organisation").filter(user=user)
        return memberships.get(organisation=organisation) if organisation else memberships.get()


@pytest.fixture
def relay(cast: Cast, chain_templates: None) -> Relay:
    udi = OrganisationFactory.create(
        name="UDI", kind=Organisation.Kind.UDI, owner_type=Organisation.OwnerType.STATE, municipality=None
    )
    police = OrganisationFactory.create(
        name="Oslo politidistrikt",
        kind=Organisation.Kind.POLICE_DISTRICT,
        owner_type=Organisation.OwnerType.STATE,
        municipality=cast.oslo,
    )
    lawyer = OrganisationFactory.create(name="Advokat Fjord", kind=Organisation.Kind.LAWYER, municipality=cast.oslo)
    return Relay(
        cast,
        udi,
        police,
        lawyer,
        MembershipFactory.create(organisation=udi, role=Membership.Role.COORDINATOR).user,
        MembershipFactory.create(organisation=police, role=Membership.Role.COORDINATOR).user,
        MembershipFactory.create(organisation=lawyer, role=Membership.Role.COORDINATOR).user,
    )


def owner(relay: Relay) -> Membership:
    return relay.member(relay.cast.ngo_worker)


def new_case(relay: Relay, *, share_with: tuple[str, ...] = ("udi", "police", "lawyer", "nav")) -> Case:
    case = case_services.create_case(membership=owner(relay), municipality=relay.cast.oslo)
    organisations = {"udi": relay.udi, "police": relay.police, "lawyer": relay.lawyer, "nav": relay.cast.nav}
    for name in share_with:
        sharing_services.record_consent(
            access=get_case_for(owner(relay), case.code, glass_broken=True),
            membership=owner(relay),
            organisation=organisations[name],
            field_groups=["identity", "immigration"],
            purpose="Søknad om refleksjonsperiode",
            form=Consent.Form.WRITTEN,
            given_on=timezone.localdate() - timedelta(days=60),
            expires_on=None,
        )
    return case


def record(relay: Relay, case: Case, user: Any, code: str, decided_on: date, reason: str = "") -> CaseDecision:
    membership = relay.member(user)
    return decisions.record_decision(
        access=get_case_for(membership, case.code),
        membership=membership,
        kind=DecisionKind.objects.get(code=code),
        decided_on=decided_on,
        correction_reason=reason,
    )


def url(case: Case, code: str) -> str:
    return reverse("cases:record_decision", args=[case.code, code])


def day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def midnight(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def test_the_catalogue_names_who_records_each_decision_and_its_legal_reference() -> None:
    kinds = {kind.code: kind for kind in DecisionKind.objects.select_related("deadline_rule")}
    assert {GRANTED, SUBMITTED, LAWYER, "guardian-appointed"} <= set(kinds)
    assert kinds[GRANTED].recorded_by == ["udi"]
    assert kinds[GRANTED].deadline_rule.code == "reflection-period-end"  # type: ignore[union-attr]
    assert kinds[SUBMITTED].recorded_by == ["police_district"]
    assert kinds[LAWYER].recorded_by == ["lawyer"]
    for kind in kinds.values():
        assert all([kind.legal_reference, kind.source, kind.title_nb, kind.title_en])
        assert set(kind.recorded_by) <= set(Organisation.Kind.values)


def test_udi_records_the_decision_date_and_the_six_month_deadline_counts_from_it(relay: Relay) -> None:
    case = new_case(relay)
    decided = timezone.localdate() - timedelta(days=20)
    client = client_acting_in(relay.udi_worker, relay.udi)
    assert client.get(url(case, GRANTED)).status_code == 200
    response = client.post(url(case, GRANTED), {"decided_on": day(decided)})
    assert response.status_code == 302
    decision = CaseDecision.objects.get(case=case)
    assert (decision.decided_on, decision.organisation, decision.recorded_by) == (decided, relay.udi, relay.udi_worker)
    [deadline] = Deadline.objects.filter(case=case, rule__code="reflection-period-end")
    assert deadline.starts_at == midnight(decided)  # the decision date, not the moment of the click
    assert deadline.due_at == midnight(add_months(decided, 6))
    assert deadline.case_step is not None
    assert deadline.case_step.step.code == "reflection-period"
    # On the timeline (every organisation of the case sees its way) and in the access log, as UDI's.
    event = case.events.get(kind=CaseEvent.Kind.DECISION_RECORDED)
    assert (event.organisation, event.actor, event.note) == (relay.udi, relay.udi_worker, f"{GRANTED}: recorded")
    assert AccessEntry.objects.filter(case=case, organisation=relay.udi, action=AccessEntry.Action.EDIT).count() == 1
    # The case page shows the date, who recorded it and the deadline with its legal reference.
    page = client_acting_in(relay.cast.ngo_worker, relay.cast.ngo).get(reverse("cases:detail", args=[case.code]))
    text = page.content.decode()
    assert 'data-testid="decision-deadline-reflection-period-granted"' in text
    assert add_months(decided, 6).strftime("%d.%m.%Y") in text
    assert "utlendingsforskriften § 8-3 første ledd" in text


def test_a_decision_in_the_future_is_refused(relay: Relay) -> None:
    case = new_case(relay)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_acting_in(relay.udi_worker, relay.udi).post(url(case, GRANTED), {"decided_on": day(tomorrow)})
    assert response.status_code == 200
    assert "Datoen kan ikke være fram i tid" in response.content.decode()
    assert not CaseDecision.objects.filter(case=case).exists()
    assert not Deadline.objects.filter(case=case, rule__code="reflection-period-end").exists()


def test_a_decision_recorded_twice_is_refused_and_a_correction_supersedes_it(relay: Relay) -> None:
    case = new_case(relay)
    first_date = timezone.localdate() - timedelta(days=10)
    record(relay, case, relay.udi_worker, GRANTED, first_date)
    with pytest.raises(ValidationError, match="er allerede registrert"):
        record(relay, case, relay.udi_worker, GRANTED, first_date - timedelta(days=1))
    response = client_acting_in(relay.udi_worker, relay.udi).post(
        url(case, GRANTED), {"decided_on": day(first_date - timedelta(days=1)), "correction_reason": ""}
    )
    assert "er allerede registrert" in response.content.decode()
    assert CaseDecision.objects.filter(case=case).count() == 1
    corrected = first_date - timedelta(days=3)
    decision = record(relay, case, relay.udi_worker, GRANTED, corrected, reason="Feil dato i vedtaksbrevet lest inn")
    assert decision.supersedes is not None
    assert decision.supersedes.decided_on == first_date
    assert list(CaseDecision.objects.filter(case=case, is_current=True)) == [decision]
    assert CaseDecision.objects.filter(case=case).count() == 2  # the earlier record is kept
    [deadline] = Deadline.objects.filter(case=case, rule__code="reflection-period-end", done_at__isnull=True)
    assert deadline.due_at == midnight(add_months(corrected, 6))
    assert case.events.filter(kind=CaseEvent.Kind.DECISION_RECORDED, note=f"{GRANTED}: correction").exists()


def test_an_organisation_whose_kind_does_not_make_the_decision_is_refused(relay: Relay) -> None:
    case = new_case(relay)
    today = timezone.localdate()
    for user, organisation in [
        (relay.cast.ngo_worker, relay.cast.ngo),  # the owner: it does not decide for UDI
        (relay.cast.nav_coordinator, relay.cast.nav),
        (relay.police_worker, relay.police),
    ]:
        response = client_acting_in(user, organisation).post(url(case, GRANTED), {"decided_on": day(today)})
        assert response.status_code == 403
        assert "Utlendingsdirektoratet (UDI)" in response.content.decode()
        with pytest.raises(ValidationError, match="Bare Utlendingsdirektoratet"):
            record(relay, case, user, GRANTED, today)
    assert not CaseDecision.objects.filter(case=case).exists()


def test_an_unrelated_decider_gets_404_and_a_protected_case_needs_the_glass_broken(relay: Relay) -> None:
    unshared = new_case(relay, share_with=("police",))
    client = client_acting_in(relay.udi_worker, relay.udi)
    today = timezone.localdate()
    assert client.post(url(unshared, GRANTED), {"decided_on": day(today)}).status_code == 404
    assert client.get(url(unshared, "no-such-decision")).status_code == 404
    protected = new_case(relay)
    admin = relay.member(relay.cast.ngo_admin)
    case_services.set_protection(
        access=get_case_for(admin, protected.code), membership=admin, protected=True, named_users=[]
    )
    assert client.post(url(protected, GRANTED), {"decided_on": day(today)}).status_code == 404
    client.post(
        reverse("cases:break_glass", args=[protected.code]), {"ground": "other", "explanation": "Vedtak fattet i dag"}
    )
    assert client.post(url(protected, GRANTED), {"decided_on": day(today)}).status_code == 302
    assert CaseDecision.objects.filter(case=protected).count() == 1
    assert not CaseDecision.objects.filter(case=unshared).exists()


def test_the_relay_lawyer_police_udi_moves_the_chain_at_the_dates_of_the_decisions(relay: Relay) -> None:
    case = new_case(relay)
    today = timezone.localdate()
    identified = CaseStep.objects.select_related("step").get(case=case, step__code="identified")
    CaseStep.objects.filter(pk=identified.pk).update(started_at=midnight(today - timedelta(days=40)))
    identified.refresh_from_db()
    finish_step(
        access=get_case_for(owner(relay), case.code),
        membership=owner(relay),
        case_step=identified,
        at=midnight(today - timedelta(days=30)),
    )  # the chain now waits for the lawyer
    record(relay, case, relay.lawyer_worker, LAWYER, today - timedelta(days=28))
    record(relay, case, relay.police_worker, SUBMITTED, today - timedelta(days=25))
    statuses = dict(CaseStep.objects.filter(case=case).values_list("step__code", "status"))
    assert statuses["lawyer"] == statuses["reflection-application"] == CaseStep.Status.DONE
    assert statuses["support-while-pending"] == CaseStep.Status.ACTIVE
    assert CaseStep.objects.get(case=case, step__code="reflection-application").done_at == midnight(
        today - timedelta(days=25)
    )
    decided = today - timedelta(days=5)
    record(relay, case, relay.udi_worker, GRANTED, decided)
    reflection = CaseStep.objects.get(case=case, step__code="reflection-period")
    assert reflection.status == CaseStep.Status.ACTIVE
    assert CaseStep.objects.get(case=case, step__code="support-while-pending").done_at == midnight(decided)
    [deadline] = Deadline.objects.filter(case=case, rule__code="reflection-period-end")
    assert deadline.due_at == midnight(add_months(decided, 6))
    assert deadline.case_step == reflection
    assert set(CaseDecision.objects.filter(case=case).values_list("organisation__name", flat=True)) == {
        "UDI",
        "Oslo politidistrikt",
        "Advokat Fjord",
    }


def test_a_decision_recorded_after_the_step_was_clicked_done_moves_the_deadline_to_its_date(relay: Relay) -> None:
    case = new_case(relay)
    access = get_case_for(owner(relay), case.code)
    now = timezone.now()
    reflection = CaseStep.objects.select_related("step").get(case=case, step__code="reflection-period")
    assign_responsibility(case_step=reflection, organisation=relay.cast.nav, membership=owner(relay))
    for code in ("identified", "lawyer", "reflection-application", "support-while-pending"):
        case_step = CaseStep.objects.select_related("step").get(case=case, step__code=code)
        finish_step(access=access, membership=owner(relay), case_step=case_step, at=now)
    [from_click] = Deadline.objects.filter(case=case, rule__code="reflection-period-end")
    decided = timezone.localdate() - timedelta(days=12)
    record(relay, case, relay.udi_worker, GRANTED, decided)
    [deadline] = Deadline.objects.filter(case=case, rule__code="reflection-period-end")
    assert deadline.pk == from_click.pk
    assert deadline.due_at == midnight(add_months(decided, 6))


def test_the_guardian_is_recorded_for_a_child_only(relay: Relay, cast: Cast) -> None:
    guardian = OrganisationFactory.create(name="Vergene", kind=Organisation.Kind.GUARDIAN, municipality=cast.oslo)
    guardian_user = MembershipFactory.create(organisation=guardian, role=Membership.Role.COORDINATOR).user
    child = case_services.create_case(membership=owner(relay), municipality=cast.oslo, track=Case.Track.CHILD)
    adult = new_case(relay)
    for case in (child, adult):
        sharing_services.record_consent(
            access=get_case_for(owner(relay), case.code),
            membership=owner(relay),
            organisation=guardian,
            field_groups=["identity"],
            purpose="Verge",
            form=Consent.Form.WRITTEN,
            given_on=timezone.localdate(),
            expires_on=None,
        )
    client = client_acting_in(guardian_user, guardian)
    today = day(timezone.localdate())
    assert client.post(url(child, "guardian-appointed"), {"decided_on": today}).status_code == 302
    assert client.post(url(adult, "guardian-appointed"), {"decided_on": today}).status_code == 404
    assert CaseDecision.objects.get(case=child).organisation == guardian


# The access matrix of the new URL: every role × the owner, a sharing decider, a sharing non-decider and an
# unrelated decider × an open and a protected case, against tests/reference_access.py.

ROLES = [
    Membership.Role.CASEWORKER,
    Membership.Role.COORDINATOR,
    Membership.Role.ORG_ADMIN,
    Membership.Role.STATISTICIAN,
]


@pytest.mark.parametrize("protected", [False, True])
def test_the_decision_url_follows_the_reference_model(relay: Relay, protected: bool) -> None:
    case = new_case(relay, share_with=("udi", "nav"))
    other_udi = OrganisationFactory.create(
        name="UDI (annen)", kind=Organisation.Kind.UDI, owner_type=Organisation.OwnerType.STATE, municipality=None
    )
    organisations = {"owner": relay.cast.ngo, "udi": relay.udi, "nav": relay.cast.nav, "unrelated udi": other_udi}
    members = {
        (label, role): MembershipFactory.create(organisation=organisation, role=role).user
        for label, organisation in organisations.items()
        for role in ROLES
    }
    if protected:
        admin = relay.member(relay.cast.ngo_admin)
        case_services.set_protection(
            access=get_case_for(admin, case.code), membership=admin, protected=True, named_users=[]
        )
    facts = ref.CaseFacts(
        owner=relay.cast.ngo.pk,
        assigned=set(case.assignments.values_list("user_id", "organisation_id")),
        sharings=[
            ref.Sharing(relay.udi.pk, frozenset({"identity", "immigration"}), True),
            ref.Sharing(relay.cast.nav.pk, frozenset({"identity", "immigration"}), True),
        ],
        protected=protected,
        named={relay.cast.ngo_admin.pk} if protected else set(),
    )
    deciders = {o.pk for o in organisations.values() if o.kind == Organisation.Kind.UDI}
    problems = []
    for (label, role), user in members.items():
        actor = ref.Actor(user.pk, organisations[label].pk, role)
        if not ref.sees(actor, facts) or ref.must_break_glass(actor, facts):
            expected = 404
        elif ref.may_record_decision(actor, facts, deciders):
            expected = 302
        else:
            expected = 403
        with transaction.atomic():
            client = client_acting_in(user, organisations[label])
            response = client.post(url(case, GRANTED), {"decided_on": day(timezone.localdate())})
            written = CaseDecision.objects.filter(case=case).exists()
            if response.status_code != expected or written != (expected == 302):
                problems.append(f"{label} {role}: status {response.status_code}, expected {expected}")
            transaction.set_rollback(True)
    assert Client().post(url(case, GRANTED)).status_code == 302  # anonymous: to the log-in
    assert not problems, "\n".join(problems)
