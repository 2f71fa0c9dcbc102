from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import MarkReadForm
from organisations.access import MemberRequest, membership_required


@membership_required
def notification_list(request: MemberRequest) -> HttpResponse:
    """The member's notifications in the organisation they act in, newest first."""
    notifications = services.notifications_of(request.membership).select_related("case")
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@membership_required
def mark_read(request: MemberRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if form.is_valid():
        services.mark_read(membership=request.membership, notification_id=form.cleaned_data["notification"])
    return redirect("notifications:list")
