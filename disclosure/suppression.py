"""Cell suppression for published tables of counts of persons.

Every number Vern publishes about presumed victims goes through `protect`, and
the web page and every download (CSV, XLSX, PDF: `disclosure.exports`) render the
`PublishedTable` it returns, so one suppression applies everywhere. A published
table holds no suppressed value at all: what is not published cannot leak.

Tables
------
A `Table` has flat columns and rows that may be grouped (`RowGroup`) under a
subtotal, to any depth, with a total column and a total row: a one-way table
(a single column: the total column is then the column itself and is not shown
twice), a two-way table, or several dimensions flattened into grouped rows
(gender → age group down the side, forms of exploitation across). Subtotals and
totals are computed here from the rows, so they always add up.

Primary suppression
-------------------
Every published number from 1 to `threshold` − 1 (default: under 5) is
suppressed — cells, subtotals and totals alike.

A true zero is published. A zero describes nobody, so it cannot single anyone
out, and "nobody" is often the finding (no child reported in a category).
Suppressing zeros would also give false comfort: an attacker knows counts are
never negative, so a row whose suppressed cells must sum to 0 reveals them all
anyway. This is τ-Argus's default ("zero cells are safe") and Statistics
Norway's practice of printing nil. What zeros cannot stop is group disclosure:
a published row 7 | 0 | 0 tells that all seven persons share the first
column's attribute; choose table categories (or merge them) so that this
does not tell something harmful.

Secondary suppression
---------------------
Totals let a reader work a suppressed number out again (row total minus the
other cells). Each published number is an edge of a graph whose nodes are the
table's additive relations, built so that the relations are exactly the
graph's node balances: leaf row r ─ (parent group, column j) for each cell and
the row total, (group, j) ─ (parent group, j) for each subtotal, (whole table,
j) ─ grand for the total row. A two-way table with margins becomes the
bipartite graph of its rows and columns; rows grouped under subtotals in one
dimension ("1H2D" tables) remain a network (Castro 2007). In such a graph the
linear relations determine a suppressed number exactly if, and only if, its
edge is a bridge of the graph of suppressed edges — it lies on no cycle.

So, while some suppressed number lies on no cycle, the cheapest path between
its two ends (not using the edge itself) is suppressed too, closing a cycle:
already suppressed numbers cost nothing, other numbers cost their value, ties
go to inner cells before totals ("smallest cells first"; the shortest-path
heuristic of Castro 2007, after the network methods in Hundepool et al. 2012,
ch. 4). Zeros are never chosen. Adding edges never puts an edge that lies on
a cycle off it, so each round removes a bridge and the loop ends.

What this guarantees: no suppressed number can be recovered exactly from the
published numbers of the same table by the row, column and subtotal relations
— not over the reals, and not over non-negative integers either, because every
suppressed number is at least 1 and lies on a cycle of such numbers, so adding
and taking 1 around the cycle gives another non-negative solution. It follows
that every row, column and subtotal relation with a suppressed number has at
least two.

What it does not guarantee:
- Interval width. A reader can bound a suppressed number, and the bounds may be
  narrow (a cell known to lie between 2 and 4).
- Tables published side by side. Each table is protected on its own; one may
  reveal what another hides.
Both are the work of `disclosure.publication.protect_together`, which decides the
tables of a publication together (protection intervals, shared numbers, zeros
hidden beside hidden numbers) and which the national report uses.
- Hierarchies in the columns as well as the rows (2H2D tables) are not networks,
  so they are not supported: group one dimension only.
- Group disclosure through zeros (see above) and differencing between years or
  between successive releases of the same table.

References: Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S.,
Schulte Nordholt, E., Spicer, K. and de Wolf, P.-P. (2012) Statistical
Disclosure Control. Wiley, ch. 4 (magnitude tables: cell suppression,
secondary suppression) and ch. 5 (frequency tables: threshold rule, zeros).
Castro, J. (2007) A shortest-paths heuristic for statistical data protection
in positive tables. INFORMS Journal on Computing 19(4), 520–533.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

THRESHOLD = 5
# Statistics Norway's symbol for "not for publication" (vises ikke av konfidensialitetshensyn).
MARKER = ":"
TOTAL = _("Total")

RowKind = Literal["row", "subtotal", "total"]


@dataclass(frozen=True)
class Row:
    """One row of counts, a count per column."""

    label: StrOrPromise
    counts: tuple[int, ...]


@dataclass(frozen=True)
class RowGroup:
    """Rows published under a subtotal row that is their sum."""

    label: StrOrPromise
    rows: tuple[Row | RowGroup, ...]


@dataclass(frozen=True)
class Table:
    """A table of counts of persons as collected, before any suppression."""

    title: StrOrPromise
    row_heading: StrOrPromise
    columns: tuple[StrOrPromise, ...]
    rows: tuple[Row | RowGroup, ...]
    total_label: StrOrPromise = TOTAL

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("A table needs at least one column.")
        if not self.rows:
            raise ValueError("A table needs at least one row.")
        for row in _leaf_rows(self.rows):
            if len(row.counts) != len(self.columns):
                raise ValueError(
                    f"Row {str(row.label)!r} has {len(row.counts)} counts for {len(self.columns)} columns."
                )
            for count in row.counts:
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(f"Row {str(row.label)!r} has {count!r}; counts are whole numbers from 0.")


@dataclass(frozen=True)
class PublishedRow:
    """A row as published: a value per column, then the row total; None where suppressed."""

    label: StrOrPromise
    level: int
    kind: RowKind
    values: tuple[int | None, ...]


@dataclass(frozen=True)
class PublishedTable:
    """What may be shown: suppressed numbers are None and their true values are gone."""

    title: StrOrPromise
    row_heading: StrOrPromise
    columns: tuple[StrOrPromise, ...]
    total_label: StrOrPromise
    rows: tuple[PublishedRow, ...]
    threshold: int

    @property
    def shows_total_column(self) -> bool:
        """A one-way table's total column would repeat its only column."""
        return len(self.columns) > 1

    @property
    def header(self) -> list[str]:
        header = [str(self.row_heading), *(str(column) for column in self.columns)]
        return [*header, str(self.total_label)] if self.shows_total_column else header

    def shown_values(self, row: PublishedRow) -> tuple[int | None, ...]:
        return row.values if self.shows_total_column else row.values[:-1]

    @property
    def has_suppressed(self) -> bool:
        return any(value is None for row in self.rows for value in row.values)

    @property
    def footnote(self) -> str:
        return gettext(
            "%(marker)s Not published to protect the persons counted: fewer than %(threshold)s persons, "
            "or hidden so that such a number cannot be worked out from the totals."
        ) % {"marker": MARKER, "threshold": self.threshold}


def protect(table: Table, *, threshold: int = THRESHOLD) -> PublishedTable:
    """The table as it may be published: primary, then secondary suppression (see the module's docstring)."""
    if threshold < 1:
        raise ValueError("The threshold must be at least 1.")
    layout = _Layout(table)
    suppressed = {key for key, value in layout.values.items() if 0 < value < threshold}
    while bridges := _bridges(layout.ends, suppressed):
        exposed = min(bridges)  # the first in reading order
        suppressed |= layout.cheapest_path(exposed, suppressed)
    return layout.publish(suppressed, threshold)


# An entry is one published number: (display row index, column index); the total column is the last.
Entry = tuple[int, int]
Node = tuple[object, ...]


@dataclass(frozen=True)
class _DisplayRow:
    label: StrOrPromise
    level: int
    kind: RowKind
    parent: int | None


class _Layout:
    """The table's rows in display order, every published number, and the graph of their relations."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.width = len(table.columns) + 1
        self.rows: list[_DisplayRow] = []
        self.values: dict[Entry, int] = {}
        column_totals = self._add_rows(table.rows, level=0, parent=None)
        self.rows.append(_DisplayRow(table.total_label, 0, "total", None))
        for column, value in enumerate(column_totals):
            self.values[(len(self.rows) - 1, column)] = value
        self.ends: dict[Entry, tuple[Node, Node]] = {key: self._ends(key) for key in self.values}

    def _add_rows(self, rows: Iterable[Row | RowGroup], *, level: int, parent: int | None) -> list[int]:
        """Adds rows depth first, a group's subtotal row before its rows; returns their column sums."""
        sums = [0] * self.width
        for row in rows:
            index = len(self.rows)
            if isinstance(row, Row):
                self.rows.append(_DisplayRow(row.label, level, "row", parent))
                values = [*row.counts, sum(row.counts)]
            else:
                self.rows.append(_DisplayRow(row.label, level, "subtotal", parent))
                values = self._add_rows(row.rows, level=level + 1, parent=index)
            for column, value in enumerate(values):
                self.values[(index, column)] = value
                sums[column] += value
        return sums

    def _ends(self, key: Entry) -> tuple[Node, Node]:
        """The entry's two relations: its row's balance and the balance of its column within the parent group."""
        index, column = key
        row = self.rows[index]
        total_row = len(self.rows) - 1
        if row.kind == "total":
            return ("sum", total_row, column), ("grand",)
        parent = total_row if row.parent is None else row.parent
        below: Node = ("row", index) if row.kind == "row" else ("sum", index, column)
        return below, ("sum", parent, column)

    def is_total(self, key: Entry) -> bool:
        index, column = key
        return column == self.width - 1 or self.rows[index].kind != "row"

    def cheapest_path(self, exposed: Entry, suppressed: set[Entry]) -> set[Entry]:
        """The unsuppressed entries on the cheapest path that closes a cycle through `exposed`.

        Costs compare by value first and by the number of totals second; zeros are never used.
        """
        start, goal = self.ends[exposed]
        tie_breaker = len(self.values) + 1
        adjacency: dict[Node, list[tuple[Node, Entry]]] = defaultdict(list)
        for key, (one, other) in self.ends.items():
            if key != exposed and (key in suppressed or self.values[key] > 0):
                adjacency[one].append((other, key))
                adjacency[other].append((one, key))
        best: dict[Node, int] = {start: 0}
        came_by: dict[Node, tuple[Node, Entry]] = {}
        queue: list[tuple[int, int, Node]] = [(0, 0, start)]
        pushed = 0
        while queue:
            cost, _pushed_as, node = heapq.heappop(queue)
            if node == goal:
                break
            if cost > best[node]:
                continue
            for neighbour, key in adjacency[node]:
                step = 0 if key in suppressed else self.values[key] * tie_breaker + self.is_total(key)
                if neighbour not in best or cost + step < best[neighbour]:
                    best[neighbour] = cost + step
                    came_by[neighbour] = (node, key)
                    pushed += 1
                    heapq.heappush(queue, (cost + step, pushed, neighbour))
        # Every entry of at least 1 lies on a cycle of the full graph through the totals (its row
        # total, the subtotals above it, the grand total, the column total: each at least as large).
        path: set[Entry] = set()
        node = goal
        while node != start:
            node, key = came_by[node]
            path.add(key)
        return path - suppressed

    def publish(self, suppressed: set[Entry], threshold: int) -> PublishedTable:
        rows = tuple(
            PublishedRow(
                label=row.label,
                level=row.level,
                kind=row.kind,
                values=tuple(
                    None if (index, column) in suppressed else self.values[(index, column)]
                    for column in range(self.width)
                ),
            )
            for index, row in enumerate(self.rows)
        )
        return PublishedTable(
            title=self.table.title,
            row_heading=self.table.row_heading,
            columns=self.table.columns,
            total_label=self.table.total_label,
            rows=rows,
            threshold=threshold,
        )


def _bridges(ends: dict[Entry, tuple[Node, Node]], suppressed: set[Entry]) -> list[Entry]:
    """Suppressed entries that lie on no cycle of suppressed entries (Tarjan, without recursion)."""
    adjacency: dict[Node, list[tuple[Node, Entry]]] = defaultdict(list)
    for key in sorted(suppressed):
        one, other = ends[key]
        adjacency[one].append((other, key))
        adjacency[other].append((one, key))
    discovered: dict[Node, int] = {}
    low: dict[Node, int] = {}
    bridges: list[Entry] = []
    for root in list(adjacency):
        if root in discovered:
            continue
        discovered[root] = low[root] = len(discovered)
        stack: list[tuple[Node, Entry | None, Iterator[tuple[Node, Entry]]]] = [(root, None, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            for neighbour, key in neighbours:
                if key == via:
                    continue
                if neighbour in discovered:
                    low[node] = min(low[node], discovered[neighbour])
                else:
                    discovered[neighbour] = low[neighbour] = len(discovered)
                    stack.append((neighbour, key, iter(adjacency[neighbour])))
                    break
            else:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > discovered[parent]:
                        bridges.append(via)
    return bridges


def _leaf_rows(rows: Iterable[Row | RowGroup]) -> Iterator[Row]:
    for row in rows:
        if isinstance(row, Row):
            yield row
        else:
            if not row.rows:
                raise ValueError(f"The group {str(row.label)!r} has no rows.")
            yield from _leaf_rows(row.rows)
