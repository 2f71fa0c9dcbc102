from django.conf import settings
from django.http import HttpRequest


def session_state(request: HttpRequest) -> dict[str, bool]:
    """Tell the log-in page that the browser still held a session that has since ended."""
    ended = (
        not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME in request.COOKIES
        and request.session.is_empty()
    )
    return {"session_ended": ended}
