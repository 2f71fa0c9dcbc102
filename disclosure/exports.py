"""Downloads of published tables as CSV, XLSX and PDF.

Tables are taken as `PublishedTable`s only — tables that have been through
`disclosure.suppression.protect` and no longer hold the suppressed values — so
every download shows the same suppression as the web page: a suppressed number
is the marker `:` and the table's footnote says why. Record-level releases are
written from what `disclosure.kanonymity` released.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from disclosure.suppression import MARKER

# A spreadsheet reads a text cell starting with one of these as a formula (CSV injection) …
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# … unless it is a number, such as HTCDS's missing value -99.
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


class Writable(Protocol):
    """A binary file or an HttpResponse."""

    def write(self, data: bytes, /) -> object: ...


class ExportTable(Protocol):
    """What the writers need of a table: a `PublishedTable`, or a `ResultTable` of figures that are not counts."""

    @property
    def title(self) -> object: ...

    @property
    def header(self) -> list[str]: ...

    @property
    def rows(self) -> Sequence[Any]: ...

    @property
    def has_suppressed(self) -> bool: ...

    @property
    def footnote(self) -> str: ...

    def shown_values(self, row: Any) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class ResultRow:
    label: object
    values: tuple[int | float | str, ...]
    level: int = 0
    kind: str = "row"


@dataclass(frozen=True)
class ResultTable:
    """Figures that are not counts of persons (estimates, model statistics), published as they are."""

    title: object
    columns: tuple[object, ...]
    rows: tuple[ResultRow, ...]
    row_heading: object = ""
    has_suppressed: bool = False
    footnote: str = ""

    @property
    def header(self) -> list[str]:
        return [str(self.row_heading), *(str(column) for column in self.columns)]

    def shown_values(self, row: ResultRow) -> tuple[int | float | str, ...]:
        return row.values


def write_csv(tables: Sequence[ExportTable], out: Writable) -> None:
    """The tables one after another: title, header, rows, footnote, a blank line between tables.

    UTF-8 with a byte order mark, so that spreadsheet programs read æ, ø and å right.
    """
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([_text(table.title)])
        writer.writerow([_text(heading) for heading in table.header])
        for row in table.rows:
            writer.writerow([_text(_indented(row)), *_shown(table, row)])
        if table.has_suppressed:
            writer.writerow([_text(table.footnote)])
    out.write(text.getvalue().encode("utf-8-sig"))


def write_records_csv(columns: Sequence[str], records: Iterable[Mapping[str, object]], out: Writable) -> None:
    """A record-level release (already k-anonymised): a header, then a line per record. UTF-8, no byte order mark."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_text(record[column]) for column in columns])
    out.write(text.getvalue().encode("utf-8"))


def write_xlsx(tables: Sequence[ExportTable], out: Writable) -> None:
    """A sheet per table: title, header, rows (numbers as numbers), footnote."""
    if not tables:
        raise ValueError("A workbook needs at least one table.")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in zip(_sheet_names(each.title for each in tables), tables, strict=True):
        sheet = workbook.create_sheet(name)
        sheet.append([_text(table.title)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_text(heading) for heading in table.header])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_text(row.label), *_shown(table, row)])
            line = sheet.max_row
            sheet.cell(line, 1).alignment = Alignment(indent=row.level * 2)
            for cell in sheet[line]:
                cell.font = Font(bold=row.kind != "row")
                if cell.value == MARKER:
                    cell.alignment = Alignment(horizontal="right")
        if table.has_suppressed:
            sheet.append([])
            sheet.append([_text(table.footnote)])
        sheet.column_dimensions["A"].width = (
            max((len(str(row.label)) + 2 * row.level for row in table.rows), default=10) + 4
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    out.write(buffer.getvalue())


def write_pdf(tables: Sequence[ExportTable], out: Writable, *, title: str) -> None:
    """A4 landscape: the document's title, then each table with its footnote."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(_pdf_text(title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.multi_cell(0, 9, _pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=12)
        pdf.multi_cell(0, 7, _pdf_text(str(table.title)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
        label_width = 3.0 if len(table.header) > 2 else 1.0
        with pdf.table(
            col_widths=(label_width, *([1.0] * (len(table.header) - 1))),
            text_align=("LEFT", *(["RIGHT"] * (len(table.header) - 1))),
            headings_style=FontFace(emphasis="BOLD"),
            line_height=5,
        ) as pdf_table:
            heading = pdf_table.row()
            for text in table.header:
                heading.cell(_pdf_text(text))
            for row in table.rows:
                style = FontFace(emphasis="BOLD") if row.kind != "row" else None
                line = pdf_table.row(style=style)
                line.cell(_pdf_text(_indented(row)))
                for value in _shown(table, row):
                    line.cell(str(value))
        if table.has_suppressed:
            pdf.set_font("helvetica", size=8)
            pdf.multi_cell(0, 5, _pdf_text(table.footnote), new_x="LMARGIN", new_y="NEXT")
    out.write(bytes(pdf.output()))


def _shown(table: ExportTable, row: Any) -> list[Any]:
    return [MARKER if value is None else value for value in table.shown_values(row)]


def _indented(row: Any) -> str:
    return "  " * row.level + str(row.label)


def _text(value: object) -> str:
    """Text as a spreadsheet shows it, never as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text) else text


def _pdf_text(text: str) -> str:
    """The PDF's built-in fonts cover Windows-1252 (æøå, dashes); other letters lose their accents."""
    kept = []
    for character in text:
        try:
            character.encode("cp1252")
            kept.append(character)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", character).encode("cp1252", "ignore").decode("cp1252")
            kept.append(plain or "?")
    return "".join(kept)


def _sheet_names(titles: Iterable[object]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique without regard to case."""
    names: list[str] = []
    for number, title in enumerate(titles, start=1):
        base = SHEET_NAME_FORBIDDEN.sub(" ", str(title)).strip().strip("'") or str(number)
        name = base[:SHEET_NAME_LENGTH].rstrip()
        suffix = 2
        while name.casefold() in (taken.casefold() for taken in names):
            tail = f" ({suffix})"
            name = base[: SHEET_NAME_LENGTH - len(tail)].rstrip() + tail
            suffix += 1
        names.append(name)
    return names
