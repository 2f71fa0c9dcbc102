"""Mutations of organisations and memberships.

Views, commands and tests call these functions; none of them writes models directly.
"""

from datetime import time

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from organisations.access import SESSION_KEY
from organisations.models import Membership, Organisation

ADMIN_ROLES = (Membership.Role.ORG_ADMIN, Membership.Role.SYSTEM_ADMIN)


def select_membership(*, request: HttpRequest, membership: Membership) -> None:
    """Make `membership` the one the user acts in for the rest of the session."""
    if membership.user_id != request.user.pk:
        raise ValidationError(_("You are not a member of that organisation."))
    request.session[SESSION_KEY] = membership.pk


def send_set_password_email(*, request: HttpRequest, user: User) -> None:
    """Send the new user a one-time link to choose a password (django-allauth's reset flow)."""
    # allauth builds the link from the request in its context; on_commit runs outside it.
    with allauth_context.request_context(request):
        form = ResetPasswordForm(data={"email": user.email})
        if form.is_valid():
            form.save(request)


@transaction.atomic
def add_member(
    *,
    request: HttpRequest,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
) -> Membership:
    """Give a person a role in the organisation, creating their user account if needed.

    A new user gets no password: they choose one through the e-mailed link and
    enrol their authenticator app at first log-in.
    """
    if role == Membership.Role.SYSTEM_ADMIN:
        raise ValidationError(_("Only system administrators can appoint system administrators."))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email, None, first_name=first_name, last_name=last_name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(_("This person is already a member of the organisation."))
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    if created:
        transaction.on_commit(lambda: send_set_password_email(request=request, user=user))
    return membership


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
    if role == Membership.Role.SYSTEM_ADMIN and membership.role != role:
        raise ValidationError(_("Only system administrators can appoint system administrators."))
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
