"""Acting in one organisation at a time; organisation admins manage their members."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations import services
from organisations.models import Membership
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


def test_it_asks_a_user_with_two_organisations_to_choose(cast: Cast) -> None:
    client = client_acting_in(cast.nav_worker)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("organisations:choose"))
    page = client.get(response["Location"])
    assert "NAV Oslo" in page.text
    assert "TOT Oslo" in page.text


def test_it_switches_organisation_explicitly(cast: Cast) -> None:
    client = client_acting_in(cast.nav_worker, cast.nav)
    assert "NAV Oslo" in client.get(reverse("home")).text
    tot_membership = cast.nav_worker.memberships.get(organisation=cast.tot)
    response = client.post(reverse("organisations:choose"), {"membership": tot_membership.pk, "next": "/"})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert 'data-testid="active-organisation"' in home.text
    assert "TOT Oslo" in home.text


def test_it_refuses_to_switch_into_someone_elses_membership(cast: Cast) -> None:
    client = client_acting_in(cast.nav_worker, cast.nav)
    foreign = cast.ngo_admin.memberships.get()
    response = client.post(reverse("organisations:choose"), {"membership": foreign.pk})
    assert response.status_code == 200
    assert client.session["vern_membership_id"] != foreign.pk


def test_it_ignores_an_unsafe_next_url(cast: Cast) -> None:
    client = client_acting_in(cast.nav_worker)
    membership = cast.nav_worker.memberships.get(organisation=cast.nav)
    response = client.post(
        reverse("organisations:choose"), {"membership": membership.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_it_explains_when_the_user_has_no_organisation(cast: Cast) -> None:
    client = client_acting_in(cast.unattached)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "no_membership" not in response.text
    assert response.templates[0].name == "organisations/no_membership.html"


def test_a_removed_membership_stops_working_at_the_next_request(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    assert client.get(reverse("home")).status_code == 200
    cast.ngo_worker.memberships.all().delete()
    assert client.get(reverse("home")).status_code == 403


def test_it_refuses_a_duplicate_membership_with_a_clear_message(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    response = client.post(
        reverse("organisations:members"),
        {"email": cast.ngo_worker.email, "first_name": "x", "last_name": "y", "role": "caseworker"},
    )
    assert response.status_code == 200
    assert "allerede medlem" in response.text


def test_it_validates_the_member_form(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    response = client.post(reverse("organisations:members"), {"email": "not-an-email", "role": "emperor"})
    assert response.status_code == 200
    assert response.text.count('class="ds-validation-message"') == 4
    assert 'aria-invalid="true"' in response.text


def test_org_admin_changes_a_role(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    membership = cast.ngo_worker.memberships.get()
    client.post(reverse("organisations:change_role", args=[membership.pk]), {f"m{membership.pk}-role": "dpo"})
    membership.refresh_from_db()
    assert membership.role == "dpo"


def test_org_admin_removes_a_member(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    membership = cast.ngo_worker.memberships.get()
    client.post(reverse("organisations:remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_keeps_the_last_admin(cast: Cast) -> None:
    membership = cast.ngo_admin.memberships.get()
    with pytest.raises(ValidationError):
        services.remove_member(membership=membership)
    with pytest.raises(ValidationError):
        services.change_member_role(membership=membership, role=Membership.Role.CASEWORKER)
    MembershipFactory.create(organisation=cast.ngo, role=Membership.Role.ORG_ADMIN)
    services.change_member_role(membership=membership, role=Membership.Role.CASEWORKER)


def test_org_admin_cannot_appoint_system_admins(cast: Cast) -> None:
    membership = cast.ngo_worker.memberships.get()
    with pytest.raises(ValidationError):
        services.change_member_role(membership=membership, role=Membership.Role.SYSTEM_ADMIN)


def test_org_admin_cannot_touch_another_organisations_members(cast: Cast) -> None:
    client = client_acting_in(cast.bergen_admin, cast.bergen_org)
    membership = cast.ngo_worker.memberships.get()
    assert client.post(reverse("organisations:remove", args=[membership.pk])).status_code == 404
    assert client.post(reverse("organisations:change_role", args=[membership.pk]), {}).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_member_list_has_a_constant_number_of_queries(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    client.get(reverse("organisations:members"))  # warm the session
    for _ in range(10):
        MembershipFactory.create(organisation=cast.ngo)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("organisations:members"))
    for _ in range(20):
        MembershipFactory.create(organisation=cast.ngo)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("organisations:members"))
    assert len(many) == len(few)
