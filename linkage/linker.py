"""Linking encodings of the same person across organisations, without plaintext.

1. Blocking by Hamming locality-sensitive hashing (bit sampling; Indyk & Motwani
   1998, used for Bloom-filter PPRL by Karapiperis & Verykios 2015). Each of
   ``TABLES`` tables samples ``BITS_PER_TABLE`` fixed bit positions of the 1,024-bit
   encoding; two records are compared when they agree on all sampled bits in at
   least one table. Two encodings that agree on a share ``s`` of their bits collide
   in a table with probability ``s**r``, so similar encodings almost surely meet in
   one of many tables while unrelated ones (s ≈ 0.7 at the encodings' bit density of
   about 0.2) rarely do. It needs nothing but the encodings: no key, no birth year, no
   plaintext on the server. The sampled positions are public; they come from a fixed
   seed so every run blocks alike.
2. Dice similarity, 2·|A∧B| / (|A|+|B|), on the candidate pairs (numpy popcount).
3. A threshold, calibrated on the fictional population of linkage/synthetic.py
   (bench/calibrate_linkage.py; the figures are in docs/linkage.md).
4. Clustering by union-find over the pairs above the threshold, strongest first, with
   one constraint: a cluster holds at most one record from each source (organisation
   upload), as anonlink's greedy solver does. An organisation reports a person once
   a year, so two of its records in one cluster mean a chain of near-misses
   (A≈B≈C) is gluing different people together; the constraint stops that chaining.
   Each cluster is one person; the report counts clusters.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from linkage.encoding import CLK_BITS, CLK_BYTES

DEFAULT_THRESHOLD = 0.68
CALIBRATED_RANGE = (0.66, 0.70)  # both calibration populations counted within ±5 %: docs/linkage.md, "Calibration"
TABLES = 128
BITS_PER_TABLE = 28
MIN_SET_BITS = 3
_BLOCKING_SEED = 20260707
_WORDS = CLK_BYTES // 8
_ONES = np.ones(_WORDS, dtype=np.float32)

Matrix = npt.NDArray[np.uint64]
Indices = npt.NDArray[np.int64]


def as_matrix(clks: Sequence[bytes]) -> Matrix:
    """Encodings as an (n, 16) array of 64-bit words."""
    if not clks:
        return np.zeros((0, _WORDS), dtype=np.uint64)
    return np.frombuffer(b"".join(clks), dtype=np.uint64).reshape(len(clks), _WORDS)


def popcounts(matrix: Matrix) -> npt.NDArray[np.int64]:
    return np.bitwise_count(matrix).sum(axis=1, dtype=np.int64)


def dice(first: bytes, second: bytes) -> float:
    """The Dice coefficient of two encodings; two empty encodings are alike (1.0)."""
    a, b = int.from_bytes(first, "big"), int.from_bytes(second, "big")
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 1.0


def dice_of_pairs(
    matrix: Matrix, counts: npt.NDArray[np.int64], left: Indices, right: Indices
) -> npt.NDArray[np.float64]:
    """Dice coefficients of the pairs (left[i], right[i]), in chunks that stay in the cache."""
    out = np.empty(len(left), dtype=np.float64)
    chunk = 1 << 12
    for start in range(0, len(left), chunk):
        lo, hi = left[start : start + chunk], right[start : start + chunk]
        both = matrix[lo]
        both &= matrix[hi]
        # Row sums of the per-word popcounts as a BLAS product: about twice numpy's
        # sum(axis=1) over 16 columns, and exact (at most 1,024 per row).
        common = np.bitwise_count(both).astype(np.float32) @ _ONES
        total = counts[lo] + counts[hi]
        out[start : start + chunk] = np.divide(2 * common, total, out=np.ones(len(lo)), where=total > 0)
    return out


def _sampled_bits(tables: int, bits: int) -> npt.NDArray[np.int64]:
    rng = np.random.default_rng(_BLOCKING_SEED)
    return np.stack([rng.choice(CLK_BITS, size=bits, replace=False) for _ in range(tables)])


def _pairs_within_equal_keys(keys: npt.NDArray[np.uint64], records: Indices) -> tuple[Indices, Indices]:
    """All pairs (i < j) of records with the same key, in time proportional to the pairs."""
    order = np.argsort(keys, kind="stable")
    sorted_keys, sorted_records = keys[order], records[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    # Each record pairs with the records after it in its bucket.
    later = np.repeat(starts + sizes, sizes) - np.arange(len(sorted_keys)) - 1
    first = np.repeat(np.arange(len(sorted_keys)), later)
    step = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later) + 1
    left, right = sorted_records[first], sorted_records[first + step]
    return np.minimum(left, right), np.maximum(left, right)


def candidate_pairs(
    matrix: Matrix, *, tables: int = TABLES, bits_per_table: int = BITS_PER_TABLE
) -> tuple[Indices, Indices]:
    """Pairs (i < j) that agree on every sampled bit in at least one table.

    A sample in which a record has fewer than MIN_SET_BITS ones is skipped for that
    record: agreeing on zeros says little in a filter that is mostly zeros, and
    those keys would make a few huge buckets of unrelated records.
    """
    n = len(matrix)
    bits = np.unpackbits(matrix.view(np.uint8), axis=1)  # (n, 1024), byte order as stored
    codes = [np.empty(0, dtype=np.int64)]
    for table, positions in enumerate(_sampled_bits(tables, bits_per_table), start=1):
        sample = bits[:, positions]
        informative = np.flatnonzero(sample.sum(axis=1) >= MIN_SET_BITS)
        keys = _as_keys(sample[informative])
        left, right = _pairs_within_equal_keys(keys, informative)
        codes.append(left * n + right)
        if table % 16 == 0:  # drop repeats now and then, so memory stays near the distinct pairs
            codes = [_distinct(np.concatenate(codes))]
    distinct = _distinct(np.concatenate(codes))
    return distinct // n, distinct % n


def _as_keys(sample: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Each row of up to 64 sampled bits as one 64-bit integer."""
    packed = np.zeros((len(sample), 8), dtype=np.uint8)
    packed[:, : -(-sample.shape[1] // 8)] = np.packbits(sample, axis=1)
    return packed.view(np.uint64).ravel()


def _distinct(values: Indices) -> Indices:
    """Sorted distinct values; np.unique in numpy 2.5 takes about 70 s for the 30 million
    pair codes of a 100,000-record year, which sort in under a second."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


@dataclass(frozen=True)
class Linkage:
    """The result: a cluster number per record, and what it took."""

    cluster: npt.NDArray[np.int64]  # records with the same number are one person
    compared: int  # candidate pairs whose Dice coefficient was computed
    links: int  # pairs that joined two clusters

    @property
    def persons(self) -> int:
        return len(_distinct(self.cluster))


class _Clusters:
    """Union-find that keeps each cluster to one record per source."""

    def __init__(self, sources: Sequence[int]) -> None:
        self.parent = list(range(len(sources)))
        self.sources = [{source} for source in sources]

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> bool:
        a, b = self.root(i), self.root(j)
        if a == b or self.sources[a] & self.sources[b]:
            return False
        if len(self.sources[a]) < len(self.sources[b]):
            a, b = b, a
        self.parent[b] = a
        self.sources[a] |= self.sources[b]
        return True


def link(clks: Sequence[bytes], sources: Sequence[int], threshold: float = DEFAULT_THRESHOLD) -> Linkage:
    """Cluster encodings of the same person; ``sources[i]`` is the upload record i came from."""
    if len(clks) != len(sources):
        raise ValueError("one source per encoding")
    matrix = as_matrix(clks)
    left, right = candidate_pairs(matrix)
    similarity = dice_of_pairs(matrix, popcounts(matrix), left, right)
    accepted = np.flatnonzero(similarity >= threshold)
    strongest_first = accepted[np.argsort(-similarity[accepted], kind="stable")]
    clusters = _Clusters(sources)
    links = sum(clusters.join(int(left[k]), int(right[k])) for k in strongest_first)
    roots = np.array([clusters.root(i) for i in range(len(clks))], dtype=np.int64)
    return Linkage(cluster=roots, compared=len(left), links=links)
