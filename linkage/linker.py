"""Linking encodings of the same person across and within organisations, without plaintext.

The encodings (linkage.encoding, format v2) hold each field apart: a Bloom filter for
the given names and one for the family names, and keyed tokens for birth year, month
and day, gender and nationality. docs/linkage.md explains the choices; in short:

1. Blocking (candidate pairs = the union of three keys, each near-linear):
   - Hamming locality-sensitive hashing on all name tokens (the OR of the two name
     filters; bit sampling, Indyk & Motwani 1998; Karapiperis & Verykios 2015): two
     records are compared when they agree on every sampled bit in at least one of
     ``TABLES`` tables;
   - the same full birth date (year, month and day tokens);
   - the same given-name filter and birth year, and the same family-name filter and
     birth year (a name written alike, whatever the other name).
2. Comparison per field, in agreement levels: names by the Dice coefficient of their
   filters (≥ 0.9, ≥ 0.7 or one name contained in the other, below), in the order
   (given, family) or swapped, whichever agrees better; the year exact, one off or
   other; day and month equal, swapped, one equal or neither; gender and nationality
   equal or not. A part not known on either side is "missing" and weighs nothing:
   a missing birth date neither agrees nor disagrees.
3. Fellegi & Sunter (1969) weights, log(m/u) per level, estimated by EM (Winkler
   1988) on the year's own candidate pairs: m and u start from fixed priors (u from
   random pairs of the year), and the priors weigh as ``PRIOR_PAIRS`` pairs, so that a
   small year stays near them. Agreement on an identical name filter is adjusted by
   the frequency of that filter among the records of the same nationality
   (term-frequency adjustment, Winkler 1989; as in Splink): a common name agreeing
   tells less than a rare one.
4. A pair is a match when its posterior match probability, from the prior share of
   matches the EM found and the pair's weights, is at least ``threshold`` (0.5: more
   likely a match than not). Nothing here is tuned to one data set.
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

import numpy as np
import numpy.typing as npt

from linkage.encoding import ENCODING_BYTES, FORMAT_VERSION, NAME_BITS, NAME_BYTES, TOKEN_FIELDS

DEFAULT_THRESHOLD = 0.5  # the posterior match probability at which a pair is a match
# The dark figure's sensitivity to linkage: the counts at these posterior thresholds bound how
# much linkage error moves the estimate (dark_figure.services.linkage_sensitivity).
CALIBRATED_RANGE = (0.2, 0.8)
TABLES = 48
BITS_PER_TABLE = 24
MIN_SET_BITS = 3
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
    given: Matrix  # (n, 8) words of the given-name filter
    family: Matrix  # (n, 8) words of the family-name filter
    tokens: npt.NDArray[np.uint32]  # (n, 6) in TOKEN_FIELDS order; 0 = not known
    given_count: npt.NDArray[np.int64]
    family_count: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.given)

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
    given = np.ascontiguousarray(raw[:, :NAME_BYTES]).view(np.uint64)
    family = np.ascontiguousarray(raw[:, NAME_BYTES : 2 * NAME_BYTES]).view(np.uint64)
    tokens = np.ascontiguousarray(raw[:, 2 * NAME_BYTES :]).view(">u4").astype(np.uint32)
    return Encodings(given, family, tokens, popcounts(given), popcounts(family))


def popcounts(matrix: Matrix) -> npt.NDArray[np.int64]:
    return np.bitwise_count(matrix).sum(axis=1, dtype=np.int64)


def dice(first: bytes, second: bytes) -> float:
    """The Dice coefficient of two filters; two empty filters are alike (1.0)."""
    a, b = int.from_bytes(first, "big"), int.from_bytes(second, "big")
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 1.0


def _common(a: Matrix, b: Matrix) -> npt.NDArray[np.int64]:
    return np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)


# --- Blocking ------------------------------------------------------------------------------------


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


def _as_keys(sample: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Each row of up to 64 sampled bits as one 64-bit integer."""
    packed = np.zeros((len(sample), 8), dtype=np.uint8)
    packed[:, : -(-sample.shape[1] // 8)] = np.packbits(sample, axis=1)
    return packed.view(np.uint64).ravel()


def _row_keys(*columns: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
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

    def add(keys: npt.NDArray[np.uint64], records: Indices) -> None:
        left, right = _pairs_within_equal_keys(keys, records)
        codes.append(left * n + right)

    names = (data.given | data.family).view(np.uint8)
    bits = np.unpackbits(names, axis=1)
    rng = np.random.default_rng(_SEED)
    for table in range(1, tables + 1):
        sample = bits[:, rng.choice(NAME_BITS, size=bits_per_table, replace=False)]
        # Agreeing on zeros says little in a sparse filter; such keys make huge buckets.
        informative = np.flatnonzero(sample.sum(axis=1) >= MIN_SET_BITS)
        add(_as_keys(sample[informative]), informative)
        if table % 16 == 0:  # drop repeats now and then, so memory stays near the distinct pairs
            codes = [_distinct(np.concatenate(codes))]
    year = data.token("birth_year")
    with_year = np.flatnonzero(year > 0)
    for names_matrix, counts in ((data.given, data.given_count), (data.family, data.family_count)):
        rows = with_year[counts[with_year] > 0]
        add(_row_keys(year[rows], *names_matrix[rows].T), rows)
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
    gl, gr, fl, fr = data.given[left], data.given[right], data.family[left], data.family[right]
    cgl, cgr, cfl, cfr = (
        data.given_count[left],
        data.given_count[right],
        data.family_count[left],
        data.family_count[right],
    )
    straight_g, straight_f = _common(gl, gr), _common(fl, fr)
    swapped_g, swapped_f = _common(gl, fr), _common(fl, gr)  # left's given against right's family, and back
    straight = 2 * straight_g / np.maximum(cgl + cgr, 1) + 2 * straight_f / np.maximum(cfl + cfr, 1)
    swapped = 2 * swapped_g / np.maximum(cgl + cfr, 1) + 2 * swapped_f / np.maximum(cfl + cgr, 1)
    swap = swapped > straight
    given = np.where(swap, _name_level(swapped_g, cgl, cfr), _name_level(straight_g, cgl, cgr))
    family = np.where(swap, _name_level(swapped_f, cfl, cgr), _name_level(straight_f, cfl, cfr))
    given_identical = np.where(swap, (gl == fr).all(axis=1), (gl == gr).all(axis=1)) & (given == 0)
    family_identical = np.where(swap, (fl == gr).all(axis=1), (fl == fr).all(axis=1)) & (family == 0)

    year_l, year_r = data.token("birth_year")[left], data.token("birth_year")[right]
    next_l, next_r = data.token("next_birth_year")[left], data.token("next_birth_year")[right]
    year = np.where(year_l == year_r, 0, np.where((next_l == year_r) | (next_r == year_l), 1, 2))
    year = np.where((year_l == 0) | (year_r == 0), 3, year)

    month_l, month_r = data.token("birth_month")[left], data.token("birth_month")[right]
    day_l, day_r = data.token("birth_day")[left], data.token("birth_day")[right]
    same_month, same_day = month_l == month_r, day_l == day_r
    day_month = np.where(
        same_month & same_day,
        0,
        np.where((month_l == day_r) & (day_l == month_r), 1, np.where(same_month | same_day, 2, 3)),
    )
    day_month = np.where((month_l == 0) | (month_r == 0) | (day_l == 0) | (day_r == 0), 4, day_month)

    gender = _token_pair_level(data.token("gender")[left], data.token("gender")[right], 2)
    nationality = _token_pair_level(data.token("nationality")[left], data.token("nationality")[right], 2)
    levels = np.stack([given, family, year, day_month, gender, nationality], axis=1).astype(np.int8)
    return Comparison(levels, given_identical, family_identical)


# --- The Fellegi-Sunter model --------------------------------------------------------------------

# Where EM starts and what it is pulled towards in a small year: P(level | match) per field.
_PRIOR_M = (
    (0.80, 0.14, 0.06, 0.0),
    (0.80, 0.14, 0.06, 0.0),
    (0.88, 0.07, 0.05, 0.0),
    (0.80, 0.07, 0.08, 0.05, 0.0),
    (0.97, 0.03, 0.0),
    (0.97, 0.03, 0.0),
)
_PRIOR_MATCH_SHARE = 0.3


@dataclass
class Model:
    """m and u per field and level (missing levels are 1: weight 0), the share of matches λ."""

    m: list[npt.NDArray[np.float64]]
    u: list[npt.NDArray[np.float64]]
    match_share: float
    rounds: int = 0
    converged: bool = False

    def weights(self) -> list[npt.NDArray[np.float64]]:
        return [np.log(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def describe(self) -> str:
        lines = [f"share of matches among candidate pairs λ = {self.match_share:.4f} (EM rounds {self.rounds})"]
        for spec, m, u in zip(FIELDS, self.m, self.u, strict=True):
            cells = ", ".join(
                f"{level}: m {m[i]:.3f} u {u[i]:.4f} w {math.log(m[i] / u[i]):+.2f}"
                for i, level in enumerate(spec.levels[:-1])
            )
            lines.append(f"  {spec.name}: {cells}")
        return "\n".join(lines)


def _level_shares(
    levels: Levels, weights: npt.NDArray[np.float64], spec: FieldLevels, column: int
) -> npt.NDArray[np.float64]:
    """Weighted share of each non-missing level of one field; 1 at the missing level."""
    counts = np.bincount(levels[:, column], weights=weights, minlength=len(spec.levels))
    shares = counts / max(counts[: spec.missing].sum(), 1e-300)
    shares[spec.missing] = 1.0
    return shares


def candidate_u(levels: Levels) -> list[npt.NDArray[np.float64]]:
    """Where u starts: the shares of the levels over all candidate pairs.

    Most candidate pairs are of different persons, so their shares are close to u among
    the candidates. u from random pairs would be far lower for names (the blocking makes
    candidates share names), and EM started there takes namesakes for matches.
    """
    u = []
    for column, spec in enumerate(FIELDS):
        # Every level possible even where no pair has it: half a pair's worth.
        counts = np.bincount(levels[:, column], minlength=len(spec.levels))[: spec.missing] + 0.5
        u.append(np.r_[counts / counts.sum(), 1.0])
    return u


def _patterns(levels: Levels) -> tuple[Levels, npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The distinct comparison patterns, each pair's pattern, and how many pairs have each."""
    radix = np.cumprod([1] + [len(spec.levels) for spec in FIELDS[:-1]])
    codes = levels.astype(np.int64) @ radix
    distinct, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    patterns = np.stack([(distinct // r) % len(spec.levels) for r, spec in zip(radix, FIELDS, strict=True)], axis=1)
    return patterns.astype(np.int8), inverse, counts.astype(np.float64)


def estimate(levels: Levels, u_start: list[npt.NDArray[np.float64]]) -> Model:
    """EM for the two-class mixture (matches, non-matches) over the candidate pairs' patterns.

    Maximum a posteriori: the priors (_PRIOR_M, u from random pairs) count as PRIOR_PAIRS
    pairs in each class, so a year with a handful of pairs keeps sensible weights.
    """
    m_prior = [np.array(values) for values in _PRIOR_M]
    model = Model([m.copy() for m in m_prior], [u.copy() for u in u_start], _PRIOR_MATCH_SHARE)
    for spec, m in zip(FIELDS, model.m, strict=True):
        m[spec.missing] = 1.0
    if not len(levels):
        return model
    patterns, _inverse, counts = _patterns(levels)
    for round_ in range(1, _EM_ROUNDS + 1):
        match = _posterior_of_patterns(model, patterns)
        in_match, in_other = counts * match, counts * (1 - match)
        share = (in_match.sum() + 1) / (counts.sum() + 2)
        m_new, u_new = [], []
        for column, spec in enumerate(FIELDS):
            for weights, prior, out in ((in_match, m_prior[column], m_new), (in_other, u_start[column], u_new)):
                level_counts = np.bincount(patterns[:, column], weights=weights, minlength=len(spec.levels))
                smoothed = level_counts[: spec.missing] + PRIOR_PAIRS * prior[: spec.missing]
                out.append(np.r_[smoothed / smoothed.sum(), 1.0])
        change = max(float(np.abs(a - b).max()) for a, b in zip(m_new + u_new, model.m + model.u, strict=True))
        model = Model(m_new, u_new, float(share), round_)
        if change < 1e-6:
            model.converged = True
            break
    return model


def _posterior_of_patterns(model: Model, patterns: Levels) -> npt.NDArray[np.float64]:
    return _sigmoid(_log_odds(model, patterns))


def _log_odds(model: Model, levels: Levels) -> npt.NDArray[np.float64]:
    odds = np.full(len(levels), math.log(model.match_share / (1 - model.match_share)))
    for column, weights in enumerate(model.weights()):
        odds += weights[levels[:, column]]
    return odds


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 0.5 * (1 + np.tanh(x / 2))


def name_frequency_adjustment(data: Encodings) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per record: the weight to add when its given (family) name filter agrees identically.

    log(Σ f² / f_v) within the record's nationality (records without one form a group of
    their own): under non-match an agreement falls on value v with probability f_v² / Σ f²,
    under match with f_v, so a name many share gets less than the average agreement
    weight and a rare one more. The frequencies are of identical filters: no plaintext.
    """
    _nationalities, group = np.unique(data.token("nationality"), return_inverse=True)
    out = []
    for matrix, counts in ((data.given, data.given_count), (data.family, data.family_count)):
        adjustment = np.zeros(len(data))
        rows = np.flatnonzero(counts > 0)
        filters = np.ascontiguousarray(matrix[rows]).view(np.dtype((np.void, NAME_BYTES))).ravel()
        value = np.unique(filters, return_inverse=True)[1].astype(np.int64)
        row_group = group[rows].astype(np.int64)
        keys, key_of_row, key_counts = np.unique(row_group * len(rows) + value, return_inverse=True, return_counts=True)
        group_sizes = np.bincount(row_group)
        key_group = keys // len(rows) if len(rows) else keys
        key_share = key_counts / group_sizes[key_group]
        sum_of_squares = np.bincount(key_group, weights=key_share**2, minlength=len(group_sizes))
        adjustment[rows] = np.log(sum_of_squares[row_group] / key_share[key_of_row])
        out.append(adjustment)
    return out[0], out[1]


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


@dataclass(frozen=True)
class Linkage:
    """The result: a cluster number per record, and what it took."""

    cluster: npt.NDArray[np.int64]  # records with the same number are one person
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
    model = estimate(comparison.levels, candidate_u(comparison.levels))
    odds = _log_odds(model, comparison.levels)
    given_tf, family_tf = name_frequency_adjustment(data)
    odds += np.where(comparison.given_identical, given_tf[left], 0.0)
    odds += np.where(comparison.family_identical, family_tf[left], 0.0)
    accepted = np.flatnonzero(_sigmoid(odds) >= threshold)
    strongest_first = accepted[np.argsort(-odds[accepted], kind="stable")]
    apart_sources = set(apart)
    tokens = data.tokens[:, [TOKEN_FIELDS.index(name) for name in ("birth_year", "birth_month", "birth_day")]]
    clusters = _Clusters(
        apart=[frozenset({source}) if source in apart_sources else frozenset() for source in sources],
        dates=[{(int(y), int(m), int(d))} if y and m and d else set() for y, m, d in tokens.tolist()],
    )
    links = sum(clusters.join(int(left[k]), int(right[k])) for k in strongest_first)
    roots = np.array([clusters.root(i) for i in range(n)], dtype=np.int64)
    return Linkage(cluster=roots, compared=len(left), links=links, model=model, matches=len(accepted))
