"""Who reviews the access log: the organisation's data protection officer and its admins (Normen)."""

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from organisations.access import MemberRequest, View, membership_required


def log_reviewer_required(view: View) -> View:
    """The data protection officer or an admin of the active organisation; 403 for anyone else."""

    @membership_required
    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.membership.reviews_access_log:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
