"""Small cells cannot be recovered from a published table.

The checker here is written from the table's definition, not from the
implementation's graph: it lists every additive relation a reader can write
down (each row adds up to its total; in every column, the rows of a group add
up to the group's subtotal and the top rows to the total row), treats the
suppressed numbers as unknowns and asks
- linear algebra (exact fractions): is any unknown fixed by the relations?
- brute force on small tables: has every unknown another non-negative whole
  value in some solution?
"""

from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.suppression import PublishedTable, Row, RowGroup, Table, protect

# ---------------------------------------------------------------- the checker

# Labels and footnotes are checked in their English source text.
pytestmark = pytest.mark.usefixtures("english")


@dataclass(frozen=True)
class Relation:
    """sum(parts) == total, each a position (row, column) in the published table."""

    parts: tuple[tuple[int, int], ...]
    total: tuple[int, int]


def true_values_and_relations(table: Table) -> tuple[dict[tuple[int, int], int], list[Relation]]:
    """Every number of the table in published order (groups before their rows, total row last)."""
    width = len(table.columns) + 1
    values: dict[tuple[int, int], int] = {}
    relations: list[Relation] = []
    position = 0

    def add(rows: tuple[Row | RowGroup, ...]) -> list[int]:
        nonlocal position
        indices = []
        for row in rows:
            index = position
            position += 1
            indices.append(index)
            if isinstance(row, Row):
                for column, count in enumerate(row.counts):
                    values[(index, column)] = count
            else:
                children = add(row.rows)
                for column in range(width - 1):
                    values[(index, column)] = sum(values[(child, column)] for child in children)
                column_relations(children, index)
            values[(index, width - 1)] = sum(values[(index, column)] for column in range(width - 1))
            relations.append(Relation(tuple((index, c) for c in range(width - 1)), (index, width - 1)))
        return indices

    def column_relations(children: list[int], parent: int) -> None:
        for column in range(width):
            relations.append(Relation(tuple((child, column) for child in children), (parent, column)))

    top = add(table.rows)
    total_row = position
    for column in range(width - 1):
        values[(total_row, column)] = sum(values[(row, column)] for row in top)
    values[(total_row, width - 1)] = sum(values[(total_row, column)] for column in range(width - 1))
    relations.append(Relation(tuple((total_row, c) for c in range(width - 1)), (total_row, width - 1)))
    column_relations(top, total_row)
    return values, relations


def suppressed_positions(published: PublishedTable) -> set[tuple[int, int]]:
    return {(i, c) for i, row in enumerate(published.rows) for c, value in enumerate(row.values) if value is None}


def linear_system(
    published: PublishedTable, relations: list[Relation]
) -> tuple[list[tuple[int, int]], list[list[Fraction]], list[Fraction]]:
    """The relations as A·x = b over the suppressed numbers x."""
    unknowns = sorted(suppressed_positions(published))
    column_of = {position: i for i, position in enumerate(unknowns)}
    rows, rhs = [], []
    for relation in relations:
        coefficients = [Fraction(0)] * len(unknowns)
        known = Fraction(0)
        for position, sign in [*((part, 1) for part in relation.parts), (relation.total, -1)]:
            value = published.rows[position[0]].values[position[1]]
            if value is None:
                coefficients[column_of[position]] += sign
            else:
                known -= sign * value
        if any(coefficients):
            rows.append(coefficients)
            rhs.append(known)
    return unknowns, rows, rhs


def determined_unknowns(published: PublishedTable, relations: list[Relation]) -> set[tuple[int, int]]:
    """Unknowns fixed by the relations: those whose row in the reduced echelon form has no free variable."""
    unknowns, matrix, _rhs = linear_system(published, relations)
    matrix = [row[:] for row in matrix]
    pivots: list[int] = []
    rank = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = set(range(len(unknowns))) - set(pivots)
    return {unknowns[column] for r, column in enumerate(pivots) if not any(matrix[r][f] != 0 for f in free)}


def has_other_solution(
    published: PublishedTable, relations: list[Relation], target: tuple[int, int], truth: dict[tuple[int, int], int]
) -> bool:
    """Brute force: some non-negative whole solution of the relations gives `target` another value.

    Depth first with propagation (an unknown alone in a relation is forced); values are tried from the
    true ones outwards, so that a solution near the truth, if there is one, is found in a few steps.
    """
    unknowns, matrix, rhs = linear_system(published, relations)
    bound = max(truth.values()) + 1
    goal = unknowns.index(target)
    steps = 0

    def propagate(assigned: dict[int, int]) -> dict[int, int] | None:
        changed = True
        while changed:
            changed = False
            for row, b in zip(matrix, rhs, strict=True):
                free = [i for i, c in enumerate(row) if c and i not in assigned]
                done = sum(c * assigned[i] for i, c in enumerate(row) if c and i in assigned)
                if not free:
                    if done != b:
                        return None
                elif len(free) == 1:
                    value = (b - done) / row[free[0]]
                    if value.denominator != 1 or value < 0:
                        return None
                    assigned[free[0]] = int(value)
                    changed = True
                elif (all(row[i] > 0 for i in free) and done > b) or (all(row[i] < 0 for i in free) and done < b):
                    return None  # the unknowns left are >= 0
        return assigned

    def outwards(true: int, *, skip_truth: bool) -> list[int]:
        values = sorted(range(bound + 1), key=lambda v: (abs(v - true), v))
        return values[1:] if skip_truth else values

    def search(assigned: dict[int, int]) -> bool:
        nonlocal steps
        steps += 1
        assert steps < 100_000, "the brute force is too large for this table"
        found = propagate(dict(assigned))
        if found is None or found.get(goal) == truth[target]:
            return False
        free = [i for i in range(len(unknowns)) if i not in found]
        if not free:
            return True
        i = goal if goal in free else free[0]
        return any(search({**found, i: value}) for value in outwards(truth[unknowns[i]], skip_truth=i == goal))

    return search({})


def assert_protected(table: Table, published: PublishedTable, *, brute_force: bool) -> None:
    values, relations = true_values_and_relations(table)
    suppressed = suppressed_positions(published)
    for position, value in values.items():
        shown = published.rows[position[0]].values[position[1]]
        if shown is not None:
            assert shown == value, f"{position} is published as {shown}, but is {value}"
            assert shown == 0 or shown >= published.threshold, f"{position} publishes a small count {shown}"
    for relation in relations:
        members = [*relation.parts, relation.total]
        hidden = [m for m in members if m in suppressed]
        assert len(hidden) != 1, f"{hidden[0]} is the only unknown in its relation"
    assert not determined_unknowns(published, relations), "a suppressed number follows from the others"
    if brute_force:
        for position in suppressed:
            assert has_other_solution(published, relations, position, values), f"{position} is exposed"


# ---------------------------------------------------------------- strategies

counts = st.one_of(st.integers(0, 4), st.integers(5, 30))


@st.composite
def two_way_tables(draw: st.DrawFn, max_side: int = 4) -> Table:
    width = draw(st.integers(1, max_side))
    height = draw(st.integers(1, max_side))
    rows = tuple(Row(f"r{r}", tuple(draw(st.lists(counts, min_size=width, max_size=width)))) for r in range(height))
    return Table("t", "rows", tuple(f"c{c}" for c in range(width)), rows)


@st.composite
def grouped_tables(draw: st.DrawFn) -> Table:
    """Rows under subtotals, two levels deep at most, and loose rows beside them."""
    width = draw(st.integers(1, 3))

    def row(name: str) -> Row:
        return Row(name, tuple(draw(st.lists(counts, min_size=width, max_size=width))))

    def group(name: str, depth: int) -> RowGroup:
        members: list[Row | RowGroup] = []
        for member in range(draw(st.integers(1, 3 - depth))):
            nested = depth == 0 and draw(st.booleans())
            members.append(group(f"{name}g{member}", depth + 1) if nested else row(f"{name}r{member}"))
        return RowGroup(name, tuple(members))

    groups = tuple(group(f"g{g}", 0) for g in range(draw(st.integers(1, 3))))
    loose = tuple(row(f"r{r}") for r in range(draw(st.integers(0, 1))))
    return Table("t", "rows", tuple(f"c{c}" for c in range(width)), (*groups, *loose))


SMALL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SMALL
@given(two_way_tables(max_side=3))
def test_no_small_cell_of_a_small_two_way_table_can_be_recovered(table: Table) -> None:
    assert_protected(table, protect(table), brute_force=True)


@settings(max_examples=60, deadline=None)
@given(two_way_tables(max_side=8))
def test_no_suppressed_number_of_a_larger_two_way_table_follows_from_the_others(table: Table) -> None:
    assert_protected(table, protect(table), brute_force=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grouped_tables())
def test_no_small_cell_of_a_table_with_subtotals_can_be_recovered(table: Table) -> None:
    assert_protected(table, protect(table), brute_force=True)


@SMALL
@given(two_way_tables(), st.integers(1, 10))
def test_any_threshold_is_honoured(table: Table, threshold: int) -> None:
    published = protect(table, threshold=threshold)
    _values, relations = true_values_and_relations(table)
    assert not determined_unknowns(published, relations)
    assert all(v is None or v == 0 or v >= threshold for row in published.rows for v in row.values)


@SMALL
@given(st.data())
def test_a_table_without_small_counts_is_published_untouched(data: st.DataObject) -> None:
    large = st.one_of(st.just(0), st.integers(5, 500))
    width, height = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    rows = tuple(Row(f"r{r}", tuple(data.draw(st.lists(large, min_size=width, max_size=width)))) for r in range(height))
    table = Table("t", "rows", tuple(f"c{c}" for c in range(width)), rows)
    published = protect(table)
    # Sums of zeros and counts of 5 or more are themselves 0 or at least 5.
    assert not published.has_suppressed
    assert [row.values[:-1] for row in published.rows[:-1]] == [row.counts for row in rows]


# ---------------------------------------------------------------- examples


def test_it_hides_the_smallest_cells_that_close_a_cycle() -> None:
    table = Table(
        "Forms by age",
        "Form",
        ("a", "b", "c"),
        (Row("x", (3, 10, 12)), Row("y", (8, 9, 20)), Row("z", (15, 6, 7))),
    )
    published = protect(table)
    assert [row.values for row in published.rows] == [
        (None, None, 12, 25),
        (None, None, 20, 37),
        (15, 6, 7, 28),
        (26, 25, 39, 90),
    ]


def test_it_protects_a_cell_that_joins_two_protected_blocks() -> None:
    # Two blocks of small cells and one small cell between them: every row and column with a
    # suppressed cell has two, yet the middle cell is the difference of the blocks' totals.
    table = Table(
        "t",
        "rows",
        ("c0", "c1", "c2", "c3"),
        (
            Row("r0", (1, 2, 20, 30)),
            Row("r1", (3, 4, 1, 40)),
            Row("r2", (50, 60, 2, 3)),
            Row("r3", (70, 80, 4, 1)),
        ),
    )
    primary_only = protect(table, threshold=1)  # nothing suppressed
    assert not primary_only.has_suppressed
    published = protect(table)
    assert_protected(table, published, brute_force=False)
    assert len(suppressed_positions(published)) > 9


def test_a_one_way_table_hides_a_second_category_and_shows_one_column() -> None:
    table = Table("By gender", "Gender", ("Persons",), (Row("F", (12,)), Row("M", (3,)), Row("X", (0,))))
    published = protect(table)
    assert published.header == ["Gender", "Persons"]
    assert [published.shown_values(row) for row in published.rows] == [(None,), (None,), (0,), (15,)]
    assert_protected(table, published, brute_force=True)


def test_a_lone_small_category_takes_the_total_with_it() -> None:
    table = Table("By gender", "Gender", ("Persons",), (Row("F", (0,)), Row("M", (3,))))
    published = protect(table)
    assert [published.shown_values(row) for row in published.rows] == [(0,), (None,), (None,)]


def test_subtotals_are_the_sums_of_their_rows() -> None:
    table = Table(
        "t",
        "Gender and age",
        ("a", "b"),
        (
            RowGroup("Female", (Row("Minor", (6, 7)), Row("Adult", (9, 8)))),
            RowGroup("Male", (Row("Minor", (5, 12)), Row("Adult", (20, 10)))),
        ),
    )
    published = protect(table)
    assert [(row.label, row.level, row.kind, row.values) for row in published.rows] == [
        ("Female", 0, "subtotal", (15, 15, 30)),
        ("Minor", 1, "row", (6, 7, 13)),
        ("Adult", 1, "row", (9, 8, 17)),
        ("Male", 0, "subtotal", (25, 22, 47)),
        ("Minor", 1, "row", (5, 12, 17)),
        ("Adult", 1, "row", (20, 10, 30)),
        ("Total", 0, "total", (40, 37, 77)),
    ]


@pytest.mark.parametrize(
    ("columns", "rows", "message"),
    [
        ((), (Row("a", ()),), "at least one column"),
        (("a",), (), "at least one row"),
        (("a", "b"), (Row("r", (1,)),), "1 counts for 2 columns"),
        (("a",), (Row("r", (-1,)),), "whole numbers"),
        (("a",), (Row("r", (True,)),), "whole numbers"),
        (("a",), (RowGroup("g", ()),), "has no rows"),
    ],
)
def test_a_malformed_table_is_refused_with_a_reason(columns: tuple, rows: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Table("t", "rows", columns, rows)


def test_a_table_as_large_as_a_municipality_table_is_protected_quickly() -> None:
    import random
    import time

    rng = random.Random(7)
    rows = tuple(Row(f"m{m}", tuple(rng.choice([0, 0, 0, 1, 2, 3, 6, 11]) for _ in range(13))) for m in range(150))
    table = Table("t", "Municipality", tuple(f"form{f}" for f in range(13)), rows)
    started = time.perf_counter()
    published = protect(table)
    assert time.perf_counter() - started < 20
    _values, relations = true_values_and_relations(table)
    assert not determined_unknowns(published, relations)
