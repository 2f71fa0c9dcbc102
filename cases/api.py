"""The cases API: the same scoped queryset, access helper and logged reads as the HTML pages.

A token acts as one member (vern.api.ApiTokenAuth sets `request.membership`), so
everything here is what that member would see in the browser, except that a
protected case cannot be opened by breaking the glass: that needs a person and
a reason, not a program.
"""

from datetime import datetime
from typing import Any

from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from accounts.models import ApiToken
from audit.models import AccessEntry
from cases.access import get_case_for, listed_cases
from cases.models import Case
from cases.services import read_field_groups
from cases.urls import CaseCodeConverter
from core.api import Error, InvalidRequest
from organisations.access import MemberRequest

router = Router(tags=["cases"])

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A million is far beyond any list a token sees (Norway identifies a few hundred presumed victims a
# year), and keeps `offset + limit` well inside the 64-bit integers SQLite and PostgreSQL take for
# OFFSET: a larger number overflowed them into a 500 (issue 15).
MAX_OFFSET = 1_000_000


class ApiRequest(MemberRequest):
    """A request authenticated by vern.api.ApiTokenAuth: the token's member, and the token itself for the log."""

    api_token: ApiToken


class Page(Schema):
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="How many cases to return.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many cases to skip.")


class CaseSummary(Schema):
    """A case as lists show it: the pseudonym code and no personal data."""

    code: str = Field(description="The pseudonym code, e.g. OSL-2026-0042.")
    owner_name: str = Field(description="The organisation that owns the case.")
    municipality_name: str
    is_protected: bool = Field(description="Only named users may open a protected case.")
    created_at: datetime
    version: int = Field(description="Increases with every change to the case.")


class CasePage(Schema):
    count: int = Field(description="How many cases this token may see in all.")
    items: list[CaseSummary]


class CaseDetail(CaseSummary):
    """A case with the field groups this token's organisation may read, decrypted."""

    readable_groups: list[str] = Field(description="The field groups this organisation may read, by code.")
    field_groups: dict[str, dict[str, Any]] = Field(
        description="The stored field groups among the readable ones, keyed by group code; reading them is logged."
    )


def _summary_fields(case: Case) -> dict[str, Any]:
    """Needs `owner` and `municipality` loaded (select_related), or it queries per case."""
    return {
        "code": case.code,
        "owner_name": case.owner.name,
        "municipality_name": case.municipality.name,
        "is_protected": case.is_protected,
        "created_at": case.created_at,
        "version": case.version,
    }


@router.get("", response={200: CasePage, 401: Error, 422: InvalidRequest}, summary="List the cases this token may see")
def list_cases(request: MemberRequest, page: Query[Page]) -> CasePage:
    cases = listed_cases(request.membership).select_related("owner", "municipality").order_by("-created_at", "-pk")
    items = cases[page.offset : page.offset + page.limit]
    return CasePage(count=cases.count(), items=[CaseSummary(**_summary_fields(case)) for case in items])


@router.get(
    "/{code}",
    response={200: CaseDetail, 401: Error, 403: Error, 404: Error, 422: InvalidRequest},
    summary="Read one case",
    description=(
        "Answers 404 for a case this token may not see, exactly as for one that does not exist, "
        'and 403 `{"detail": "protected"}` for a protected case the member is not named for.'
    ),
)
def get_case(
    request: ApiRequest,
    code: str = Path(pattern=f"^{CaseCodeConverter.regex}$", description="The pseudonym code, e.g. OSL-2026-0042."),
) -> CaseDetail:
    access = get_case_for(request.membership, code)
    if access.must_break_glass:
        raise HttpError(403, "protected")
    field_groups = read_field_groups(
        access=access, membership=request.membership, action=AccessEntry.Action.API, api_token=request.api_token
    )
    return CaseDetail(**_summary_fields(access.case), readable_groups=sorted(access.groups), field_groups=field_groups)
