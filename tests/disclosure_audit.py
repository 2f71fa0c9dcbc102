"""An auditor of a year's publication that knows only what was published (issue 16).

It reads the year's CSV download and the HTCDS release as a reader would, writes down
every linear relation a reader knows between the numbers — each table's rows and
columns add up, the tables by age share their total row, the persons of the year are
the same number everywhere, a table of some of the persons counts no more than all of
them, a released HTCDS value or flag says how many persons have it — and computes each
hidden number's least and greatest whole value by integer linear programming (scipy's
`milp`). It shares no code with `disclosure.publication`, which chose the pattern.

A reader knows a hidden count is at least 1 when its row shows a zero (in a table of
one column: when the table shows one); otherwise it may be a hidden 0. A hidden count is
protected when its range spans the protection width, or lies wholly at or above the
threshold (then it shows no small group).
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from national_statistics.models import SEVERAL, LinkedPerson, PersonAttribute
from screening.models import ExploitationForm

MARKER = ":"
THRESHOLD = 5  # the report's (disclosure.suppression.THRESHOLD)
# Where the report puts its tables, and what a reader knows of them (national_statistics/report.py).
GENDER, FORM, NATIONALITY, PLACE, KIND, REGISTERING, REFLECTION, RESIDENCE, ABSCONDED, RIGHTS, TREND = range(11)
BY_AGE = (GENDER, FORM, NATIONALITY, PLACE)


@dataclass
class ParsedTable:
    title: str
    header: list[str]
    labels: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    values: list[list[int | None]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.header) - 1


@dataclass(frozen=True)
class Narrow:
    table: str
    row: str
    column: str
    low: float
    high: float


def parse_tables(data: bytes) -> list[ParsedTable]:
    """The tables of a CSV download (disclosure.exports.write_csv), as printed."""
    tables: list[ParsedTable] = []
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    block: list[list[str]] = []
    for line in [*lines, []]:
        if line:
            block.append(line)
            continue
        if block:
            table = ParsedTable(block[0][0], block[1])
            for row in block[2:]:
                if len(row) == 1:  # the footnote
                    continue
                label = row[0]
                table.labels.append(label.strip())
                table.levels.append((len(label) - len(label.lstrip(" "))) // 2)
                table.values.append([None if value == MARKER else int(value) for value in row[1:]])
            tables.append(table)
        block = []
    return tables


def parse_release(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


class _Problem:
    """Variables for the hidden numbers; constants for the published ones."""

    def __init__(self, tables: list[ParsedTable], *, zeros_hidden: bool) -> None:
        self.tables = tables
        self.index: dict[tuple[int, int, int], int] = {}
        self.lower: list[int] = []
        for t, table in enumerate(tables):
            column_shows_zero = any(row[0] == 0 for row in table.values)
            for r, row in enumerate(table.values):
                shows_zero = column_shows_zero if table.width == 1 else 0 in row
                for c, value in enumerate(row):
                    if value is None:
                        self.index[(t, r, c)] = len(self.lower)
                        self.lower.append(1 if shows_zero or not zeros_hidden else 0)
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def term(self, t: int, r: int, c: int) -> tuple[dict[int, float], float]:
        table = self.tables[t]
        r, c = r % len(table.values), c % table.width
        value = table.values[r][c]
        return ({self.index[(t, r, c)]: 1.0}, 0.0) if value is None else ({}, float(value))

    def add(self, cells: list[tuple[tuple[int, int, int], float]], lower: float, upper: float) -> None:
        """lower ≤ Σ coefficient × cell ≤ upper."""
        coefficients: dict[int, float] = {}
        known = 0.0
        for cell, coefficient in cells:
            variables, constant = self.term(*cell)
            for variable, one in variables.items():
                coefficients[variable] = coefficients.get(variable, 0.0) + coefficient * one
            known += coefficient * constant
        if any(coefficients.values()):
            self.rows.append((coefficients, lower - known, upper - known))

    def ranges(self) -> dict[tuple[int, int, int], tuple[float, float]]:
        size = len(self.lower)
        if not size:
            return {}
        matrix = np.zeros((len(self.rows), size))
        for number, (coefficients, _low, _high) in enumerate(self.rows):
            for variable, coefficient in coefficients.items():
                matrix[number, variable] = coefficient
        constraints = [LinearConstraint(matrix, [row[1] for row in self.rows], [row[2] for row in self.rows])]
        bounds = Bounds(np.array(self.lower, dtype=float), np.full(size, np.inf))
        found = {}
        for cell, variable in self.index.items():
            objective = np.zeros(size)
            objective[variable] = 1
            low = milp(objective, constraints=constraints, bounds=bounds, integrality=np.ones(size))
            high = milp(-objective, constraints=constraints, bounds=bounds, integrality=np.ones(size))
            found[cell] = (
                low.fun if low.status == 0 else self.lower[variable],
                -high.fun if high.status == 0 else math.inf,
            )
        return found


def _table_relations(problem: _Problem, t: int, table: ParsedTable) -> None:
    last = len(table.values) - 1
    if table.width > 1:
        for r in range(len(table.values)):
            cells = [((t, r, c), 1.0) for c in range(table.width - 1)]
            problem.add([*cells, ((t, r, table.width - 1), -1.0)], 0, 0)
    # A row's children are the rows below it one level deeper, up to the next row at its level.
    parents: dict[int, list[int]] = {last: []}
    for r in range(last):
        level = table.levels[r]
        parent = next((p for p in range(r - 1, -1, -1) if table.levels[p] < level), last)
        parents.setdefault(parent, []).append(r)
    for parent, children in parents.items():
        for c in range(table.width):
            problem.add([*(((t, child, c), 1.0) for child in children), ((t, parent, c), -1.0)], 0, 0)


def audit(
    data: bytes,
    *,
    width: int,
    year: int | None = None,
    release: bytes | None = None,
    form_labels: dict[str, str] | None = None,
    zeros_hidden: bool = True,
) -> list[Narrow]:
    """Every hidden number not protected: of a year's report when `year` is given (with its HTCDS
    release, if given), else of the tables in `data` each on its own."""
    found = ranges(data, year=year, release=release, form_labels=form_labels, zeros_hidden=zeros_hidden)
    return [each for each in found if not protected(each, width)]


def protected(found: Narrow, width: int, threshold: int = THRESHOLD) -> bool:
    return found.high - found.low >= width or found.low >= threshold


def ranges(
    data: bytes,
    *,
    year: int | None = None,
    release: bytes | None = None,
    form_labels: dict[str, str] | None = None,
    zeros_hidden: bool = True,
    capture: bytes | None = None,
    capture_lists: dict[str, str] | None = None,
) -> list[Narrow]:
    """Each hidden number's least and greatest value from everything published.

    `capture`: the dark figure's download, whose first table is the capture table of lists
    that are each one kind of organisation (`capture_lists`: list name → the kind's label).

    `zeros_hidden`: the publication hides zeros beside hidden numbers (else every hidden count is at least 1).
    """
    tables = parse_tables(data)
    if capture is not None:
        tables.append(parse_tables(capture)[0])
    problem = _Problem(tables, zeros_hidden=zeros_hidden)
    for t, table in enumerate(tables):
        _table_relations(problem, t, table)
    if year is not None:
        _report_relations(problem, tables, year)
    if release is not None:
        _release_relations(problem, tables, parse_release(release), form_labels or {})
    if capture is not None:
        _capture_relations(problem, tables, capture_lists or {})
    return [
        Narrow(tables[t].title, tables[t].labels[r], tables[t].header[c + 1], low, high)
        for (t, r, c), (low, high) in problem.ranges().items()
    ]


def _report_relations(problem: _Problem, tables: list[ParsedTable], year: int) -> None:
    for t in BY_AGE[1:]:
        for c in range(tables[GENDER].width):
            problem.add([((GENDER, -1, c), 1.0), ((t, -1, c), -1.0)], 0, 0)
    persons = (GENDER, -1, -1)
    for t in (KIND, REGISTERING):
        problem.add([(persons, 1.0), ((t, -1, -1), -1.0)], 0, 0)
    if str(year) in tables[TREND].labels:
        problem.add([(persons, 1.0), ((TREND, tables[TREND].labels.index(str(year)), -1), -1.0)], 0, 0)
    for t in (REFLECTION, RESIDENCE):
        for c in range(tables[GENDER].width):
            problem.add([((t, -1, c), 1.0), ((GENDER, -1, c), -1.0)], -math.inf, 0)
    problem.add([((ABSCONDED, -1, -1), 1.0), ((GENDER, -1, 0), -1.0)], -math.inf, 0)
    for r in range(len(tables[RIGHTS].values)):
        problem.add([((RIGHTS, r, -1), 1.0), (persons, -1.0)], -math.inf, 0)


def _release_relations(
    problem: _Problem, tables: list[ParsedTable], records: list[dict[str, str]], form_labels: dict[str, str]
) -> None:
    """A released record is a person; those left out are the persons less the records released."""
    from disclosure.htcds import load_mapping  # the mapping is published with the release (docs/statistics.md)

    released = len(records)
    persons = (GENDER, -1, -1)
    form_row = {label: r for r, label in enumerate(tables[FORM].labels)}
    several = form_row.get(form_labels.get("several", ""))
    for column in load_mapping()["columns"]:
        name = column["name"]
        values = Counter(record[name] for record in records)
        if set(values) <= {"-99"}:
            continue
        if column["kind"] == "flag":
            groups = column["all_of"]
            single = [
                ((FORM, form_row[form_labels[code]], -1), 1.0)
                for code in (groups[0] if len(groups) == 1 else [])
                if form_labels.get(code) in form_row
            ]
            flagged = values["1"]
            # Σ single − left out ≤ flagged, left out = persons − released.
            problem.add([*single, (persons, -1.0)], -math.inf, flagged - released)
            if several is not None:
                problem.add([*single, ((FORM, several, -1), 1.0)], flagged, math.inf)
        elif name == "gender":
            for r, value in enumerate(("Female", "Male", "Transgender/NonConforming")):
                problem.add([((GENDER, r, -1), 1.0)], values[value], math.inf)
                problem.add([((GENDER, r, -1), 1.0), (persons, -1.0)], -math.inf, values[value] - released)
        elif name == "majorityStatus":
            for c, value in enumerate(("Minor", "Adult")):
                problem.add([((GENDER, -1, c), 1.0)], values[value], math.inf)
                problem.add([((GENDER, -1, c), 1.0), (persons, -1.0)], -math.inf, values[value] - released)
    genders, ages = ("Female", "Male", "Transgender/NonConforming"), ("Minor", "Adult")
    pairs = Counter((record["gender"], record["majorityStatus"]) for record in records)
    if any(gender in genders for gender, _age in pairs) and any(age in ages for _gender, age in pairs):
        for r, gender in enumerate(genders):
            for c, age in enumerate(ages):
                problem.add([((GENDER, r, c), 1.0)], pairs[gender, age], math.inf)
                problem.add([((GENDER, r, c), 1.0), (persons, -1.0)], -math.inf, pairs[gender, age] - released)


def _capture_relations(problem: _Problem, tables: list[ParsedTable], lists: dict[str, str]) -> None:
    """Seen by one list alone: at least the persons of its kind alone, at most those and the persons of
    several kinds; seen by several lists: persons of several kinds; seen at all: no more than the persons."""
    t = len(tables) - 1
    kinds = {label: r for r, label in enumerate(tables[KIND].labels)}
    several = (KIND, len(kinds) - 3, -1)  # the rows end: several kinds, not known, total
    problem.add([((t, -1, -1), 1.0), ((GENDER, -1, -1), -1.0)], -math.inf, 0)
    multiple = []
    for r, label in enumerate(tables[t].labels[:-1]):
        if label in lists:
            alone = (KIND, kinds[lists[label]], -1)
            problem.add([((t, r, -1), 1.0), (alone, -1.0)], 0, math.inf)
            problem.add([((t, r, -1), 1.0), (alone, -1.0), (several, -1.0)], -math.inf, 0)
        else:
            multiple.append(((t, r, -1), 1.0))
    problem.add([*multiple, (several, -1.0)], -math.inf, 0)


def sparse_year(seed: int, year: int, persons: int) -> None:
    """A year with many tiny cells: few persons spread over many categories."""
    chance = random.Random(seed)  # nosec B311 — test data
    forms = list(ExploitationForm.objects.values_list("code", flat=True).distinct())[:6]
    kinds = ["police_district", "ngo_project", "nav_office", "shelter"]
    for _number in range(persons):
        own_forms = chance.sample(forms, chance.choice([0, 1, 1, 1, 2]))
        own_kinds = chance.sample(kinds, chance.choice([1, 1, 2]))
        person = LinkedPerson.objects.create(
            year=year,
            records=len(own_kinds),
            gender=chance.choice(["female", "female", "male", "other", ""]),
            age_group=chance.choice(["adult", "adult", "adult", "minor", ""]),
            nationality=chance.choice(["NG", "NG", "RO", "VN", "AL", "BG", "TH", ""]),
            municipality_number=chance.choice(["0301", "4601", "5001", ""]),
            police_district=chance.choice(["Oslo politidistrikt", "Vest politidistrikt", ""]),
            identified_this_year=chance.choice([True, False, None]),
            reflection_period=chance.choice(["", "", "applied", "granted"]),
            form_of_exploitation=(SEVERAL if len(own_forms) > 1 else own_forms[0]) if own_forms else "",
            organisation_kind=SEVERAL if len(own_kinds) > 1 else own_kinds[0],
        )
        PersonAttribute.objects.bulk_create(
            [PersonAttribute(person=person, year=year, kind=PersonAttribute.Kind.FORM, value=f) for f in own_forms]
            + [
                PersonAttribute(person=person, year=year, kind=PersonAttribute.Kind.ORGANISATION_KIND, value=k)
                for k in own_kinds
            ]
        )
