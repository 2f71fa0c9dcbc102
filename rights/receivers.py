from typing import Any

from cases.models import Case
from rights.services import ensure_case_rights


def give_case_the_rights_of_its_track(*, case: Case, **kwargs: Any) -> None:
    ensure_case_rights(case=case)
