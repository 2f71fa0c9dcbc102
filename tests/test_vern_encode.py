"""`bin/vern encode` on an organisation's machine, and the server reading what it wrote."""

import csv
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from linkage.cli import main
from linkage.encoding import ENCODING_BYTES, LinkageKey, clk_from_text
from linkage.files import Reason, read_encoded, write_encoded
from linkage.linker import link
from linkage.people import CATEGORY_COLUMNS, allowed_values
from organisations.models import Organisation

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "people.csv"
# Line number and reason of each bad row in the sample.
BAD_ROWS = {
    7: "birth_date '2003-02-30' is not a date",
    8: "no given or family name",
    9: "nationality 'ALB' is not a two-letter ISO 3166 country code",
    10: "unknown form_of_exploitation car_wash",
    11: "year '25' is not a year",
    12: "municipality_number '301' is not four digits",
    14: "organisation_kind 'police' is not one of",
}


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "linkage.key"
    assert main(["keygen", "--output", str(path)]) == 0
    return path


def encode(key_file: Path, source: Path, output: Path) -> int:
    return main(["encode", "--key-file", str(key_file), "--input", str(source), "--output", str(output)])


def test_the_script_makes_a_private_key_and_never_overwrites_one(tmp_path: Path) -> None:
    key = tmp_path / "key"
    made = subprocess.run([ROOT / "bin" / "vern", "keygen", "--output", key], capture_output=True, text=True)  # noqa: S603
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert LinkageKey.from_file(key).fingerprint in made.stdout
    again = subprocess.run([ROOT / "bin" / "vern", "keygen", "--output", key], capture_output=True, text=True)  # noqa: S603
    assert again.returncode == 1
    assert "never overwritten" in again.stderr


def test_encode_writes_a_file_the_server_accepts(key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    output = tmp_path / "encoded.csv"

    assert encode(key_file, SAMPLE, output) == 0

    parsed = read_encoded(output.read_bytes(), LinkageKey.from_file(key_file).fingerprint)
    assert not parsed.refused
    assert not parsed.problems
    assert [row.line for row in parsed.rows] == [3, 4, 5, 6, 7, 8]
    assert parsed.rows[0].categories == {
        "year": "2025",
        "gender": "female",
        "nationality": "RO",
        "age_group": "adult",
        "form_of_exploitation": "sexual",
        "municipality_number": "0301",
        "organisation_kind": "ngo_project",
    }
    assert parsed.rows[2].categories["form_of_exploitation"] == "begging;sexual"
    assert parsed.rows[5].categories["age_group"] == ""  # "unknown"
    assert "Encoded 6 person(s)" in capsys.readouterr().out


def test_the_encoded_file_holds_no_name_and_no_date_of_birth(key_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "encoded.csv"
    encode(key_file, SAMPLE, output)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[1].split(",") == ["clk", *CATEGORY_COLUMNS]
    rows = list(csv.reader(lines[2:-1]))
    assert all(len(clk_from_text(row[0])) == ENCODING_BYTES for row in rows)
    categories = " ".join(" ".join(row[1:]) for row in rows).casefold()
    with SAMPLE.open(encoding="utf-8") as sample:
        identifying = {
            value.casefold()
            for row in csv.DictReader(sample)
            for column in ("given_names", "family_names", "aliases", "birth_date", "birth_year")
            if (value := row[column])
        }
    assert identifying
    assert not {value for value in identifying if value in categories}


def test_bad_rows_are_reported_by_line_and_the_rest_kept(
    key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    encode(key_file, SAMPLE, tmp_path / "encoded.csv")

    reported = capsys.readouterr().err.splitlines()

    assert len(reported) == len(BAD_ROWS)
    for message, (line, reason) in zip(reported, BAD_ROWS.items(), strict=True):
        assert f"line {line}: {reason}" in message
        assert "row left out" in message


def test_nothing_to_encode_fails(key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,born\nAnna,1990\n", encoding="utf-8")
    assert encode(key_file, source, tmp_path / "out.csv") == 1
    assert "missing column(s): given_names" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_semicolons_and_windows_1252_from_a_spreadsheet_are_read(key_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    text = SAMPLE.read_text(encoding="utf-8").splitlines()[:2]
    rows = [line.replace(",", ";") for line in text] + ["Bjørg;Fiktivsen;;;1980;female;NO;2025;;adult;0301;shelter"]
    source.write_bytes("\n".join(rows).encode("cp1252", errors="replace"))
    output = tmp_path / "out.csv"
    assert encode(key_file, source, output) == 0
    assert len(read_encoded(output.read_bytes(), LinkageKey.from_file(key_file).fingerprint).rows) == 2


def test_a_file_encoded_with_another_key_is_refused_and_would_link_nothing(key_file: Path, tmp_path: Path) -> None:
    other_key = tmp_path / "other.key"
    main(["keygen", "--output", str(other_key)])
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    encode(key_file, SAMPLE, ours)
    encode(other_key, SAMPLE, theirs)
    expected = LinkageKey.from_file(key_file).fingerprint

    refused = read_encoded(theirs.read_bytes(), expected)

    assert "encoded with another linkage key" in str(refused.refused)
    assert not refused.rows
    # Had it been taken anyway, none of the same persons would have linked.
    same_persons = read_encoded(ours.read_bytes(), expected).rows
    foreign = read_encoded(theirs.read_bytes(), LinkageKey.from_file(other_key).fingerprint).rows
    result = link([row.clk for row in same_persons + foreign], [0] * len(same_persons) + [1] * len(foreign))
    assert result.persons == len(same_persons) + len(foreign)


@pytest.fixture
def encoded_text(key_file: Path, tmp_path: Path) -> tuple[str, str]:
    output = tmp_path / "encoded.csv"
    encode(key_file, SAMPLE, output)
    return output.read_text(encoding="utf-8"), LinkageKey.from_file(key_file).fingerprint


def test_a_truncated_file_is_refused_whole(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    for cut in (text[: len(text) // 2], "".join(text.splitlines(keepends=True)[:-1])):
        parsed = read_encoded(cut.encode(), fingerprint)
        assert "incomplete" in str(parsed.refused)
        assert not parsed.rows


def test_wrong_format_or_columns_are_refused(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    lines = text.splitlines(keepends=True)
    assert "not a file written by the encoding tool Vern encode" in str(read_encoded(b"", fingerprint).refused)
    assert read_encoded(b"a,b\n1,2\n", fingerprint).refused == Reason("not_encoded")
    assert "not UTF-8" in str(read_encoded(b"\xff\xfe\x00", fingerprint).refused)
    renamed = lines[0] + lines[1].replace("organisation_kind", "kind") + "".join(lines[2:])
    assert "must name the columns" in str(read_encoded(renamed.encode(), fingerprint).refused)


def test_damaged_rows_are_reported_and_repeated_rows_kept(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    lines = text.splitlines(keepends=True)
    body = lines[2:-1]
    damaged = "!" + body[1][1:]
    edited = [*lines[:2], body[0], damaged, body[0], *body[2:], f"# end rows={len(body) + 1}\n"]

    parsed = read_encoded("".join(edited).encode(), fingerprint)

    assert not parsed.refused
    assert [str(problem) for problem in parsed.problems] == ["line 4: the encoding is damaged"]
    # A row repeated word for word may be another person without a birth date: it is kept, and linked.
    assert [row.line for row in parsed.rows] == [3, 5, *range(6, 6 + len(body) - 2)]


def test_a_file_of_the_old_format_is_refused_with_advice(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    old = text.replace("# vern-linkage v2 ", "# vern-linkage v1 ", 1).replace(" bytes=152", " bits=1024", 1)

    parsed = read_encoded(old.encode(), fingerprint)

    assert parsed.refused == Reason("old_format", {"version": "1", "current": 2})
    assert "older version of the encoding tool Vern encode (format v1)" in str(parsed.refused)
    assert not parsed.rows


def test_windows_line_ends_and_a_byte_order_mark_are_accepted(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    resaved = "\ufeff" + text.replace("\n", "\r\n")
    assert len(read_encoded(resaved.encode(), fingerprint).rows) == 6


def test_the_same_file_twice_has_the_same_digest(encoded_text: tuple[str, str]) -> None:
    text, fingerprint = encoded_text
    assert read_encoded(text.encode(), fingerprint).sha256 == read_encoded(text.encode(), fingerprint).sha256


def test_write_and_read_round_trip() -> None:
    key = LinkageKey(bytes(32))
    categories = dict.fromkeys(("gender", "nationality", "age_group", "form_of_exploitation"), "")
    categories |= {"year": "2024", "municipality_number": "", "organisation_kind": "udi"}
    text = write_encoded(key.fingerprint, [(bytes(range(ENCODING_BYTES)), categories)])
    parsed = read_encoded(text.encode(), key.fingerprint)
    assert [(row.clk, row.categories) for row in parsed.rows] == [(bytes(range(ENCODING_BYTES)), categories)]


def test_category_values_follow_vern_and_the_screening_catalogue() -> None:
    catalogue = json.loads((ROOT / "screening" / "fixtures" / "catalogue_v1.json").read_text(encoding="utf-8"))
    assert allowed_values()["organisation_kind"] == set(Organisation.Kind.values)
    assert allowed_values()["form_of_exploitation"] >= {form["code"] for form in catalogue["forms"]}
