"""k-anonymity for record-level exports: generalisation along declared hierarchies, then record suppression.

A released table of records is k-anonymous when every combination of values
it contains occurs at least k times, so that no query on it can single out
fewer than k records (Sweeney 2002). As the Counter Trafficking Data
Collaborative does for its global dataset (k = 11, CTDC codebook v6, 2017),
every column counts: the combination is taken over all columns of the release.

Method (full-domain generalisation, greedy):
1. Each column may declare a hierarchy: levels, each mapping the values of the
   level below to coarser ones (age → age band → minor/adult; nationality →
   region → "other"). Columns without one are kept as they are (the year).
2. While records remain in combinations rarer than k, take the one column
   generalisation — any higher level of one column's hierarchy, for every
   record alike — that leaves the fewest such records; the lower level wins a
   tie, then the column with more distinct values (Datafly's rule, Sweeney
   2002). When no single column helps but all together would, take Datafly's
   step (the column with most distinct values, one level up) and go on. Stop
   when generalising cannot lower that number, or when it is within
   `suppression_budget` (default 0: generalise as far as it helps first).
3. Suppress (leave out) the records still in combinations rarer than k.

Limits: greedy, not optimal (an optimal full-domain search is Incognito,
LeFevre, DeWitt and Ramakrishnan 2005), and Datafly's step may generalise a
column more than needed; a column is generalised for every record, never
locally. k-anonymity does not stop attribute disclosure when every record of a
combination shares a sensitive value (l-diversity addresses that), nor
linkage with other releases of the same persons.

References: Sweeney, L. (2002) Achieving k-anonymity privacy protection using
generalization and suppression. Int. J. of Uncertainty, Fuzziness and
Knowledge-Based Systems 10(5), 571–588. Hundepool et al. (2012) Statistical
Disclosure Control, Wiley, ch. 3 (microdata: global recoding, local
suppression, k-anonymity).
"""

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext

K = 11

Record = Mapping[str, Hashable]


@dataclass(frozen=True)
class Level:
    """One step up a hierarchy: each value of the level below maps to a coarser one."""

    name: str
    mapping: Mapping[Any, Hashable]  # keys: the values of the level below
    default: Hashable  # for a value the mapping does not list


@dataclass(frozen=True)
class Hierarchy:
    """How one column may be generalised, finest level first."""

    column: str
    levels: tuple[Level, ...]

    def generalise(self, value: Hashable, level: int) -> Hashable:
        for step in self.levels[:level]:
            value = step.mapping.get(value, step.default)
        return value


@dataclass(frozen=True)
class KAnonymised:
    """The released records and what was done to them."""

    records: tuple[dict[str, Hashable], ...]
    k: int
    levels: dict[str, int]
    hierarchies: tuple[Hierarchy, ...]
    suppressed: int

    def describe(self) -> list[str]:
        """What was generalised and suppressed, for the reader of the release."""
        lines = [
            gettext("%(column)s: generalised to %(level)s")
            % {"column": hierarchy.column, "level": hierarchy.levels[self.levels[hierarchy.column] - 1].name}
            for hierarchy in self.hierarchies
            if self.levels[hierarchy.column]
        ]
        total = len(self.records) + self.suppressed
        lines.append(
            ngettext(
                "%(suppressed)s of %(total)s record left out to reach k = %(k)s",
                "%(suppressed)s of %(total)s records left out to reach k = %(k)s",
                total,
            )
            % {"suppressed": self.suppressed, "total": total, "k": self.k}
        )
        return lines


def k_anonymise(
    records: Sequence[Record], *, hierarchies: Sequence[Hierarchy], k: int = K, suppression_budget: int = 0
) -> KAnonymised:
    """The records, generalised and then thinned so that every combination of values occurs at least k times."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    columns = _columns(records)
    unknown = [hierarchy.column for hierarchy in hierarchies if hierarchy.column not in columns]
    if records and unknown:
        raise ValueError(f"Hierarchies for columns the records do not have: {', '.join(unknown)}.")
    levels = {hierarchy.column: 0 for hierarchy in hierarchies}
    rare = _rare_records(records, columns, hierarchies, levels, k)
    while rare > suppression_budget:
        steps = _steps(records, hierarchies, levels)
        if not steps:
            break
        options = [
            (_rare_records(records, columns, hierarchies, {**levels, column: level}, k), level, order, column)
            for order, column, level in steps
        ]
        best = min(options)
        if best[0] >= rare:
            # No column helps alone. If all of them together would, take Datafly's step and go on.
            top = {hierarchy.column: len(hierarchy.levels) for hierarchy in hierarchies}
            if _rare_records(records, columns, hierarchies, top, k) >= rare:
                break
            _order, column, level = steps[0]
            best = (_rare_records(records, columns, hierarchies, {**levels, column: level}, k), level, 0, column)
        rare, level, _order, column = best
        levels[column] = level
    generalised = [_generalised(record, hierarchies, levels) for record in records]
    counts = Counter(tuple(record[column] for column in columns) for record in generalised)
    released = tuple(record for record in generalised if counts[tuple(record[c] for c in columns)] >= k)
    return KAnonymised(
        records=released,
        k=k,
        levels=levels,
        hierarchies=tuple(hierarchies),
        suppressed=len(records) - len(released),
    )


def _columns(records: Sequence[Record]) -> tuple[str, ...]:
    columns = tuple(records[0]) if records else ()
    for number, record in enumerate(records, start=1):
        if set(record) != set(columns):
            raise ValueError(f"Record {number} has the columns {sorted(record)}, not {sorted(columns)}.")
    return columns


def _generalised(record: Record, hierarchies: Sequence[Hierarchy], levels: Mapping[str, int]) -> dict[str, Hashable]:
    generalised = dict(record)
    for hierarchy in hierarchies:
        generalised[hierarchy.column] = hierarchy.generalise(record[hierarchy.column], levels[hierarchy.column])
    return generalised


def _rare_records(
    records: Sequence[Record],
    columns: tuple[str, ...],
    hierarchies: Sequence[Hierarchy],
    levels: Mapping[str, int],
    k: int,
) -> int:
    """How many records are in combinations that occur fewer than k times."""
    counts = Counter(
        tuple(generalised[column] for column in columns)
        for generalised in (_generalised(record, hierarchies, levels) for record in records)
    )
    return sum(count for count in counts.values() if count < k)


def _steps(
    records: Sequence[Record], hierarchies: Sequence[Hierarchy], levels: Mapping[str, int]
) -> list[tuple[int, str, int]]:
    """Every (rank, column, level) a column can still be generalised to.

    Ranked by the column's number of distinct values now, most first (Datafly), then by declared order.
    """
    open_columns = [h for h in hierarchies if levels[h.column] < len(h.levels)]
    distinct = {h.column: len({h.generalise(r[h.column], levels[h.column]) for r in records}) for h in open_columns}
    ranked = sorted(open_columns, key=lambda h: -distinct[h.column])
    return [
        (rank, h.column, level)
        for rank, h in enumerate(ranked)
        for level in range(levels[h.column] + 1, len(h.levels) + 1)
    ]
