"""The API against its committed OpenAPI document: no 5xx for any input, every answer as documented.

Schemathesis generates requests from docs/openapi.json as committed (not from the running code, so a
change that the document does not describe fails here) and sends them to the Django app in-process,
with a token of each role and cases that token sees, so that the 200 answers are checked too. Each
answer goes through all of schemathesis's checks (not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance, negative_data_rejection, ignored_auth, …).
The examples are derandomised and few, so CI is reproducible and the file takes seconds.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.services import create_api_token
from cases import services
from cases.access import get_case_for
from cases.models import Case
from organisations.models import Membership
from tests.conftest import Cast
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_path(Path(settings.BASE_DIR, "docs", "openapi.json"))
# Requests go to the Django app in-process (as WSGI), and so do the checks' own probes.
schema.app = get_wsgi_application()

schema.config.generation.update(
    # Like most APIs, this one ignores query parameters it does not know (OpenAPI leaves the set open),
    # so a request that adds one is not invalid data that must be refused.
    allow_extra_parameters=False,
)
CASES = "/api/v1/cases"
CASE = "/api/v1/cases/{code}"


@pytest.fixture(autouse=True)
def _keep_the_test_transaction() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, and with it the test's
    transaction; Django's test client disconnects the same handler for the same reason."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=Membership.Role.values)
def member(request: pytest.FixtureRequest, cast: Cast) -> Membership:
    """A member of the NGO in each role."""
    return MembershipFactory.create(organisation=cast.ngo, role=request.param)


@pytest.fixture
def cases(cast: Cast, member: Membership) -> list[Case]:
    """Two cases of the NGO, one with personal data, one protected; opened by `member` if a caseworker
    (who sees only the cases assigned to them, and the one who opens a case is), else by `ngo_worker`."""
    worker = member if member.role == Membership.Role.CASEWORKER else Membership.objects.get(user=cast.ngo_worker)
    opened = [services.create_case(membership=worker, municipality=cast.oslo) for _ in range(2)]
    services.save_field_group(
        access=get_case_for(worker, opened[0].code),
        membership=worker,
        group="identity",
        data={"first_name": "Testa", "last_name": "Personsen", "birth_date": "2009-04-01"},
        expected_version=opened[0].version,
    )
    services.set_protection(
        access=get_case_for(worker, opened[1].code), membership=worker, protected=True, named_users=[]
    )
    return opened


@pytest.fixture
def headers(member: Membership, cases: list[Case]) -> dict[str, str]:
    _token, key = create_api_token(membership=member, name="Schemathesis")
    return {"Authorization": f"Bearer {key}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    derandomize=True,  # the same examples in every run, so that CI is reproducible
    database=None,
    deadline=None,
    # The cases and the token are made once per test and shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers)


# What each role is answered for the two cases: a caseworker opened both and is named for the protected one.
ANSWERS: dict[str, list[int]] = {
    Membership.Role.CASEWORKER: [200, 200],
    Membership.Role.COORDINATOR: [200, 403],
    Membership.Role.ORG_ADMIN: [200, 403],
    Membership.Role.STATISTICIAN: [404, 404],
    # The data protection officer reviews the log, works on no case: the API shows none (log_review).
    Membership.Role.DATA_PROTECTION_OFFICER: [404, 404],
    Membership.Role.SYSTEM_ADMIN: [200, 403],
}


def test_the_requests_fuzzing_may_miss_are_answered_as_documented(
    member: Membership, cases: list[Case], headers: dict[str, str]
) -> None:
    # Generated codes name no case, so the 200 and 403 answers of one case are tried with real codes,
    # and the offset that overflowed the database's 64-bit integers into a 500 (issue 15) is tried as such.
    answers = [
        schema[CASE]["GET"].Case(path_parameters={"code": case.code}).call_and_validate(headers=headers).status_code
        for case in cases
    ]
    assert answers == ANSWERS[member.role]
    for offset in (2**63 - 1, 2**63):
        schema[CASES]["GET"].Case(query={"offset": offset}).call_and_validate(headers=headers)
