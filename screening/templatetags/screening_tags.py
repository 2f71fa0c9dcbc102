from typing import Any

from django import template

from screening.access import screenings_of
from screening.models import Screening

register = template.Library()


@register.inclusion_tag("screening/_case_link.html", takes_context=True)
def case_screening(context: template.Context) -> dict[str, Any]:
    """On the case page: the screening the case was opened from, for members who may see that screening."""
    membership, case = context["request"].membership, context["case"]
    screenings = screenings_of(membership).filter(case=case, status=Screening.Status.COMPLETED)
    screening = screenings.only("pk", "completed_at").first()
    return {"screening": screening}
