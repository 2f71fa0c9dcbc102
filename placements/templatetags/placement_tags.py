from typing import Any

from django import template
from django.db.models import Count, Max, OuterRef, Subquery

from placements import services
from placements.access import may_act, may_place, may_view
from placements.models import PlacementContact

register = template.Library()

EARLIER_SHOWN = 10


@register.inclusion_tag("placements/_section.html", takes_context=True)
def placements_section(context: template.Context) -> dict[str, Any]:
    """The case page's placement section, for the owner and child welfare services: two queries at most."""
    request, access = context["request"], context["access"]
    membership = request.membership
    if not may_view(membership, access):
        return {"show": False}
    last_contact = (
        PlacementContact.objects.filter(placement=OuterRef("pk"))
        .values("placement")
        .annotate(at=Max("at"))
        .values("at")
    )
    placements = list(
        access.case.placements.select_related("organisation")
        .annotate(last_contact=Subquery(last_contact), abscondings_count=Count("abscondings"))
        .order_by("-started_at")[: EARLIER_SHOWN + 1]
    )
    current = next((placement for placement in placements if placement.ended_at is None), None)
    return {
        "show": True,
        "case": access.case,
        "current": current,
        "alert": services.open_alert(current) if current is not None else None,
        "earlier": [placement for placement in placements if placement is not current],
        "may_act": current is not None and may_act(membership, access, current),
        "may_place": may_place(membership, access),
        "csrf_token": context.get("csrf_token"),
    }
