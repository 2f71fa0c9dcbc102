"""Multiple systems estimation: a published estimate reproduced, refusals, the existence check, coverage.

The coverage tests print what they measured (run with `pytest -s` to see it);
`bench/mse.py` measures more scenarios at more sizes.
"""

import csv
import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dark_figure import estimation
from dark_figure.capture import CaptureTable, all_histories
from dark_figure.estimation import Bootstrap, DarkFigure, Method, ModelFit, bootstrap, check_model, estimate, fit_model
from dark_figure.simulation import dependent, simulations, two_classes

pytestmark = pytest.mark.usefixtures("english")

PUBLISHED = Path(__file__).parent / "data" / "mse"  # copies of ../shared/data/mse, whose README gives the sources


def _published(name: str) -> CaptureTable:
    """A published table: one column per list, then `count`; histories not listed are zero."""
    with (PUBLISHED / f"{name}.csv").open(newline="") as file:
        rows = list(csv.reader(file))
    lists, body = rows[0][:-1], rows[1:]
    return CaptureTable.from_counts(lists, {tuple(int(cell) for cell in row[:-1]): int(row[-1]) for row in body})


# The UK 2013 data of Bales, Hesketh and Silverman (2015): the National Crime Agency's strategic
# assessment in six lists (local authorities, NGOs, police forces, government organisations, the
# general public, the NCA), 2,744 persons. New Orleans (Bales, Dixon and Silverman 2020): eight lists,
# 185 persons, 18 of the 28 pairs of lists sharing nobody.
UK_2013 = _published("uk-2013")
NEW_ORLEANS = _published("new-orleans")


def _table(*counts: int, lists: tuple[str, ...] = ("A", "B", "C")) -> CaptureTable:
    return CaptureTable(lists, dict(zip(all_histories(len(lists)), counts, strict=True)))


# --- A published estimate -----------------------------------------------------------------------------


def test_it_reproduces_the_uk_2013_estimate_of_10_000_to_13_000() -> None:
    """The Home Office published "between 10 thousand and 13 thousand" potential victims in 2013
    (Modern Slavery: an application of multiple systems estimation, 29 November 2014), from
    the stepwise model of Bales, Hesketh and Silverman. The same stepwise search (each step
    significant at 5 %, by likelihood ratio here and by Wald test there: both keep all seven
    steps) chooses seven interactions and gives 11,418 (profile interval 9,982–13,182), which
    rounds to the published range; the exact figures are a regression guard."""
    table = UK_2013
    assert table.observed == 2744

    result = estimate(table)

    assert result.reason is None
    assert result.chosen
    assert result.estimate
    assert result.chosen.interactions == (
        ("PF", "NCA"),
        ("LA", "NG"),
        ("NG", "GP"),
        ("LA", "PF"),
        ("PF", "GP"),
        ("GO", "GP"),
        ("NG", "GO"),
    )
    assert all(step.p_value < 0.05 for step in result.steps)
    assert (round(result.estimate.lower, -3), round(result.estimate.upper, -3)) == (10_000, 13_000)
    assert result.estimate.total == pytest.approx(11_418, abs=1)
    assert (result.estimate.lower, result.estimate.upper) == pytest.approx((9_982, 13_182), abs=2)
    assert result.estimate.unseen == pytest.approx(11_418 - 2_744, abs=1)


def test_it_shows_the_alternatives_side_by_side() -> None:
    result = estimate(UK_2013)

    chosen_by = [alternative.chosen_by for alternative in result.alternatives]
    assert chosen_by == [(Method.STEPWISE, Method.AIC), (Method.BIC,), (Method.MAIN_EFFECTS,)]
    bic, main = result.alternatives[1].fit, result.alternatives[2].fit
    assert result.chosen
    assert bic.interactions == result.chosen.interactions[:6]
    assert main.interactions == ()
    assert bic.estimate
    assert main.estimate
    assert round(bic.estimate.total, -2) == 12_300
    assert round(main.estimate.total, -2) == 12_200
    assert main.aic
    assert bic.aic
    assert main.aic > bic.aic


def test_a_strict_threshold_keeps_the_main_effects_only() -> None:
    result = estimate(UK_2013, threshold=1e-15, alternatives=False)
    assert result.chosen
    assert result.chosen.interactions == ()
    assert [alternative.chosen_by for alternative in result.alternatives] == [(Method.STEPWISE,)]


def _by(result: DarkFigure, method: Method) -> ModelFit:
    return next(alternative.fit for alternative in result.alternatives if method in alternative.chosen_by)


def test_new_orleans_at_the_literatures_threshold_gives_the_published_1_184() -> None:
    """Chan, Silverman and Vincent (2021): stepwise at p < 0.02 about 1,184 (interval about 717–1,657),
    main effects only about 997 (644–1,618). The point estimates are reproduced to the person; the
    main-effects profile interval lies within 2 % of the published one. The published stepwise
    interval is their bootstrap; the profile interval of the same model starts at 734 (717) and,
    sparse as the table is, reaches further up (2,127)."""
    result = estimate(NEW_ORLEANS)

    assert result.threshold == 0.02
    assert result.chosen
    assert result.chosen.interactions == (("D", "E"),)
    assert result.estimate
    assert result.estimate.total == pytest.approx(1_184, abs=1)
    assert result.estimate.lower == pytest.approx(717, rel=0.03)
    assert result.estimate.lower < 1_184 < 1_657 < result.estimate.upper
    main = _by(result, Method.MAIN_EFFECTS).estimate
    assert main
    assert main.total == pytest.approx(997, abs=1)
    assert (main.lower, main.upper) == pytest.approx((644, 1_618), rel=0.03)


def test_new_orleans_at_0_05_adds_dependences_on_one_or_two_persons() -> None:
    """The threshold the issue found: four interactions, 1,817 (972–4,090)."""
    result = estimate(NEW_ORLEANS, threshold=0.05, alternatives=False)
    assert result.chosen
    assert len(result.chosen.interactions) == 4
    assert result.estimate
    assert result.estimate.total == pytest.approx(1_817, abs=1)


def test_new_orleans_carries_every_sparse_data_warning() -> None:
    result = estimate(NEW_ORLEANS)
    codes = [warning.code for warning in result.warnings]
    assert codes == ["lists_share_nobody", "models_disagree", "far_above_seen"]
    words = [str(warning) for warning in result.warnings]
    assert words[0].startswith("18 of the 28 pairs of lists share nobody (A × B, A × F")
    assert "from 997 to 3394, more than 1.5 times apart" in words[1]
    assert "Lowest AIC estimates 3394 persons, more than 10 times the 185 seen" in words[2]


def test_the_uk_models_agree_and_only_its_two_pairs_without_overlap_are_warned_of() -> None:
    """The UK models run from 11,418 to 12,350 (a factor of 1.08): no disagreement, nothing far above
    the 2,744 seen; local authorities share nobody with the general public or the NCA."""
    result = estimate(UK_2013)
    assert [warning.code for warning in result.warnings] == ["lists_share_nobody"]
    assert "2 of the 15 pairs of lists share nobody (LA × GP, LA × NCA)" in str(result.warnings[0])


def test_up_to_five_lists_bic_chooses_among_every_model() -> None:
    """BIC over all 2^6 models of a four-list table with two dependences, checked by fitting each."""
    scenario = dependent(2000, (0.2, 0.3, 0.25, 0.15), {(0, 1): 3.0, (2, 3): 0.4})
    table = next(simulations(scenario, 1, seed=3))
    chosen = _by(estimate(table), Method.BIC)
    pairs = list(itertools.combinations("ABCD", 2))
    fits = [fit_model(table, model) for size in range(7) for model in itertools.combinations(pairs, size)]
    best = min((fit for fit in fits if fit.bic is not None), key=lambda fit: fit.bic or 0.0)
    assert set(chosen.interactions) == set(best.interactions)
    assert {("A", "B"), ("C", "D")} <= set(chosen.interactions)


def test_the_bootstrap_repeats_the_selection_and_is_reproducible() -> None:
    """Parametric: tables of the persons seen drawn from the chosen model, the search run on each.
    New Orleans' selection is uncertain (D × E, sometimes more), and the interval shows it."""
    first = bootstrap(NEW_ORLEANS)
    assert first
    assert (first.resamples, first.failed) == (200, 0)
    assert first.refusal is None
    assert first.lower < 1_184 < first.upper
    assert (round(first.lower), round(first.upper)) == (812, 2_393)
    assert bootstrap(NEW_ORLEANS) == first


def test_a_bootstrap_with_too_many_resamples_without_a_model_says_why() -> None:
    failing = Bootstrap(resamples=200, seed=1, level=0.95, failed=30, lower=100.0, upper=200.0)
    assert failing.refusal
    assert failing.refusal.code == "bootstrap_failed"
    assert "In 30 of 200 resamples no model could be fitted" in str(failing.refusal)


def test_a_model_that_does_not_converge_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimation, "MAX_ITERATIONS", 1)
    result = estimate(UK_2013)
    assert result.estimate is None
    assert result.reason
    assert result.reason.code == "no_convergence"
    assert "did not converge" in str(result.reason)
    assert bootstrap(UK_2013) is None


# --- Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "code", "words"),
    [
        (_table(5, lists=("A",)), "fewer_than_three_lists", "at least three lists; 1 were chosen"),
        (_table(5, 4, 3, lists=("A", "B")), "fewer_than_three_lists", "at least three lists; 2 were chosen"),
        (_table(10, 8, 6, 0, 0, 0, 0), "isolated_list", "Nobody on the list A is on any other list"),
        (_table(0, 0, 0, 0, 0, 0, 0), "empty_table", "Nobody was seen"),
        (_table(10, 8, 0, 3, 0, 0, 0), "empty_list", "Nobody is on the list C"),
        (_table(10, 8, 6, 3, 0, 0, 0), "isolated_list", "Nobody on the list C is on any other list"),
        # Everyone is on A: under any model nobody would be missed by A, and the estimate is at the boundary.
        (_table(10, 0, 0, 3, 4, 0, 2), "mle_does_not_exist", "maximum-likelihood estimate does not exist"),
    ],
)
def test_it_refuses_a_table_it_cannot_estimate_from_and_says_why(table: CaptureTable, code: str, words: str) -> None:
    result = estimate(table)
    assert result.estimate is None
    assert result.reason
    assert result.reason.code == code
    assert words in str(result.reason)
    assert fit_model(table).refusal == result.reason


def test_it_refuses_an_interaction_between_lists_that_share_nobody() -> None:
    table = _table(40, 30, 20, 0, 6, 5, 0)  # nobody on both A and B
    refused = fit_model(table, [("A", "B")])
    assert refused.estimate is None
    assert refused.refusal
    assert refused.refusal.code == "pair_without_overlap"
    assert str(refused.refusal) == (
        "Nobody is on both A and B, so a model cannot estimate how the two lists depend on each other."
    )
    result = estimate(table)
    assert result.estimate, "the other models can still be fitted"
    assert all(("A", "B") not in alternative.fit.interactions for alternative in result.alternatives)


def test_it_refuses_a_model_whose_estimate_does_not_exist_although_every_pair_overlaps() -> None:
    # Every pair shares a person (the one on all three lists), but nobody is on A and B only. A model with
    # both A × C and B × C makes A and B independent among those not on C, so nobody-seen would be
    # (A only × B only) / (A and B only) = 30 × 25 / 0: its estimate does not exist.
    table = _table(30, 25, 20, 0, 6, 5, 1)
    assert all(table.overlaps().values())
    for refused in ([("A", "C"), ("B", "C")], [("A", "B"), ("A", "C"), ("B", "C")]):
        refusal = check_model(table, refused)
        assert refusal
        assert refusal.code == "mle_does_not_exist"
        assert fit_model(table, refused).estimate is None
    for fitted in ([], [("A", "B")], [("A", "C")], [("A", "B"), ("B", "C")]):
        assert check_model(table, fitted) is None
        assert fit_model(table, fitted).estimate
    result = estimate(table)
    assert all(
        len(alternative.fit.interactions) < 2 or ("A", "B") in alternative.fit.interactions
        for alternative in result.alternatives
    )


def test_the_existence_check_agrees_with_where_the_fit_runs_off_to_infinity() -> None:
    """Every three-list table with cells 0 or 3 and every model: the linear program refuses exactly the
    models whose unrestricted fit drives a fitted count (the unseen included) to 0 or to infinity."""
    disagreements = []
    models = [
        pairs for size in range(4) for pairs in itertools.combinations([("A", "B"), ("A", "C"), ("B", "C")], size)
    ]
    for cells in itertools.product([0, 3], repeat=7):
        table = _table(*cells)
        before_any_model = check_model(table, [])
        if not table.observed or (before_any_model and before_any_model.code != "mle_does_not_exist"):
            continue  # refused before any model: no list or a list without overlap
        histories = np.array(all_histories(3), dtype=float)
        for pairs in models:
            design = np.column_stack(
                [np.ones(7), histories]
                + [histories[:, "ABC".index(a)] * histories[:, "ABC".index(b)] for a, b in pairs]
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.GLM(np.array(cells, dtype=float), design, family=sm.families.Poisson()).fit(
                    maxiter=300, tol=1e-12
                )
            fitted = np.append(fit.fittedvalues, math.exp(fit.params[0]))
            runs_off = fitted.min() < 1e-4 or fitted.max() > 1e6
            if (check_model(table, pairs) is not None) != runs_off:
                disagreements.append((cells, pairs))
    assert disagreements == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 5).flatmap(lambda k: st.lists(st.integers(0, 12), min_size=2**k - 1, max_size=2**k - 1)))
def test_it_never_gives_a_negative_infinite_or_missing_number(cells: list[int]) -> None:
    k = int(math.log2(len(cells) + 1))
    result = estimate(_table(*cells, lists=tuple("ABCDE"[:k])))
    for alternative in result.alternatives:
        fit = alternative.fit
        assert (fit.estimate is None) != (fit.refusal is None)
        if fit.estimate:
            numbers = [fit.estimate.total, fit.estimate.lower, fit.estimate.upper]
            assert all(math.isfinite(number) for number in numbers)
            assert result.table.observed <= fit.estimate.lower <= fit.estimate.total <= fit.estimate.upper
            assert fit.estimate.unseen >= 0
    assert (result.estimate is None) != (result.reason is None)
    if result.reason:
        assert str(result.reason)


# --- Coverage over simulated populations --------------------------------------------------------------

SIMULATIONS = 200


def _coverage(results: list[tuple[float, float, float]], size: int) -> tuple[float, float]:
    covered = sum(lower <= size <= upper for _total, lower, upper in results) / len(results)
    bias = sum(total for total, _lower, _upper in results) / len(results) / size - 1
    return covered, bias


def test_the_interval_covers_the_true_size_at_its_nominal_rate() -> None:
    """The profile-likelihood interval of the true model (A and B positively dependent, odds ratio 3):
    95 % nominal; 200 runs give a binomial standard error of 1.5 points, so at least 0.91 (2.6 SE)."""
    scenario = dependent(300, (0.2, 0.3, 0.25), {(0, 1): 3.0})
    results = []
    for table in simulations(scenario, SIMULATIONS, seed=8):
        fit = fit_model(table, [("A", "B")])
        assert fit.estimate, fit.refusal
        results.append((fit.estimate.total, fit.estimate.lower, fit.estimate.upper))
    covered, bias = _coverage(results, scenario.size)
    print(f"true model, N = 300: coverage {covered:.3f}, mean relative bias {bias:+.4f}")
    assert covered >= 0.91
    assert abs(bias) < 0.05


def test_the_stepwise_estimate_covers_the_true_size_close_to_its_nominal_rate() -> None:
    """The whole procedure, model selection included, where the model can represent the population.
    The interval does not carry the uncertainty of the model choice, so its coverage falls a little
    short of 95 % (0.915 in these 200 runs, 0.91 in 300 others); the tolerance is 0.88."""
    scenario = dependent(1000, (0.2, 0.3, 0.25), {(0, 1): 3.0})
    results = []
    for table in simulations(scenario, SIMULATIONS, seed=9):
        result = estimate(table, alternatives=False)
        assert result.estimate, result.reason
        results.append((result.estimate.total, result.estimate.lower, result.estimate.upper))
    covered, bias = _coverage(results, scenario.size)
    print(f"stepwise, N = 1,000: coverage {covered:.3f}, mean relative bias {bias:+.4f}")
    assert covered >= 0.88
    assert abs(bias) < 0.05


def test_it_reports_coverage_under_heterogeneity_it_cannot_model() -> None:
    """Half the population is four times harder to find by every list: the lists look positively
    dependent and the estimate falls short. Reported, not asserted: this is the method's known limit."""
    capture = (0.2, 0.3, 0.25)
    scenario = two_classes(300, 0.5, tuple(p * 1.6 for p in capture), tuple(p * 0.4 for p in capture))
    results, refused = [], 0
    for table in simulations(scenario, SIMULATIONS, seed=10):
        result = estimate(table, alternatives=False)
        if result.estimate:
            results.append((result.estimate.total, result.estimate.lower, result.estimate.upper))
        else:
            refused += 1
    covered, bias = _coverage(results, scenario.size)
    print(
        f"heterogeneity, N = 300: coverage {covered:.3f}, mean relative bias {bias:+.4f}, "
        f"{refused} of {SIMULATIONS} refused"
    )
    assert len(results) + refused == SIMULATIONS
