"""Vern's statistics records in the HTCDS layout: the mapping is data, complete, and unknowns become -99."""

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from disclosure.exports import write_records_csv
from disclosure.htcds import columns, hierarchies, htcds_export, htcds_rows, load_mapping
from screening.models import Screening

ROOT = Path(__file__).resolve().parent.parent
RECORD = {
    "year": 2026,
    "gender": "female",
    "age": 16,
    "age_group": "minor",
    "nationality": "ng",
    "forms_of_exploitation": ["sexual", "criminality_drugs"],
    "identifying_organisation_kind": "ngo_project",
    "municipality": "0301",
}
FLAGS = [name for name in columns() if name.startswith(("is", "typeOf"))]

# Labels and footnotes are checked in their English source text.
pytestmark = pytest.mark.usefixtures("english")


def test_the_mapping_loads_and_cites_a_listed_source_for_every_column() -> None:
    mapping = load_mapping()
    assert mapping["version"] == 1
    assert mapping["missing"] == "-99"
    assert columns()[:6] == ["yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship"]
    assert all(column["note"] for column in mapping["columns"])


def test_an_unknown_version_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="no HTCDS mapping version 99"):
        load_mapping(99)


def test_every_form_of_exploitation_in_the_catalogue_maps_to_a_flag() -> None:
    catalogue = json.loads((ROOT / "screening" / "fixtures" / "catalogue_v1.json").read_text(encoding="utf-8"))
    for form in catalogue["forms"]:
        row = htcds_rows([{**RECORD, "forms_of_exploitation": [form["code"]]}])[0]
        assert 1 in [row[flag] for flag in FLAGS], f"{form['code']} maps to no HTCDS flag"
        assert "-99" not in [row[flag] for flag in FLAGS], f"{form['code']} leaves a flag unknown"


def test_every_vern_category_maps_and_every_field_is_mapped_or_deliberately_left_out() -> None:
    mapping = load_mapping()
    by_name = {column["name"]: column for column in mapping["columns"]}
    assert set(by_name["gender"]["values"]) == set(Screening.Gender.values)
    assert set(by_name["majorityStatus"]["values"]) == {"minor", "adult", "unknown"}
    mapped = {column.get("from") for column in mapping["columns"]} - {None}
    left_out = {entry["field"] for entry in mapping["not_exported"]}
    assert mapped | left_out == set(RECORD)
    assert all(entry["reason"] for entry in mapping["not_exported"])


def test_a_record_becomes_an_htcds_row() -> None:
    row = htcds_rows([RECORD])[0]
    assert row == {
        "yearOfRegistration": 2026,
        "Datasource": "Case Management",
        "gender": "Female",
        "ageBroad": "9--17",
        "majorityStatus": "Minor",
        "citizenship": "NG",
        "isForcedLabour": 1,
        "isSexualExploit": 1,
        "isOtherExploit": 0,
        "isSexAndLabour": 1,
        "isForcedMilitary": 0,
        "isOrganRemoval": 0,
        "typeOfLabourAgriculture": 0,
        "typeOfLabourBegging": 0,
        "typeOfLabourConstruction": 0,
        "typeOfLabourIllicitActivities": 1,
        "typeOfLabourOther": 0,
    }
    assert "municipality" not in row
    assert "0301" not in row.values()


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("gender", "nonsense", "gender"),
        ("gender", None, "gender"),
        ("age_group", "teen", "majorityStatus"),
        ("age", None, "ageBroad"),
        ("age", -1, "ageBroad"),
        ("age", "16", "ageBroad"),
        ("nationality", "Norge", "citizenship"),
        ("nationality", "", "citizenship"),
    ],
)
def test_an_unknown_value_becomes_the_standards_missing_code(field: str, value: object, column: str) -> None:
    assert htcds_rows([{**RECORD, field: value}])[0][column] == "-99"


@pytest.mark.parametrize("forms", [[], None, "sexual"])
def test_unrecorded_forms_leave_every_flag_unknown(forms: object) -> None:
    row = htcds_rows([{**RECORD, "forms_of_exploitation": forms}])[0]
    assert {row[flag] for flag in FLAGS} == {"-99"}


def test_an_unknown_form_keeps_what_is_known_and_leaves_the_rest_unknown() -> None:
    row = htcds_rows([{**RECORD, "forms_of_exploitation": ["sexual", "from_a_newer_catalogue"]}])[0]
    assert row["isSexualExploit"] == 1
    assert row["isForcedLabour"] == "-99", "the unknown form may have been forced labour"


def test_ages_fall_in_ctdcs_bands() -> None:
    bands = [htcds_rows([{**RECORD, "age": age}])[0]["ageBroad"] for age in [0, 8, 9, 17, 18, 29, 30, 47, 48, 90]]
    assert bands == ["0--8", "0--8", "9--17", "9--17", "18--20", "27--29", "30--38", "39--47", "48+", "48+"]


def test_a_record_without_a_year_is_refused_with_its_number() -> None:
    with pytest.raises(ValueError, match="record 2 has no year"):
        htcds_rows([RECORD, {**RECORD, "year": None}])


def test_the_export_is_k_anonymous_keeps_the_year_and_says_what_was_withheld() -> None:
    women = [{**RECORD, "age": 20 + i % 10, "nationality": ["RO", "NG", "VN"][i % 3]} for i in range(30)]
    men = [{**RECORD, "gender": "male", "forms_of_exploitation": ["labour_construction"]} for _ in range(12)]
    lone = [{**RECORD, "year": 2019}]
    release = htcds_export([*women, *men, *lone])
    assert release.k == 11
    counts = Counter(tuple(row.items()) for row in release.records)
    assert min(counts.values()) >= 11
    assert {row["yearOfRegistration"] for row in release.records} == {2026}
    assert release.suppressed == 1, "a year alone cannot be generalised"
    assert "yearOfRegistration" not in {hierarchy.column for hierarchy in hierarchies()}
    assert release.describe()[-1] == "1 of 43 records left out to reach k = 11"
    assert any(line.startswith("citizenship: generalised to withheld (-99)") for line in release.describe())


def test_a_suppression_budget_keeps_columns_by_leaving_records_out() -> None:
    women = [{**RECORD, "nationality": "RO"} for _ in range(22)]
    lone = [{**RECORD, "nationality": "VN"}]
    strict = htcds_export([*women, *lone])
    assert strict.suppressed == 0
    assert {row["citizenship"] for row in strict.records} == {"-99"}
    lenient = htcds_export([*women, *lone], suppression_budget=1)
    assert lenient.suppressed == 1
    assert {row["citizenship"] for row in lenient.records} == {"RO"}


def test_the_export_writes_as_csv_in_the_mapping_order() -> None:
    release = htcds_export([RECORD] * 11)
    out = io.BytesIO()
    write_records_csv(columns(), release.records, out)
    lines = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert len(lines) == 11
    assert list(lines[0]) == columns()
    assert lines[0]["ageBroad"] == "9--17"
    assert lines[0]["isSexualExploit"] == "1"


def test_missing_values_are_written_as_numbers_and_text_never_as_a_formula() -> None:
    out = io.BytesIO()
    write_records_csv(["a", "b"], [{"a": "-99", "b": "=1+1"}], out)
    assert out.getvalue().decode("utf-8").splitlines()[1] == "-99,'=1+1"


def test_the_field_mapping_is_documented() -> None:
    documentation = (ROOT / "docs" / "statistics.md").read_text(encoding="utf-8")
    for column in load_mapping()["columns"]:
        assert f"`{column['name']}`" in documentation, f"{column['name']} is not in docs/statistics.md"
