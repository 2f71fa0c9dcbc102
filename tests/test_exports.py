"""Every download shows the same suppressed table: the marker where a number is hidden, and the footnote."""

import csv
import io
import re
import zlib
from collections.abc import Iterable

import pytest
from openpyxl import load_workbook

from disclosure.exports import write_csv, write_pdf, write_xlsx
from disclosure.suppression import MARKER, PublishedTable, Row, RowGroup, Table, protect

# Labels and footnotes are checked in their English source text.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def tables() -> list[PublishedTable]:
    by_form = Table(
        "Presumed victims by form of exploitation and age group, 2026",
        "Form of exploitation",
        ("Minor", "Adult"),
        (
            Row("Sexual exploitation", (3, 40)),
            Row("Forced labour – cleaning", (6, 12)),
            Row("Forced criminality – drug trade", (0, 9)),
            Row('=HYPERLINK("x")', (7, 8)),
        ),
    )
    by_gender = Table(
        "Presumed victims by gender and age group, 2026",
        "Gender",
        ("Persons",),
        (RowGroup("Kvinne", (Row("Minor", (4,)), Row("Adult", (30,)))), Row("Mann", (20,))),
    )
    return [protect(by_form), protect(by_gender)]


def test_the_csv_shows_the_marker_numbers_and_footnote(tables: list[PublishedTable]) -> None:
    out = io.BytesIO()
    write_csv(tables, out)
    assert out.getvalue().startswith(b"\xef\xbb\xbf"), "a byte order mark, for spreadsheet programs"
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines[0] == ["Presumed victims by form of exploitation and age group, 2026"]
    assert lines[1] == ["Form of exploitation", "Minor", "Adult", "Total"]
    assert lines[2] == ["Sexual exploitation", MARKER, MARKER, "43"]
    assert lines[4] == ["Forced criminality – drug trade", "0", "9", "9"]
    assert lines[5][0] == '\'=HYPERLINK("x")', "a label is never a formula"
    assert lines[6] == ["Total", "16", "69", "85"]
    assert lines[7][0].startswith(f"{MARKER} Not published")
    assert lines[8] == []
    assert lines[10] == ["Gender", "Persons"], "a one-way table has no separate total column"
    assert lines[11:15] == [["Kvinne", "34"], ["  Minor", MARKER], ["  Adult", MARKER], ["Mann", "20"]]
    assert no_small_number(cell for line in lines for cell in line)


def test_the_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(tables: list[PublishedTable]) -> None:
    out = io.BytesIO()
    write_xlsx(tables, out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == [
        "Presumed victims by form of exp",
        "Presumed victims by gender and",
    ]
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1] == ("Form of exploitation", "Minor", "Adult", "Total")
    assert rows[2] == ("Sexual exploitation", MARKER, MARKER, 43)
    assert rows[5][0] == '\'=HYPERLINK("x")'
    assert rows[6] == ("Total", 16, 69, 85)
    assert rows[8][0].startswith(f"{MARKER} Not published")
    gender = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert gender[2:6] == [("Kvinne", 34), ("Minor", MARKER), ("Adult", MARKER), ("Mann", 20)]
    assert workbook.worksheets[1]["A4"].alignment.indent == 2
    assert no_small_number(cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_pdf_is_a_pdf_with_the_marker_and_footnote(tables: list[PublishedTable]) -> None:
    out = io.BytesIO()
    write_pdf(tables, out, title="Menneskehandel i Norge – nasjonal rapport 2026 (Øst og Vest)")
    pdf = out.getvalue()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert MARKER in text.splitlines(), "a suppressed cell"
    assert "Not published to protect the persons counted" in text
    assert "Forced labour – cleaning" in text, "the en dash, drawn in Windows-1252"
    assert "Øst og Vest" in text


def test_letters_outside_the_pdf_fonts_lose_only_their_accents() -> None:
    table = protect(Table("Nationality: Győr, Ωmega", "Nationality", ("Persons",), (Row("Ærø", (9,)),)))
    out = io.BytesIO()
    write_pdf([table], out, title="Test")
    text = pdf_text(out.getvalue())
    assert "Gyor, ?mega" in text
    assert "Ærø" in text


def test_sheet_names_follow_excels_rules() -> None:
    named = [protect(Table(title, "r", ("n",), (Row("a", (9,)),))) for title in ["a/b: c?", "A/B: C?", "", "x" * 40]]
    out = io.BytesIO()
    write_xlsx(named, out)
    assert load_workbook(io.BytesIO(out.getvalue())).sheetnames == ["a b  c", "A B  C (2)", "3", "x" * 31]


def test_an_empty_workbook_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="at least one table"):
        write_xlsx([], io.BytesIO())


def no_small_number(cells: Iterable[object]) -> bool:
    """No number from 1 to 4 anywhere, as a number or as text."""
    numbers = [c if isinstance(c, int) else int(str(c)) for c in cells if isinstance(c, int) or str(c).isdigit()]
    return not any(0 < n < 5 for n in numbers)


def pdf_text(pdf: bytes) -> str:
    """The text drawn by the PDF's content streams (zlib-compressed), as Windows-1252."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        shown.extend(re.findall(rb"\((.*?)\)\s*Tj", content, flags=re.DOTALL))
    return "\n".join(part.decode("cp1252") for part in shown)
