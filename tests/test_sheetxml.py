"""The generated cell XML: same cells as xlsxwriter's per-cell writer, text never a formula, order, chunks."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter

from county_report import sheetxml
from county_report.sheetxml import MAX_ROWS, MAX_TEXT, NO_RATE, Grid, excel_serial, sheet_data, text_cell
from county_report.workbook import BOOK_OPTIONS, Column, Sheet, _Formats, _width, write_sheets

CREATED = dt.datetime(2026, 11, 20)
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TRICKY_TEXT = [
    '=HYPERLINK("http://x","点击")', "=1+1", "+交通局", "-", "@李四", "<r><t>x</t></r>", "<r>",
    'a & b < c > d "q" \'s\'', "_x0041_ stays", " leading", "trailing ", "tab\tand\nnewline",
    "a\x00b\x1bc\x7f", "\x00", "", None, "长" * (MAX_TEXT + 5), "😀𠀀", "bad\ud800surrogate", "\ufffe",
    "]]>", "&amp;", 1, 1.0, True,
]  # fmt: skip
MIXED = {
    "int": [0, -5, 2**40, None, 1.5, 7],
    "money": [0.1, 1234567.891, None, 1e-7, 0.30000000000000004, 12],
    "rate": [0.5, None, math.nan, 1.0, 0, 2 / 3],
    "date": [
        dt.date(2026, 11, 20),
        dt.datetime(2026, 11, 20, 12, 30),
        None,
        "2026-13-01",
        dt.date(1900, 3, 1),
        "",
    ],
}
STYLES = ("", "alert", "missing", "total", "", "alert")


def tricky_sheet(name="表") -> Sheet:
    """Every column kind, hostile text, every row style."""
    n = len(TRICKY_TEXT)
    styles = tuple(STYLES[i % len(STYLES)] for i in range(n))
    columns = [Column("文本", "text", TRICKY_TEXT), Column("长文本", "long", TRICKY_TEXT[::-1])]
    columns += [Column(kind, kind, (values * n)[:n]) for kind, values in MIXED.items()]
    return Sheet(name, tuple(columns), styles, (1, 1))


def reference_book(path: Path, sheet: Sheet) -> None:
    """The writer this module replaced: one xlsxwriter call per cell (constant-memory mode)."""
    book = xlsxwriter.Workbook(str(path), {**BOOK_OPTIONS, "in_memory": False, "constant_memory": True})
    formats, plain = _Formats(book), book.add_format()
    ws = book.add_worksheet(sheet.name)
    ws.freeze_panes(*sheet.freeze)
    for c, col in enumerate(sheet.columns):
        ws.set_column(c, c, _width(col), formats.get("long", "") if col.kind == "long" else None)
        ws.write_string(0, c, col.header, formats.header)
    for r, style in enumerate(sheet.styles, start=1):
        for c, col in enumerate(sheet.columns):
            _reference_cell(ws, r, c, col.kind, col.values[r - 1], formats.get(col.kind, style), plain)
    book.close()


def _reference_cell(ws, r, c, kind, v, fmt, plain):
    if kind == "rate" and (v is None or (isinstance(v, float) and math.isnan(v))):
        return ws.write_string(r, c, NO_RATE, fmt)
    if kind in ("int", "money", "rate"):
        return ws.write_blank(r, c, None, fmt) if v is None else ws.write_number(r, c, v, fmt)
    if kind == "date" and isinstance(v, dt.date):
        return ws.write_datetime(r, c, v, fmt)
    s = sheetxml.clean_text(v) if v is not None else ""
    if not s:
        return ws.write_blank(r, c, None, fmt)
    if s.startswith("<r>") and s.endswith("</r>"):
        return ws.write_rich_string(r, c, s[:1], plain, s[1:], *((fmt,) if fmt else ()))
    return ws.write_string(r, c, s, fmt)


def read_cells(path: Path) -> list[list[tuple]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [
        [(c.value, c.data_type, c.number_format, c.font.b, c.font.color and c.font.color.rgb, c.fill.fgColor.rgb)
         for c in row]
        for row in ws.iter_rows()
    ]  # fmt: skip


def test_fast_path_reads_back_exactly_like_the_per_cell_writer(tmp_path):
    sheet = tricky_sheet()
    write_sheets(tmp_path / "fast.xlsx", [sheet], CREATED)
    reference_book(tmp_path / "slow.xlsx", sheet)
    fast, slow = read_cells(tmp_path / "fast.xlsx"), read_cells(tmp_path / "slow.xlsx")
    assert len(fast) == len(TRICKY_TEXT) + 1
    assert fast == slow


def test_text_is_literal_never_a_formula_or_markup(tmp_path):
    write_sheets(tmp_path / "b.xlsx", [tricky_sheet()], CREATED)
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx").worksheets[0]
    shown = [ws.cell(r, 1).value for r in range(2, len(TRICKY_TEXT) + 2)]
    assert shown[:8] + shown[9:12] == [*TRICKY_TEXT[:8], *TRICKY_TEXT[9:11], "tab\tand\nnewline"]
    assert (
        shown[8] == "_x005F_x0041_ stays"
    )  # Excel and LibreOffice show "_x0041_ stays"; openpyxl does not decode
    assert all(ws.cell(r, 1).data_type == "s" for r in range(2, 14))
    assert shown[12] == "abc" and shown[13] is None  # control characters stripped
    assert len(shown[16]) == MAX_TEXT and shown[17] == "😀𠀀" and shown[18] == "badsurrogate"
    assert shown[20:25] == ["]]>", "&amp;", "1", "1.0", "True"]


def test_numbers_dates_and_missing_rates(tmp_path):
    write_sheets(tmp_path / "b.xlsx", [tricky_sheet()], CREATED)
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx").worksheets[0]
    assert [ws.cell(r, 3).value for r in range(2, 8)] == [0, -5, 2**40, None, 1.5, 7]
    assert ws["C2"].number_format == "#,##0" and ws["D3"].number_format == "#,##0.00"
    assert [ws.cell(r, 5).value for r in range(2, 8)] == [0.5, NO_RATE, NO_RATE, 1, 0, pytest.approx(2 / 3)]
    assert ws["E3"].data_type == "s" and ws["E2"].number_format == "0.0%"
    assert ws["F2"].value == dt.datetime(2026, 11, 20) and ws["F2"].number_format == "yyyy-mm-dd"
    assert ws["F3"].value == dt.datetime(2026, 11, 20, 12, 30)
    assert ws["F5"].value == "2026-13-01"  # not a date: shown as typed
    assert ws["F6"].value == dt.datetime(1900, 3, 1)


def test_excel_serials_count_the_1900_leap_day():
    assert excel_serial(dt.date(1900, 1, 1)) == 1
    assert excel_serial(dt.date(1900, 2, 28)) == 59
    assert excel_serial(dt.date(1900, 3, 1)) == 61
    assert excel_serial(dt.date(2026, 11, 20)) == 46346
    assert excel_serial(dt.datetime(2026, 11, 20, 18, 0)) == 46346.75


def test_special_characters_are_escaped_once():
    assert text_cell('a&b<c>"d"') == ' t="inlineStr"><is><t>a&amp;b&lt;c&gt;"d"</t></is></c>'
    assert "<t>_x005F_x0041_</t>" in text_cell("_x0041_")  # Excel would otherwise show "A"
    assert 'xml:space="preserve"' in text_cell(" x") and 'xml:space="preserve"' not in text_cell("x y")


def grid(rows: int, styles=()) -> Grid:
    values = [
        [f"村{i % 7}" for i in range(rows)],
        list(range(rows)),
        [None if i % 3 else 0.5 for i in range(rows)],
    ]
    return Grid(
        ["村", "数", "率"], ["text", "int", "rate"], values, styles, 1, {"": [0, 2, 3], "alert": [4, 5, 6]}
    )


def parse_rows(pieces) -> list:
    return ElementTree.fromstring(
        "".join(pieces).replace("<sheetData>", f'<sheetData xmlns="{NS[1:-1]}">', 1)
    )


def test_chunks_join_into_rows_and_cells_in_strict_order(monkeypatch):
    monkeypatch.setattr(sheetxml, "MEMO_LIMIT", 3)  # the memo is emptied between chunks, too
    styles = tuple("alert" if i % 5 == 0 else "" for i in range(1000))
    data = parse_rows(sheet_data(grid(1000, styles), chunk=37))
    rows = data.findall(f"{NS}row")
    assert [r.get("r") for r in rows] == [str(n) for n in range(1, 1002)]
    for r in rows:
        assert [c.get("r") for c in r.findall(f"{NS}c")] == [f"{col}{r.get('r')}" for col in "ABC"]
    assert rows[1].find(f"{NS}c").get("s") == "4" and rows[2].find(f"{NS}c") is not None
    assert rows[2].find(f"{NS}c").get("s") is None and rows[2][1].get("s") == "2"
    assert rows[-1][0].find(f"{NS}is/{NS}t").text == f"村{999 % 7}"
    assert rows[-1][1].find(f"{NS}v").text == "999"


def test_big_sheet_streams_in_chunks_with_matching_dimension(tmp_path, monkeypatch):
    monkeypatch.setattr(sheetxml, "CHUNK_ROWS", 1000)
    n = 25_000
    sheet = Sheet(
        "大表",
        (Column("村", "text", [f"村{i % 50}" for i in range(n)]), Column("行号", "int", list(range(n)))),
    )
    write_sheets(tmp_path / "big.xlsx", [sheet], CREATED)
    with zipfile.ZipFile(tmp_path / "big.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert f'<dimension ref="A1:B{n + 1}"/>' in xml and xml.count("<row ") == n + 1
    ws = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == n + 1 and rows[1] == ("村0", 0) and rows[-1] == (f"村{(n - 1) % 50}", n - 1)


def test_rows_beyond_excels_limit_are_not_written():
    assert grid(0).rows == 0
    huge = Grid(["a"], ["int"], [[None] * (MAX_ROWS + 3)], (), 0, {"": [0]})
    assert huge.rows == MAX_ROWS - 1 and sheetxml.dimension(huge) == f"A1:A{MAX_ROWS}"


def test_unhashable_and_mixed_values_are_written_one_by_one():
    cells = parse_rows(sheet_data(Grid(["a"], ["text"], [[[1, 2], 1, 1.0, "1"]], (), 0, {"": [0]})))
    assert [c.find(f"{NS}is/{NS}t").text for c in cells.iter(f"{NS}c")][1:] == ["[1, 2]", "1", "1.0", "1"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_it_and_sees_the_same_text(tmp_path):
    write_sheets(tmp_path / "b.xlsx", [tricky_sheet("台账")], CREATED)
    profile = f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}"  # its own profile: no clash with others
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(tmp_path / "b.xlsx")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    text = (tmp_path / "b.csv").read_text(encoding="utf-8", errors="replace")
    assert '"=HYPERLINK(""http://x"",""点击"")"' in text and "<r><t>x</t></r>" in text
    assert "2026-11-20" in text and NO_RATE in text and "_x0041_ stays" in text and "_x005F" not in text
