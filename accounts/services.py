"""Account mutations that Vern adds to django-allauth."""

from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.auth import logout
from django.http import HttpRequest

from accounts.models import User


def end_all_sessions(*, request: HttpRequest, user: User) -> int:
    """Log the user out on every device, this one included; returns how many sessions ended.

    Used when a device may be lost or a password may be known to someone else.
    """
    sessions = UserSession.objects.purge_and_list(user)
    get_usersessions_adapter().end_sessions(sessions)
    logout(request)
    return len(sessions)
