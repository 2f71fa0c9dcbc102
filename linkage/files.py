"""The encoded file that carries encodings and categories, and never a name.

Plain Python, no third-party imports: `vern encode` writes it on an organisation's
machine, the server reads it. Layout (UTF-8, comma-separated, one person a line):

    # vern-linkage v2 key=<key fingerprint> bytes=152
    clk,year,gender,nationality,age_group,form_of_exploitation,municipality_number,organisation_kind
    <base64 encoding>,2025,female,RO,adult,sexual,0301,ngo_project
    ...
    # end rows=<number of person lines>

The first line names the format and the key (fingerprint only) the encodings were
made with; the last line counts the rows, so a file cut short is recognised. The
reader refuses a whole file whose format, key, columns or end line is wrong, and
otherwise keeps every good row and reports every bad one by line with its reason. A
row repeated word for word is kept: two persons without a birth date and with one
name encode alike, and an organisation listing one person twice is linked like any
other duplicate. A file of format v1 (one filter over all fields, before issue 16)
is refused with the advice to encode it again: its fields cannot be taken apart.
The file's SHA-256 lets an importer see that the same file comes twice. Each reason
has a code and its parameters, so the server can tell it in the statistician's
language; the English text is for the command line and the tests.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from linkage.encoding import ENCODING_BYTES, FORMAT_VERSION, clk_from_text, clk_to_text
from linkage.people import CATEGORY_COLUMNS, allowed_values

FORMAT = f"vern-linkage v{FORMAT_VERSION}"
COLUMNS = ("clk", *CATEGORY_COLUMNS)
_HEADER = re.compile(rf"# {FORMAT} key=(?P<key>[0-9a-f]{{16}}) bytes=(?P<bytes>\d+)")
_OLD_HEADER = re.compile(r"# vern-linkage v(?P<version>\d+) ")
_END = re.compile(r"# end rows=(?P<rows>\d+)")


_TOOL = "the encoding tool Vern encode"
REASONS = {
    "not_utf8": f"This is not a file written by {_TOOL} (it is not UTF-8 text).",
    "old_format": (
        f"The file was written by an older version of {_TOOL} (format v{{version}}); Vern now links format "
        f"v{{current}}, which encodes each field apart. Ask the organisation to encode again with the current version."
    ),
    "not_encoded": f"This is not a file written by {_TOOL} (the first line does not name the format).",
    "other_key": (
        "The file was encoded with another linkage key (fingerprint {fingerprint}, expected {expected}); its "
        "persons could not be linked with anyone. Ask the organisation to encode again with the key it was given."
    ),
    "encoding_size": "The file holds {bytes}-byte encodings; Vern links {expected}-byte encodings.",
    "columns": "The second line must name the columns {columns}.",
    "incomplete": "The file is incomplete (cut short or edited): its end line is missing or counts other rows.",
    "field_count": "{count} fields where there should be {expected}",
    "damaged_encoding": "the encoding is damaged",
    "not_a_year": "year '{value}' is not a year",
    "not_a_country": "nationality '{value}' is not a two-letter country code",
    "not_a_municipality": "municipality_number '{value}' is not four digits",
    "unknown_value": "{column} '{value}' is not a known value",
    "unknown_forms": "unknown form_of_exploitation {value}",
}


@dataclass(frozen=True)
class Reason:
    """Why a file or a line is refused: a code of REASONS and the values its text names."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return REASONS[self.code].format(**self.params)


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: Reason

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class EncodedRow:
    line: int
    clk: bytes
    categories: dict[str, str]


@dataclass
class EncodedFile:
    """What a reader made of a file: ``refused`` says why nothing is taken, else ``rows``."""

    sha256: str
    refused: Reason | None = None
    key_fingerprint: str = ""
    rows: list[EncodedRow] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


def write_encoded(key_fingerprint: str, rows: list[tuple[bytes, dict[str, str]]]) -> str:
    out = io.StringIO()
    out.write(f"# {FORMAT} key={key_fingerprint} bytes={ENCODING_BYTES}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for clk, categories in rows:
        writer.writerow([clk_to_text(clk), *(categories[column] for column in CATEGORY_COLUMNS)])
    out.write(f"# end rows={len(rows)}\n")
    return out.getvalue()


def read_encoded(data: bytes, expected_key_fingerprint: str) -> EncodedFile:
    result = EncodedFile(sha256=hashlib.sha256(data).hexdigest())
    try:
        lines = data.decode("utf-8-sig").splitlines()  # a BOM, should a text editor have added one
    except UnicodeDecodeError:
        result.refused = Reason("not_utf8")
        return result
    header = _HEADER.fullmatch(lines[0].strip()) if lines else None
    old = _OLD_HEADER.match(lines[0].strip()) if lines and not header else None
    if old:
        result.refused = Reason("old_format", {"version": old["version"], "current": FORMAT_VERSION})
        return result
    if not header:
        result.refused = Reason("not_encoded")
        return result
    result.key_fingerprint = header["key"]
    if header["key"] != expected_key_fingerprint:
        result.refused = Reason("other_key", {"fingerprint": header["key"], "expected": expected_key_fingerprint})
        return result
    if int(header["bytes"]) != ENCODING_BYTES:
        result.refused = Reason("encoding_size", {"bytes": int(header["bytes"]), "expected": ENCODING_BYTES})
        return result
    if len(lines) < 2 or next(csv.reader([lines[1]])) != list(COLUMNS):
        result.refused = Reason("columns", {"columns": ",".join(COLUMNS)})
        return result
    end = _END.fullmatch(lines[-1].strip())
    body = lines[2:-1] if end else lines[2:]
    if not end or int(end["rows"]) != len(body):
        result.refused = Reason("incomplete")
        return result
    _read_rows(body, result)
    return result


def _read_rows(body: list[str], result: EncodedFile) -> None:
    for line, text in enumerate(body, start=3):
        values = next(csv.reader([text]), [])
        if len(values) != len(COLUMNS):
            reason = Reason("field_count", {"count": len(values), "expected": len(COLUMNS)})
            result.problems.append(LineProblem(line, reason))
            continue
        row = dict(zip(COLUMNS, values, strict=True))
        try:
            clk = clk_from_text(row.pop("clk"))
        except ValueError:
            result.problems.append(LineProblem(line, Reason("damaged_encoding")))
            continue
        problem = _category_problem(row)
        if problem:
            result.problems.append(LineProblem(line, problem))
            continue
        result.rows.append(EncodedRow(line, clk, row))


def _category_problem(row: dict[str, str]) -> Reason | None:
    if not re.fullmatch(r"\d{4}", row["year"]):
        return Reason("not_a_year", {"value": row["year"]})
    if row["nationality"] and not re.fullmatch(r"[A-Z]{2}", row["nationality"]):
        return Reason("not_a_country", {"value": row["nationality"]})
    if row["municipality_number"] and not re.fullmatch(r"\d{4}", row["municipality_number"]):
        return Reason("not_a_municipality", {"value": row["municipality_number"]})
    allowed = allowed_values()
    for column in ("gender", "age_group", "organisation_kind"):
        if row[column] and row[column] not in allowed[column]:
            return Reason("unknown_value", {"column": column, "value": row[column]})
    forms = [form for form in row["form_of_exploitation"].split(";") if form]
    unknown = [form for form in forms if form not in allowed["form_of_exploitation"]]
    return Reason("unknown_forms", {"value": ", ".join(unknown)}) if unknown else None
