"""The estimation's results as tables (page and downloads) and the chart over the years."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.formats import number, span
from dark_figure.estimation import Bootstrap, DarkFigure, Estimate, ModelFit
from dark_figure.services import LinkageSensitivity, YearEstimate
from disclosure.exports import ResultRow, ResultTable


def interval(estimate: Estimate | None, *, unseen: bool = False) -> str:
    if estimate is None:
        return "–"
    if unseen:
        return f"{number(estimate.unseen)} ({span(estimate.unseen_lower, estimate.unseen_upper)})"
    return f"{number(estimate.total)} ({span(estimate.lower, estimate.upper)})"


def dependences(fit: ModelFit) -> str:
    if not fit.interactions:
        return _("none (independent lists)")
    return "; ".join(
        f"{first} × {second} ({number(fit.interaction_effects.get((first, second), 0.0), 2, signed=True)})"
        for first, second in fit.interactions
    )


def models_table(result: DarkFigure) -> ResultTable:
    """The alternatives side by side: how much the number depends on the choice of model."""
    rows = []
    for alternative in result.alternatives:
        fit = alternative.fit
        rows.append(
            ResultRow(
                ", ".join(str(method.label) for method in alternative.chosen_by),
                (
                    dependences(fit),
                    interval(fit.estimate, unseen=True) if fit.estimate else str(fit.refusal or "–"),
                    interval(fit.estimate),
                    number(fit.estimate.total / fit.estimate.observed, 1) if fit.estimate else "–",
                    number(fit.aic, 1) if fit.aic is not None else "–",
                    number(fit.bic, 1) if fit.bic is not None else "–",
                ),
            )
        )
    return ResultTable(
        _("Models compared, with 95-percent intervals"),
        (
            _("Dependences between lists (log odds ratio)"),
            _("Never seen"),
            _("In total"),
            _("Times the persons seen"),
            "AIC",
            "BIC",
        ),
        tuple(rows),
        row_heading=_("Model chosen by"),
    )


def bootstrap_interval(result: Bootstrap | None) -> str:
    if result is None:
        return "–"
    if result.refusal:
        return str(result.refusal)
    return span(result.lower, result.upper)


def estimate_table(result: DarkFigure, bootstrap: Bootstrap | None) -> ResultTable:
    """The chosen model's estimate with both intervals: given the model, and with its choice repeated."""
    estimate = result.estimate
    rows = [] if estimate else [ResultRow(_("No estimate"), (str(result.reason), "–"))]
    if estimate:
        rows.append(ResultRow(_("Estimate"), (number(estimate.total), number(estimate.unseen))))
        rows.append(
            ResultRow(
                _("Profile-likelihood interval, given the chosen model"),
                (
                    span(estimate.lower, estimate.upper),
                    span(estimate.unseen_lower, estimate.unseen_upper),
                ),
            )
        )
    if bootstrap:
        unseen = (
            span(bootstrap.lower - result.table.observed, bootstrap.upper - result.table.observed)
            if bootstrap.refusal is None
            else "–"
        )
        rows.append(
            ResultRow(
                _("Bootstrap interval, the model chosen again in each of %(resamples)d resamples (seed %(seed)d)")
                % {"resamples": bootstrap.resamples, "seed": bootstrap.seed},
                (bootstrap_interval(bootstrap), unseen),
            )
        )
    return ResultTable(
        _("The estimate of the stepwise model and its 95-percent intervals"),
        (_("In total"), _("Never seen")),
        tuple(rows),
        row_heading=_("Figure"),
    )


def warnings_table(result: DarkFigure) -> ResultTable:
    """The sparse-data warnings, in the downloads as on the page."""
    return ResultTable(
        _("Warnings: what makes the number less certain than its intervals"),
        (_("Warning"),),
        tuple(ResultRow(str(number), (str(warning),)) for number, warning in enumerate(result.warnings, start=1)),
        row_heading=_("Number"),
    )


def steps_table(result: DarkFigure) -> ResultTable:
    return ResultTable(
        _("The forward search: each dependence added, and the evidence for it"),
        (_("Likelihood ratio"), _("p-value"), "AIC", "BIC"),
        tuple(
            ResultRow(
                f"{step.added[0]} × {step.added[1]}",
                (number(step.statistic, 2), number(step.p_value, 4), number(step.aic, 1), number(step.bic, 1)),
            )
            for step in result.steps
        ),
        row_heading=_("Dependence added"),
    )


def _estimate_cells(persons: int, result: DarkFigure) -> tuple[int, str, str]:
    """Persons, the estimated total with its interval (or why there is none), and the never seen."""
    total = interval(result.estimate) if result.estimate else str(result.reason)
    return persons, total, interval(result.estimate, unseen=True)


def years_table(estimates: Sequence[YearEstimate]) -> ResultTable:
    return ResultTable(
        _("Estimated total by year with the same lists: stepwise model, 95-percent interval"),
        (_("Persons seen"), _("Estimated total"), _("Never seen")),
        tuple(
            ResultRow(str(each.year), _estimate_cells(each.result.table.observed, each.result)) for each in estimates
        ),
        row_heading=_("Year"),
    )


def sensitivity_table(runs: Sequence[LinkageSensitivity]) -> ResultTable:
    return ResultTable(
        _("The estimate when the records are linked at the ends of the calibrated threshold range"),
        (_("Persons found"), _("Estimated total"), _("Never seen")),
        tuple(ResultRow(number(run.linkage_threshold, 2), _estimate_cells(run.persons, run.result)) for run in runs),
        row_heading=_("Linkage threshold (match probability)"),
    )


# --- The chart over the years ----------------------------------------------------------------------

LABEL_WIDTH = 70
PLOT_WIDTH = 440
ROW_HEIGHT = 30


@dataclass(frozen=True)
class IntervalMark:
    year: int
    low_x: float
    high_x: float
    point_x: float
    y: int
    text: str

    @property
    def line_y(self) -> int:
        return self.y + ROW_HEIGHT // 2

    @property
    def text_y(self) -> int:
        return self.y + ROW_HEIGHT // 2 + 5


@dataclass(frozen=True)
class IntervalChart:
    marks: list[IntervalMark]
    height: int
    width: int = LABEL_WIDTH + PLOT_WIDTH + 160
    label_width: int = LABEL_WIDTH
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + 10


def interval_chart(estimates: Sequence[YearEstimate]) -> IntervalChart:
    """Each year's estimate as a dot on its interval, on one scale from 0 to the largest upper limit."""
    known = [(each.year, each.result.estimate) for each in estimates if each.result.estimate is not None]
    top = max((estimate.upper for _year, estimate in known), default=0.0)
    marks = []
    for row, (year, estimate) in enumerate(known):
        scale = PLOT_WIDTH / top if top else 0.0
        marks.append(
            IntervalMark(
                year=year,
                low_x=LABEL_WIDTH + estimate.lower * scale,
                high_x=LABEL_WIDTH + estimate.upper * scale,
                point_x=LABEL_WIDTH + estimate.total * scale,
                y=row * ROW_HEIGHT,
                text=interval(estimate),
            )
        )
    return IntervalChart(marks=marks, height=ROW_HEIGHT * len(marks))
