from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dark_figure import presentation, services
from dark_figure.estimation import THRESHOLD
from dark_figure.forms import DarkFigureForm
from national_statistics.downloads import FORMATS, tables_download
from national_statistics.report import years_with_data
from national_statistics.views import national_statistician_required
from organisations.access import MemberRequest


def _form(request: MemberRequest) -> tuple[DarkFigureForm | None, list[int]]:
    """The form for the year asked for (else the latest); unbound choices fall back to their defaults."""
    years = years_with_data()
    if not years:
        return None, years
    try:
        year = int(request.GET.get("year", years[0]))
    except ValueError:
        year = years[0]
    year = year if year in years else years[0]
    kinds = services.kinds_in_year(year)
    form = DarkFigureForm(years=years, kinds=kinds)
    data: dict[str, Any] = {name: form.get_initial_for_field(field, name) for name, field in form.fields.items()}
    data |= {name: value for name, value in request.GET.items() if name in form.fields}
    data["year"] = year
    return DarkFigureForm(data, years=years, kinds=kinds), years


def _analysis(form: DarkFigureForm, *, with_linkage: bool, compute_bootstrap: bool) -> dict[str, Any]:
    year, lists = form.cleaned_data["year"], form.lists()
    threshold = float(form.cleaned_data["threshold"] or THRESHOLD)
    result = services.dark_figure(year, lists, threshold=threshold)
    bootstrap = services.bootstrap_interval(result, compute=compute_bootstrap)
    over_years = services.over_the_years(lists, threshold=threshold)
    analysis: dict[str, Any] = {
        "year": year,
        "result": result,
        "bootstrap": bootstrap,
        "estimate": presentation.estimate_table(result, bootstrap),
        "warnings": presentation.warnings_table(result),
        "capture": services.published_table(
            result.table,
            lists,
            year=year,
            title=_("Persons seen by each combination of lists, %(year)s") % {"year": year},
            history_heading=_("Seen by"),
            persons=_("Persons"),
        ),
        "models": presentation.models_table(result),
        "steps": presentation.steps_table(result),
        "years": presentation.years_table(over_years),
        "chart": presentation.interval_chart(over_years),
        "sensitivity": None,
    }
    if with_linkage:
        analysis["sensitivity"] = presentation.sensitivity_table(
            services.linkage_sensitivity(year, lists, threshold=threshold)
        )
    return analysis


@national_statistician_required
def dark_figure(request: MemberRequest) -> HttpResponse:
    """Multiple systems estimation over the linked persons of a year: the lists, the models, the assumptions."""
    form, years = _form(request)
    context: dict[str, Any] = {"form": form, "years": years, "analysis": None}
    if form is not None and form.is_valid():
        context["analysis"] = _analysis(
            form,
            with_linkage=request.GET.get("linkage") == "on",
            compute_bootstrap=request.GET.get("bootstrap") == "on",
        )
    return render(request, "dark_figure/dark_figure.html", context)


@national_statistician_required
def download(request: MemberRequest, file_format: str) -> HttpResponse:
    """The table used and the results, as on the page (the capture table with its small cells suppressed)."""
    form, _years = _form(request)
    if form is None or not form.is_valid() or file_format not in FORMATS:
        raise Http404
    analysis = _analysis(
        form,
        with_linkage=request.GET.get("linkage") == "on",
        compute_bootstrap=request.GET.get("bootstrap") == "on",
    )
    tables = [analysis["estimate"]] + ([analysis["warnings"]] if analysis["result"].warnings else [])
    tables += [analysis["capture"], analysis["models"], analysis["steps"], analysis["years"]]
    tables += [analysis["sensitivity"]] if analysis["sensitivity"] else []
    return tables_download(
        tables,
        file_format=file_format,
        name=f"vern-dark-figure-{analysis['year']}",
        title=_("The dark figure of human trafficking in Norway, %(year)s") % analysis,
    )
