"""The invitee's pages: the link from the invitation e-mail, and accepting it.

The link's token is moved into the session at once (only its hash), and the page the browser then shows has no
token in its address, so neither the browser's history nor a Referer header carries it on.
"""

from typing import cast

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.http import AuthenticatedRequest
from organisations import invitations, services
from organisations.access import SESSION_KEY
from organisations.forms import AcceptInvitationForm
from organisations.models import Invitation

INVITATION_SESSION_KEY = "vern_invitation_token_hash"


@never_cache
def open_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return _closed(request, None)
    request.session[INVITATION_SESSION_KEY] = invitation.token_hash
    return redirect("invitations:accept")


def _closed(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    """Why the invitation cannot be accepted, and whom to ask; an unknown link says nothing of anyone."""
    return render(request, "organisations/invitation_closed.html", {"invitation": invitation}, status=410)


@never_cache
def accept(request: HttpRequest) -> HttpResponse:
    token_hash = request.session.get(INVITATION_SESSION_KEY)
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by__user").filter(token_hash=token_hash).first()
        if token_hash
        else None
    )
    if invitation is None or not invitation.can_be_accepted:
        return _closed(request, invitation)
    context = {"invitation": invitation, "has_account": invitations.has_account(invitation)}
    if request.user.is_authenticated:
        return _accept_as_logged_in_user(cast(AuthenticatedRequest, request), invitation, context)
    if context["has_account"]:
        context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': reverse('invitations:accept')})}"
        return render(request, "organisations/invitation.html", context)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation_with_new_account(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            del request.session[INVITATION_SESSION_KEY]
            login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
            # The password was just chosen: enrolling the authenticator app next asks for it no second time.
            record_authentication(request, user, method="password", email=user.email)
            messages.success(request, _("Your password is set. Now set up the authenticator app."))
            return redirect("mfa_activate_totp")
    context["form"] = form
    return render(request, "organisations/invitation.html", context)


def _accept_as_logged_in_user(
    request: AuthenticatedRequest, invitation: Invitation, context: dict[str, object]
) -> HttpResponse:
    if request.user.email.lower() != invitation.email:
        context["other_account"] = True
        return render(request, "organisations/invitation.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _closed(request, invitation)
        del request.session[INVITATION_SESSION_KEY]
        request.session[SESSION_KEY] = membership.pk
        messages.success(
            request, _("You are now a member of %(organisation)s.") % {"organisation": invitation.organisation.name}
        )
        return redirect("home")
    return render(request, "organisations/invitation.html", context)
