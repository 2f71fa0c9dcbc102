"""Multiple systems estimation on simulated populations of known size: coverage, bias and time, in one run;
and on the two published tables (UK 2013, New Orleans) with both intervals and the bootstrap's time.

    .venv/bin/python -m bench.mse [--simulations 200] [--seed 1] [--lists 3 5 8] [--sizes 300 10000]
    .venv/bin/python -m bench.mse --published [--resamples 200]

`--published` feeds tests/data/mse/uk-2013.csv and new-orleans.csv (copies of the tables the
CRAN packages of Silverman ship, with the published results in ../shared/data/mse/README.md)
through `estimate()` and `bootstrap()` as the statistician's page calls them, and prints every
model's estimate with its profile interval, the bootstrap interval of the stepwise model, the
sparse-data warnings and the time of each.

For each number of lists (3, 5, 8) and population size (300, 10,000), four populations
(dark_figure/simulation.py), with capture probabilities 0.20, 0.30, 0.25, 0.15, 0.20,
0.10, 0.12, 0.08 for lists A to H (the first k):

- independent: every list finds each person independently, all persons alike;
- positive dependence: a person on A has three times the odds of being on B (odds ratio 3);
- negative dependence: odds ratio 0.3 between A and B;
- heterogeneity: two latent classes, half the population with 1.6 times and half with 0.4
  times the capture probabilities on every list — a population the two-list
  interactions cannot represent exactly.

The first three are exactly log-linear models the estimation can represent (main
effects plus, for the dependent ones, the A × B interaction). Each scenario is
simulated `--simulations` times and every table goes through `estimate()`, as the
statistician's page calls it: the stepwise model (likelihood-ratio p < 0.02) and the
AIC, BIC and main-effects alternatives, each with its 95 % profile-likelihood
interval. Printed per scenario and method: the share of intervals that cover the true
size, the mean relative bias of the point estimate (mean of estimate / size − 1), the
share of tables with no estimate, and the median time of one `estimate()` call.
"""

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings

from dark_figure.capture import CaptureTable
from dark_figure.estimation import DarkFigure, Method, bootstrap, estimate
from dark_figure.simulation import Scenario, dependent, independent, simulations, two_classes

PUBLISHED = Path(__file__).resolve().parent.parent / "tests" / "data" / "mse"
CAPTURE = (0.20, 0.30, 0.25, 0.15, 0.20, 0.10, 0.12, 0.08)
METHODS = (Method.STEPWISE, Method.AIC, Method.BIC, Method.MAIN_EFFECTS)


def scenarios(lists: int, size: int) -> Iterator[Scenario]:
    capture = CAPTURE[:lists]
    yield independent(size, capture)
    yield dependent(size, capture, {(0, 1): 3.0})
    yield dependent(size, capture, {(0, 1): 0.3})
    yield two_classes(size, 0.5, tuple(p * 1.6 for p in capture), tuple(p * 0.4 for p in capture))


@dataclass
class Tally:
    """What one method gave over the simulations of a scenario."""

    covered: int = 0
    ratios: list[float] = field(default_factory=list)
    refused: int = 0

    def add(self, size: int, result: DarkFigure, method: Method) -> None:
        fit = next((a.fit for a in result.alternatives if method in a.chosen_by), None)
        if fit is None or fit.estimate is None:
            self.refused += 1
            return
        self.covered += fit.estimate.lower <= size <= fit.estimate.upper
        self.ratios.append(fit.estimate.total / size)

    def coverage(self) -> str:
        return f"{self.covered / len(self.ratios):.3f}" if self.ratios else "–"

    def bias(self) -> str:
        return f"{statistics.fmean(self.ratios) - 1:+.3f}" if self.ratios else "–"


def run(scenario: Scenario, count: int, seed: int) -> tuple[dict[Method, Tally], float, float]:
    tallies = {method: Tally() for method in METHODS}
    seconds, seen = [], []
    for table in simulations(scenario, count, seed):
        started = time.perf_counter()
        result = estimate(table)
        seconds.append(time.perf_counter() - started)
        seen.append(table.observed)
        for method in METHODS:
            tallies[method].add(scenario.size, result, method)
    return tallies, statistics.median(seconds), statistics.fmean(seen)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return f"{names[0] if names else platform.machine()}, {os.cpu_count()} cores"


def published_table(name: str) -> CaptureTable:
    with (PUBLISHED / f"{name}.csv").open(newline="") as file:
        rows = list(csv.reader(file))
    counts = {tuple(int(cell) for cell in row[:-1]): int(row[-1]) for row in rows[1:]}
    return CaptureTable.from_counts(rows[0][:-1], counts)


def published(resamples: int) -> None:
    for name in ("uk-2013", "new-orleans"):
        table = published_table(name)
        started = time.perf_counter()
        result = estimate(table)
        estimated = time.perf_counter() - started
        started, processor = time.perf_counter(), time.process_time()
        resampled = bootstrap(table, resamples=resamples)
        bootstrapped, computing = time.perf_counter() - started, time.process_time() - processor
        print(f"{name}: {table.k} lists, {table.observed} persons seen; estimate() {estimated:.2f} s")
        for alternative in result.alternatives:
            fit = alternative.fit
            methods = ", ".join(method.value for method in alternative.chosen_by)
            found = (
                f"{fit.estimate.total:.0f} ({fit.estimate.lower:.0f}–{fit.estimate.upper:.0f})"
                if fit.estimate
                else str(fit.refusal)
            )
            print(f"  {methods:<24} {len(fit.interactions):>2} interactions  {found}")
        if resampled:
            interval = str(resampled.refusal) if resampled.refusal else f"{resampled.lower:.0f}–{resampled.upper:.0f}"
            print(
                f"  bootstrap of the stepwise model, {resampled.resamples} resamples, seed {resampled.seed}: "
                f"{interval}, {resampled.failed} without a model; {bootstrapped:.1f} s "
                f"({computing:.1f} s of processor time: the machine's other load left out)"
            )
        for warning in result.warnings:
            print(f"  warning {warning.code}: {warning}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lists", type=int, nargs="+", default=[3, 5, 8])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 10_000])
    parser.add_argument("--published", action="store_true", help="the UK 2013 and New Orleans tables instead")
    parser.add_argument("--resamples", type=int, default=200, help="the bootstrap's resamples (--published)")
    args = parser.parse_args()
    print(
        f"{datetime.now(ZoneInfo('Europe/Oslo')).date().isoformat()}, {machine()}, Python "
        f"{platform.python_version()}, scipy {version('scipy')}, numpy {version('numpy')}; "
        + (
            "the published tables"
            if args.published
            else f"{args.simulations} simulations per scenario, seed {args.seed}"
        )
    )
    if args.published:
        settings.configure(USE_I18N=False)  # the reasons and warnings in their English source text
        published(args.resamples)
        return
    print("coverage of the 95 % interval and mean relative bias: stepwise | AIC | BIC | main effects")
    header = (
        f"{'lists':>5} {'N':>6} {'population':<28} {'seen':>7}  {'coverage':^27}  {'bias':^31}  "
        f"{'no estimate':>11} {'time':>7}"
    )
    print(header)
    for lists in args.lists:
        for size in args.sizes:
            for number, scenario in enumerate(scenarios(lists, size)):
                tallies, seconds, seen = run(scenario, args.simulations, args.seed + 1000 * number + lists + size)
                coverage = " ".join(f"{tallies[method].coverage():>6}" for method in METHODS)
                bias = " ".join(f"{tallies[method].bias():>7}" for method in METHODS)
                refused = tallies[Method.STEPWISE].refused / args.simulations
                print(
                    f"{lists:>5} {size:>6} {scenario.name:<28} {seen:>7.0f}  {coverage}  {bias}  "
                    f"{refused:>11.1%} {seconds:>6.3f}s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
