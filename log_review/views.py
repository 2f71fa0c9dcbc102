from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from log_review import services
from log_review.access import log_reviewer_required
from log_review.exports import EXPORT_FORMATS, flags_table
from log_review.forms import ReviewedFlagForm, period_form
from national_statistics.downloads import tables_download
from organisations.access import MemberRequest


def _back_to_review(data: object) -> HttpResponse:
    period = {name: data.get(name, "") for name in ("since", "until")}  # type: ignore[attr-defined]
    return redirect(f"{reverse('log_review:review')}?{urlencode(period)}")


@log_reviewer_required
def review(request: MemberRequest) -> HttpResponse:
    """The regular review of the access log (Normen): flags with the reads behind them, to conclude on."""
    form = period_form(request.GET)
    flags = []
    if form.is_valid():
        since, until = form.period()
        flags = services.review_flags(organisation=request.membership.organisation, since=since, until=until)
    context = {
        "form": form,
        "flags": flags,
        "flag_form": ReviewedFlagForm(),
        "last_review": services.last_review(request.membership.organisation),
        "organisation": request.membership.organisation,
    }
    return render(request, "log_review/review.html", context)


@require_POST
@log_reviewer_required
def mark_flag(request: MemberRequest) -> HttpResponse:
    form, period = ReviewedFlagForm(request.POST), period_form(request.POST)
    if not form.is_valid() or not period.is_valid():
        messages.error(request, _("Choose what the review found."))
        return _back_to_review(request.POST)
    since, until = period.period()
    # Only a flag the organisation's review shows for the period: a made-up key concludes nothing.
    flags = services.review_flags(organisation=request.membership.organisation, since=since, until=until)
    if form.cleaned_data["key"] not in {flag.key for flag in flags}:
        raise Http404
    services.mark_flag_reviewed(membership=request.membership, **form.cleaned_data)
    messages.success(request, _("The flag is marked as reviewed."))
    return _back_to_review(request.POST)


@require_POST
@log_reviewer_required
def mark_period(request: MemberRequest) -> HttpResponse:
    form = period_form(request.POST)
    if form.is_valid():
        since, until = form.period()
        flags = services.review_flags(organisation=request.membership.organisation, since=since, until=until)
        services.record_review(
            membership=request.membership,
            period_start=form.cleaned_data["since"],
            period_end=form.cleaned_data["until"],
            flags=flags,
        )
        messages.success(request, _("The review of the period is recorded."))
    return _back_to_review(request.POST)


@log_reviewer_required
def export(request: MemberRequest, file_format: str) -> HttpResponse:
    form = period_form(request.GET)
    if file_format not in EXPORT_FORMATS or not form.is_valid():
        raise Http404
    since, until = form.period()
    flags = services.review_flags(organisation=request.membership.organisation, since=since, until=until)
    title = _("Log review %(since)s–%(until)s") % {
        "since": form.cleaned_data["since"].isoformat(),
        "until": form.cleaned_data["until"].isoformat(),
    }
    table = flags_table(flags, title=title)
    return tables_download([table], file_format=file_format, name="log-review", title=title)
