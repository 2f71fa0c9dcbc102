"""Vern's versioned JSON API, over the same access rules and services as the HTML pages.

django-ninja rather than DRF + drf-spectacular: request and response schemas are
type hints, the OpenAPI document comes from them without a second library, and
it is committed (docs/openapi.json, `manage.py export_openapi`) and checked by a
test. There is no interactive docs page: its inline scripts would break the CSP.

A program authenticates with `Authorization: Bearer <key>`, an API token that
acts as one user in one organisation (accounts.ApiToken). An expired token is
refused with 401 and a detail that says it expired, so the program's owner knows what to do.
"""

import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from accounts.services import ApiTokenExpired, api_token_for_key
from cases.api import router as cases_router
from organisations.models import Membership


class ApiTokenAuth(HttpBearer):
    """Authenticate by API token; the request then carries the token's member, as the HTML views' does."""

    def __call__(self, request: HttpRequest) -> Membership | None:
        # Parsed here rather than by HttpBearer, which logs an unexpected header, key included, in DEBUG.
        scheme, _space, key = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        try:
            api_token = api_token_for_key(token)
        except ApiTokenExpired as expired:
            raise AuthenticationError(
                message=f"The API token expired on {timezone.localdate(expired.token.expires_at).isoformat()}. "
                "Its member can create a new token in Vern, under Account security → API tokens."
            ) from expired
        if api_token is None:
            return None
        request.membership = api_token.membership  # type: ignore[attr-defined]
        # The access log records which token read (cases.api.ApiRequest).
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = api_token.membership.user
        return api_token.membership


api = NinjaAPI(
    version="1",
    urls_namespace="api-1",
    title="Vern API",
    description="Read the cases an API token's member may see. Every read of personal data is logged.",
    docs_url=None,
    auth=ApiTokenAuth(),
)
api.add_router("/cases", cases_router)


@csrf_exempt  # it changes nothing, and must answer any method in the API's shape, not with the CSRF page
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under the API answers 404 in the API's error shape, not with the HTML page."""
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def openapi_document() -> str:
    """The OpenAPI schema as committed in docs/openapi.json: sorted keys, so that diffs are readable."""
    return json.dumps(api.get_openapi_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
