"""Whether an organisation has a role in a case, beyond seeing it.

Seeing a case (a consent or a disclosure, `cases.access.visible_cases`) lets an
organisation read what it was given. Working on it — assigning its own members,
whose reads then count as "assigned" in the access log review — needs a role: the
organisation owns the case, or an app above says it has one (the chain: it is
responsible for a step; referrals: it accepted a referral). Those apps register
their check here from their `AppConfig.ready`, so that `cases` need not know them.
"""

from collections.abc import Callable

from cases.models import Case
from organisations.models import Organisation

type CaseRoleCheck = Callable[[Case, Organisation], bool]

_checks: dict[str, CaseRoleCheck] = {}


def register_case_role(name: str, check: CaseRoleCheck) -> None:
    """Register `check(case, organisation)`: true when `organisation` has a role in `case`.

    Registering the same name again replaces the check (tests and reloads stay idempotent)."""
    _checks[name] = check


def has_role_in(case: Case, organisation: Organisation) -> bool:
    """The owner, or an organisation one of the registered checks names."""
    if case.owner_id == organisation.pk:
        return True
    return any(check(case, organisation) for check in _checks.values())
