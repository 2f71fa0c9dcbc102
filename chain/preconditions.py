"""Whether a step's precondition holds in a case (ChainStep.precondition, a small catalogue).

A precondition is read from the case's own information, by the member who refers or hands the case over: the
asylum hand-over to state reception needs an asylum claim recorded in the immigration field group (applied
for, granted or refused — the person has sought protection, utlendingsloven § 28). The read goes through
`read_field_groups`, so it is in the access log like any other; a member who may not read the group cannot
show that the precondition holds, and must give a reason instead.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cases.access import CaseAccess
from cases.models import FieldGroup
from cases.services import read_field_groups
from chain.models import StepPrecondition
from organisations.models import Membership


def _asylum_claimed(immigration: dict[str, Any]) -> bool:
    return bool(immigration.get("asylum"))


# Each precondition: the field group it reads and the test on that group's values.
CHECKS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    StepPrecondition.ASYLUM_CLAIMED: (FieldGroup.IMMIGRATION, _asylum_claimed),
}


def precondition_holds(*, access: CaseAccess, membership: Membership, precondition: str) -> bool:
    """True when there is no precondition, or the case's information shows that it holds."""
    if not precondition:
        return True
    group, check = CHECKS[precondition]
    if group not in access.groups:
        return False
    data = read_field_groups(access=replace(access, groups=frozenset({group})), membership=membership)
    return check(data.get(group, {}))
