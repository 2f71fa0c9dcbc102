from typing import Any

from django import template

from chain import editor
from chain.access import coordinates_any
from chain.models import CaseChain
from organisations.models import Membership

register = template.Library()


@register.filter
def coordinates_chain(membership: Membership | None) -> bool:
    """For the menu: whether the member coordinates some municipality's chain."""
    return membership is not None and coordinates_any(membership)


@register.inclusion_tag("chain/editor/_case_chain_version.html", takes_context=True)
def case_chain_version(context: dict[str, Any]) -> dict[str, Any]:
    """On the case page: the chain version the case follows, and the way to move it to another."""
    access = context["access"]
    chain = CaseChain.objects.select_related("template").filter(case=access.case).first()
    return {
        "case": access.case,
        "chain": chain,
        "may_move": editor.may_move_case(context["request"].membership, access),
    }
