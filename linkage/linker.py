"""Linking encodings of the same person across and within organisations, without plaintext.

The encodings (linkage.encoding, format v2) hold each field apart: a Bloom filter for
the given names and one for the family names, and keyed tokens for birth year, month
and day, gender and nationality. docs/linkage.md explains the choices; in short:

1. Blocking (candidate pairs = the union of these keys):
   - Hamming locality-sensitive hashing on all name tokens (the OR of the two name
     filters; bit sampling, Indyk & Motwani 1998; Karapiperis & Verykios 2015), each
     bucket keyed also by the birth year (a record is in under its year and the year
     after; one without a year meets the bucket of every year): two records are
     compared when they agree on every sampled bit in at least one of ``TABLES`` tables;
     a bucket of more than ``MAX_BUCKET`` records is namesakes and gives no pairs (its
     records still meet through the keys below);
   - the same given-name filter and birth year, and the same family-name filter and
     birth year (a name written alike, whatever the other name); the same, with birth
     day and month instead of the year (a year mistyped);
   - the same full birth date, kept only where one of the two names is alike (the
     other may be written very differently, or be missing).
2. Comparison per field, in agreement levels: names by the Dice coefficient of their
   filters (≥ 0.9, ≥ 0.7 or one name contained in the other, below), in the order
   (given, family) or swapped, whichever agrees better; the year exact, one off or
   other; day and month equal, swapped, one equal or neither; gender and nationality
   equal or not. A part not known on either side is "missing" and weighs nothing:
   a missing birth date neither agrees nor disagrees.
3. Fellegi & Sunter (1969) weights, log(m/u) per level, estimated on the year's own
   records as Splink trains them: u from random pairs of the year; m and the share of
   matches by EM (Winkler 1988) with u fixed, in two training blocks (``_TRAINING``);
   priors weigh as ``PRIOR_PAIRS`` pairs, so that a small year stays near them. An
   identical name filter weighs log(m / f) instead of log(m / u), f the filter's share
   among the records of the pair's nationality (term frequencies, Winkler 1989): a
   common name agreeing tells less than a rare one.
4. A pair is a match when its posterior match probability, from λ (the model's
   probability that two records at random are one person) and the pair's weights, is
   at least ``threshold`` (0.5: more likely a match than not). Nothing here is tuned
   to one data set.
5. Clustering by union-find over the matches, strongest first, with two rules: never
   join two clusters holding two records with complete birth dates that disagree
   (namesakes do not chain through a record without a date), and never join two
   records of one source the caller says keeps its persons apart (two cases of one
   organisation in Vern are two persons). Records of other sources may join (an
   outside file that lists one person twice). Each cluster is one person.
"""

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.encoding import ENCODING_BYTES, FORMAT_VERSION, NAME_BITS, NAME_BYTES, TOKEN_FIELDS

DEFAULT_THRESHOLD = 0.5  # the posterior match probability at which a pair is a match
# The dark figure's sensitivity to linkage: the counts at these posterior thresholds bound how
# much linkage error moves the estimate (dark_figure.services.linkage_sensitivity).
CALIBRATED_RANGE = (0.2, 0.8)
TABLES = 48
BITS_PER_TABLE = 24
MIN_SET_BITS = 3
# A name bucket of more records than this is namesakes: its pairs are left out, and its records
# meet through the keys of a name written alike with the same year or day and month.
MAX_BUCKET = 24
PRIOR_PAIRS = 20.0
_EM_ROUNDS = 200
_SEED = 20260707
_NAME_WORDS = NAME_BYTES // 8
_CHUNK = 1 << 16

Matrix = npt.NDArray[np.uint64]
Indices = npt.NDArray[np.int64]
Levels = npt.NDArray[np.int8]


class EncodingFormatError(ValueError):
    """An encoding is not of the current format (a file from an older `vern encode`)."""


# --- The encodings as arrays ---------------------------------------------------------------------


@dataclass(frozen=True)
class Encodings:
    names: Matrix  # (n, 16) words: the given-name filter, then the family-name filter
    tokens: npt.NDArray[np.uint32]  # (n, 6) in TOKEN_FIELDS order; 0 = not known
    given_count: npt.NDArray[np.int64]
    family_count: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.names)

    @property
    def given(self) -> Matrix:
        return self.names[:, :_NAME_WORDS]

    @property
    def family(self) -> Matrix:
        return self.names[:, _NAME_WORDS:]

    def token(self, name: str) -> npt.NDArray[np.uint32]:
        return self.tokens[:, TOKEN_FIELDS.index(name)]


def as_encodings(encodings: Sequence[bytes]) -> Encodings:
    wrong = next((len(e) for e in encodings if len(e) != ENCODING_BYTES), None)
    if wrong is not None:
        raise EncodingFormatError(
            f"an encoding of format v{FORMAT_VERSION} is {ENCODING_BYTES} bytes, one here is {wrong}: "
            "it was made by an older `vern encode` and must be encoded again"
        )
    raw = np.frombuffer(b"".join(encodings), dtype=np.uint8).reshape(len(encodings), ENCODING_BYTES)
    names = np.ascontiguousarray(raw[:, : 2 * NAME_BYTES]).view(np.uint64)
    tokens = np.ascontiguousarray(raw[:, 2 * NAME_BYTES :]).view(">u4").astype(np.uint32)
    given_count, family_count = filter_popcounts(names).T
    return Encodings(names, tokens, given_count, family_count)


_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_EACH_16_BITS = np.uint64(0x0001000100010001)


def filter_popcounts(matrix: Matrix) -> npt.NDArray[np.int64]:
    """The set bits of each filter (8 words) of each row, (rows, filters): numpy's sum along a short
    axis is slow, so the 8 per-word counts (bytes of at most 64) are added within one word."""
    counts = np.ascontiguousarray(np.bitwise_count(matrix)).view(np.uint64)
    halves = (counts & _LOW_BYTES) + ((counts >> np.uint64(8)) & _LOW_BYTES)  # four 16-bit sums
    return ((halves * _EACH_16_BITS) >> np.uint64(48)).astype(np.int64)


def dice(first: bytes, second: bytes) -> float:
    """The Dice coefficient of two filters; two empty filters are alike (1.0)."""
    a, b = int.from_bytes(first, "big"), int.from_bytes(second, "big")
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 1.0


# --- Blocking ------------------------------------------------------------------------------------


def _pairs_within_equal_keys(
    keys: npt.NDArray[np.uint64], records: Indices, cap: int | None = None
) -> tuple[Indices, Indices]:
    """All pairs (i < j) of records with the same key, in time proportional to the pairs; none of a key
    held by more than ``cap`` records."""
    order = np.argsort(keys)  # not stable: the pairs come out the same in any order within a key
    sorted_keys, sorted_records = keys[order], records[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    # Each record pairs with the records after it in its bucket.
    later = np.repeat(starts + sizes, sizes) - np.arange(len(sorted_keys)) - 1
    if cap is not None:
        later[np.repeat(sizes > cap, sizes)] = 0
    first = np.repeat(np.arange(len(sorted_keys)), later)
    step = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later) + 1
    left, right = sorted_records[first], sorted_records[first + step]
    return np.minimum(left, right), np.maximum(left, right)


def _pairs_across_equal_keys(
    keys: npt.NDArray[np.uint64],
    records: Indices,
    other_keys: npt.NDArray[np.uint64],
    other_records: Indices,
    cap: int | None = None,
) -> tuple[Indices, Indices]:
    """All pairs (i < j) of a record of ``records`` with a record of ``other_records`` with the same key;
    none with a key more than ``cap`` of ``other_records`` hold."""
    order = np.argsort(other_keys)
    sorted_keys, sorted_records = other_keys[order], other_records[order]
    low, high = np.searchsorted(sorted_keys, keys, "left"), np.searchsorted(sorted_keys, keys, "right")
    sizes = high - low
    if cap is not None:
        sizes[sizes > cap] = 0
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    left, right = np.repeat(records, sizes), sorted_records[np.repeat(low, sizes) + offsets]
    return np.minimum(left, right), np.maximum(left, right)


def _sampled_bits(words: Matrix, positions: Indices) -> npt.NDArray[np.uint64]:
    """Each row's bits at ``positions`` (of the filter as bytes, most significant bit first), as one integer."""
    key = np.zeros(len(words), dtype=np.uint64)
    for place, position in enumerate(positions.tolist()):
        # Bit `position` of the big-endian byte string is in byte position // 8 of a little-endian word.
        shift = 8 * (position % 64 // 8) + 7 - position % 8
        key |= ((words[:, position // 64] >> np.uint64(shift)) & np.uint64(1)) << np.uint64(place)
    return key


def _row_keys(*columns: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per row from several columns (FNV-style mixing; a collision only adds a pair)."""
    key = np.full(len(columns[0]), 0xCBF29CE484222325, dtype=np.uint64)
    for column in columns:
        key = (key ^ column.astype(np.uint64)) * np.uint64(0x100000001B3)
    return key


def _distinct(values: Indices) -> Indices:
    """Sorted distinct values; np.unique in numpy 2.5 is much slower on tens of millions of codes."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def candidate_pairs(
    data: Encodings, *, tables: int = TABLES, bits_per_table: int = BITS_PER_TABLE
) -> tuple[Indices, Indices]:
    """Pairs (i < j) that share a blocking key (module docstring, step 1)."""
    n = len(data)
    codes = [np.empty(0, dtype=np.int64)]

    def add(keys: npt.NDArray[np.uint64], records: Indices, cap: int | None = None) -> None:
        left, right = _pairs_within_equal_keys(keys, records, cap)
        codes.append(left * n + right)

    year, month, day = data.token("birth_year"), data.token("birth_month"), data.token("birth_day")
    next_year = data.token("next_birth_year")
    has_year = year > 0
    # Each record is in its name bucket twice: under its birth year and under the year after, so
    # that a year one off still meets. Without a year, under 0: those meet every year's records.
    entry_record = np.r_[np.arange(n), np.flatnonzero(has_year)]
    entry_year = np.r_[year, next_year[has_year]].astype(np.uint64)
    names = data.given | data.family
    rng = np.random.default_rng(_SEED)
    for table in range(1, tables + 1):
        name_key = _sampled_bits(names, rng.choice(NAME_BITS, size=bits_per_table, replace=False))
        # Agreeing on zeros says little in a sparse filter; such keys make huge buckets.
        informative = np.bitwise_count(name_key) >= MIN_SET_BITS
        entries = np.flatnonzero(informative[entry_record])
        records = entry_record[entries]
        add(_row_keys(name_key[records], entry_year[entries]), records, MAX_BUCKET)
        # A record without a birth year meets the records of its name bucket of any year.
        undated, dated = np.flatnonzero(informative & ~has_year), np.flatnonzero(informative & has_year)
        left, right = _pairs_across_equal_keys(name_key[undated], undated, name_key[dated], dated, MAX_BUCKET)
        codes.append(left * n + right)
        if table % 16 == 0:  # drop repeats now and then, so memory stays near the distinct pairs
            codes = [_distinct(np.concatenate(codes))]
    # One name written alike and the same year, or the same day and month (a year mistyped).
    with_year, with_day = np.flatnonzero(year > 0), np.flatnonzero((month > 0) & (day > 0))
    for names_matrix, counts in ((data.given, data.given_count), (data.family, data.family_count)):
        rows = with_year[counts[with_year] > 0]
        add(_row_keys(year[rows], *names_matrix[rows].T), rows)
        rows = with_day[counts[with_day] > 0]
        add(_row_keys(month[rows], day[rows], *names_matrix[rows].T), rows)
    # The same full birth date catches a name written very differently, but only where one name
    # field still looks alike: strangers born on one day would be many pairs that tell nothing.
    dated = np.flatnonzero((year > 0) & (month > 0) & (day > 0))
    left, right = _pairs_within_equal_keys(_row_keys(year[dated], month[dated], day[dated]), dated)
    levels = compare(data, left, right).levels
    alike = (levels[:, 0] <= 1) | (levels[:, 1] <= 1)
    codes.append(left[alike] * n + right[alike])
    distinct = _distinct(np.concatenate(codes))
    return distinct // n, distinct % n


# --- Comparison ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldLevels:
    """A compared field: its level names, best first; the last level is "missing" and weighs nothing."""

    name: str
    levels: tuple[str, ...]

    @property
    def missing(self) -> int:
        return len(self.levels) - 1


FIELDS = (
    FieldLevels("given_names", ("dice >= 0.9", "dice >= 0.7 or contained", "other", "missing")),
    FieldLevels("family_names", ("dice >= 0.9", "dice >= 0.7 or contained", "other", "missing")),
    FieldLevels("birth_year", ("equal", "one off", "other", "missing")),
    FieldLevels("birth_day_month", ("equal", "swapped", "one equal", "neither", "missing")),
    FieldLevels("gender", ("equal", "other", "missing")),
    FieldLevels("nationality", ("equal", "other", "missing")),
)
FIELDS_INDEX = {spec.name: column for column, spec in enumerate(FIELDS)}
AGREE, CLOSE = 0.9, 0.7
CONTAINED = 0.85  # of the smaller filter's bits in the larger: "Maria" against "Maria Elena"


@dataclass(frozen=True)
class Comparison:
    levels: Levels  # (pairs, len(FIELDS))
    given_identical: npt.NDArray[np.bool_]
    family_identical: npt.NDArray[np.bool_]


def _name_level(common: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> Levels:
    total = a + b
    similarity = np.divide(2 * common, total, out=np.zeros(len(common)), where=total > 0)
    contained = np.divide(common, np.minimum(a, b), out=np.zeros(len(common)), where=np.minimum(a, b) > 0)
    level = np.where(similarity >= AGREE, 0, np.where((similarity >= CLOSE) | (contained >= CONTAINED), 1, 2))
    return np.where((a == 0) | (b == 0), 3, level).astype(np.int8)


def _token_pair_level(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], missing: int) -> Levels:
    return np.where((a == 0) | (b == 0), missing, np.where(a == b, 0, 1)).astype(np.int8)


def compare(data: Encodings, left: Indices, right: Indices) -> Comparison:
    parts = [_compare_chunk(data, left[s : s + _CHUNK], right[s : s + _CHUNK]) for s in range(0, len(left), _CHUNK)]
    if not parts:
        empty = np.zeros(0, dtype=np.bool_)
        return Comparison(np.zeros((0, len(FIELDS)), dtype=np.int8), empty, empty)
    return Comparison(
        np.concatenate([p.levels for p in parts]),
        np.concatenate([p.given_identical for p in parts]),
        np.concatenate([p.family_identical for p in parts]),
    )


def _compare_chunk(data: Encodings, left: Indices, right: Indices) -> Comparison:
    # np.take gathers rows several times faster than indexing with an array.
    names_l, names_r = np.take(data.names, left, axis=0), np.take(data.names, right, axis=0)
    cgl, cgr = np.take(data.given_count, left), np.take(data.given_count, right)
    cfl, cfr = np.take(data.family_count, left), np.take(data.family_count, right)
    straight_g, straight_f = filter_popcounts(names_l & names_r).T
    # Left's given against right's family, and back.
    swapped_g, swapped_f = filter_popcounts(names_l & np.roll(names_r, _NAME_WORDS, axis=1)).T
    straight = 2 * straight_g / np.maximum(cgl + cgr, 1) + 2 * straight_f / np.maximum(cfl + cfr, 1)
    swapped = 2 * swapped_g / np.maximum(cgl + cfr, 1) + 2 * swapped_f / np.maximum(cfl + cgr, 1)
    swap = swapped > straight
    given = np.where(swap, _name_level(swapped_g, cgl, cfr), _name_level(straight_g, cgl, cgr))
    family = np.where(swap, _name_level(swapped_f, cfl, cgr), _name_level(straight_f, cfl, cfr))
    # Two filters are identical when their common bits are all the bits of both.
    given_identical = np.where(swap, (swapped_g == cgl) & (cgl == cfr), (straight_g == cgl) & (cgl == cgr))
    family_identical = np.where(swap, (swapped_f == cfl) & (cfl == cgr), (straight_f == cfl) & (cfl == cfr))
    given_identical &= given == 0
    family_identical &= family == 0

    tokens_l, tokens_r = np.take(data.tokens, left, axis=0), np.take(data.tokens, right, axis=0)

    def token(name: str) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
        column = TOKEN_FIELDS.index(name)
        return tokens_l[:, column], tokens_r[:, column]

    year_l, year_r = token("birth_year")
    next_l, next_r = token("next_birth_year")
    year = np.where(year_l == year_r, 0, np.where((next_l == year_r) | (next_r == year_l), 1, 2))
    year = np.where((year_l == 0) | (year_r == 0), 3, year)

    month_l, month_r = token("birth_month")
    day_l, day_r = token("birth_day")
    same_month, same_day = month_l == month_r, day_l == day_r
    day_month = np.where(
        same_month & same_day,
        0,
        np.where((month_l == day_r) & (day_l == month_r), 1, np.where(same_month | same_day, 2, 3)),
    )
    day_month = np.where((month_l == 0) | (month_r == 0) | (day_l == 0) | (day_r == 0), 4, day_month)

    gender = _token_pair_level(*token("gender"), 2)
    nationality = _token_pair_level(*token("nationality"), 2)
    levels = np.stack([given, family, year, day_month, gender, nationality], axis=1).astype(np.int8)
    return Comparison(levels, given_identical, family_identical)


# --- The Fellegi-Sunter model --------------------------------------------------------------------

# Where EM starts and what it is pulled towards in a small year: P(level | match) per field.
_PRIOR_M = (
    (0.80, 0.14, 0.06, 1.0),
    (0.80, 0.14, 0.06, 1.0),
    (0.88, 0.07, 0.05, 1.0),
    (0.80, 0.07, 0.08, 0.05, 1.0),
    (0.97, 0.03, 1.0),
    (0.97, 0.03, 1.0),
)
_PRIOR_MATCH_SHARE = 0.01
# P(level | two persons), where a small year starts: names and dates rarely agree by chance.
_PRIOR_U = (
    (0.01, 0.02, 0.97, 1.0),
    (0.01, 0.02, 0.97, 1.0),
    (0.02, 0.04, 0.94, 1.0),
    (0.005, 0.002, 0.15, 0.843, 1.0),
    (0.6, 0.4, 1.0),
    (0.3, 0.7, 1.0),
)
_SAMPLED_PAIRS = 100_000
# The two training blocks (as Splink trains): pairs born the same year, where the names and
# categories are learnt, and pairs with one family name, where the birth date is. A field a
# block is chosen by says nothing about matches within it and is left out there; a field
# that goes with the block's (nationality with a family name) is left out too.
_TRAINING = (
    # (block, fields the EM sees, fields whose m it keeps)
    (
        "birth_year",
        ("given_names", "family_names", "birth_day_month", "gender"),
        ("given_names", "family_names", "gender", "nationality"),
    ),
    ("family_names", ("given_names", "birth_year", "birth_day_month"), ("birth_year", "birth_day_month")),
)


@dataclass
class Model:
    """m and u per field and level (missing levels are 1: weight 0), and λ, the match probability of two
    records drawn at random from the year."""

    m: list[npt.NDArray[np.float64]]
    u: list[npt.NDArray[np.float64]]
    match_share: float
    rounds: int = 0

    def weights(self) -> list[npt.NDArray[np.float64]]:
        return [np.log(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def describe(self) -> str:
        lines = [f"λ (two records at random are one person) = {self.match_share:.3g}; EM rounds {self.rounds}"]
        for spec, m, u in zip(FIELDS, self.m, self.u, strict=True):
            cells = ", ".join(
                f"{level}: m {m[i]:.3f} u {u[i]:.4f} w {math.log(m[i] / u[i]):+.2f}"
                for i, level in enumerate(spec.levels[:-1])
            )
            lines.append(f"  {spec.name}: {cells}")
        return "\n".join(lines)


def _shares(
    levels: Levels, weights: npt.NDArray[np.float64], column: int, prior: npt.NDArray[np.float64], strength: float
) -> npt.NDArray[np.float64]:
    """The weighted share of each non-missing level of one field, with ``strength`` pairs of prior; 1 at missing."""
    spec = FIELDS[column]
    counts = np.bincount(levels[:, column], weights=weights, minlength=len(spec.levels))[: spec.missing]
    smoothed = counts + strength * prior[: spec.missing]
    return np.r_[smoothed / smoothed.sum(), 1.0]


def random_pair_u(data: Encodings, rng: np.random.Generator) -> list[npt.NDArray[np.float64]]:
    """u per field from random pairs of the year: how often the records of two persons agree by chance.

    Every pair when there are fewer than _SAMPLED_PAIRS; the prior (_PRIOR_U) weighs as
    PRIOR_PAIRS pairs, so that a year of a few records has sensible weights.
    """
    n = len(data)
    if n * (n - 1) // 2 <= _SAMPLED_PAIRS:
        left, right = (np.array(side, dtype=np.int64) for side in np.triu_indices(n, 1))
    else:
        left, right = rng.integers(0, n, _SAMPLED_PAIRS), rng.integers(0, n, _SAMPLED_PAIRS)
        left, right = left[left != right], right[left != right]
    levels = compare(data, left, right).levels
    ones = np.ones(len(levels))
    return [_shares(levels, ones, column, np.array(_PRIOR_U[column]), PRIOR_PAIRS) for column in range(len(FIELDS))]


def _sample_within(keys: npt.NDArray[np.uint64], rng: np.random.Generator) -> tuple[Indices, Indices, int]:
    """Random pairs of records with the same key (nearly uniform over such pairs), and how many such pairs there are."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    total = int((sizes * (sizes - 1) // 2).sum())
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, 0
    bucket_of = np.repeat(np.arange(len(starts)), sizes)
    weights = (sizes - 1)[bucket_of].astype(np.float64)
    first = rng.choice(len(keys), size=min(_SAMPLED_PAIRS, total), p=weights / weights.sum())
    bucket = bucket_of[first]
    # A second record of the same bucket, never the first: one of the others, at random.
    other = starts[bucket] + (first - starts[bucket] + 1 + rng.integers(0, sizes[bucket] - 1)) % sizes[bucket]
    return order[first], order[other], total


def _patterns(levels: Levels) -> tuple[Levels, Indices, npt.NDArray[np.float64]]:
    """The distinct comparison patterns, each pair's pattern, and how many pairs have each."""
    radix = np.cumprod([1] + [len(spec.levels) for spec in FIELDS[:-1]])
    codes = levels.astype(np.int64) @ radix
    distinct, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    patterns = np.stack([(distinct // r) % len(spec.levels) for r, spec in zip(radix, FIELDS, strict=True)], axis=1)
    return patterns.astype(np.int8), inverse, counts.astype(np.float64)


def _em(
    levels: Levels, fields: Sequence[str], model: Model, m_prior: list[npt.NDArray[np.float64]]
) -> tuple[list[npt.NDArray[np.float64]], float, int]:
    """EM for m and the share of matches within one training block, u fixed; only ``fields`` count.

    Over the distinct comparison patterns with their counts: a few thousand at most, whatever
    the number of pairs.
    """
    columns = [i for i, spec in enumerate(FIELDS) if spec.name in fields]
    patterns, _pair_pattern, counts = _patterns(levels)
    m = [array.copy() for array in model.m]
    share = _PRIOR_MATCH_SHARE
    weights = model.weights()
    rounds = 0
    for rounds in range(1, _EM_ROUNDS + 1):  # noqa: B007 - the rounds it took are returned
        odds = np.full(len(patterns), math.log(share / (1 - share)))
        for column in columns:
            odds += weights[column][patterns[:, column]]
        match = _sigmoid(odds) * counts
        new_share = float((match.sum() + 1) / (counts.sum() + 2))
        previous = [m[column] for column in columns]
        for column in columns:
            m[column] = _shares(patterns, match, column, m_prior[column], PRIOR_PAIRS)
            weights[column] = np.log(m[column] / model.u[column])
        change = max(
            [abs(new_share - share)] + [float(np.abs(a - m[c]).max()) for a, c in zip(previous, columns, strict=True)]
        )
        share = new_share
        if change < 1e-6:
            break
    return m, share, rounds


def estimate(data: Encodings) -> Model:
    """Fellegi-Sunter parameters of the year: u from random pairs, m and λ by EM in two training blocks."""
    rng = np.random.default_rng(_SEED)
    m_prior = [np.array(values) for values in _PRIOR_M]
    n = len(data)
    model = Model([m.copy() for m in m_prior], random_pair_u(data, rng), _PRIOR_MATCH_SHARE)
    all_pairs = n * (n - 1) / 2
    expected_matches = _PRIOR_MATCH_SHARE * n  # until the first block says otherwise
    rounds = 0
    year = data.token("birth_year")
    for block, fields, kept in _TRAINING:
        if block == "birth_year":
            rows = np.flatnonzero(year > 0)
            keys = year[rows].astype(np.uint64)
        else:
            rows = np.flatnonzero(data.family_count > 0)
            keys = _row_keys(*data.family[rows].T)
        left, right, total = _sample_within(keys, rng)
        if not total:
            continue
        levels = compare(data, rows[left], rows[right]).levels
        m, share, used = _em(levels, fields + tuple(name for name in kept if name not in fields), model, m_prior)
        rounds += used
        for column, spec in enumerate(FIELDS):
            if spec.name in kept:
                model.m[column] = m[column]
        if block == "birth_year":
            # The matches among same-year pairs are those of the matches whose years are both known and equal.
            year_equal = model.m[FIELDS_INDEX["birth_year"]][0]
            both_years = (len(rows) / n) ** 2
            expected_matches = share * total / max(year_equal * both_years, 1e-9)
    model.match_share = float(min(max(expected_matches / max(all_pairs, 1), 1e-12), 0.5))
    model.rounds = rounds
    return model


def _log_odds(model: Model, levels: Levels) -> npt.NDArray[np.float64]:
    odds = np.full(len(levels), math.log(model.match_share / (1 - model.match_share)))
    for column, weights in enumerate(model.weights()):
        odds += weights[levels[:, column]]
    return odds


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 0.5 * (1 + np.tanh(x / 2))


@dataclass(frozen=True)
class NameFrequencies:
    """Per record, the share of records with the same given (family) name filter: among the records of
    its nationality, and among all records."""

    given_in_nationality: npt.NDArray[np.float64]
    given_overall: npt.NDArray[np.float64]
    family_in_nationality: npt.NDArray[np.float64]
    family_overall: npt.NDArray[np.float64]


def _value_shares(values: Indices, groups: Indices) -> npt.NDArray[np.float64]:
    """For each row, the share of its group's rows with its value."""
    keys = groups * (values.max(initial=0) + 1) + values
    _distinct_keys, key_of_row, key_counts = np.unique(keys, return_inverse=True, return_counts=True)
    return key_counts[key_of_row] / np.bincount(groups)[groups]


def name_frequencies(data: Encodings) -> NameFrequencies:
    """The frequencies of identical name filters: no plaintext needed, nothing but the encodings."""
    _nationalities, nationality = np.unique(data.token("nationality"), return_inverse=True)
    shares = []
    for matrix in (data.given, data.family):
        filters = np.ascontiguousarray(matrix).view(np.dtype((np.void, NAME_BYTES))).ravel()
        value = np.unique(filters, return_inverse=True)[1].astype(np.int64)
        shares.append(_value_shares(value, nationality.astype(np.int64)))
        shares.append(_value_shares(value, np.zeros(len(data), dtype=np.int64)))
    return NameFrequencies(*shares)


def frequency_adjustment(
    model: Model, comparison: Comparison, frequencies: NameFrequencies, left: Indices
) -> npt.NDArray[np.float64]:
    """The term-frequency adjustment of each pair (Winkler 1989; Splink's form).

    Two records of different persons share name v with probability f_v, not the u of the
    "agree" level on average over all names: an identical filter weighs log(m / f_v) instead
    of log(m / u), with f_v among the records of the pair's nationality when both records
    have it and it is one (the names of a nationality are common within it), else among
    all records. So a name many share weighs little and a rare one much.
    """
    same_nationality = comparison.levels[:, FIELDS_INDEX["nationality"]] == 0
    adjustment = np.zeros(len(left))
    for name, identical, within, overall in (
        ("given_names", comparison.given_identical, frequencies.given_in_nationality, frequencies.given_overall),
        ("family_names", comparison.family_identical, frequencies.family_in_nationality, frequencies.family_overall),
    ):
        u_agree = model.u[FIELDS_INDEX[name]][0]
        pairs = np.flatnonzero(identical)
        record = left[pairs]
        frequency = np.where(same_nationality[pairs], within[record], overall[record])
        adjustment[pairs] += np.log(u_agree / frequency)
    return adjustment


# --- Clustering ----------------------------------------------------------------------------------

DateParts = tuple[int, int, int]


def dates_disagree(a: DateParts, b: DateParts) -> bool:
    """Two complete birth dates of different persons: not equal, not day and month swapped,
    and more than one part different (one part off is a typo or a day off)."""
    if a == b or (a[0] == b[0] and a[1] == b[2] and a[2] == b[1]):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) > 1


@dataclass
class _Clusters:
    """Union-find that keeps namesakes and the persons one source knows apart out of one cluster."""

    apart: list[frozenset[int]]  # per root: the sources that keep their records apart
    dates: list[set[DateParts]]  # per root: the complete birth dates of its records
    parent: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parent = list(range(len(self.apart)))

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> bool:
        a, b = self.root(i), self.root(j)
        if a == b or self.apart[a] & self.apart[b]:
            return False
        if any(dates_disagree(x, y) for x in self.dates[a] for y in self.dates[b]):
            return False
        if len(self.dates[a]) < len(self.dates[b]):
            a, b = b, a
        self.parent[b] = a
        self.apart[a] |= self.apart[b]
        self.dates[a] |= self.dates[b]
        return True


def _distinct_per_group(group: Indices, values: Indices, groups: int) -> Indices:
    """How many distinct values each group holds."""
    width = values.max(initial=0) + 1
    return np.bincount(_distinct(group * width + values) // width, minlength=groups)


@dataclass(frozen=True)
class Linkage:
    """The result: a cluster number per record, and what it took."""

    cluster: npt.NDArray[np.int64]  # per record, the lowest record of its cluster: one number, one person
    compared: int  # candidate pairs compared
    links: int  # pairs that joined two clusters
    model: Model | None = None
    matches: int = 0  # pairs at or above the threshold

    @property
    def persons(self) -> int:
        return len(_distinct(self.cluster))


def link(
    encodings: Sequence[bytes],
    sources: Sequence[int],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    apart: Collection[int] = (),
) -> Linkage:
    """Cluster the encodings of one person; ``sources[i]`` is the source record i came from.

    Records of a source in ``apart`` are known to be different persons (cases of one
    organisation in Vern) and never join; records of other sources may.
    """
    if len(encodings) != len(sources):
        raise ValueError("one source per encoding")
    data = as_encodings(encodings)
    n = len(data)
    if n < 2:
        return Linkage(cluster=np.arange(n, dtype=np.int64), compared=0, links=0)
    left, right = candidate_pairs(data)
    comparison = compare(data, left, right)
    model = estimate(data)
    odds = _log_odds(model, comparison.levels)
    odds += frequency_adjustment(model, comparison, name_frequencies(data), left)
    accepted = np.flatnonzero(_sigmoid(odds) >= threshold)
    cluster, links = _cluster(data, np.asarray(sources, dtype=np.int64), set(apart), left, right, accepted, odds)
    return Linkage(cluster=cluster, compared=len(left), links=links, model=model, matches=len(accepted))


def _cluster(
    data: Encodings,
    sources: Indices,
    apart: set[int],
    left: Indices,
    right: Indices,
    accepted: Indices,
    odds: npt.NDArray[np.float64],
) -> tuple[Indices, int]:
    """The clusters of the accepted pairs (module docstring, step 5), and how many pairs joined two.

    Within a connected group of matches where no join can be refused (at most one complete birth
    date, at most one record of each source kept apart), every record ends in one cluster, as
    union-find would put them; only the other groups go through union-find, pair by pair.
    """
    n = len(data)
    graph = coo_matrix((np.ones(len(accepted), dtype=np.int8), (left[accepted], right[accepted])), shape=(n, n))
    groups, group = connected_components(graph, directed=False)
    tokens = data.tokens[:, [TOKEN_FIELDS.index(name) for name in ("birth_year", "birth_month", "birth_day")]]
    dated = np.flatnonzero(tokens.all(axis=1))
    date = np.unique(tokens[dated], axis=0, return_inverse=True)[1].ravel()
    kept_apart = np.flatnonzero(np.isin(sources, list(apart)))
    constrained = (_distinct_per_group(group[dated], date, groups) > 1) | (
        _distinct_per_group(group[kept_apart], sources[kept_apart], groups)
        < np.bincount(group[kept_apart], minlength=groups)
    )
    links = int((np.bincount(group, minlength=groups)[~constrained] - 1).sum())
    pairs = accepted[constrained[group[left[accepted]]]]
    strongest_first = pairs[np.argsort(-odds[pairs], kind="stable")]
    clusters = _Clusters(
        apart=[frozenset({source}) if source in apart else frozenset() for source in sources.tolist()],
        dates=[{(int(y), int(m), int(d))} if y and m and d else set() for y, m, d in tokens.tolist()],
    )
    joined = zip(left[strongest_first].tolist(), right[strongest_first].tolist(), strict=True)
    links += sum(clusters.join(i, j) for i, j in joined)
    label = group.copy()
    inside = np.flatnonzero(constrained[group])
    label[inside] = groups + np.array([clusters.root(i) for i in inside.tolist()], dtype=np.int64)
    inverse = np.unique(label, return_inverse=True)[1]
    lowest = np.full(inverse.max(initial=-1) + 1, n, dtype=np.int64)
    np.minimum.at(lowest, inverse, np.arange(n))
    return lowest[inverse], links
