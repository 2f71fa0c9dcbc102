"""Simulated populations of known size: deterministic, and with the dependence and heterogeneity they claim."""

import numpy as np
import pytest

from dark_figure.simulation import LatentClass, Scenario, dependent, independent, simulate, simulations, two_classes

CAPTURE = (0.2, 0.3, 0.25, 0.15)


def _mean_counts(scenario: Scenario, runs: int = 300) -> dict[tuple[int, ...], float]:
    tables = list(simulations(scenario, runs, seed=1))
    return {history: sum(table.counts[history] for table in tables) / runs for history in tables[0].counts}


def test_the_same_seed_gives_the_same_tables_and_another_seed_others() -> None:
    scenario = dependent(500, CAPTURE, {(0, 1): 3.0})
    first = [table.counts for table in simulations(scenario, 5, seed=42)]
    assert first == [table.counts for table in simulations(scenario, 5, seed=42)]
    assert first != [table.counts for table in simulations(scenario, 5, seed=43)]


def test_every_person_is_counted_once_and_the_unseen_are_left_out() -> None:
    scenario = independent(2_000, CAPTURE)
    table = simulate(scenario, np.random.default_rng(3))
    assert table.lists == ("A", "B", "C", "D")
    expected_seen = scenario.size * (1 - np.prod([1 - p for p in CAPTURE]))
    assert table.observed < scenario.size
    assert abs(table.observed - expected_seen) < 4 * np.sqrt(expected_seen)
    assert scenario.expected_unseen_share() == pytest.approx(np.prod([1 - p for p in CAPTURE]))


def test_independent_lists_find_each_person_at_their_capture_probability() -> None:
    means = _mean_counts(independent(1_000, CAPTURE))
    on_a = sum(count for history, count in means.items() if history[0])
    on_a_and_b = sum(count for history, count in means.items() if history[0] and history[1])
    assert on_a / 1_000 == pytest.approx(0.2, rel=0.03)
    assert on_a_and_b / 1_000 == pytest.approx(0.2 * 0.3, rel=0.06)


@pytest.mark.parametrize(("odds_ratio", "name"), [(3.0, "positive dependence"), (0.3, "negative dependence")])
def test_dependence_makes_one_list_more_or_less_likely_to_see_the_others_persons(odds_ratio: float, name: str) -> None:
    scenario = dependent(1_000, CAPTURE, {(0, 1): odds_ratio})
    assert scenario.name == name
    means = _mean_counts(scenario)

    def share_on_b(on_a: int) -> float:
        rows = {history: count for history, count in means.items() if history[0] == on_a}
        return sum(count for history, count in rows.items() if history[1]) / sum(rows.values())

    # Among those on no other list, the odds of B for those on A are the odds ratio times the others'.
    a_only, neither = means[(1, 0, 0, 0)], 1_000 * scenario.classes[0].probabilities()[0]
    odds_with_a = means[(1, 1, 0, 0)] / a_only
    odds_without_a = means[(0, 1, 0, 0)] / neither
    assert odds_with_a / odds_without_a == pytest.approx(odds_ratio, rel=0.1)
    assert (share_on_b(1) > share_on_b(0)) == (odds_ratio > 1)


def test_heterogeneity_hides_a_class_from_every_list() -> None:
    scenario = two_classes(1_000, 0.5, tuple(p * 1.6 for p in CAPTURE), tuple(p * 0.4 for p in CAPTURE))
    visible, hidden = scenario.classes
    assert visible.probabilities()[0] < hidden.probabilities()[0]
    assert scenario.expected_unseen_share() == pytest.approx(
        0.5 * visible.probabilities()[0] + 0.5 * hidden.probabilities()[0]
    )
    # Persons seen by one list are more often seen by another than chance would have it: induced dependence.
    means = _mean_counts(scenario)
    on_a = sum(count for history, count in means.items() if history[0]) / 1_000
    on_b = sum(count for history, count in means.items() if history[1]) / 1_000
    on_both = sum(count for history, count in means.items() if history[0] and history[1]) / 1_000
    assert on_both > on_a * on_b * 1.2


@pytest.mark.parametrize(
    "classes",
    [
        (LatentClass(0.5, (0.2, 0.3)), LatentClass(0.4, (0.2, 0.3))),  # shares do not add up
        (LatentClass(1.0, (0.2, 1.0)),),  # a certain capture
        (LatentClass(0.5, (0.2, 0.3)), LatentClass(0.5, (0.2, 0.3, 0.1))),  # different lists
        (LatentClass(1.0, (0.2, 0.3), {(1, 0): 2.0}),),  # pair out of order
        (LatentClass(1.0, (0.2, 0.3), {(0, 1): 0.0}),),  # odds ratio zero
    ],
)
def test_it_refuses_a_scenario_that_cannot_be(classes: tuple[LatentClass, ...]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 — a programming error, whichever message
        Scenario("wrong", 100, classes)
