"""The start page, "Min dag": what waits for the member now, gathered from the apps below (home.today)."""

from django.http import HttpResponse
from django.shortcuts import render

from home.today import today_for
from national_statistics.access import is_national_statistician
from organisations.access import MemberRequest, membership_required


@membership_required
def home(request: MemberRequest) -> HttpResponse:
    context = {
        "organisation": request.membership.organisation,
        "today": today_for(request.membership),
        "statistician": is_national_statistician(request.membership),
    }
    return render(request, "home/home.html", context)
