"""The start page: what the member's organisation has waiting, gathered from the apps below."""

from django.http import HttpResponse
from django.shortcuts import render

from cases.access import visible_cases
from organisations.access import MemberRequest, membership_required
from screening.access import notifications_for, screenings_of
from screening.models import ChildWelfareNotification, Screening


@membership_required
def home(request: MemberRequest) -> HttpResponse:
    context = {
        "organisation": request.membership.organisation,
        "case_count": visible_cases(request.membership).count(),
        "notifications_to_send": notifications_for(request.membership)
        .filter(status=ChildWelfareNotification.Status.TO_NOTIFY)
        .count(),
        "draft_count": screenings_of(request.membership)
        .filter(worker_id=request.membership.user_id, status=Screening.Status.DRAFT)
        .count(),
    }
    return render(request, "home/home.html", context)
