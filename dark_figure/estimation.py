"""Multiple systems estimation: how many persons no list saw, from how the lists overlap.

The model
---------
Log-linear Poisson models over the capture table (`dark_figure.capture`): the
expected number of persons with history h = (h_1, …, h_k) is

    log μ_h = β_0 + Σ_i β_i h_i + Σ_{(i,j) in M} γ_ij h_i h_j,

main effects for every list plus two-list interactions for the pairs in M. An
interaction γ_ij > 0 says a person on list i is more likely than others to be on
list j too (positive dependence: one organisation refers to the other), γ_ij < 0
the opposite. The unseen history (0, …, 0) has log μ_0 = β_0, so the estimated
number nobody saw is exp(β_0) and the total is the persons seen plus exp(β_0).
The models are fitted by Newton's method (iteratively reweighted least squares, as a
Poisson GLM) on the 2^k − 1 observed cells, zero cells included.

Model selection
---------------
Forward stepwise, as Bales, Hesketh and Silverman (2015) chose the UK 2013 model and
Chan, Silverman and Vincent (2021) recommend for sparse tables: start from main
effects only; at each step fit every two-list interaction not yet in the model whose
model passes the existence check below, take the one that lowers the deviance most,
and add it if its **likelihood-ratio** p-value (deviance drop against χ² with one
degree of freedom) is below the threshold — by default 0.02 (`THRESHOLD`), Chan et
al.'s choice; Bales et al. used 0.05 on the dense UK table, and on the sparse New
Orleans table 0.05 adds interactions that rest on one or two persons. Bales et al.
tested the added parameter with its Wald p-value; the likelihood-ratio test is used
here because it does not depend on the parameterisation and stays sensible when a
parameter is large and its standard error is poor — the sparse case. Chan et al.
keep pairs that share nobody in the model at −∞; Vern instead never adds an
interaction for two lists that share nobody (see below).

As second opinions: AIC (the same search, adding while the deviance drops by more
than 2); BIC — for up to five lists (`EXHAUSTIVE_LISTS`) the lowest BIC over every
model (every set of two-list interactions: 1,024 models at five lists), above that
the same search stopped when the deviance no longer drops by log n (n the persons
seen); and the model with main effects only (independent lists). Their estimates are
returned side by side (`DarkFigure.alternatives`), so the page shows how much the
number depends on the choice of model.

Existence and identifiability
-----------------------------
With zero cells the maximum-likelihood estimate of a log-linear model need not
exist: the likelihood keeps growing as a parameter goes to ±∞ and the estimate of
the unseen becomes 0 or infinite. It exists if and only if the vector of
sufficient statistics t = Xᵀy lies in the relative interior of the cone spanned
by the rows of the design matrix X (Fienberg and Rinaldo 2012); Chan, Silverman
and Vincent (2021) check it with the linear program

    maximise s  subject to  Xᵀz = t,  z_h ≥ s ≥ 0 for every cell h,

and the estimate exists if and only if the optimum s is positive (some fitted
table with every cell positive has the observed margins). The model must also be
identifiable: X must have full column rank. `check_model` applies both (scipy's
HiGHS solves the program), and a model that fails is refused, never fitted. If a
model fails, every model containing it fails too, so the stepwise search drops a
failed interaction for good.

Before any model, the table itself is refused when it has fewer than three lists
(with two, dependence between the lists cannot be told apart from the unseen), no
person at all, a list nobody is on, or a list that shares no person with any
other list (nothing then says how many that list missed).

The intervals
-------------
95 % **profile-likelihood** interval for the total N (Cormack 1992), the interval
Rcapture's `closedpCI.t` gives and Bales et al. reported: for a candidate N the model is
fitted to the full table with N − n persons in the unseen cell (the multinomial
likelihood of N persons, profiled over the other parameters), and the interval holds
every N whose likelihood-ratio statistic against the maximum stays below the χ²
quantile. It follows the right skew of the estimate and never goes below the persons
seen, but it is conditional on the chosen model.

Beside it a **parametric bootstrap that repeats the model selection** (`bootstrap`):
tables of the n persons seen drawn from the chosen model's fitted cell probabilities
(multinomial, the total fixed at n), the stepwise search and fit run again on each, and
the 2.5 and 97.5 % points of the totals (percentile interval). A fixed seed makes it
reproducible; why parametric, and the times, are in docs/dark-figure.md.

Sparse-data warnings
--------------------
`DarkFigure.warnings` says when the number deserves less trust than its intervals:
pairs of lists that share nobody (the data cannot tell a structural zero from
chance), models whose estimates lie more than `MODEL_DISAGREEMENT` apart, and a model
estimating more than `SEEN_MULTIPLE` times the persons seen.

Nothing here returns a negative, infinite or NaN number: where there is no sound
estimate, the result says so with a reason (`Reason`, translatable) instead.

References: K. Bales, O. Hesketh and B. Silverman (2015), Modern slavery in the
UK: how many victims? Significance 12(3), 16–21. L. Chan, B. W. Silverman and
K. Vincent (2021), Multiple systems estimation for sparse capture data:
inferential challenges when there are nonoverlapping lists, JASA 116(535),
1297–1306. S. E. Fienberg and A. Rinaldo (2012), Maximum likelihood estimation in
log-linear models, Annals of Statistics 40(2), 996–1023. R. M. Cormack (1992),
Interval estimation for mark-recapture studies of closed populations, Biometrics
48(2), 567–576. B. W. Silverman, L. Chan and K. Vincent (2024), Bootstrapping multiple
systems estimates to account for model selection, Statistics and Computing,
doi:10.1007/s11222-023-10346-9.
"""

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
from django.db.models import TextChoices
from django.utils import formats
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from scipy import optimize, stats
from scipy.special import chdtrc, gammaln, xlogy

from dark_figure.capture import CaptureTable, all_histories

Pair = tuple[str, str]

LEVEL = 0.95
# Chan, Silverman and Vincent (2021), section 6: on sparse tables a forward search at p < 0.05 adds
# interactions supported by a person or two, and they recommend 0.02 (on New Orleans: 1,184 where
# 0.05 gives 1,817). Bales, Hesketh and Silverman (2015) used 0.05 on the dense UK table.
THRESHOLD = 0.02
# Up to this many lists BIC is minimised over every model (every set of two-list interactions:
# 2^10 = 1,024 models at five lists); above it the forward search stops by BIC.
EXHAUSTIVE_LISTS = 5
MAX_ITERATIONS = 100  # Newton steps of one fit; a fit that needs more has not converged
BATCHED_ITERATIONS = 25  # Newton steps of the forward search's candidates fitted together, before each alone
# The bootstrap: resamples enough for the 2.5 % and 97.5 % points to move by a few per cent between
# seeds, few enough to take seconds (docs/dark-figure.md has the times); a fixed seed, so that the
# page shows the same interval every time. When more than a tenth of the resamples have no model
# at all, the interval would leave out the draws the data cannot bear, and none is given.
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 2021
BOOTSTRAP_MAX_FAILED = 0.1
# The sparse-data warning: the models' estimates more than this factor apart (highest over lowest) …
MODEL_DISAGREEMENT = 1.5
# … or an estimate more than this many times the persons seen (New Orleans' AIC model: 18 times).
SEEN_MULTIPLE = 10
# The interval's upper limit is searched up to this many times the persons seen; beyond it the
# data do not bound the number in any useful sense and no estimate is given.
UPPER_LIMIT_FACTOR = 1000
_POSITIVE = 1e-6  # the linear program's optimum, in persons, above which the estimate exists


# --- Results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why there is no estimate: a stable code, and a sentence translated when it is shown."""

    code: str
    template: Promise | str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.template) % self.params if self.params else str(self.template)


@dataclass(frozen=True)
class Estimate:
    """The estimated total with its profile-likelihood interval; the unseen is the total less the persons seen."""

    observed: int
    total: float
    lower: float
    upper: float
    level: float

    @property
    def unseen(self) -> float:
        return self.total - self.observed

    @property
    def unseen_lower(self) -> float:
        return self.lower - self.observed

    @property
    def unseen_upper(self) -> float:
        return self.upper - self.observed


@dataclass(frozen=True)
class ModelFit:
    """One log-linear model fitted to a table: its estimate, or the reason there is none.

    `interaction_effects` are the fitted γ_ij (log odds ratios: positive when a person on one
    list is more likely to be on the other). AIC and BIC are comparable between models of one
    table only; BIC's sample size is the number of persons seen.
    """

    interactions: tuple[Pair, ...]
    estimate: Estimate | None = None
    refusal: Reason | None = None
    deviance: float | None = None
    df: int | None = None
    aic: float | None = None
    bic: float | None = None
    interaction_effects: Mapping[Pair, float] = field(default_factory=dict)


class Method(TextChoices):
    STEPWISE = "stepwise", _("Stepwise (likelihood-ratio p-value below the threshold)")
    AIC = "aic", _("Lowest AIC")
    BIC = "bic", _("Lowest BIC")
    MAIN_EFFECTS = "main_effects", _("Independent lists (main effects only)")


@dataclass(frozen=True)
class Step:
    """One interaction added by the forward search, with the evidence for it."""

    added: Pair
    statistic: float  # likelihood ratio: the drop in deviance
    p_value: float
    aic: float
    bic: float


@dataclass(frozen=True)
class Alternative:
    """A model and the methods that chose it; the same model chosen twice is listed once."""

    chosen_by: tuple[Method, ...]
    fit: ModelFit


@dataclass(frozen=True)
class DarkFigure:
    """The estimate of the stepwise model, the alternatives side by side, or why there is none.

    `alternatives[0]` is the stepwise model whenever the table is not refused; `steps` is the
    forward search's path, further than any of the methods stopped (the evidence for each step).
    """

    table: CaptureTable
    threshold: float
    level: float
    refusal: Reason | None = None
    steps: tuple[Step, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    warnings: tuple[Reason, ...] = ()

    @property
    def chosen(self) -> ModelFit | None:
        return self.alternatives[0].fit if self.alternatives else None

    @property
    def estimate(self) -> Estimate | None:
        return self.chosen.estimate if self.chosen else None

    @property
    def reason(self) -> Reason | None:
        """Why there is no estimate (the table's or the chosen model's reason); None when there is one."""
        return self.refusal or (self.chosen.refusal if self.chosen else None)


# --- Reasons ------------------------------------------------------------------------------------------


def _fewer_than_three(lists: int) -> Reason:
    return Reason(
        "fewer_than_three_lists",
        _(
            "Multiple systems estimation needs at least three lists; %(lists)d were chosen. With fewer, "
            "how the lists depend on each other cannot be told apart from how many nobody saw."
        ),
        {"lists": lists},
    )


def _empty_table() -> Reason:
    return Reason("empty_table", _("Nobody was seen by any of the chosen lists."))


def _empty_list(name: str) -> Reason:
    return Reason(
        "empty_list", _("Nobody is on the list %(list)s: leave it out or merge it with another."), {"list": name}
    )


def _isolated_list(name: str) -> Reason:
    return Reason(
        "isolated_list",
        _(
            "Nobody on the list %(list)s is on any other list, so the lists tell nothing about how many "
            "%(list)s missed: merge it with another list or leave it out."
        ),
        {"list": name},
    )


def _pair_without_overlap(pair: Pair) -> Reason:
    return Reason(
        "pair_without_overlap",
        _(
            "Nobody is on both %(first)s and %(second)s, so a model cannot estimate how the two lists "
            "depend on each other."
        ),
        {"first": pair[0], "second": pair[1]},
    )


def _not_identifiable() -> Reason:
    return Reason("not_identifiable", _("The model has more parameters than the table can determine."))


def _does_not_exist() -> Reason:
    return Reason(
        "mle_does_not_exist",
        _(
            "The table has too many empty combinations for this model: its maximum-likelihood estimate "
            "does not exist (a parameter would be infinite, and with it the number nobody saw)."
        ),
    )


def _no_convergence() -> Reason:
    return Reason("no_convergence", _("The model could not be fitted: the computation did not converge."))


def _unbounded() -> Reason:
    return Reason(
        "unbounded",
        _(
            "The table does not bound the number from above: the upper limit would be more than "
            "%(factor)d times the persons seen."
        ),
        {"factor": UPPER_LIMIT_FACTOR},
    )


def _bootstrap_failed(failed: int, resamples: int) -> Reason:
    return Reason(
        "bootstrap_failed",
        _(
            "In %(failed)d of %(resamples)d resamples no model could be fitted at all: the table is too "
            "sparse for a bootstrap interval, and none is given."
        ),
        {"failed": failed, "resamples": resamples},
    )


def _lists_share_nobody(pairs: Collection[Pair], of: int) -> Reason:
    return Reason(
        "lists_share_nobody",
        _(
            "%(count)d of the %(of)d pairs of lists share nobody (%(pairs)s). Whether those lists never "
            "see the same persons or only happened not to, the data cannot tell, and the estimate rests on it."
        ),
        {"count": len(pairs), "of": of, "pairs": ", ".join(f"{first} × {second}" for first, second in pairs)},
    )


def _models_disagree(lowest: float, highest: float) -> Reason:
    return Reason(
        "models_disagree",
        _(
            "The models disagree: their estimates run from %(lowest)d to %(highest)d, more than "
            "%(factor)s times apart. The number depends on the choice of model more than any interval says."
        ),
        # The factor with the decimal comma of the language the sentence is shown in.
        {
            "lowest": round(lowest),
            "highest": round(highest),
            "factor": lazy(formats.number_format, str)(MODEL_DISAGREEMENT),
        },
    )


def _far_above_seen(alternative: "Alternative", largest: Estimate) -> Reason:
    return Reason(
        "far_above_seen",
        _(
            "The model chosen by %(methods)s estimates %(total)d persons, more than %(multiple)d times the "
            "%(seen)d seen: so far above what the lists saw, the number is more the model's than the data's."
        ),
        {
            "methods": ", ".join(str(method.label) for method in alternative.chosen_by),
            "total": round(largest.total),
            "multiple": SEEN_MULTIPLE,
            "seen": largest.observed,
        },
    )


# --- Public functions ---------------------------------------------------------------------------------


def check_table(table: CaptureTable) -> Reason | None:
    """Why no model can be fitted to the table at all, or None."""
    if table.k < 3:
        return _fewer_than_three(table.k)
    if table.observed == 0:
        return _empty_table()
    for name, persons in table.persons_per_list().items():
        if persons == 0:
            return _empty_list(name)
    overlaps = table.overlaps()
    for name in table.lists:
        if not any(count for pair, count in overlaps.items() if name in pair):
            return _isolated_list(name)
    return None


def check_model(table: CaptureTable, interactions: Collection[Pair]) -> Reason | None:
    """Why the model's maximum-likelihood estimate does not exist or is not identifiable, or None."""
    if refusal := check_table(table):
        return refusal
    data = _Table(table)
    return data.check(data.pairs(interactions))


def fit_model(table: CaptureTable, interactions: Collection[Pair] = (), *, level: float = LEVEL) -> ModelFit:
    """Fit main effects plus the given two-list interactions, with the interval; refuse what cannot be fitted."""
    refusal = check_table(table)
    if refusal:
        return ModelFit(tuple(interactions), refusal=refusal)
    data = _Table(table)
    return data.model_fit(data.pairs(interactions), level)


def estimate(
    table: CaptureTable, *, threshold: float = THRESHOLD, level: float = LEVEL, alternatives: bool = True
) -> DarkFigure:
    """The dark figure of a table: the stepwise model's estimate and, unless `alternatives` is false,
    the AIC, BIC and main-effects models' estimates side by side, with the sparse-data warnings."""
    if not 0 < threshold < 1 or not 0 < level < 1:
        raise ValueError("The threshold and the level must lie between 0 and 1.")
    refusal = check_table(table)
    if refusal:
        return DarkFigure(table, threshold, level, refusal=refusal)
    data = _Table(table)
    refusal = data.check(())
    if refusal:  # every model contains the main effects: none can be fitted
        return DarkFigure(table, threshold, level, refusal=refusal)
    exhaustive = table.k <= EXHAUSTIVE_LISTS
    stops: dict[Method, Callable[[float], bool]] = {
        Method.STEPWISE: lambda statistic: _p_value(statistic) < threshold,
        Method.AIC: lambda statistic: statistic > 2,
        Method.BIC: lambda statistic: not exhaustive and statistic > math.log(table.observed),
        Method.MAIN_EFFECTS: lambda statistic: False,
    }
    wanted = list(Method) if alternatives else [Method.STEPWISE]
    steps = data.forward(keep_going=lambda statistic: any(stops[method](statistic) for method in wanted))
    chosen: dict[frozenset[Pair], tuple[tuple[Pair, ...], list[Method]]] = {}
    for method in wanted:
        if method == Method.BIC and exhaustive:
            interactions = tuple(data.names(pair) for pair in data.lowest_bic())
        else:
            taken = 0
            while taken < len(steps) and stops[method](steps[taken].statistic):
                taken += 1
            interactions = tuple(step.added for step in steps[:taken])
        chosen.setdefault(frozenset(interactions), (interactions, []))[1].append(method)
    fits = tuple(
        Alternative(tuple(methods), data.model_fit(data.pairs(interactions), level))
        for interactions, methods in chosen.values()
    )
    return DarkFigure(
        table, threshold, level, steps=tuple(steps), alternatives=fits, warnings=sparse_data_warnings(table, fits)
    )


def sparse_data_warnings(table: CaptureTable, alternatives: Collection["Alternative"]) -> tuple[Reason, ...]:
    """Why the number deserves less trust than its interval suggests: lists that share nobody, models that
    disagree by more than MODEL_DISAGREEMENT, an estimate above SEEN_MULTIPLE times the persons seen."""
    found = []
    apart = [pair for pair, persons in table.overlaps().items() if not persons]
    if apart:
        found.append(_lists_share_nobody(apart, len(table.overlaps())))
    estimates = [(alternative, alternative.fit.estimate) for alternative in alternatives if alternative.fit.estimate]
    if len(estimates) > 1:
        lowest = min(estimate.total for _alternative, estimate in estimates)
        highest = max(estimate.total for _alternative, estimate in estimates)
        if highest > MODEL_DISAGREEMENT * lowest:
            found.append(_models_disagree(lowest, highest))
    if estimates:
        alternative, largest = max(estimates, key=lambda found: found[1].total)
        if largest.total > SEEN_MULTIPLE * table.observed:
            found.append(_far_above_seen(alternative, largest))
    return tuple(found)


@dataclass(frozen=True)
class Bootstrap:
    """The percentile interval of the stepwise total over resamples that each repeat the model selection.

    Only numbers, so that a result can be cached; `failed` counts the resamples in which no
    model could be fitted at all.
    """

    resamples: int
    seed: int
    level: float
    failed: int
    lower: float
    upper: float

    @property
    def refusal(self) -> Reason | None:
        if self.failed > BOOTSTRAP_MAX_FAILED * self.resamples:
            return _bootstrap_failed(self.failed, self.resamples)
        if not math.isfinite(self.upper):
            return _unbounded()
        return None


def bootstrap(
    table: CaptureTable,
    *,
    threshold: float = THRESHOLD,
    level: float = LEVEL,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Bootstrap | None:
    """Draw `resamples` tables of the persons seen, with replacement (multinomial, the total fixed), and
    run the stepwise selection and fit on each; None when the table itself has no estimate.

    A resample is held to what the estimate's existence needs (the linear program, full rank), not to
    the rules that refuse a table before any model (a list that overlaps no other): a list that lost
    its one shared person in a resample is an accident of the draw, and leaving such draws out would
    make the interval narrower than the data are. A resample whose estimate would exceed
    UPPER_LIMIT_FACTOR times the persons seen counts as infinitely large.
    """
    chosen = estimate(table, threshold=threshold, level=level, alternatives=False).chosen
    if chosen is None or chosen.estimate is None:
        return None
    data = _Table(table)
    pairs = data.pairs(chosen.interactions)
    fitted = data.fit(pairs)
    if fitted is None:
        return None
    expected = np.exp(data.design(pairs) @ fitted.params)
    generator = np.random.default_rng(seed)
    totals, failed = [], 0
    for draw in generator.multinomial(table.observed, expected / expected.sum(), size=resamples):
        resample = CaptureTable(table.lists, dict(zip(table.counts, draw.tolist(), strict=True)))
        total = _stepwise_total(_Table(resample), threshold)
        if total is None:
            failed += 1
        else:
            totals.append(total)
    if not totals:
        return Bootstrap(resamples, seed, level, failed, math.inf, math.inf)
    lower, upper = np.quantile(totals, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return Bootstrap(resamples, seed, level, failed, float(lower), float(upper))


def _stepwise_total(data: "_Table", threshold: float) -> float | None:
    if data.check(()):
        return None
    steps = data.forward(keep_going=lambda statistic: _p_value(statistic) < threshold)
    fitted = data.fit(data.pairs([step.added for step in steps]))
    if fitted is None:
        return None
    unseen = math.exp(min(fitted.params[0], 700.0))
    return data.observed + unseen if unseen < UPPER_LIMIT_FACTOR * data.observed else math.inf


def _p_value(statistic: float) -> float:
    return float(chdtrc(1, max(statistic, 0.0)))  # χ²₁'s upper tail (stats.chi2.sf, without its overhead)


# --- The computation ----------------------------------------------------------------------------------

IndexPair = tuple[int, int]


@dataclass
class _Fitted:
    pairs: tuple[IndexPair, ...]
    params: np.ndarray
    deviance: float
    loglikelihood: float


def _deviance(counts: np.ndarray, fitted: np.ndarray) -> float:
    return float(2 * np.sum(xlogy(counts, counts) - xlogy(counts, fitted) - counts + fitted))


def _poisson_fit(design: np.ndarray, counts: np.ndarray, start: np.ndarray | None) -> np.ndarray | None:
    """The Poisson log-linear maximum-likelihood parameters by Newton's method; None when it does not converge.

    Newton's method on the Poisson log-likelihood is iteratively reweighted least squares (the
    canonical link), written out because the bootstrap and the search over every model of five
    lists fit thousands of small models, and a GLM object costs ten times the arithmetic. A step
    that raises the deviance is halved; the fit has converged when the deviance changes by less
    than 10⁻¹⁰ of itself, statsmodels' criterion.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if start is None:  # the usual GLM start: least squares of log(y + ½), weighted by y + ½
            weights = np.sqrt(counts + 0.5)
            params = np.linalg.lstsq(design * weights[:, None], np.log(counts + 0.5) * weights, rcond=None)[0]
        else:
            params = start
        fitted = np.exp(design @ params)
        deviance = _deviance(counts, fitted)
        for _iteration in range(MAX_ITERATIONS):
            try:
                step = np.linalg.solve((design.T * fitted) @ design, design.T @ (counts - fitted))
            except np.linalg.LinAlgError:
                return None
            for _halving in range(40):
                trial = params + step
                trial_fitted = np.exp(design @ trial)
                trial_deviance = _deviance(counts, trial_fitted)
                if math.isfinite(trial_deviance) and trial_deviance <= deviance + 1e-12 * abs(deviance):
                    break
                step = step / 2
            else:
                return None
            converged = abs(deviance - trial_deviance) <= 1e-10 * (abs(trial_deviance) + 0.1)
            params, fitted, deviance = trial, trial_fitted, trial_deviance
            if converged:
                return params if np.all(np.isfinite(params)) else None
    return None


def _poisson_fit_together(designs: np.ndarray, counts: np.ndarray, start: np.ndarray) -> list[np.ndarray | None]:
    """`_poisson_fit` of several designs of one shape (candidates × cells × parameters) from one start.

    The forward search fits every candidate interaction at every step, and one batched Newton step
    for all of them costs about what one step of one costs. Only plain steps: a design whose step
    raises the deviance, or that has not converged within BATCHED_ITERATIONS (the estimate may not
    exist), gets None and is fitted on its own, with step halving and the full MAX_ITERATIONS.
    """
    params = np.tile(start, (len(designs), 1))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fitted = np.exp(np.einsum("cnp,cp->cn", designs, params))
        deviance = 2 * np.sum(xlogy(counts, counts) - xlogy(counts, fitted) - counts + fitted, axis=1)
        active = np.isfinite(deviance)
        converged = np.zeros(len(designs), dtype=bool)
        for _iteration in range(min(BATCHED_ITERATIONS, MAX_ITERATIONS)):
            rows = np.flatnonzero(active)
            if not len(rows):
                break
            design, expected = designs[rows], fitted[rows]
            hessian = np.einsum("cnp,cn,cnq->cpq", design, expected, design)
            gradient = np.einsum("cnp,cn->cp", design, counts - expected)
            try:
                steps = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                break  # one singular candidate: the others are fitted on their own too
            trial = params[rows] + steps
            trial_fitted = np.exp(np.einsum("cnp,cp->cn", design, trial))
            trial_deviance = 2 * np.sum(
                xlogy(counts, counts) - xlogy(counts, trial_fitted) - counts + trial_fitted, axis=1
            )
            worse = ~np.isfinite(trial_deviance) | (trial_deviance > deviance[rows] + 1e-12 * np.abs(deviance[rows]))
            settled = ~worse & (np.abs(deviance[rows] - trial_deviance) <= 1e-10 * (np.abs(trial_deviance) + 0.1))
            better = rows[~worse]
            params[better], fitted[better], deviance[better] = (
                trial[~worse],
                trial_fitted[~worse],
                trial_deviance[~worse],
            )
            converged[rows[settled]] = True
            active[rows[worse | settled]] = False
    return [row if done and np.all(np.isfinite(row)) else None for row, done in zip(params, converged, strict=True)]


def _loglikelihood(counts: np.ndarray, fitted: np.ndarray) -> float:
    return float(np.sum(xlogy(counts, fitted) - fitted - gammaln(counts + 1)))


class _Table:
    """A capture table as arrays: the design matrix of any model, checks and fits."""

    def __init__(self, table: CaptureTable) -> None:
        self.table = table
        self.histories = np.array(all_histories(table.k), dtype=float)
        self.main_effects = np.column_stack([np.ones(len(self.histories)), self.histories])
        self.counts = np.array(list(table.counts.values()), dtype=float)
        self.observed = table.observed
        overlaps = table.overlaps()
        self.overlap = {(i, j): overlaps[(table.lists[i], table.lists[j])] for i, j in combinations(range(table.k), 2)}

    def pairs(self, interactions: Collection[Pair]) -> tuple[IndexPair, ...]:
        position = {name: index for index, name in enumerate(self.table.lists)}
        pairs = []
        for first, second in interactions:
            if first not in position or second not in position or first == second:
                raise ValueError(f"{first!r} × {second!r} is not an interaction of two of the lists.")
            pairs.append((min(position[first], position[second]), max(position[first], position[second])))
        if len(set(pairs)) != len(pairs):
            raise ValueError("An interaction is given twice.")
        return tuple(pairs)

    def names(self, pair: IndexPair) -> Pair:
        return self.table.lists[pair[0]], self.table.lists[pair[1]]

    def design(self, pairs: tuple[IndexPair, ...]) -> np.ndarray:
        return np.column_stack([self.main_effects, *(self.histories[:, i] * self.histories[:, j] for i, j in pairs)])

    def check(self, pairs: tuple[IndexPair, ...]) -> Reason | None:
        for pair in pairs:
            if not self.overlap[pair]:
                return _pair_without_overlap(self.names(pair))
        design = self.design(pairs)
        if np.linalg.matrix_rank(design) < design.shape[1]:
            return _not_identifiable()
        if not _estimate_exists(design, self.counts):
            return _does_not_exist()
        return None

    def fit(self, pairs: tuple[IndexPair, ...], start: np.ndarray | None = None) -> _Fitted | None:
        design = self.design(pairs)
        params = _poisson_fit(design, self.counts, start)
        if params is None:
            return None
        fitted = np.exp(design @ params)
        return _Fitted(pairs, params, _deviance(self.counts, fitted), _loglikelihood(self.counts, fitted))

    def extensions(self, current: _Fitted, candidates: list[IndexPair]) -> list[_Fitted | None]:
        """The current model with each candidate interaction added, fitted from the current parameters:
        all together in batched Newton steps, and any the batch does not settle on its own."""
        designs = self.design(current.pairs)[None, :, :].repeat(len(candidates), axis=0)
        added = np.stack([self.histories[:, i] * self.histories[:, j] for i, j in candidates])
        designs = np.concatenate([designs, added[:, :, None]], axis=2)
        start = np.append(current.params, 0.0)
        together = _poisson_fit_together(designs, self.counts, start)
        found = []
        for pair, design, params in zip(candidates, designs, together, strict=True):
            if params is None:
                found.append(self.fit((*current.pairs, pair), start=start))
                continue
            fitted = np.exp(design @ params)
            found.append(
                _Fitted(
                    (*current.pairs, pair), params, _deviance(self.counts, fitted), _loglikelihood(self.counts, fitted)
                )
            )
        return found

    def forward(self, keep_going: Callable[[float], bool]) -> list[Step]:
        """Add interactions one at a time, the one with the largest drop in deviance first, while `keep_going`."""
        current = self.fit(())
        if current is None:
            return []
        # A pair that shares nobody would enter at −∞ (Chan et al.); Vern never adds one.
        candidates = [pair for pair, count in self.overlap.items() if count]
        steps: list[Step] = []
        while candidates:
            trials = [
                (current.deviance - trial.deviance, pair, trial)
                for pair, trial in zip(candidates, self.extensions(current, candidates), strict=True)
                if trial is not None
            ]
            # The best candidate whose estimate exists; checking the best first spares most linear programs.
            # (Where the estimate does not exist, the fit stops somewhere on the way to infinity.)
            best = None
            for statistic, pair, trial in sorted(trials, key=lambda found: -found[0]):
                if not self.check(trial.pairs):
                    best = statistic, pair, trial
                    break
                candidates.remove(pair)  # fails in every larger model too
            if best is None or not keep_going(best[0]):
                break
            statistic, pair, current = best
            candidates.remove(pair)
            steps.append(
                Step(
                    self.names(pair),
                    statistic,
                    _p_value(statistic),
                    self.aic(current),
                    self.bic(current),
                )
            )
        return steps

    def lowest_bic(self) -> tuple[IndexPair, ...]:
        """The model of lowest BIC among every set of two-list interactions whose estimate exists.

        Every model is fitted first and only the best are checked for existence, best first: a
        model whose estimate does not exist stops somewhere on its way to infinity, or does not
        converge and is left out. Pairs that share nobody are never added (as in `forward`).
        """
        candidates = [pair for pair, count in self.overlap.items() if count]
        fits = []
        for size in range(len(candidates) + 1):
            for pairs in combinations(candidates, size):
                fitted = self.fit(pairs)
                if fitted is not None:
                    fits.append((self.bic(fitted), pairs))
        for _bic, pairs in sorted(fits):
            if not self.check(pairs):
                return pairs
        return ()  # main effects only: checked before any search

    def aic(self, fitted: _Fitted) -> float:
        return -2 * fitted.loglikelihood + 2 * len(fitted.params)

    def bic(self, fitted: _Fitted) -> float:
        return -2 * fitted.loglikelihood + math.log(self.observed) * len(fitted.params)

    def model_fit(self, pairs: tuple[IndexPair, ...], level: float) -> ModelFit:
        interactions = tuple(self.names(pair) for pair in pairs)
        refusal = self.check(pairs)
        if refusal:
            return ModelFit(interactions, refusal=refusal)
        fitted = self.fit(pairs)
        if fitted is None:
            return ModelFit(interactions, refusal=_no_convergence())
        model = ModelFit(
            interactions,
            deviance=fitted.deviance,
            df=len(self.counts) - len(fitted.params),
            aic=self.aic(fitted),
            bic=self.bic(fitted),
            interaction_effects={
                self.names(pair): float(value)
                for pair, value in zip(pairs, fitted.params[1 + self.table.k :], strict=True)
            },
        )
        unseen = math.exp(min(fitted.params[0], 700.0))
        if not unseen < UPPER_LIMIT_FACTOR * self.observed:
            return replace(model, refusal=_unbounded())
        interval = _ProfileLikelihood(self, fitted).interval(level)
        if isinstance(interval, Reason):
            return replace(model, refusal=interval)
        return replace(model, estimate=Estimate(self.observed, self.observed + unseen, *interval, level))


def _estimate_exists(design: np.ndarray, counts: np.ndarray) -> bool:
    """The linear program of Fienberg and Rinaldo (2012) as Chan, Silverman and Vincent (2021) state it.

    Maximise s subject to Xᵀz = Xᵀy and z ≥ s ≥ 0; written with z = w + s (w ≥ 0) so that
    the cells need bounds only. The estimate exists if and only if the optimum is positive.
    """
    if np.all(counts > 0):
        return True  # z = y itself has every cell positive
    cells = design.shape[0]
    objective = np.zeros(cells + 1)
    objective[-1] = -1.0
    equalities = np.column_stack([design.T, design.sum(axis=0)])
    result = optimize.linprog(
        objective,
        A_eq=equalities,
        b_eq=design.T @ counts,
        bounds=[(0, None)] * cells + [(0, 1)],
        method="highs",
    )
    return bool(result.status == 0 and -result.fun > _POSITIVE)


class _FitFailed(Exception):
    pass


class _ProfileLikelihood:
    """The multinomial likelihood of a total of N persons, profiled over the model's other parameters."""

    def __init__(self, data: _Table, fitted: _Fitted) -> None:
        design = data.design(fitted.pairs)
        unseen_row = np.zeros((1, design.shape[1]))
        unseen_row[0, 0] = 1.0
        self.design = np.vstack([unseen_row, design])
        self.counts = data.counts
        self.observed = data.observed
        self.point = data.observed + math.exp(fitted.params[0])
        # Fitted parameters by total: each fit starts from the nearest total fitted before, since
        # IRLS can diverge from a start far away (and then starts from scratch).
        self.fitted = {self.point: fitted.params}

    def loglikelihood(self, total: float) -> float:
        counts = np.concatenate([[total - self.observed], self.counts])
        start = self.fitted[min(self.fitted, key=lambda known: abs(known - total))]
        params = _poisson_fit(self.design, counts, start)
        if params is None:
            params = _poisson_fit(self.design, counts, None)
        if params is None:
            raise _FitFailed
        self.fitted[total] = params
        fitted = np.exp(self.design @ params)
        probabilities = fitted / fitted.sum()
        return float(gammaln(total + 1) - gammaln(total - self.observed + 1) + xlogy(counts, probabilities).sum())

    def interval(self, level: float) -> tuple[float, float] | Reason:
        try:
            return self._interval(level)
        except _FitFailed:
            return _no_convergence()

    def _interval(self, level: float) -> tuple[float, float] | Reason:
        critical = float(stats.chi2.ppf(level, 1))
        spread = max(self.point - self.observed, 1.0)
        found = optimize.minimize_scalar(
            lambda total: -self.loglikelihood(total),
            bounds=(self.observed, self.point + 2 * spread),
            method="bounded",
            options={"xatol": 0.1},  # a tenth of a person is plenty
        )
        best_total, best = float(found.x), -float(found.fun)

        def excess(total: float) -> float:
            return 2 * (best - self.loglikelihood(total)) - critical

        lower = float(self.observed)
        if excess(lower) > 0:
            lower = optimize.brentq(excess, lower, best_total, xtol=0.01)
        upper, limit = best_total + spread, UPPER_LIMIT_FACTOR * self.observed
        while excess(upper) < 0:
            if upper >= limit:
                return _unbounded()
            upper = min(best_total + 2 * (upper - best_total), limit)
        upper = optimize.brentq(excess, best_total, upper, xtol=0.01)
        return lower, upper
