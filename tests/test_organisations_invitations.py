"""Onboarding by invitation: the admin invites, the invitee accepts through the e-mail's link; roles fit the kind."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AccessEntry
from organisations import invitations, services
from organisations.models import ROLES_BY_KIND, Invitation, Membership, Organisation
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

NEW_PERSON = {"email": "Ny.Kollega@test.vern.invalid", "first_name": "Nora", "last_name": "Kollega"}
NEW_PASSWORD = "fjord-lantern-quietly-47"
LINK = re.compile(r"http://[^\s\"]+/invitation/(?P<token>[A-Za-z0-9_-]+)/")

Invite = Callable[..., tuple[Invitation, str]]


@pytest.fixture
def invite(cast: Cast, django_capture_on_commit_callbacks: Any) -> Invite:
    """The NGO's admin invites through the members page; returns the invitation and the token of its e-mail."""

    def invite(role: str = "caseworker", **person: str) -> tuple[Invitation, str]:
        client = client_acting_in(cast.ngo_admin, cast.ngo)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("organisations:members"), {**NEW_PERSON, **person, "role": role})
        assert response.status_code == 302, response.text
        return Invitation.objects.latest("id"), latest_token()

    return invite


def latest_token() -> str:
    match = LINK.search(str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match["token"]


def open_link(client: Client, token: str) -> Any:
    return client.get(reverse("invitations:open", args=[token]), follow=True)


def accept_with_password(client: Client, token: str, password: str = NEW_PASSWORD) -> Any:
    open_link(client, token)
    return client.post(reverse("invitations:accept"), {"password1": password, "password2": password})


def test_inviting_makes_no_account_and_stores_only_the_tokens_hash(cast: Cast, invite: Invite) -> None:
    invitation, token = invite()
    assert not User.objects.filter(email__iexact=NEW_PERSON["email"]).exists()
    assert invitation.email == "ny.kollega@test.vern.invalid"
    assert invitation.token_hash == invitations.hash_token(token)
    stored = " ".join(str(value) for value in Invitation.objects.filter(pk=invitation.pk).values().get().values())
    assert token not in stored
    assert invitation.invited_by == cast.ngo_admin.memberships.get()
    assert invitation.times_sent == 1
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)


def test_the_expiry_is_a_setting(invite: Invite, settings: Any) -> None:
    settings.VERN_INVITATION_DAYS = 2
    invitation, _ = invite()
    assert timedelta(days=1, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=2)


def test_the_email_is_an_invitation_in_both_languages(cast: Cast, invite: Invite) -> None:
    invitation, token = invite()
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    expiry = timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y")
    for text in (message.body, html):
        assert text.count("Trygg havn Oslo") >= 2
        assert "Saksbehandler" in text
        assert "Caseworker" in text
        assert "Invitert av" in text
        assert "Invited by" in text
        assert text.count(cast.ngo_admin.get_full_name()) >= 2
        assert expiry in text
        assert "autentiseringsapp" in text
        assert "authenticator app" in text
        assert token in text
    assert "Invitasjon til Vern" in message.subject
    assert "Invitation to Vern" in message.subject
    assert message.to == ["ny.kollega@test.vern.invalid"]
    # Not allauth's password reset, which was signed with the host name.
    for text in (message.body, html):
        assert "gjenopprett" not in text.lower()
        assert "testserver" not in text


def test_a_new_person_sets_a_password_and_goes_on_to_the_authenticator(cast: Cast, invite: Invite) -> None:
    invitation, token = invite()
    client = Client()
    page = open_link(client, token)
    assert page.redirect_chain == [(reverse("invitations:accept"), 302)]
    assert token not in page.request["PATH_INFO"]
    facts = page.text
    assert "Trygg havn Oslo" in facts
    assert "Saksbehandler" in facts
    assert cast.ngo_admin.get_full_name() in facts
    assert 'name="password1"' in facts
    response = client.post(reverse("invitations:accept"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    user = User.objects.get(email="ny.kollega@test.vern.invalid")
    assert user.check_password(NEW_PASSWORD)
    assert (user.first_name, user.last_name) == ("Nora", "Kollega")
    assert user.memberships.get().organisation == cast.ngo
    assert user.memberships.get().role == Membership.Role.CASEWORKER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Logged in, and the next page is the authenticator's set-up without asking for the password again.
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_the_password_validators_apply(invite: Invite) -> None:
    _, token = invite()
    client = Client()
    response = accept_with_password(client, token, "kort")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    mismatch = client.post(reverse("invitations:accept"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "ikke like" in mismatch.text
    assert not User.objects.filter(email="ny.kollega@test.vern.invalid").exists()


def test_a_used_invitation_cannot_be_used_twice(invite: Invite) -> None:
    _, token = invite()
    accept_with_password(Client(), token)
    again = open_link(Client(), token)
    assert again.status_code == 410
    assert "allerede brukt" in again.text
    second = Client()
    open_link(second, token)
    assert second.post(reverse("invitations:accept"), {"password1": "x", "password2": "x"}).status_code == 410
    assert Membership.objects.filter(user__email="ny.kollega@test.vern.invalid").count() == 1


def test_an_expired_invitation_says_so_and_whom_to_ask(invite: Invite) -> None:
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    page = open_link(client, token)
    assert page.status_code == 410
    assert "utløpt" in page.text
    assert "Trygg havn Oslo" in page.text
    assert (
        client.post(reverse("invitations:accept"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code
        == 410
    )
    assert not User.objects.filter(email="ny.kollega@test.vern.invalid").exists()


def test_an_unknown_link_names_no_one(cast: Cast) -> None:
    page = open_link(Client(), "no-such-token")
    assert page.status_code == 410
    assert "Lenken virker ikke" in page.text
    assert "Trygg havn" not in page.text
    assert Client().get(reverse("invitations:accept")).status_code == 410


def test_resending_gives_a_new_link_and_expiry_and_the_old_link_stops_working(
    cast: Cast, invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    invitation, old_token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    admin = client_acting_in(cast.ngo_admin, cast.ngo)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("organisations:resend_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    new_token = latest_token()
    assert new_token != old_token
    invitation.refresh_from_db()
    assert invitation.times_sent == 2
    assert invitation.expires_at - timezone.now() > timedelta(days=6)
    assert open_link(Client(), old_token).status_code == 410
    # A browser that opened the old link before the re-send is turned away too.
    assert accept_with_password(Client(), new_token)["Location"] == reverse("mfa_activate_totp")


def test_a_browser_holding_the_old_link_cannot_accept_after_a_resend(
    cast: Cast, invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    invitation, old_token = invite()
    early = Client()
    open_link(early, old_token)
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(invitation=invitation, by=cast.ngo_admin.memberships.get())
    response = early.post(reverse("invitations:accept"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410


def test_withdrawing_asks_first_and_then_the_link_stops_working(cast: Cast, invite: Invite) -> None:
    invitation, token = invite()
    admin = client_acting_in(cast.ngo_admin, cast.ngo)
    confirm = admin.get(reverse("organisations:withdraw_invitation", args=[invitation.pk]))
    assert confirm.status_code == 200
    assert "Trekk tilbake invitasjonen" in confirm.text
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None
    admin.post(reverse("organisations:withdraw_invitation", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    page = open_link(Client(), token)
    assert page.status_code == 410
    assert "trukket tilbake" in page.text
    members_page = admin.get(reverse("organisations:members"))
    assert "Kollega" not in members_page.text


def test_the_members_page_lists_pending_invitations_with_their_expiry(cast: Cast, invite: Invite) -> None:
    invitation, _ = invite()
    page = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("organisations:members")).text
    row = page[page.index(f'data-testid="invitation-{invitation.pk}"') :]
    assert "Nora Kollega" in row
    assert timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y") in row
    assert reverse("organisations:resend_invitation", args=[invitation.pk]) in row


def test_only_the_organisations_admin_resends_or_withdraws(cast: Cast, invite: Invite) -> None:
    invitation, _ = invite()
    other_admin = client_acting_in(cast.bergen_admin, cast.bergen_org)
    worker = client_acting_in(cast.ngo_worker, cast.ngo)
    for name in ("organisations:resend_invitation", "organisations:withdraw_invitation"):
        url = reverse(name, args=[invitation.pk])
        assert other_admin.post(url).status_code == 404
        assert worker.post(url).status_code == 403
    assert (
        client_acting_in(cast.ngo_admin, cast.ngo)
        .get(reverse("organisations:resend_invitation", args=[invitation.pk]))
        .status_code
        == 405
    )
    invitation.refresh_from_db()
    assert (invitation.times_sent, invitation.withdrawn_at) == (1, None)
    assert len(mail.outbox) == 1


def test_an_existing_user_accepts_after_logging_in(cast: Cast, invite: Invite) -> None:
    _invitation, token = invite(email=cast.nav_worker.email, role="dpo")
    assert "Logg inn i Vern som vanlig" in mail.outbox[-1].body
    anonymous = Client()
    page = open_link(anonymous, token)
    assert 'name="password1"' not in page.text
    assert reverse("account_login") in page.text
    assert anonymous.post(reverse("invitations:accept"), {"password1": "x", "password2": "x"}).status_code == 200
    assert not cast.nav_worker.memberships.filter(organisation=cast.ngo).exists()
    someone_else = client_acting_in(cast.ngo_worker)
    open_link(someone_else, token)
    assert someone_else.post(reverse("invitations:accept")).status_code == 403
    invitee = client_acting_in(cast.nav_worker)
    open_link(invitee, token)
    response = invitee.post(reverse("invitations:accept"))
    assert response["Location"] == reverse("home")
    assert cast.nav_worker.memberships.get(organisation=cast.ngo).role == Membership.Role.DATA_PROTECTION_OFFICER
    assert cast.nav_worker.has_usable_password()
    assert User.objects.filter(email__iexact=cast.nav_worker.email).count() == 1


def test_it_refuses_to_invite_a_member_or_someone_invited_already(cast: Cast, invite: Invite) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    member = client.post(
        reverse("organisations:members"), {**NEW_PERSON, "email": cast.ngo_worker.email, "role": "caseworker"}
    )
    assert "allerede medlem" in member.text
    invite()
    twice = client.post(reverse("organisations:members"), {**NEW_PERSON, "role": "caseworker"})
    assert "allerede invitert" in twice.text
    assert Invitation.objects.count() == 1


def test_invitations_are_in_the_access_log(cast: Cast, invite: Invite, django_capture_on_commit_callbacks: Any) -> None:
    invitation, _ = invite()
    admin_membership = cast.ngo_admin.memberships.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(invitation=invitation, by=admin_membership)
    accept_with_password(Client(), latest_token())
    entries = list(AccessEntry.objects.filter(organisation=cast.ngo).order_by("sequence"))
    assert [(entry.action, entry.user) for entry in entries] == [
        (AccessEntry.Action.INVITATION_SENT, cast.ngo_admin),
        (AccessEntry.Action.INVITATION_SENT, cast.ngo_admin),
        (AccessEntry.Action.INVITATION_ACCEPTED, User.objects.get(email="ny.kollega@test.vern.invalid")),
    ]
    other, _ = invite(email="annen@test.vern.invalid")
    services.withdraw_invitation(invitation=other, by=admin_membership)
    assert AccessEntry.objects.latest("sequence").action == AccessEntry.Action.INVITATION_WITHDRAWN
    assert all(entry.case_id is None for entry in AccessEntry.objects.all())


# Roles that match the organisation's kind (issue 17, 6b).


def test_every_kind_has_its_roles() -> None:
    assert set(ROLES_BY_KIND) == set(Organisation.Kind.values)
    assert all(Membership.Role.SYSTEM_ADMIN not in roles for roles in ROLES_BY_KIND.values())


def test_an_ngo_is_offered_no_statistician_or_coordinator(cast: Cast) -> None:
    page = client_acting_in(cast.ngo_admin, cast.ngo).get(reverse("organisations:members")).text
    add_form = page[page.index('id="id_role"') :]
    add_form = add_form[: add_form.index("</select>")]
    assert 'value="caseworker"' in add_form
    assert 'value="dpo"' in add_form
    assert 'value="org_admin"' in add_form
    assert 'value="statistician"' not in add_form
    assert 'value="coordinator"' not in add_form


def test_the_national_coordination_unit_has_statisticians_and_no_case_work(cast: Cast) -> None:
    unit = Organisation.objects.get(kind=Organisation.Kind.NATIONAL_COORDINATION)
    admin = MembershipFactory.create(organisation=unit, role=Membership.Role.ORG_ADMIN).user
    page = client_acting_in(admin, unit).get(reverse("organisations:members")).text
    add_form = page[page.index('id="id_role"') :]
    add_form = add_form[: add_form.index("</select>")]
    assert 'value="statistician"' in add_form
    assert 'value="caseworker"' not in add_form
    assert 'value="coordinator"' not in add_form


def test_a_crafted_role_the_kind_does_not_have_is_refused(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    response = client.post(reverse("organisations:members"), {**NEW_PERSON, "role": "statistician"})
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    with pytest.raises(ValidationError, match="Statistiker"):
        services.invite_member(
            organisation=cast.ngo, invited_by=cast.ngo_admin.memberships.get(), role="statistician", **NEW_PERSON
        )
    with pytest.raises(ValidationError):
        services.change_member_role(membership=cast.ngo_worker.memberships.get(), role="coordinator")
    assert not Invitation.objects.exists()


def test_a_police_district_may_have_a_coordinator(cast: Cast) -> None:
    police = OrganisationFactory.create(
        kind=Organisation.Kind.POLICE_DISTRICT, owner_type=Organisation.OwnerType.STATE, municipality=cast.oslo
    )
    officer = MembershipFactory.create(organisation=police, role=Membership.Role.CASEWORKER)
    assert services.change_member_role(membership=officer, role="coordinator").role == "coordinator"


def test_the_invitation_page_speaks_english_when_asked(invite: Invite) -> None:
    _, token = invite()
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = open_link(client, token).text
    assert "Invitation to Vern from Trygg havn Oslo" in page
    assert "Caseworker" in page
    assert "Choose a password" in page
