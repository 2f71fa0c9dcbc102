from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request a view behind `login_required` receives (for type checking)."""

    user: User
