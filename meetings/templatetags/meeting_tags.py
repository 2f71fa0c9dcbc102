from typing import Any

from django import template

from chain.models import CaseChain
from meetings.access import readable_meetings
from meetings.models import Meeting

register = template.Library()


@register.inclusion_tag("meetings/_case_meetings.html", takes_context=True)
def case_meetings(context: template.Context) -> dict[str, Any]:
    """The case page's section: the meetings the member's organisation was part of, and how the case ends."""
    access = context["access"]
    meetings = readable_meetings(access, context["request"].membership).select_related("organisation")
    return {
        "case": access.case,
        "access": access,
        "meetings": list(meetings),
        "chain": CaseChain.objects.filter(case=access.case).first(),
        "evaluation": Meeting.Kind.EVALUATION,
    }
