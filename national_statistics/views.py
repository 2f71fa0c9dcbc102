from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from disclosure import exports
from disclosure.htcds import columns as htcds_columns
from national_statistics import report as reports
from national_statistics import services
from national_statistics.access import is_national_statistician
from national_statistics.downloads import CONTENT_TYPES, attachment, tables_download
from national_statistics.forms import HtcdsForm, UploadForm
from national_statistics.models import Contribution, YearLinkage
from organisations.access import MemberRequest, membership_required


def national_statistician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Members of the national coordination unit with the statistician role; everyone else is refused."""

    @membership_required
    @wraps(view)
    def guarded(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_national_statistician(request.membership):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def _year(request: MemberRequest, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return years[0] if years else timezone.localdate().year
    return year


@national_statistician_required
def report(request: MemberRequest) -> HttpResponse:
    """The national report of a year, with charts, tables and downloads."""
    years = reports.years_with_data()
    year = _year(request, years)
    annual = reports.annual_report(year) if year in years else None
    context = {
        "year": year,
        "years": years,
        "report": annual,
        "too_few": annual.too_few_message if annual and annual.too_few else "",
        "linkage": YearLinkage.objects.filter(year=year).first(),
        "contributions": Contribution.objects.filter(year=year).order_by("source", "created_at"),
        "htcds_form": HtcdsForm(default_k=services.statistics_k()),
    }
    return render(request, "national_statistics/report.html", context)


def _too_few(request: MemberRequest, annual: reports.Report) -> HttpResponse:
    messages.error(request, annual.too_few_message)
    return redirect(f"{reverse('national_statistics:report')}?year={annual.year}")


@national_statistician_required
def download(request: MemberRequest, year: int, file_format: str) -> HttpResponse:
    """The same published tables as the page: the same suppression in every format."""
    if year not in reports.years_with_data():
        raise Http404
    annual = reports.annual_report(year)
    if annual.too_few:
        return _too_few(request, annual)
    return tables_download(
        [*annual.tables, annual.anonymous_contacts],
        file_format=file_format,
        name=f"vern-national-report-{year}",
        title=_("Presumed victims of human trafficking in Norway, %(year)s") % {"year": year},
    )


@national_statistician_required
def htcds(request: MemberRequest, year: int) -> HttpResponse:
    """A k-anonymised record-level release in the HTCDS layout (docs/statistics.md).

    Without k, the default k; a k below the floor is refused with the reason. The release is
    part of the year's publication: one with another k is given only when the tables as
    published stay safe beside it.
    """
    if year not in reports.years_with_data():
        raise Http404
    default_k = services.statistics_k()
    form = HtcdsForm(request.GET, default_k=default_k)
    back = redirect(f"{reverse('national_statistics:report')}?year={year}#htcds")
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["k"]))
        return back
    published = reports.annual_report(year)
    if published.too_few:
        return _too_few(request, published)
    release = published.release
    if form.cleaned_data["k"] != default_k:
        with_k = reports.annual_report(year, k=form.cleaned_data["k"])
        if with_k.tables != published.tables:
            messages.error(
                request,
                _("A release with k = %(k)s would let a reader work out numbers the tables hide; use k = %(default)s.")
                % {"k": form.cleaned_data["k"], "default": default_k},
            )
            return back
        release = with_k.release
    response = attachment(CONTENT_TYPES["csv"], f"vern-htcds-{year}-k{release.k}.csv")
    exports.write_records_csv(htcds_columns(), release.records, response)
    return response


@national_statistician_required
@require_POST
def refresh(request: MemberRequest, year: int) -> HttpResponse:
    """Rebuild the year from Vern's cases and link it with the files added."""
    try:
        linkage = services.refresh_year(year, user=request.user)
    except services.StatisticsError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(year)s linked: %(records)s records, %(persons)s persons.")
            % {"year": year, "records": linkage.records, "persons": linkage.persons},
        )
    return redirect(f"{reverse('national_statistics:report')}?year={year}")


@national_statistician_required
def uploads(request: MemberRequest) -> HttpResponse:
    """Encoded files from organisations outside Vern: add one, see what was kept and left out."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_upload(
                upload.read(),
                file_name=upload.name or "",
                organisation_name=form.cleaned_data["organisation_name"],
                user=request.user,
            )
        except services.StatisticsError as error:
            form.add_error("file", str(error))
        else:
            services.link_year(result.contribution.year)
            kept = ngettext(
                "%(kept)s person kept from the file", "%(kept)s persons kept from the file", result.contribution.records
            )
            left = ngettext("%(left)s line left out", "%(left)s lines left out", len(result.problems))
            messages.success(
                request,
                _("%(kept)s, %(left)s; %(year)s linked again.")
                % {
                    "kept": kept % {"kept": result.contribution.records},
                    "left": left % {"left": len(result.problems)},
                    "year": result.contribution.year,
                },
            )
            return redirect("national_statistics:uploads")
    files = Contribution.objects.filter(source=Contribution.Source.UPLOAD)
    return render(request, "national_statistics/uploads.html", {"form": form, "files": files})


@national_statistician_required
@require_POST
def remove_upload(request: MemberRequest, pk: int) -> HttpResponse:
    """Take a file out (sent by mistake, or to be replaced by a corrected one) and link its year again."""
    contribution = get_object_or_404(Contribution, pk=pk, source=Contribution.Source.UPLOAD)
    services.remove_upload(contribution)
    messages.success(
        request,
        _("The file from %(organisation)s is taken out; %(year)s linked again.")
        % {"organisation": contribution.organisation_name, "year": contribution.year},
    )
    return redirect("national_statistics:uploads")
