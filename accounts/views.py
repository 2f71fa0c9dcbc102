from allauth.account.decorators import reauthentication_required
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.access import active_api_tokens_of, api_tokens_of, get_api_token_for
from accounts.forms import ApiTokenForm, LogOutEverywhereForm, RevokeApiTokenForm
from accounts.http import AuthenticatedRequest
from organisations.access import MemberRequest, membership_required


@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    sessions = UserSession.objects.purge_and_list(request.user)
    return render(
        request,
        "accounts/security.html",
        {
            "sessions": sessions,
            "log_out_form": LogOutEverywhereForm(),
            "active_token_count": active_api_tokens_of(request.user).count(),
        },
    )


@require_POST
@login_required
def log_out_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    form = LogOutEverywhereForm(request.POST)
    # An unticked checkbox is simply absent, so the form is always valid.
    revoke_tokens = form.is_valid() and form.cleaned_data["revoke_api_tokens"]
    revoked = services.revoke_api_tokens_of(user=request.user) if revoke_tokens else 0
    services.end_all_sessions(request=request, user=request.user)
    messages.success(request, _("You have been logged out on all devices."))
    if revoked:
        messages.success(
            request,
            ngettext("%(count)d API token was revoked.", "%(count)d API tokens were revoked.", revoked)
            % {"count": revoked},
        )
    return redirect("account_login")


# The page that shows a new key must not be stored by the browser or a proxy.
@never_cache
@membership_required
# A token outlives the session and skips MFA, so creating one asks for the password again.
@reauthentication_required(allow_get=True)
def api_tokens(request: MemberRequest) -> HttpResponse:
    """The member's API tokens in the organisation they act in; a new key is shown once, in this response only."""
    form = ApiTokenForm(request.POST or None)
    new_token, new_key = None, None
    if request.method == "POST" and form.is_valid():
        new_token, new_key = services.create_api_token(
            membership=request.membership,
            name=form.cleaned_data["name"],
            lifetime_days=form.cleaned_data["lifetime_days"],
        )
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": api_tokens_of(request.membership),
            "new_token": new_token,
            "new_key": new_key,
            "organisation": request.membership.organisation,
        },
    )


@require_POST
@membership_required
def revoke_api_token(request: MemberRequest) -> HttpResponse:
    form = RevokeApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a token to revoke."))
        return redirect("accounts:api_tokens")
    token = get_api_token_for(request.membership, form.cleaned_data["token"])
    services.revoke_api_token(token=token)
    messages.success(
        request,
        _("The token “%(name)s” was revoked. Programs using it can no longer reach Vern.") % {"name": token.name},
    )
    return redirect("accounts:api_tokens")
