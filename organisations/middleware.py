from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from organisations.access import active_membership_for


class ActiveMembershipMiddleware:
    """Attach the membership the user acts in as `request.membership` (or None)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = active_membership_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)
