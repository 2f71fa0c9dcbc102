from typing import Any

from django import template

from cases.access import CaseAccess
from organisations.models import Membership
from rights.access import rights_shown

register = template.Library()


@register.inclusion_tag("rights/_case_rights.html")
def case_rights(access: CaseAccess, membership: Membership) -> dict[str, Any]:
    """The case's rights: every right to the owner, the rights it provides to a sharing organisation."""
    return {"access": access, "case": access.case, "case_rights": list(rights_shown(access, membership))}
