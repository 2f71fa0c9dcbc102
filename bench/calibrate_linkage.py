"""Calibrate the Dice threshold on a fictional population with known duplicates.

    .venv/bin/python bench/calibrate_linkage.py [--persons 3000] [--seed 11]

Prints, for each threshold, the number of persons the linkage counts against the
true number, and pairwise precision, recall and F1 of the clusters (every pair of
records in one cluster is a predicted match). The population (linkage/synthetic.py)
spreads persons over three organisations with typos, swapped names, other
romanisations, missing or wrong dates of birth. Figures are in docs/linkage.md.
"""

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkage import linker
from linkage.encoding import Encoder, LinkageKey
from linkage.synthetic import population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    records = population(args.persons, seed=args.seed)
    encoder = Encoder(LinkageKey(hashlib.sha256(f"calibration key {args.seed}".encode()).digest()))
    clks = [encoder.encode(record.person) for record in records]
    sources = [record.organisation for record in records]
    person = np.array([record.person_id for record in records])
    left, right = np.triu_indices(len(records), 1)
    true_pair = person[left] == person[right]

    matrix = linker.as_matrix(clks)
    block_left, block_right = linker.candidate_pairs(matrix)
    similarity = linker.dice_of_pairs(matrix, linker.popcounts(matrix), left.astype(np.int64), right.astype(np.int64))
    candidates = set((block_left * len(records) + block_right).tolist())
    print(f"{len(records)} records of {args.persons} persons, {int(true_pair.sum())} true pairs")
    print(f"blocking: {len(block_left):,} candidate pairs of {len(left):,}")

    print("threshold  persons  error   precision  recall  F1     true pairs ≥ threshold kept by blocking")
    for threshold in np.arange(0.60, 0.86, 0.02):
        started = time.perf_counter()
        result = linker.link(clks, sources, float(threshold))
        elapsed = time.perf_counter() - started
        same = result.cluster[left] == result.cluster[right]
        hits = int((same & true_pair).sum())
        precision, recall = hits / max(int(same.sum()), 1), hits / int(true_pair.sum())
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        above = np.flatnonzero(true_pair & (similarity >= threshold))
        kept = np.mean([code in candidates for code in (left[above] * len(records) + right[above]).tolist()])
        error = (result.persons - args.persons) / args.persons
        print(
            f"{threshold:9.2f}  {result.persons:7d}  {error:+6.1%}  {precision:9.3f}  {recall:6.3f}  {f1:.3f}"
            f"  {kept:.3f}   ({elapsed:.2f} s)"
        )


if __name__ == "__main__":
    main()
