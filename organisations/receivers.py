from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from organisations.access import SESSION_KEY, memberships_of


@receiver(user_logged_in)
def select_only_membership(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A user with a single organisation starts acting in it; others choose explicitly."""
    memberships = memberships_of(user)
    if len(memberships) == 1:
        request.session[SESSION_KEY] = memberships[0].pk
