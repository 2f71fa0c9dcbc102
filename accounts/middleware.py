"""Mandatory multi-factor authentication for every user."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "vern_mfa_enrolled"

# Paths a logged-in user without TOTP may still reach: the enrolment itself,
# log-out, language choice, static files and the health check.
ALLOWED_PREFIXES = ("/accounts/2fa/totp/activate/", "/accounts/logout/", "/i18n/", "/static/", "/healthz")


class RequireMFAMiddleware:
    """Send every authenticated user without a TOTP authenticator to enrolment.

    Enrolment happens on the first log-in; until then the session reaches
    nothing but the enrolment page. The result is remembered in the session so
    that enrolled users pay no query per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.session.get(SESSION_KEY):
            if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                request.session[SESSION_KEY] = True
            elif not request.path.startswith(ALLOWED_PREFIXES):
                messages.info(request, _("Vern requires two-factor authentication. Set it up to continue."))
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


SESSION_ENDED_KEY = "vern_session_ended"


class SessionEndedMiddleware:
    """Remember, across the redirect to the log-in page, that the browser's session had ended.

    A browser that still sends a session cookie whose session no longer exists
    timed out (or was logged out everywhere); the log-in page then says so.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.user.is_authenticated
            and request.session.is_empty()
        ):
            request.session[SESSION_ENDED_KEY] = True
        return self.get_response(request)
