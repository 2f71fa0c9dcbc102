from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from core.http import AuthenticatedRequest


@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    sessions = UserSession.objects.purge_and_list(request.user)
    return render(request, "accounts/security.html", {"sessions": sessions})


@require_POST
@login_required
def log_out_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    services.end_all_sessions(request=request, user=request.user)
    messages.success(request, _("You have been logged out on all devices."))
    return redirect("account_login")
