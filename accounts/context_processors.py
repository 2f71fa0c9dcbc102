from django.http import HttpRequest

from accounts.middleware import SESSION_ENDED_KEY


def session_state(request: HttpRequest) -> dict[str, bool]:
    """Tell the page (the log-in page, after the redirect) that the user's session had ended."""
    session = getattr(request, "session", None)
    return {"session_ended": bool(session is not None and session.pop(SESSION_ENDED_KEY, False))}
