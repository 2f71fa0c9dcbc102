from typing import Any

from cases.models import Case
from chain.services import start_chain
from organisations.models import Membership


def start_chain_of_new_case(*, case: Case, membership: Membership, **kwargs: Any) -> None:
    start_chain(case=case, membership=membership, at=case.created_at)
