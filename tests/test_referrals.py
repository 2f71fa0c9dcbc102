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
from django.utils import translation
from django.utils.translation import gettext

from cases.access import get_case_for, granted_groups, visible_cases
from cases.models import Case, CaseEvent
from cases.services import create_case, save_field_group
from chain.models import CaseStep
from chain.services import finish_step
from notifications.models import Notification
from organisations.models import Membership, Organisation
from referrals import services
from referrals.models import Referral
from referrals.services import Ground
from sharing import services as sharing_services
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


def claim_asylum(owner: Membership, case: Case, **immigration: str) -> None:
    """The owner records in the immigration group that the person has applied for asylum."""
    access = get_case_for(owner, case.code)
    version = Case.objects.get(pk=case.pk).version
    data = {"asylum": "applied"} | immigration
    save_field_group(access=access, membership=owner, group="immigration", data=data, expected_version=version)


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
    claim_asylum(nav, case)
    referral = services.hand_over(
        access=get_case_for(nav, case.code),
        membership=nav,
        to=reception.organisation,
        case_step=state_step,
        purpose="Asylsøknad",
        field_groups=state_step.step.field_groups,
        ground=CONSENT,
    )
    assert referral.field_groups == ["identity", "immigration"]  # what the step needs, not the whole file
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
    assert get_case_for(nav, case.code).follow_up  # NAV follows the case it handed over, and sees no group
    assert get_case_for(nav, case.code).groups == frozenset()
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


# Issue 14, item 6: hand-overs that keep the person.

SENTINELS = {
    "identity": {"first_name": "Sentinelidentity"},
    "contact": {"address": "Sentinelcontact"},
    "health": {"needs": "Sentinelhealth"},
    "criminal_case": {"status": "Sentinelcriminal"},
    "family": {"notes": "Sentinelfamily"},
}


def ngo_case(relay: dict[str, Membership], cast: Cast) -> tuple[Case, CaseStep]:
    """The low-threshold service's case at step 1, with every group but immigration filled in."""
    low = relay["low"]
    case = create_case(membership=low, municipality=cast.oslo)
    for group, data in SENTINELS.items():
        version = Case.objects.get(pk=case.pk).version
        save_field_group(
            access=get_case_for(low, case.code), membership=low, group=group, data=data, expected_version=version
        )
    return case, case.steps.select_related("step").get(step__code="state-reception")


def hand_over_to_reception(relay: dict[str, Membership], case: Case, state_step: CaseStep, **changes: Any) -> Referral:
    low = relay["low"]
    arguments: dict[str, Any] = {
        "access": get_case_for(low, case.code),
        "membership": low,
        "to": relay["reception"].organisation,
        "case_step": state_step,
        "purpose": "Asylsøknad: statlig mottak",
        "field_groups": ["identity", "immigration"],
        "ground": CONSENT,
    }
    return services.hand_over(**(arguments | changes))


def test_the_asylum_hand_over_is_refused_without_an_asylum_claim(relay: dict[str, Membership], cast: Cast) -> None:
    case, state_step = ngo_case(relay, cast)
    assert state_step.step.precondition == "asylum_claimed"
    claim_asylum(relay["low"], case, asylum="")  # the immigration group is there, the claim is not
    with pytest.raises(ValidationError, match="an asylum claim is recorded"):
        hand_over_to_reception(relay, case, state_step)
    assert not Referral.objects.exists()
    assert granted_groups(case, relay["reception"].organisation) == frozenset()  # nothing shared either
    # A reason of spaces is no reason.
    with pytest.raises(ValidationError, match="give the reason"):
        hand_over_to_reception(relay, case, state_step, precondition_reason="   ")


def test_the_asylum_hand_over_is_allowed_once_the_claim_is_recorded(relay: dict[str, Membership], cast: Cast) -> None:
    case, state_step = ngo_case(relay, cast)
    claim_asylum(relay["low"], case)
    referral = hand_over_to_reception(relay, case, state_step)
    assert referral.precondition_reason == ""
    assert not case.events.filter(kind=CaseEvent.Kind.PRECONDITION_OVERRIDDEN).exists()


def test_the_hand_over_is_allowed_without_the_claim_with_a_reason_on_the_timeline(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, state_step = ngo_case(relay, cast)
    reason = "Søknaden leveres hos politiet i morgen; plass i mottak trengs i natt"
    referral = hand_over_to_reception(relay, case, state_step, precondition_reason=reason)
    assert referral.precondition_reason == reason
    event = case.events.get(kind=CaseEvent.Kind.PRECONDITION_OVERRIDDEN)
    assert (event.note, event.organisation_id, event.audience_id) == (
        reason,
        relay["low"].organisation_id,
        relay["reception"].organisation_id,
    )
    reception = relay["reception"]
    page = client_acting_in(reception.user, reception.organisation).get(reverse("cases:detail", args=[case.code]))
    assert reason in page.text  # the receiver sees why it came early


def test_only_the_chosen_groups_go_with_the_hand_over_and_the_receiver_reads_only_those(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, state_step = ngo_case(relay, cast)
    claim_asylum(relay["low"], case)
    reception = relay["reception"]
    with pytest.raises(ValidationError, match="at least one"):
        hand_over_to_reception(relay, case, state_step, field_groups=[])
    referral = hand_over_to_reception(relay, case, state_step)
    assert granted_groups(case, reception.organisation) == {"identity", "immigration"}
    services.accept(referral=referral, membership=reception)
    access = get_case_for(reception, case.code)
    assert access.is_owner
    assert access.groups == {"identity", "immigration"}  # owning the case does not open what was not sent
    page = client_acting_in(reception.user, reception.organisation).get(reverse("cases:detail", args=[case.code]))
    assert "Sentinelidentity" in page.text
    for group in ("contact", "health", "criminal_case", "family"):
        assert next(iter(SENTINELS[group].values())) not in page.text
    # …and cannot hand it on to someone else either.
    with translation.override("en"), pytest.raises(ValidationError, match="not given this information"):
        sharing_services.record_consent(
            access=access,
            membership=reception,
            organisation=relay["nav"].organisation,
            field_groups=["health"],
            purpose="Oppfølging",
            form="written",
            given_on=datetime.now(OSLO).date(),
            expires_on=None,
        )
    edit = client_acting_in(reception.user, reception.organisation).get(
        reverse("cases:edit_group", args=[case.code, "health"])
    )
    assert edit.status_code == 403


def test_after_the_hand_over_the_ngo_sees_the_way_and_the_answer_and_no_group(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, state_step = ngo_case(relay, cast)
    claim_asylum(relay["low"], case)
    low, reception = relay["low"], relay["reception"]
    referral = hand_over_to_reception(relay, case, state_step)
    services.accept(referral=referral, membership=reception)

    access = get_case_for(low, case.code)
    assert (access.follow_up, access.is_owner, access.can_edit, access.groups) == (True, False, False, frozenset())
    assert case in visible_cases(low)
    ngo = client_acting_in(low.user, low.organisation)
    page = ngo.get(reverse("cases:detail", args=[case.code]))
    assert page.status_code == 200
    assert 'data-testid="follow-up"' in page.text
    assert 'data-testid="step-state-reception"' in page.text  # the case's way through the chain
    with translation.override("nb"):  # the page is in bokmål
        accepted, on_timeline = str(Referral.Status.ACCEPTED.label), str(CaseEvent.Kind.HANDOVER_ACCEPTED.label)
        take, applied = gettext("Take responsibility"), gettext("Applied for, pending")
    assert f'data-testid="sent-status">{accepted}' in page.text  # the receiver's answer
    assert on_timeline in page.text  # and on the timeline
    assert 'data-testid="group-' not in page.text
    for data in [*SENTINELS.values(), {"asylum": applied}]:
        assert next(iter(data.values())) not in page.text
    assert take not in page.text
    assert "/done/" not in page.text
    # The step reached goes back to the referrer, on its referrals page too.
    feedback = next(f for f in services.outgoing(low) if f.referral.pk == referral.pk)
    assert feedback.referral.status == Referral.Status.ACCEPTED
    active = case.steps.filter(status=CaseStep.Status.ACTIVE).select_related("step").first()
    assert feedback.step_reached == (active.step.title if active else "")

    # Nothing to write, nothing to read: every other page of the case is refused, nothing changes.
    version = Case.objects.get(pk=case.pk).version
    for url in [
        reverse("cases:edit_group", args=[case.code, "health"]),
        reverse("cases:edit_group", args=[case.code, "identity"]),
        reverse("cases:sharing:consent_create", args=[case.code]),
        reverse("cases:hand_over", args=[case.code]),
        reverse("cases:who_has_seen", args=[case.code]),
        reverse("cases:finish_step", args=[case.code, "identified"]),
        reverse("cases:add_deadline", args=[case.code]),
        reverse("cases:meetings:convene", args=[case.code]),
    ]:
        assert ngo.get(url).status_code == 403, url
        assert ngo.post(url, {"needs": "Overskrevet", "version": version}).status_code == 403, url
    assert Case.objects.get(pk=case.pk).version == version
    assert Case.objects.get(pk=case.pk).owner_id == reception.organisation_id


def test_the_ngo_asks_for_continued_access_and_the_new_owner_records_the_consent(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, state_step = ngo_case(relay, cast)
    claim_asylum(relay["low"], case)
    low, reception = relay["low"], relay["reception"]
    referral = hand_over_to_reception(relay, case, state_step, field_groups=["identity", "contact", "immigration"])
    ngo = client_acting_in(low.user, low.organisation)
    ask = reverse("referrals:ask_access", args=[referral.pk])
    ngo.post(ask)  # not yet accepted: refused, nothing asked
    referral.refresh_from_db()
    assert referral.continued_access_asked_at is None
    services.accept(referral=referral, membership=reception)
    assert ngo.post(ask).status_code == 302
    referral.refresh_from_db()
    assert referral.continued_access_asked_at is not None
    told = Notification.objects.get(recipient=reception.user, link_path__contains="consent")
    assert told.link_path == (
        reverse("cases:sharing:consent_create", args=[case.code]) + f"?organisation={low.organisation_id}"
    )
    with translation.override("en"), pytest.raises(ValidationError, match="asked for continued access"):
        services.ask_for_continued_access(referral=referral, membership=low)
    # Another organisation cannot ask on its behalf.
    other = client_acting_in(relay["nav"].user, relay["nav"].organisation)
    assert other.post(ask).status_code == 404
    assert get_case_for(low, case.code).groups == frozenset()  # asking widens nothing

    # The new owner records the person's consent through the sharing page the notification links to.
    receiver = client_acting_in(reception.user, reception.organisation)
    form = receiver.get(told.link_path)
    assert f'value="{low.organisation_id}" selected' in form.text
    sharing_services.record_consent(
        access=get_case_for(reception, case.code),
        membership=reception,
        organisation=low.organisation,
        field_groups=["contact"],
        purpose="Hjemmebesøk",
        form="written",
        given_on=datetime.now(OSLO).date(),
        expires_on=None,
    )
    access = get_case_for(low, case.code)
    assert (access.follow_up, access.groups) == (False, {"contact"})


def test_the_hand_over_page_refuses_in_bokmal_and_shows_what_goes_before_sending(
    relay: dict[str, Membership], cast: Cast
) -> None:
    case, _step = ngo_case(relay, cast)
    low = relay["low"]
    client = client_acting_in(low.user, low.organisation)
    url = reverse("cases:hand_over", args=[case.code]) + "?step=state-reception"
    form = {
        "to": relay["reception"].organisation_id,
        "purpose": "Asylsøknad",
        "ground": "consent",
        "consent_form": "written",
        "field_groups": ["identity", "immigration"],
    }
    refused = client.post(url, form)
    assert "Registrer det i saken først, eller skriv hvorfor saken sendes nå." in refused.text
    claim_asylum(low, case)
    assert "Velg minst én type opplysninger som skal sendes." in client.post(url, form | {"field_groups": []}).text
    shown = client.post(url, form)
    assert 'data-testid="handover-summary"' in shown.text
    assert not Referral.objects.exists()  # shown, not sent
    client.post(url, form | {"confirmed": "yes"})
    assert Referral.objects.get().field_groups == ["identity", "immigration"]
