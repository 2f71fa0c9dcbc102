"""Referrals and hand-overs: what is shared, who answers, who is responsible, what the sender hears."""

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.access import get_case_for, granted_groups, visible_cases
from cases.models import Case, CaseEvent, FieldGroup
from cases.services import create_case
from chain.models import CaseStep
from chain.services import finish_step
from notifications.models import Notification
from organisations.models import Membership, Organisation
from referrals import services
from referrals.models import Referral
from referrals.services import Ground
from sharing.models import LegalBasis
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


CONSENT = Ground(consent_form="written")


def org(cast: Cast, kind: str, owner_type: str = Organisation.OwnerType.MUNICIPAL) -> Organisation:
    return OrganisationFactory.create(kind=kind, owner_type=owner_type, municipality=cast.oslo)


def member(organisation: Organisation, role: str = Membership.Role.COORDINATOR) -> Membership:
    return MembershipFactory.create(organisation=organisation, role=role)


@pytest.fixture
def relay(cast: Cast, chain_templates: None) -> dict[str, Membership]:
    relay = {
        "low": member(org(cast, Organisation.Kind.LOW_THRESHOLD_SERVICE)),
        "lawyer": member(org(cast, Organisation.Kind.LAWYER, Organisation.OwnerType.PRIVATE)),
        "nav": member(org(cast, Organisation.Kind.NAV_OFFICE)),
        "reception": member(org(cast, Organisation.Kind.RECEPTION_CENTRE, Organisation.OwnerType.STATE)),
    }
    # Two lawyers' offices and two reception centres: no step goes to one of them until it accepts a referral.
    org(cast, Organisation.Kind.LAWYER, Organisation.OwnerType.PRIVATE)
    org(cast, Organisation.Kind.RECEPTION_CENTRE, Organisation.OwnerType.STATE)
    return relay


def case_at_lawyer_step(relay: dict[str, Membership], cast: Cast) -> tuple[Case, CaseStep]:
    low = relay["low"]
    case = create_case(membership=low, municipality=cast.oslo)
    first = case.steps.get(step__code="identified")
    finish_step(access=get_case_for(low, case.code), membership=low, case_step=first, at=datetime.now(OSLO))
    return case, case.steps.select_related("step").get(step__code="lawyer")


def refer_lawyer_step(relay: dict[str, Membership], case: Case, **changes: Any) -> Referral:
    """The low-threshold service refers the lawyer step to the lawyer, with consent, sharing identity."""
    low = relay["low"]
    arguments: dict[str, Any] = {
        "access": get_case_for(low, case.code),
        "membership": low,
        "to": relay["lawyer"].organisation,
        "case_step": case.steps.select_related("step").get(step__code="lawyer"),
        "purpose": "Fritt rettsråd",
        "field_groups": ["identity"],
        "ground": CONSENT,
    }
    return services.refer(**(arguments | changes))


def test_a_referral_shares_only_the_chosen_groups_and_acceptance_makes_the_receiver_responsible(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, lawyer_step = case_at_lawyer_step(relay, cast)
    lawyer = relay["lawyer"]
    referral = refer_lawyer_step(relay, case, field_groups=["identity", "criminal_case"])
    assert granted_groups(case, lawyer.organisation) == {"identity", "criminal_case"}
    lawyer_step.refresh_from_db()
    assert lawyer_step.responsible is None  # nothing moves before the answer
    services.accept(referral=referral, membership=lawyer)
    lawyer_step.refresh_from_db()
    assert lawyer_step.responsible_id == lawyer.organisation_id
    assert case in visible_cases(lawyer)
    # Taking the case is not the appointment: the lawyer records that (the step names no completing event).
    assert lawyer_step.status == CaseStep.Status.ACTIVE


def test_a_referral_to_an_organisation_that_does_not_take_the_step_is_refused(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, _ = case_at_lawyer_step(relay, cast)
    with pytest.raises(ValidationError, match="does not take"):
        refer_lawyer_step(relay, case, to=relay["nav"].organisation)
    assert not Referral.objects.exists()
    assert granted_groups(case, relay["nav"].organisation) == frozenset()  # nothing shared either


def test_declining_needs_a_reason_and_ends_the_sharing(relay: dict[str, Membership], cast: Cast) -> None:
    case, lawyer_step = case_at_lawyer_step(relay, cast)
    low, lawyer = relay["low"], relay["lawyer"]
    referral = refer_lawyer_step(
        relay,
        case,
        ground=Ground(
            legal_basis=LegalBasis.objects.get(code="child-welfare-duty-to-notify"), justification="Nødvendig for saken"
        ),
    )
    with pytest.raises(ValidationError, match="reason"):
        services.decline(referral=referral, membership=lawyer, reason="  ")
    services.decline(referral=referral, membership=lawyer, reason="Ingen kapasitet før januar")
    assert case not in visible_cases(lawyer)
    with pytest.raises(ValidationError, match="already been answered"):
        services.accept(referral=referral, membership=lawyer)
    feedback = services.outgoing(low)
    assert feedback[0].referral.status == Referral.Status.DECLINED
    assert feedback[0].referral.answer == "Ingen kapasitet før januar"
    assert feedback[0].step_reached == lawyer_step.step.title


def test_only_the_receiver_answers_and_only_once_at_a_time(relay: dict[str, Membership], cast: Cast) -> None:
    case, _ = case_at_lawyer_step(relay, cast)
    lawyer = relay["lawyer"]
    referral = refer_lawyer_step(relay, case)
    with pytest.raises(ValidationError, match="already has this case"):
        refer_lawyer_step(relay, case)
    with pytest.raises(ValidationError, match="Only the receiving"):
        services.accept(referral=referral, membership=relay["nav"])
    statistician = member(lawyer.organisation, Membership.Role.STATISTICIAN)
    with pytest.raises(ValidationError, match="Only the receiving"):
        services.accept(referral=referral, membership=statistician)


def test_a_hand_over_moves_the_case_only_when_accepted(relay: dict[str, Membership], cast: Cast) -> None:
    nav, reception = relay["nav"], relay["reception"]
    case = create_case(membership=nav, municipality=cast.oslo)
    access = get_case_for(nav, case.code)
    for code in ("identified", "lawyer", "reflection-application", "support-while-pending", "reflection-period"):
        finish_step(access=access, membership=nav, case_step=case.steps.get(step__code=code), at=datetime.now(OSLO))
    finish_step(access=access, membership=nav, case_step=case.steps.get(step__code="residence"), at=datetime.now(OSLO))
    state_step = case.steps.select_related("step").get(step__code="state-reception")
    assert state_step.responsible is None
    referral = services.hand_over(
        access=get_case_for(nav, case.code),
        membership=nav,
        to=reception.organisation,
        case_step=state_step,
        purpose="Asylsøknad",
        ground=CONSENT,
    )
    assert referral.field_groups == sorted(FieldGroup.values)  # the whole case file goes with it
    case.refresh_from_db()
    assert case.owner_id == nav.organisation_id  # the sender stays responsible until accepted
    services.accept(referral=referral, membership=reception)
    case.refresh_from_db()
    state_step.refresh_from_db()
    assert case.owner_id == reception.organisation_id
    assert state_step.responsible_id == reception.organisation_id
    # The template says the step is done when the reception centre accepts the hand-over.
    assert state_step.status == CaseStep.Status.DONE
    completed = case.events.get(kind=CaseEvent.Kind.STEP_COMPLETED, note="state-reception")
    assert (completed.actor_id, completed.organisation_id) == (reception.user_id, reception.organisation_id)
    assert case not in visible_cases(nav)
    assert services.outgoing(nav)[0].referral.status == Referral.Status.ACCEPTED


def test_only_the_owner_refers(relay: dict[str, Membership], cast: Cast) -> None:
    case, _ = case_at_lawyer_step(relay, cast)
    with pytest.raises(ValidationError, match="owns the case"):
        refer_lawyer_step(relay, case, access=replace(get_case_for(relay["low"], case.code), can_edit=False))


def test_the_inbox_shows_pending_referrals_and_feedback_in_constant_queries(
    relay: dict[str, Membership], cast: Cast
) -> None:
    low, lawyer = relay["low"], relay["lawyer"]

    def send() -> None:
        case, _ = case_at_lawyer_step(relay, cast)
        refer_lawyer_step(relay, case)

    send()
    receiver = client_acting_in(lawyer.user, lawyer.organisation)
    sender = client_acting_in(low.user, low.organisation)
    receiver.get(reverse("referrals:inbox"))
    sender.get(reverse("referrals:inbox"))
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as receiving:
            assert receiver.get(reverse("referrals:inbox")).status_code == 200
        with CaptureQueriesContext(connection) as sending:
            assert sender.get(reverse("referrals:inbox")).status_code == 200
        counts.append((len(receiving), len(sending)))
        send()
        send()
    assert counts[0] == counts[1]
    page = receiver.get(reverse("referrals:inbox")).text
    assert page.count('data-testid="referral-') == 5


def test_the_receiver_is_told_of_a_referral_and_the_sender_of_the_answer(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, _ = case_at_lawyer_step(relay, cast)
    low, lawyer = relay["low"], relay["lawyer"]
    referral = refer_lawyer_step(relay, case)
    told = Notification.objects.get(recipient=lawyer.user)
    assert (told.kind, told.case_id, told.link_path) == ("referral", case.pk, reverse("referrals:inbox"))
    services.decline(referral=referral, membership=lawyer, reason="Ingen kapasitet")
    assert Notification.objects.filter(recipient=low.user, kind="referral").count() == 1
