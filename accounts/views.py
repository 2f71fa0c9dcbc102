from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services


@login_required
def security(request: HttpRequest) -> HttpResponse:
    sessions = UserSession.objects.purge_and_list(request.user)
    return render(request, "accounts/security.html", {"sessions": sessions})


@require_POST
@login_required
def log_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.end_all_sessions(request=request, user=request.user)
    messages.success(request, _("You have been logged out on all devices."))
    return redirect("account_login")
