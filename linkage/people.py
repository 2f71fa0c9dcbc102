"""Reading an organisation's list of persons (the input of `vern encode`).

Plain Python, no third-party imports. The columns are documented in docs/linkage.md:

    given_names, family_names, aliases, birth_date, birth_year, gender, nationality,
    year, form_of_exploitation, age_group, municipality_number, organisation_kind

A row that cannot be read is reported with its line number and the reason, and
left out; every other row is kept.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from linkage.encoding import Person, normalise_name

IDENTITY_COLUMNS = ("given_names", "family_names", "aliases", "birth_date", "birth_year")
CATEGORY_COLUMNS = (
    "year",
    "gender",
    "nationality",
    "age_group",
    "form_of_exploitation",
    "municipality_number",
    "organisation_kind",
)
COLUMNS = IDENTITY_COLUMNS + CATEGORY_COLUMNS
_HERE = Path(__file__).resolve().parent
_SCREENING_CATALOGUES = _HERE.parent / "screening" / "fixtures"
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
_OLDEST_BIRTH_YEAR = 1900


@cache
def allowed_values() -> dict[str, frozenset[str]]:
    """Category values: linkage/categories.json, and the forms of the screening catalogues."""
    data = json.loads((_HERE / "categories.json").read_text(encoding="utf-8"))
    forms = set()
    for catalogue in sorted(_SCREENING_CATALOGUES.glob("catalogue_v*.json")):
        forms |= {form["code"] for form in json.loads(catalogue.read_text(encoding="utf-8"))["forms"]}
    values = {name: frozenset(data[name]) for name in ("gender", "age_group", "organisation_kind")}
    return values | {"form_of_exploitation": frozenset(forms)}


@dataclass(frozen=True)
class Problem:
    line: int  # 1 is the header
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class PersonRow:
    line: int
    person: Person
    categories: dict[str, str]  # CATEGORY_COLUMNS, "" where not known


class RowError(ValueError):
    """Why a row cannot be used; the message is shown to the user."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which Norwegian spreadsheets still write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_people(text: str) -> tuple[list[PersonRow], list[Problem]]:
    """The usable rows of a person list, and a problem for each row left out."""
    rows: list[PersonRow] = []
    problems: list[Problem] = []
    lines = text.splitlines(keepends=True)
    if not lines:
        return rows, [Problem(1, "the file is empty")]
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader)]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return rows, [Problem(1, f"missing column(s): {', '.join(missing)}")]
    start = reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1  # a quoted field may span lines: report where the row starts
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.append(Problem(line, f"{len(values)} fields where the header has {len(header)}"))
            continue
        try:
            rows.append(_person_row(line, dict(zip(header, (value.strip() for value in values), strict=True))))
        except RowError as error:
            problems.append(Problem(line, str(error)))
    return rows, problems


def _person_row(line: int, row: dict[str, str]) -> PersonRow:
    names = (row["given_names"], row["family_names"])
    if not normalise_name(" ".join(names)):
        raise RowError("no given or family name")
    year = _year(row["year"])
    birth_date = _birth_date(row["birth_date"], year)
    birth_year = _birth_year(row["birth_year"], year)
    if birth_date and birth_year and birth_date.year != birth_year:
        raise RowError(f"birth_date {birth_date.isoformat()} and birth_year {birth_year} disagree")
    gender = _choice(row, "gender")
    nationality = row["nationality"].upper()
    if nationality and not re.fullmatch(r"[A-Z]{2}", nationality):
        raise RowError(f"nationality {row['nationality']!r} is not a two-letter ISO 3166 country code")
    if row["municipality_number"] and not re.fullmatch(r"\d{4}", row["municipality_number"]):
        raise RowError(f"municipality_number {row['municipality_number']!r} is not four digits")
    forms = sorted({form.strip() for form in row["form_of_exploitation"].split(";") if form.strip()})
    unknown_forms = [form for form in forms if form not in allowed_values()["form_of_exploitation"]]
    if unknown_forms:
        raise RowError(f"unknown form_of_exploitation {', '.join(unknown_forms)}")
    aliases = tuple(alias for alias in row["aliases"].split(";") if alias.strip())
    person = Person(names, aliases, birth_date, None if birth_date else birth_year, gender, nationality)
    categories = {
        "year": str(year),
        "gender": gender,
        "nationality": nationality,
        "age_group": _choice(row, "age_group"),
        "form_of_exploitation": ";".join(forms),
        "municipality_number": row["municipality_number"],
        "organisation_kind": _choice(row, "organisation_kind"),
    }
    return PersonRow(line, person, categories)


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value) or not _FIRST_YEAR <= int(value) <= _LAST_YEAR:
        raise RowError(f"year {value!r} is not a year between {_FIRST_YEAR} and {_LAST_YEAR}")
    return int(value)


def _birth_date(value: str, year: int) -> date | None:
    if not value:
        return None
    for layout in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            parsed = datetime.strptime(value, layout).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
        if not _OLDEST_BIRTH_YEAR <= parsed.year <= year:
            raise RowError(f"birth_date {value!r} is not between {_OLDEST_BIRTH_YEAR} and the year {year}")
        return parsed
    raise RowError(f"birth_date {value!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _birth_year(value: str, year: int) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}", value) or not _OLDEST_BIRTH_YEAR <= int(value) <= year:
        raise RowError(f"birth_year {value!r} is not a year between {_OLDEST_BIRTH_YEAR} and {year}")
    return int(value)


def _choice(row: dict[str, str], column: str) -> str:
    value = row[column].lower()
    if value in ("", "unknown"):
        return ""
    if value not in allowed_values()[column]:
        raise RowError(f"{column} {row[column]!r} is not one of {', '.join(sorted(allowed_values()[column]))}")
    return value
