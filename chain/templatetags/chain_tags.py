from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from cases.access import CaseAccess
from chain.extensions import step_links
from chain.models import CaseChain, CaseStep
from chain.services import may_act_on_step
from organisations.models import Membership

register = template.Library()


@register.inclusion_tag("chain/_case_chain.html")
def case_chain(access: CaseAccess, membership: Membership) -> dict[str, Any]:
    """The case's way through its chain, and what this member may do at the current step."""
    chain = CaseChain.objects.select_related("template").filter(case=access.case).first()
    steps = list(
        CaseStep.objects.filter(case=access.case)
        .select_related("step__deadline_rule", "step__responsible_organisation", "responsible")
        .order_by("step__order")
    )
    links = step_links(access.case, membership)
    rows = [
        {
            "case_step": case_step,
            "links": links.get(case_step.step.code, []),
            "may_finish": case_step.status == CaseStep.Status.ACTIVE
            and not access.follow_up
            and may_act_on_step(access=access, membership=membership, case_step=case_step),
            "may_take": case_step.status == CaseStep.Status.ACTIVE
            and not access.follow_up
            and case_step.responsible_id != membership.organisation_id
            and case_step.step.takes(membership.organisation)
            and not access.must_break_glass,
        }
        for case_step in steps
    ]
    return {"access": access, "case": access.case, "chain": chain, "rows": rows}


@register.filter
def duration(value: timedelta | None) -> str:
    """A time spent, to the hour: '3 d 4 h' (bokmål '3 d 4 t')."""
    if value is None:
        return "–"
    hours = int(value.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(hours)d h") % {"hours": hours}
