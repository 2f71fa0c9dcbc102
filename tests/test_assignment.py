"""Assignment inside each organisation: a coordinator or admin gives a case to its own members, only on a case
the organisation has a role in; an accepted referral names the caseworker; every change is on the timeline and
in the access log; two coordinators at once make one row."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AccessEntry
from cases.access import get_case_for, may_assign, visible_cases
from cases.models import Case, CaseAssignment, CaseEvent
from cases.services import assign_member, create_case, move_assignment, unassign_member
from chain.models import CaseStep
from organisations.models import Membership, Organisation
from referrals import services as referrals
from referrals.models import Referral
from referrals.services import Ground
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "chain_templates")]


def member(user: Any, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=user, organisation=organisation)


def ngo_case(cast: Cast) -> Case:
    return create_case(membership=member(cast.ngo_worker, cast.ngo), municipality=cast.oslo)


def refer_support_to_nav(cast: Cast, case: Case) -> Referral:
    """The NGO refers NAV's support step to NAV Oslo, with written consent."""
    ngo = member(cast.ngo_worker, cast.ngo)
    return referrals.refer(
        access=get_case_for(ngo, case.code),
        membership=ngo,
        to=cast.nav,
        case_step=case.steps.select_related("step").get(step__code="support-while-pending"),
        purpose="Livsopphold",
        field_groups=["identity"],
        ground=Ground(consent_form="written"),
    )


def nav_case(cast: Cast) -> Case:
    """An NGO case referred to NAV and accepted by NAV's coordinator, who names nobody else."""
    case = ngo_case(cast)
    referrals.accept(referral=refer_support_to_nav(cast, case), membership=member(cast.nav_coordinator, cast.nav))
    return case


def assigned(case: Case, organisation: Organisation) -> set[int]:
    return set(CaseAssignment.objects.filter(case=case, organisation=organisation).values_list("user_id", flat=True))


def post(client: Client, name: str, case: Case, data: dict[str, Any]) -> Any:
    return client.post(reverse(name, args=[case.code]), data, follow=True)


def messages_of(response: Any) -> str:
    """The messages shown to the member, in bokmål as the pages are (the services' refusals are in English)."""
    return " ".join(str(message) for message in response.context["messages"])


# --- Assigning one's own members ----------------------------------------------------------------


def test_a_coordinator_assigns_her_own_caseworker_who_then_sees_the_case_as_mine(cast: Cast) -> None:
    case = nav_case(cast)
    nav_worker = member(cast.nav_worker, cast.nav)
    assert not visible_cases(nav_worker).filter(pk=case.pk).exists()

    response = post(
        client_acting_in(cast.nav_coordinator, cast.nav), "cases:assign", case, {"user": cast.nav_worker.pk}
    )
    assert "er tildelt saken" in messages_of(response)
    assert cast.nav_worker.pk in assigned(case, cast.nav)

    worker = client_acting_in(cast.nav_worker, cast.nav)
    assert worker.get(reverse("cases:detail", args=[case.code])).status_code == 200
    mine = worker.get(reverse("cases:list") + "?mine=1")
    assert case.code in mine.content.decode()
    # A second coordinator sees the case in the list, but it is not hers.
    other = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.COORDINATOR).user
    other_client = client_acting_in(other, cast.nav)
    assert case.code in other_client.get(reverse("cases:list")).content.decode()
    assert case.code not in other_client.get(reverse("cases:list") + "?mine=1").content.decode()


def test_the_coordinator_sees_who_holds_what_on_the_case_page_and_the_list(cast: Cast) -> None:
    case = nav_case(cast)
    coordinator = member(cast.nav_coordinator, cast.nav)
    assign_member(access=get_case_for(coordinator, case.code), membership=coordinator, user=cast.nav_worker)
    client = client_acting_in(cast.nav_coordinator, cast.nav)

    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f'data-testid="assigned-{cast.nav_worker.pk}"' in page
    # Only NAV's own members: the NGO's caseworker who created the case is not NAV's to show.
    assert f'data-testid="assigned-{cast.ngo_worker.pk}"' not in page

    listing = client.get(reverse("cases:list")).content.decode()
    holders = listing.split(f'data-testid="holders-{case.code}">')[1].split("</td>")[0]
    assert str(cast.nav_worker) in holders
    assert str(cast.ngo_worker) not in holders


def test_a_member_of_another_organisation_cannot_be_assigned(cast: Cast) -> None:
    case = ngo_case(cast)
    admin = member(cast.ngo_admin, cast.ngo)
    with pytest.raises(ValidationError, match="of your own organisation"):
        assign_member(access=get_case_for(admin, case.code), membership=admin, user=cast.nav_worker)

    response = post(client_acting_in(cast.ngo_admin, cast.ngo), "cases:assign", case, {"user": cast.nav_worker.pk})
    assert response.status_code == 200
    assert "i din egen organisasjon" in messages_of(response)
    assert cast.nav_worker.pk not in assigned(case, cast.nav) | assigned(case, cast.ngo)


def test_a_statistician_cannot_be_assigned(cast: Cast) -> None:
    case = ngo_case(cast)
    statistician = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.STATISTICIAN).user
    response = post(client_acting_in(cast.ngo_admin, cast.ngo), "cases:assign", case, {"user": statistician.pk})
    assert "i din egen organisasjon" in messages_of(response)
    assert statistician.pk not in assigned(case, cast.ngo)


def test_a_caseworker_cannot_assign(cast: Cast) -> None:
    case = ngo_case(cast)
    response = client_acting_in(cast.ngo_worker, cast.ngo).post(
        reverse("cases:assign", args=[case.code]), {"user": cast.ngo_colleague.pk}
    )
    assert response.status_code == 403
    assert cast.ngo_colleague.pk not in assigned(case, cast.ngo)


def test_a_sharing_organisations_coordinator_cannot_assign_onto_another_organisations_case(cast: Cast) -> None:
    """Issue 15, hole 3: a consent lets NAV read; it gives NAV no role, so its reads must not count as assigned."""
    case = ngo_case(cast)
    refer_support_to_nav(cast, case)  # shared by consent, not accepted: NAV sees the case, has no role
    coordinator = member(cast.nav_coordinator, cast.nav)
    access = get_case_for(coordinator, case.code)
    assert not may_assign(coordinator, access)
    with pytest.raises(ValidationError, match="no role"):
        assign_member(access=access, membership=coordinator, user=cast.nav_worker)

    client = client_acting_in(cast.nav_coordinator, cast.nav)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'data-testid="no-role"' in page
    assert reverse("cases:assign", args=[case.code]) not in page
    for name, data in [
        ("cases:assign", {"user": cast.nav_worker.pk}),
        ("cases:move_assignment", {"user": cast.nav_coordinator.pk, "to": cast.nav_worker.pk}),
    ]:
        response = post(client, name, case, data)
        assert response.status_code == 200
        assert "ingen rolle" in messages_of(response), name
    assert assigned(case, cast.nav) == set()
    assert not AccessEntry.objects.filter(case=case, action=AccessEntry.Action.ASSIGNMENT).exists()


def test_an_organisation_responsible_for_a_step_assigns_its_members(cast: Cast) -> None:
    case = ngo_case(cast)
    refer_support_to_nav(cast, case)
    CaseStep.objects.filter(case=case, step__code="support-while-pending").update(responsible=cast.nav)
    coordinator = member(cast.nav_coordinator, cast.nav)
    assign_member(access=get_case_for(coordinator, case.code), membership=coordinator, user=cast.nav_worker)
    assert assigned(case, cast.nav) == {cast.nav_worker.pk}


def test_an_unrelated_organisation_gets_404(cast: Cast) -> None:
    case = ngo_case(cast)
    client = client_acting_in(cast.bergen_admin, cast.bergen_org)
    for name in ("cases:assign", "cases:unassign", "cases:move_assignment"):
        response = client.post(reverse(name, args=[case.code]), {"user": cast.bergen_admin.pk})
        assert response.status_code == 404, name
    assert assigned(case, cast.bergen_org) == set()


# --- Referrals name the caseworker ---------------------------------------------------------------


def test_an_accepted_referral_names_the_caseworker(cast: Cast) -> None:
    case = ngo_case(cast)
    referral = refer_support_to_nav(cast, case)
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert f'id="caseworker-{referral.pk}"' in inbox

    client.post(reverse("referrals:accept", args=[referral.pk]), {"caseworker": cast.nav_worker.pk})
    assert assigned(case, cast.nav) == {cast.nav_worker.pk}
    assert visible_cases(member(cast.nav_worker, cast.nav)).filter(pk=case.pk).exists()
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ASSIGNED, organisation=cast.nav)
    assert event.member_id == cast.nav_worker.pk
    assert event.audience_id == cast.nav.pk


def test_accepting_without_naming_anyone_assigns_the_member_who_accepts(cast: Cast) -> None:
    case = ngo_case(cast)
    referral = refer_support_to_nav(cast, case)
    client_acting_in(cast.nav_worker, cast.nav).post(reverse("referrals:accept", args=[referral.pk]))
    assert assigned(case, cast.nav) == {cast.nav_worker.pk}


def test_a_referral_cannot_be_given_to_another_organisations_member_or_by_a_caseworker(cast: Cast) -> None:
    case = ngo_case(cast)
    referral = refer_support_to_nav(cast, case)
    with pytest.raises(ValidationError, match="Only a coordinator"):
        referrals.accept(
            referral=referral, membership=member(cast.nav_worker, cast.nav), caseworker=cast.nav_coordinator
        )
    coordinator = client_acting_in(cast.nav_coordinator, cast.nav)
    response = coordinator.post(
        reverse("referrals:accept", args=[referral.pk]), {"caseworker": cast.ngo_colleague.pk}, follow=True
    )
    assert "i din egen organisasjon" in messages_of(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    assert assigned(case, cast.nav) == set()


# --- Absence: moving and unassigning, logged -------------------------------------------------------


def test_re_assigning_on_absence_is_on_the_timeline_and_in_the_access_log(cast: Cast) -> None:
    case = nav_case(cast)
    colleague = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.CASEWORKER).user
    coordinator = member(cast.nav_coordinator, cast.nav)
    assign_member(access=get_case_for(coordinator, case.code), membership=coordinator, user=cast.nav_worker)

    response = post(
        client_acting_in(cast.nav_coordinator, cast.nav),
        "cases:move_assignment",
        case,
        {"user": cast.nav_worker.pk, "to": colleague.pk},
    )
    assert "Saken er flyttet" in messages_of(response)
    assert assigned(case, cast.nav) == {cast.nav_coordinator.pk, colleague.pk}  # she accepted the referral
    assert not visible_cases(member(cast.nav_worker, cast.nav)).filter(pk=case.pk).exists()
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REASSIGNED).get()
    assert (event.member_id, event.actor_id, event.organisation_id) == (
        colleague.pk,
        cast.nav_coordinator.pk,
        cast.nav.pk,
    )
    entry = AccessEntry.objects.filter(case=case, action=AccessEntry.Action.ASSIGNMENT).order_by("-sequence").first()
    assert entry is not None
    assert (entry.user_id, entry.organisation_id, entry.field_groups) == (cast.nav_coordinator.pk, cast.nav.pk, [])
    assert entry.reason == f"moved {cast.nav_worker.pk} to {colleague.pk}"
    # The owner sees NAV's change on its timeline; the NGO's own assignments stay its own.
    owner_page = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("cases:detail", args=[case.code]))
    assert "Flyttet til en kollega" in owner_page.content.decode()


def test_unassigning_the_last_member_is_allowed_with_a_warning(cast: Cast) -> None:
    case = nav_case(cast)
    coordinator = member(cast.nav_coordinator, cast.nav)
    assert assigned(case, cast.nav) == {cast.nav_coordinator.pk}  # the member who accepted
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    response = post(client, "cases:unassign", case, {"user": cast.nav_coordinator.pk})
    assert "Ingen i organisasjonen din har saken nå" in messages_of(response)
    assert assigned(case, cast.nav) == set()
    assert 'data-testid="nobody-assigned"' in response.content.decode()
    # The coordinator still sees the case, and can give it to someone again.
    assign_member(access=get_case_for(coordinator, case.code), membership=coordinator, user=cast.nav_worker)
    kinds = list(CaseEvent.objects.filter(case=case, organisation=cast.nav).values_list("kind", flat=True))
    assert CaseEvent.Kind.UNASSIGNED in kinds


def test_moving_or_unassigning_someone_not_assigned_changes_nothing(cast: Cast) -> None:
    case = ngo_case(cast)
    admin = member(cast.ngo_admin, cast.ngo)
    access = get_case_for(admin, case.code)
    with pytest.raises(ValidationError, match="is not assigned"):
        unassign_member(access=access, membership=admin, user=cast.ngo_colleague)
    with pytest.raises(ValidationError, match="is not assigned"):
        move_assignment(access=access, membership=admin, from_user=cast.ngo_colleague, to_user=cast.ngo_admin)
    with pytest.raises(ValidationError, match="other than"):
        move_assignment(access=access, membership=admin, from_user=cast.ngo_worker, to_user=cast.ngo_worker)
    assert assigned(case, cast.ngo) == {cast.ngo_worker.pk}


def test_bad_input_gives_a_message_never_a_500(cast: Cast) -> None:
    case = ngo_case(cast)
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    for name in ("cases:assign", "cases:unassign", "cases:move_assignment"):
        for data in ({}, {"user": "x"}, {"user": "9" * 40}, {"user": "-1", "to": ""}):
            response = post(client, name, case, data)
            assert response.status_code == 200, (name, data)
            assert messages_of(response), (name, data)
    assert assigned(case, cast.ngo) == {cast.ngo_worker.pk}


# --- Two coordinators at once ----------------------------------------------------------------------


def test_two_coordinators_assigning_the_same_member_at_once_make_one_row_and_a_message(cast: Cast) -> None:
    """Both opened the case page before either pressed "Assign"; the unique constraint decides, not a check."""
    case = ngo_case(cast)
    admin = member(cast.ngo_admin, cast.ngo)
    second_coordinator = MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.COORDINATOR)
    first = get_case_for(admin, case.code)
    second = get_case_for(second_coordinator, case.code)
    assign_member(access=first, membership=admin, user=cast.ngo_colleague)
    with pytest.raises(ValidationError, match="already assigned"):
        assign_member(access=second, membership=second_coordinator, user=cast.ngo_colleague)
    assert CaseAssignment.objects.filter(case=case, user=cast.ngo_colleague).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSIGNED).count() == 1

    response = post(client_acting_in(cast.ngo_admin, cast.ngo), "cases:assign", case, {"user": cast.ngo_colleague.pk})
    assert "er allerede tildelt saken" in messages_of(response)
    assert CaseAssignment.objects.filter(case=case, user=cast.ngo_colleague).count() == 1


def test_the_log_review_does_not_flag_a_coordinators_assignment_as_an_unassigned_read(cast: Cast) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from log_review.services import review_flags

    case = ngo_case(cast)
    admin = member(cast.ngo_admin, cast.ngo)
    since = timezone.now() - timedelta(minutes=1)
    assign_member(access=get_case_for(admin, case.code), membership=admin, user=cast.ngo_colleague)
    assert review_flags(organisation=cast.ngo, since=since, until=timezone.now() + timedelta(minutes=1)) == []


def test_a_member_who_has_left_the_organisation_can_still_be_taken_off_the_case(cast: Cast) -> None:
    case = ngo_case(cast)
    Membership.objects.filter(user=cast.ngo_worker, organisation=cast.ngo).delete()
    response = post(client_acting_in(cast.ngo_admin, cast.ngo), "cases:unassign", case, {"user": cast.ngo_worker.pk})
    assert "er ikke lenger tildelt saken" in messages_of(response)
    assert assigned(case, cast.ngo) == set()
