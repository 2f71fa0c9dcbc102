"""Populations of known size seen by several lists, to test and benchmark the estimation.

A scenario is a population of `size` persons made of one or more latent classes.
Within a class, whether a person is on each list follows a log-linear model over
all 2^k histories (the unseen one included):

    P(h) ∝ Π_i (p_i / (1 − p_i))^h_i × Π_(i,j) θ_ij^(h_i h_j),

so `capture[i]` is the probability of being on list i for a person on no list
that interacts with i, and an odds ratio θ_ij > 1 makes a person on list i more
likely to be on list j too (positive dependence: one organisation refers to the
other), θ_ij < 1 less likely (negative dependence: the lists serve different
people). One class with odds ratios is exactly a model the estimation can
represent; several classes with different capture probabilities are
heterogeneity (some persons are easier to find by every list), which the
two-list interactions represent only in part.

Deterministic: the same scenario and seed give the same tables.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from string import ascii_uppercase

import numpy as np

from dark_figure.capture import CaptureTable, all_histories


@dataclass(frozen=True)
class LatentClass:
    """A share of the population with its own capture probabilities and list dependence."""

    share: float
    capture: tuple[float, ...]
    odds_ratios: Mapping[tuple[int, int], float] = field(default_factory=dict)

    def probabilities(self) -> np.ndarray:
        """P(history) over every history, the unseen (0, …, 0) first, then in `all_histories` order."""
        k = len(self.capture)
        histories = np.array([(0,) * k, *all_histories(k)], dtype=float)
        log_odds = np.log(np.array(self.capture)) - np.log1p(-np.array(self.capture))
        weights = histories @ log_odds
        for (i, j), ratio in self.odds_ratios.items():
            weights += np.log(ratio) * histories[:, i] * histories[:, j]
        weights = np.exp(weights - weights.max())
        return weights / weights.sum()


@dataclass(frozen=True)
class Scenario:
    """A population of `size` persons in latent classes, seen by `len(capture)` lists named A, B, …"""

    name: str
    size: int
    classes: tuple[LatentClass, ...]

    def __post_init__(self) -> None:
        lists = {len(latent.capture) for latent in self.classes}
        if len(lists) != 1 or not 1 <= lists.pop() <= len(ascii_uppercase):
            raise ValueError("Every class needs the same number of lists.")
        if abs(sum(latent.share for latent in self.classes) - 1) > 1e-9:
            raise ValueError("The classes' shares must add up to 1.")
        for latent in self.classes:
            if not all(0 < p < 1 for p in latent.capture):
                raise ValueError("Capture probabilities lie strictly between 0 and 1.")
            if any(not 0 <= i < j < len(latent.capture) or ratio <= 0 for (i, j), ratio in latent.odds_ratios.items()):
                raise ValueError("Odds ratios are positive and belong to pairs (i, j) of lists with i < j.")

    @property
    def lists(self) -> tuple[str, ...]:
        return tuple(ascii_uppercase[: len(self.classes[0].capture)])

    def expected_unseen_share(self) -> float:
        """The share of the population no list sees, on average."""
        return sum(latent.share * latent.probabilities()[0] for latent in self.classes)


def simulate(scenario: Scenario, rng: np.random.Generator) -> CaptureTable:
    """One capture table of the scenario's population: exactly `size` persons, the unseen left out."""
    sizes = rng.multinomial(scenario.size, [latent.share for latent in scenario.classes])
    counts = sum(
        (rng.multinomial(size, latent.probabilities()) for size, latent in zip(sizes, scenario.classes, strict=True)),
        start=np.zeros(2 ** len(scenario.lists), dtype=np.int64),
    )
    histories = all_histories(len(scenario.lists))
    return CaptureTable(scenario.lists, {h: int(c) for h, c in zip(histories, counts[1:], strict=True)})


def simulations(scenario: Scenario, count: int, seed: int) -> Iterator[CaptureTable]:
    """`count` independent tables of the scenario, the same ones for the same seed."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield simulate(scenario, rng)


# --- Ready-made scenarios -----------------------------------------------------------------------------


def independent(size: int, capture: tuple[float, ...]) -> Scenario:
    """Every list finds each person independently of the others, all persons alike."""
    return Scenario("independent", size, (LatentClass(1.0, capture),))


def dependent(size: int, capture: tuple[float, ...], odds_ratios: Mapping[tuple[int, int], float]) -> Scenario:
    """All persons alike; the given pairs of lists depend on each other (θ > 1 positive, θ < 1 negative)."""
    ratios = list(odds_ratios.values())
    kind = "positive" if all(r > 1 for r in ratios) else "negative" if all(r < 1 for r in ratios) else "mixed"
    return Scenario(f"{kind} dependence", size, (LatentClass(1.0, capture, dict(odds_ratios)),))


def two_classes(size: int, hidden_share: float, visible: tuple[float, ...], hidden: tuple[float, ...]) -> Scenario:
    """Heterogeneity: a hidden class every list finds less often than the rest."""
    return Scenario(
        "heterogeneity (two classes)",
        size,
        (LatentClass(1 - hidden_share, visible), LatentClass(hidden_share, hidden)),
    )
