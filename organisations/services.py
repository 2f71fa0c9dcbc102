"""Mutations of organisations and memberships.

Views, commands and tests call these functions; none of them writes models directly.
"""

from datetime import time

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from organisations import invitations
from organisations.access import SESSION_KEY
from organisations.models import ROLES_BY_KIND, Invitation, Membership, Organisation
from organisations.signals import invitation_accepted, invitation_sent, invitation_withdrawn

ADMIN_ROLES = (Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN)


def select_membership(*, request: HttpRequest, membership: Membership) -> None:
    """Make `membership` the one the user acts in for the rest of the session."""
    if membership.user_id != request.user.pk:
        raise ValidationError(_("You are not a member of that organisation."))
    request.session[SESSION_KEY] = membership.pk


def _checked_role(organisation: Organisation, role: str) -> None:
    """Refuse a role the organisation's kind does not have, whatever the form offered (a crafted POST)."""
    if role == Membership.Role.SYSTEM_ADMIN:
        raise ValidationError(_("Only system administrators can appoint system administrators."))
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError(
            _("%(organisation)s cannot have the role “%(role)s”. Choose one of the roles offered.")
            % {"organisation": organisation.name, "role": Membership.Role(role).label}
        )


@transaction.atomic
def invite_member(
    *,
    organisation: Organisation,
    invited_by: Membership,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
) -> Invitation:
    """Invite a person to take `role` in the organisation; they accept through the link in the invitation e-mail.

    No account is made until they accept: a new person then chooses a password and enrols the authenticator app,
    someone who already has an account (in another organisation) accepts after logging in.
    """
    _checked_role(organisation, role)
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email, organisation=organisation).exists():
        raise ValidationError(_("This person is already a member of the organisation."))
    if Invitation.objects.filter(organisation=organisation, email=email, accepted_at=None, withdrawn_at=None).exists():
        raise ValidationError(
            _("This person has already been invited. Re-send the invitation from the list of invitations.")
        )
    token, token_hash = invitations.new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        invited_by=invited_by,
        token_hash=token_hash,
        expires_at=invitations.new_expiry(),
    )
    invitation_sent.send(sender=Invitation, invitation=invitation, by=invited_by.user)
    transaction.on_commit(lambda: invitations.send_invitation_email(invitation=invitation, token=token))
    return invitation


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by: Membership) -> Invitation:
    """Send the invitation again with a new link and a new expiry; the link sent before stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("The invitation has been accepted or withdrawn and cannot be sent again."))
    token, invitation.token_hash = invitations.new_token()
    invitation.expires_at = invitations.new_expiry()
    invitation.times_sent += 1
    invitation.save(update_fields=["token_hash", "expires_at", "times_sent"])
    invitation_sent.send(sender=Invitation, invitation=invitation, by=by.user)
    transaction.on_commit(lambda: invitations.send_invitation_email(invitation=invitation, token=token))
    return invitation


@transaction.atomic
def withdraw_invitation(*, invitation: Invitation, by: Membership) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("The invitation has been accepted or withdrawn already."))
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    invitation_withdrawn.send(sender=Invitation, invitation=invitation, by=by.user)


def _accept(invitation: Invitation, user: User) -> Membership:
    """Turn the invitation into `user`'s membership, once: how the user proved who they are is the caller's part."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.can_be_accepted:
        raise ValidationError(_("The invitation can no longer be accepted."))
    if user.email.lower() != invitation.email:
        raise ValidationError(_("The invitation was sent to another e-mail address."))
    if Membership.objects.filter(user=user, organisation=invitation.organisation).exists():
        raise ValidationError(_("You are already a member of the organisation."))
    _checked_role(invitation.organisation, invitation.role)
    membership = Membership.objects.create(user=user, organisation=invitation.organisation, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return membership


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Accept as a user who is logged in already: a member of another organisation joins this one."""
    return _accept(invitation, user)


@transaction.atomic
def accept_invitation_with_new_account(*, invitation: Invitation, password: str) -> User:
    """Accept as a new user, whose account is made now with the password they chose (validated by the form).

    The authenticator app is enrolled next (accounts.middleware.RequireMFAMiddleware), before anything else.
    """
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this e-mail address exists. Log in to accept the invitation."))
    user = User.objects.create_user(
        invitation.email, password, first_name=invitation.first_name, last_name=invitation.last_name
    )
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    _accept(invitation, user)
    return user


def _ensure_an_admin_remains(membership: Membership, *, new_role: str | None) -> None:
    if membership.role not in ADMIN_ROLES or new_role in ADMIN_ROLES:
        return
    others = Membership.objects.filter(organisation=membership.organisation, role__in=ADMIN_ROLES).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(_("An organisation must keep at least one organisation admin."))


@transaction.atomic
def change_member_role(*, membership: Membership, role: str) -> Membership:
    if membership.role != role:
        _checked_role(membership.organisation, role)
    _ensure_an_admin_remains(membership, new_role=role)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership, new_role=None)
    membership.delete()


def set_working_hours(
    *,
    organisation: Organisation,
    works_around_the_clock: bool,
    works_from: time,
    works_until: time,
    works_weekends: bool,
) -> None:
    """Set the hours the organisation works, which the log review measures reads against."""
    organisation.works_around_the_clock = works_around_the_clock
    organisation.works_from, organisation.works_until = works_from, works_until
    organisation.works_weekends = works_weekends
    organisation.save(update_fields=["works_around_the_clock", "works_from", "works_until", "works_weekends"])
