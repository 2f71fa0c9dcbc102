"""Vern's statistics records as rows of the Human Trafficking Case Data Standard, k-anonymised.

The layout is the one the Counter Trafficking Data Collaborative (CTDC) publishes
its k-anonymised global dataset in: HTCDS fields and values, one row per person,
-99 for a missing value. The mapping from Vern's categories is data, versioned
in fixtures/htcds_v<version>.json with a source for every column; the table of
it is in docs/statistics.md. Columns Vern does not collect (means of control,
recruiter, country of exploitation …) are left out rather than filled with -99.

A Vern statistics record is a plain dict (no name, date of birth or case link):

    year                           int, the year the person was identified
    gender                         "female" | "male" | "other" | "unknown"
    age                            int or None: age when identified, if known
    age_group                      "minor" | "adult" | "unknown"
    nationality                    ISO 3166-1 two-letter code, or ""
    forms_of_exploitation          codes from the identification catalogue
    identifying_organisation_kind  organisations.Organisation.Kind (not exported)
    municipality                   municipality number (not exported)

A value the mapping does not know becomes -99, the standard's missing code.
"""

import functools
import json
import re
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

from disclosure.kanonymity import Hierarchy, K, KAnonymised, Level, k_anonymise

CURRENT_VERSION = 1
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
KINDS = {"year", "constant", "category", "age_band", "country", "flag"}

StatisticsRecord = Mapping[str, Any]


@functools.cache
def load_mapping(version: int = CURRENT_VERSION) -> dict[str, Any]:
    """The mapping of one version, checked: every column of a known kind, from a listed source."""
    path = FIXTURES / f"htcds_v{version}.json"
    if not path.is_file():
        raise ValueError(f"There is no HTCDS mapping version {version}.")
    mapping: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    sources = {source["code"] for source in mapping["sources"]}
    for column in mapping["columns"]:
        if column["kind"] not in KINDS:
            raise ValueError(f"HTCDS column {column['name']} has the unknown kind {column['kind']!r}.")
        if column["source"] not in sources:
            raise ValueError(f"HTCDS column {column['name']} cites the unlisted source {column['source']!r}.")
    return mapping


def columns(version: int = CURRENT_VERSION) -> list[str]:
    return [column["name"] for column in load_mapping(version)["columns"]]


def htcds_rows(records: Iterable[StatisticsRecord], *, version: int = CURRENT_VERSION) -> list[dict[str, Hashable]]:
    """One HTCDS row per record, in the mapping's column order."""
    mapping = load_mapping(version)
    known_forms = {form for column in mapping["columns"] for group in column.get("all_of", []) for form in group}
    rows = []
    for number, record in enumerate(records, start=1):
        year = record.get("year")
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"Statistics record {number} has no year.")
        rows.append(
            {
                column["name"]: _value(column, record, missing=mapping["missing"], known_forms=known_forms)
                for column in mapping["columns"]
            }
        )
    return rows


def htcds_export(
    records: Iterable[StatisticsRecord], *, k: int = K, suppression_budget: int = 0, version: int = CURRENT_VERSION
) -> KAnonymised:
    """The records as HTCDS rows, k-anonymised over all columns as CTDC does (default k = 11).

    With few records a year, reaching k by generalisation alone withholds most columns; a
    `suppression_budget` (records that may be left out instead) keeps more of them (docs/statistics.md).
    """
    rows = htcds_rows(records, version=version)
    return k_anonymise(rows, hierarchies=hierarchies(version), k=k, suppression_budget=suppression_budget)


def hierarchies(version: int = CURRENT_VERSION) -> tuple[Hierarchy, ...]:
    """The standard has no coarser codes than its own (no region for a country), so a column is withheld: -99."""
    mapping = load_mapping(version)
    withheld = Level(gettext("withheld (%(missing)s)") % {"missing": mapping["missing"]}, {}, mapping["missing"])
    return tuple(Hierarchy(column["name"], (withheld,)) for column in mapping["columns"] if column["withhold"])


def _value(column: Mapping[str, Any], record: StatisticsRecord, *, missing: str, known_forms: set[str]) -> Hashable:
    kind = column["kind"]
    value = record.get(column.get("from", ""))
    if kind == "year":
        return value
    if kind == "constant":
        return column["value"]
    if kind == "category":
        return column["values"].get(value, missing) if isinstance(value, str) else missing
    if kind == "age_band":
        return _age_band(value, column["bands"], missing)
    if kind == "country":
        code = value.strip().upper() if isinstance(value, str) else ""
        return code if COUNTRY_CODE.fullmatch(code) else missing
    return _flag(value, column["all_of"], missing, known_forms)


def _age_band(age: object, bands: list[list[Any]], missing: str) -> str:
    if isinstance(age, bool) or not isinstance(age, int):
        return missing
    for low, high, band in bands:
        if low <= age and (high is None or age <= high):
            return str(band)
    return missing


def _flag(forms: object, all_of: list[list[str]], missing: str, known_forms: set[str]) -> Hashable:
    """1 when some form of each group is recorded; 0 only when every recorded form is known to the mapping."""
    if not isinstance(forms, list | tuple) or not forms:
        return missing
    recorded = {str(form) for form in forms}
    if all(recorded & set(group) for group in all_of):
        return 1
    return 0 if recorded <= known_forms else missing
