from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class BokmalByDefaultMiddleware:
    """Vern speaks Norwegian bokmål unless the user chooses English with the switcher.

    The browser's Accept-Language is ignored on purpose: a shared office PC set
    to English must not change the language of a Norwegian public service.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
