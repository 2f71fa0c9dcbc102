"""Cell suppression for everything published together: the tables of one publication, decided as one.

`suppression.protect` makes each table safe on its own. Tables published side by
side share numbers (the adult total of the table by gender is the adult total of
the table by place), and other releases tell more about their cells (a
record-level release says how many persons had a form of exploitation). A reader
who knows every published number can then solve the relations of all tables
together and narrow, or find, a number one table hides.

`protect_together` decides the suppression of a publication's tables as one:

1. Primary suppression in every table, as `protect` does (counts from 1 to the
   threshold − 1); a number shared by several tables (`same`) is hidden in all of
   them or in none.
2. Secondary suppression in every table by `protect`'s shortest-path rule, so that
   no hidden number is determined by its own table.
3. An audit by linear programming over all tables and the outside `relations`: for
   each hidden number, its least and greatest value given every published number,
   that counts are whole numbers and that a hidden count is at least 1 (zeros are
   published, so a reader knows a hidden count is not 0). A number whose range is
   narrower than `width` (`PROTECTION_WIDTH`), unless it lies wholly at or above the
   threshold (it shows no small group), has one more number of a relation it
   is in hidden — the smallest, an inner cell before a total — and the steps
   repeat until every range is wide enough. Hiding a number only widens the ranges
   of the others, so the loop ends (at worst with every number hidden).

This is audit-and-repair (Hundepool et al. 2012, ch. 4.2–4.3: protection
intervals, the attacker's linear programs) with a heuristic repair: the pattern is
safe, not the smallest that would be. The test suite audits the published output
again with its own solver (`tests/disclosure_audit.py`), reading only the files.

What it does not cover: differences between years and between successive releases
of the same year, and what is not a linear relation of published numbers (group
disclosure through zeros, see `suppression`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from disclosure.suppression import (
    THRESHOLD,
    Entry,
    PublishedTable,
    Table,
    _bridges,
    _Layout,
)

# A hidden count's feasible range, given every published number, must span at least this
# many persons. A hidden count is at least 1, so a range this wide always reaches the
# threshold: a reader cannot tell a group of one or two from a group large enough to be
# published, which is what primary suppression protects (the protection interval of
# Hundepool et al. 2012, ch. 4.2; issue 16: "must include values ≥ 5").
PROTECTION_WIDTH = THRESHOLD - 1
# Solver tolerance when a bound is rounded to a whole number.
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Cell:
    """One number of a publication: table, display row (-1: the total row), column (-1: the total column)."""

    table: int
    row: int = -1
    column: int = -1


@dataclass(frozen=True)
class Relation:
    """What the reader knows besides the tables: lower ≤ Σ coefficient × cell ≤ upper."""

    terms: tuple[tuple[Cell, int], ...]
    lower: float = -math.inf
    upper: float = math.inf


# A number of the publication: (table, entry of its layout).
Key = tuple[int, Entry]


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def protects(self, width: int, threshold: int) -> bool:
        """Wide enough, or showing no more than that the number is one that could be published."""
        return self.high - self.low >= width or self.low >= threshold


def protect_together(
    tables: Sequence[Table],
    *,
    same: Sequence[tuple[Cell, Cell]] = (),
    relations: Sequence[Relation] = (),
    threshold: int = THRESHOLD,
    width: int = PROTECTION_WIDTH,
    published: Sequence[PublishedTable] = (),
) -> tuple[PublishedTable, ...]:
    """The tables as they may be published together (see the module's docstring).

    `published`: how the first of `tables` were already published; they stay as they are, and
    the others are protected beside them (a table added to a publication later).
    """
    if threshold < 1:
        raise ValueError("The threshold must be at least 1.")
    publication = _Publication(tables, same, relations, settled=len(published))
    already = {
        (index, (row, column))
        for index, table in enumerate(published)
        for row, values in enumerate(table.rows)
        for column, value in enumerate(values.values)
        if value is None
    }
    primary = {key for key, value in publication.values.items() if 0 < value < threshold and publication.open(key)}
    hidden = publication.without_bridges(publication.closed(already | primary))
    to_check = hidden
    while narrow := [
        key for key, found in publication.ranges(hidden, to_check).items() if not found.protects(width, threshold)
    ]:
        more = {publication.cheapest_neighbour(key, hidden) for key in narrow}
        grown = publication.without_bridges(publication.closed(hidden | {key for key in more if key is not None}))
        if grown == hidden:
            # Every number a relation could widen is hidden: as a last resort, the zeros of tables of one column
            # too (then a reader no longer knows a hidden count is at least 1). Past that, nothing can be done.
            grown = publication.closed(hidden | publication.zeros_of_columns(hidden))
            if grown == hidden:
                break
        # A range only widens when more is hidden, so only the narrow and the newly hidden are checked again.
        to_check, hidden = set(narrow) | (grown - hidden), grown
    return tuple(
        layout.publish({entry for table, entry in hidden if table == index}, threshold)
        for index, layout in enumerate(publication.layouts)
    )


class _Publication:
    def __init__(
        self,
        tables: Sequence[Table],
        same: Sequence[tuple[Cell, Cell]],
        relations: Sequence[Relation],
        *,
        settled: int,
    ):
        self.layouts = [_Layout(table) for table in tables]
        self.settled = settled  # the first tables, whose pattern is not to change
        self.zeros_hidden: set[int] = set()  # tables of one column whose zeros are hidden (a last resort)
        self.values: dict[Key, int] = {
            (index, entry): value for index, layout in enumerate(self.layouts) for entry, value in layout.values.items()
        }
        # Numbers that are the same number in several tables: one variable, hidden or shown together.
        self.root: dict[Key, Key] = {key: key for key in self.values}
        for one, other in same:
            a, b = self._find(self.key(one)), self._find(self.key(other))
            if self.values[a] != self.values[b]:
                raise ValueError(f"{one} and {other} are published as the same number but differ.")
            self.root[b] = a
        self.members: dict[Key, list[Key]] = defaultdict(list)
        for key in self.values:
            self.members[self._find(key)].append(key)
        # Each table's relations, then the outside ones: (terms as {root: coefficient}, lower, upper).
        self.relations: list[tuple[dict[Key, int], float, float]] = []
        for index, layout in enumerate(self.layouts):
            for sums in _table_relations(layout):
                self.relations.append(({self._find((index, entry)): c for entry, c in sums.items()}, 0.0, 0.0))
        for relation in relations:
            outside: dict[Key, int] = defaultdict(int)
            for cell, coefficient in relation.terms:
                outside[self._find(self.key(cell))] += coefficient
            self.relations.append((dict(outside), relation.lower, relation.upper))
        self.relations_of: dict[Key, list[int]] = defaultdict(list)
        for number, (terms, _lower, _upper) in enumerate(self.relations):
            for root in terms:
                self.relations_of[root].append(number)

    def open(self, key: Key) -> bool:
        """May the number's pattern still change: it is in no table published already."""
        return key[0] >= self.settled

    def key(self, cell: Cell) -> Key:
        layout = self.layouts[cell.table]
        row = cell.row % len(layout.rows)
        column = cell.column % layout.width
        return cell.table, (row, column)

    def _find(self, key: Key) -> Key:
        while self.root[key] != key:
            key = self.root[key]
        return key

    def closed(self, hidden: set[Key]) -> set[Key]:
        """Every table's copy of each hidden number."""
        return {member for key in hidden for member in self.members[self._find(key)]}

    def without_bridges(self, hidden: set[Key]) -> set[Key]:
        """`protect`'s secondary suppression in each table, until no table's choice hides a number in another."""
        while True:
            grown = set(hidden)
            for index, layout in enumerate(self.layouts[self.settled :], start=self.settled):
                suppressed = {entry for table, entry in grown if table == index}
                while bridges := _bridges(layout.ends, suppressed):
                    suppressed |= layout.cheapest_path(min(bridges), suppressed)
                grown |= {(index, entry) for entry in suppressed}
            grown = self.closed(grown | self.zeros_beside(grown))
            if grown == hidden:
                return hidden
            hidden = grown

    def _settles(self, key: Key) -> bool:
        """Can the number be hidden: it is published in no table that is settled already."""
        return all(self.open(member) for member in self.members[self._find(key)])

    def zeros_beside(self, hidden: set[Key]) -> set[Key]:
        """The zeros of each row of several columns that has a hidden number: hidden too.

        Were they shown, a reader would know every hidden number of the row is at least 1,
        and a row `: | 46 | : | 48` would give both away (issue 16).
        """
        rows = {(table, entry[0]) for table, entry in hidden if self.layouts[table].width > 2 and table >= self.settled}
        return {
            (table, (row, column))
            for table, row in rows
            for column in range(self.layouts[table].width)
            if self.values[(table, (row, column))] == 0
        }

    def zeros_of_columns(self, hidden: set[Key]) -> set[Key]:
        """The zeros of each open table of one column that has a hidden number; such tables are marked."""
        tables = {table for table, _entry in hidden if self.layouts[table].width == 2 and table >= self.settled}
        self.zeros_hidden |= tables
        return {key for key, value in self.values.items() if key[0] in tables and value == 0}

    def least(self, root: Key) -> int:
        """What a reader knows a hidden number is at least: 0 where zeros are hidden beside it, else 1."""
        return max(
            1 if self.layouts[table].width == 2 and table not in self.zeros_hidden else 0
            for table, _entry in self.members[root]
        )

    def ranges(self, hidden: set[Key], to_check: set[Key]) -> dict[Key, Range]:
        """Each hidden number's of `to_check` least and greatest value given the published ones.

        By linear programming, the bounds rounded inwards to whole numbers.
        """
        unknowns = sorted({self._find(key) for key in hidden})
        if not unknowns:
            return {}
        column = {root: number for number, root in enumerate(unknowns)}
        equalities, equal_to, inequalities, at_most = [], [], [], []
        for terms, lower, upper in self.relations:
            row = np.zeros(len(unknowns))
            known = 0.0
            for root, coefficient in terms.items():
                if root in column:
                    row[column[root]] += coefficient
                else:
                    known += coefficient * self.values[root]
            if not row.any():
                continue
            if lower == upper:
                equalities.append(row)
                equal_to.append(lower - known)
                continue
            if upper < math.inf:
                inequalities.append(row)
                at_most.append(upper - known)
            if lower > -math.inf:
                inequalities.append(-row)
                at_most.append(known - lower)
        bounds = [(self.least(root), None) for root in unknowns]
        problem = {
            "A_eq": np.array(equalities) if equalities else None,
            "b_eq": np.array(equal_to) if equalities else None,
            "A_ub": np.array(inequalities) if inequalities else None,
            "b_ub": np.array(at_most) if inequalities else None,
            "bounds": bounds,
            "method": "highs",
        }
        found: dict[Key, Range] = {}
        for root in sorted({self._find(key) for key in to_check}):
            number = column[root]
            objective = np.zeros(len(unknowns))
            objective[number] = 1
            low = linprog(objective, **problem)
            high = linprog(-objective, **problem)
            least = math.ceil(low.fun - _TOLERANCE) if low.status == 0 else self.least(root)
            greatest = math.floor(-high.fun + _TOLERANCE) if high.status == 0 else math.inf
            for member in self.members[root]:
                found[member] = Range(least, greatest)
        return found

    def cheapest_neighbour(self, key: Key, hidden: set[Key]) -> Key | None:
        """The published number to hide next: in a relation with `key`, the smallest, an inner cell first."""
        hidden_roots = {self._find(each) for each in hidden}
        candidates = {
            other
            for number in self.relations_of[self._find(key)]
            for other in self.relations[number][0]
            if other not in hidden_roots and self.values[other] > 0 and self._settles(other)
        }
        if not candidates:
            # Everything next to it is hidden: widen a table it is in, or the tables still open.
            tables = {table for table, _entry in self.members[self._find(key)] if table >= self.settled}
            tables = tables or set(range(self.settled, len(self.layouts)))
            candidates = {
                self._find((table, entry))
                for table in tables
                for entry, value in self.layouts[table].values.items()
                if value > 0 and self._find((table, entry)) not in hidden_roots and self._settles((table, entry))
            }
        if not candidates:
            return None
        return min(candidates, key=lambda root: (self.values[root], self.layouts[root[0]].is_total(root[1]), root))


def _table_relations(layout: _Layout) -> list[dict[Entry, int]]:
    """Each row's cells add up to its total; each group's rows add up to its subtotal, column by column."""
    relations: list[dict[Entry, int]] = []
    last = layout.width - 1
    children: dict[int, list[int]] = defaultdict(list)
    total_row = len(layout.rows) - 1
    for index, row in enumerate(layout.rows):
        relations.append({**{(index, column): 1 for column in range(last)}, (index, last): -1})
        if row.kind != "total":
            children[total_row if row.parent is None else row.parent].append(index)
    for parent, rows in children.items():
        for column in range(layout.width):
            relations.append({**{(child, column): 1 for child in rows}, (parent, column): -1})
    return relations
