from datetime import datetime, time, timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.forms import ReviewPeriodForm, a_week_ago
from audit.services import review_flags
from organisations.access import MemberRequest, org_admin_required


def _start_of(day: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


@org_admin_required
def review(request: MemberRequest) -> HttpResponse:
    """The organisation admin's regular review of the access log (Normen: log review)."""
    form = ReviewPeriodForm(request.GET or {"since": a_week_ago(), "until": timezone.localdate()})
    flags = []
    if form.is_valid():
        since = _start_of(form.cleaned_data["since"])
        until = _start_of(form.cleaned_data["until"]) + timedelta(days=1)
        flags = review_flags(organisation=request.membership.organisation, since=since, until=until)
    return render(request, "audit/review.html", {"form": form, "flags": flags})
