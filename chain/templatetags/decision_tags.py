from typing import Any

from django import template

from cases.access import CaseAccess
from chain.access import decision_kinds_for, may_record_decision
from chain.decisions import decisions_of
from chain.models import Deadline
from organisations.models import Membership

register = template.Library()


@register.inclusion_tag("chain/_case_decisions.html")
def case_decisions(access: CaseAccess, membership: Membership) -> dict[str, Any]:
    """The dates that drive the case's deadlines, who recorded them, and what this member may record."""
    kinds = decision_kinds_for(access.case)
    records = decisions_of(access.case)
    rule_ids = [kind.deadline_rule_id for kind in kinds if kind.deadline_rule_id]
    deadlines = {
        deadline.rule_id: deadline
        for deadline in Deadline.objects.filter(case=access.case, rule_id__in=rule_ids).order_by("done_at", "-due_at")
    }
    rows = [
        {
            "kind": kind,
            "current": next((r for r in records if r.kind_id == kind.pk and r.is_current), None),
            "earlier": [r for r in records if r.kind_id == kind.pk and not r.is_current],
            "deadline": deadlines.get(kind.deadline_rule_id) if kind.deadline_rule_id else None,
            "may_record": may_record_decision(access, membership, kind),
        }
        for kind in kinds
    ]
    return {"case": access.case, "rows": rows}
