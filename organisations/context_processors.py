from typing import Any

from django.http import HttpRequest


def active_membership(request: HttpRequest) -> dict[str, Any]:
    return {"active_membership": getattr(request, "membership", None)}
