"""The file-level defences: every hostile kind is rejected by name before any reader opens it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import hostile
import pytest

from county_report import guard
from county_report.guard import classify, screen_file


def screened(path: Path):
    return screen_file(path, path.name)


def assert_rejected(path: Path, code: str, words: str) -> None:
    found = screened(path)
    assert found is not None, f"{path.name} passed the guard"
    assert (found.code, found.file) == (code, path.name)
    assert words in found.message


# --- files that must pass ------------------------------------------------------------------


def test_normal_workbook_passes(tmp_path):
    assert screened(hostile.good_workbook(tmp_path / "东村.xlsx")) is None


def test_xlsm_passes_guard_and_keeps_its_macro_inert(tmp_path):
    path = hostile.xlsm_with_macro(tmp_path)
    assert "xl/vbaProject.bin" in zipfile.ZipFile(path).namelist()
    assert screened(path) is None


def test_valid_workbook_that_is_not_the_form_is_left_to_the_reader(tmp_path):
    assert screened(hostile.not_standard_form(tmp_path)) is None


def test_ods_with_libreoffice_trailing_repeats_passes(tmp_path):
    assert screened(hostile.ods_workbook(tmp_path / "东村.ods")) is None


def test_xls_passes(tmp_path):
    pytest.importorskip("xlwt")
    assert screened(hostile.xls_workbook(tmp_path / "东村.xls")) is None


def test_styled_empty_cells_far_away_are_not_data(tmp_path):
    src = hostile.good_workbook(tmp_path / "_b.xlsx")
    cell = b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    path = hostile.patched(
        src, tmp_path / "格式.xlsx", {hostile.SHEET: lambda d: hostile._append_cell(d, cell)}
    )
    assert screened(path) is None


# --- broken, encrypted, oversized ----------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "words"),
    [
        (hostile.empty_file, "文件为空"),
        (hostile.truncated_zip, "压缩结构不完整"),
        (hostile.random_bytes, "无法识别"),
    ],
)
def test_broken_files_are_corrupt(tmp_path, builder, words):
    assert_rejected(builder(tmp_path), "file-corrupt", "文件已损坏")
    assert words in screened(builder(tmp_path)).message


def test_encrypted_ooxml(tmp_path):
    pytest.importorskip("msoffcrypto")
    assert_rejected(hostile.encrypted_ooxml(tmp_path), "file-encrypted", "文件已加密")


def test_encrypted_xls(tmp_path):
    pytest.importorskip("xlwt")
    assert_rejected(hostile.xls_with_filepass(tmp_path / "有密码.xls"), "file-encrypted", "请取消密码")


def test_zip_bomb_rejected_from_directory(tmp_path):
    assert_rejected(hostile.zip_bomb(tmp_path), "file-too-large", "压缩炸弹")


def test_zip_bomb_with_lying_directory_stops_at_declared_size(tmp_path):
    assert_rejected(hostile.lying_zip_bomb(tmp_path), "file-corrupt", "校验失败")


def test_file_over_size_cap(tmp_path):
    path = tmp_path / "大.xlsx"
    with path.open("wb") as fh:
        fh.truncate(guard.MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert_rejected(path, "file-too-large", "超过上限 20 MB")


def test_too_many_members(tmp_path):
    extra = {f"xl/media/p{i}.txt": b"x" for i in range(guard.MAX_MEMBERS)}
    path = hostile.patched(hostile.good_workbook(tmp_path / "_b.xlsx"), tmp_path / "多.xlsx", extra=extra)
    assert_rejected(path, "file-too-large", "个部件")


# --- XML ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "builder", [hostile.entity_bomb_sheet, hostile.entity_bomb_shared_strings, hostile.external_entity]
)
def test_entity_declarations_rejected(tmp_path, builder):
    assert_rejected(builder(tmp_path), "xml-unsafe", "DOCTYPE")


def _sheet_prolog(tmp_path: Path, new_head: bytes, encoding: str = "utf-8") -> Path:
    src = hostile.good_workbook(tmp_path / "_b.xlsx")
    edit = {hostile.SHEET: lambda d: (new_head.decode() + d.decode()).encode(encoding)}
    return hostile.patched(src, tmp_path / "x.xlsx", edit)


def test_doctype_in_utf16_part(tmp_path):
    head = '\ufeff<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'.encode()
    assert_rejected(_sheet_prolog(tmp_path, head, "utf-16-le"), "xml-unsafe", "DOCTYPE")


def test_doctype_after_comments(tmp_path):
    assert_rejected(_sheet_prolog(tmp_path, b"<!-- a --><?pi x?><!DOCTYPE x>"), "xml-unsafe", "DOCTYPE")


def test_prolog_longer_than_a_chunk(tmp_path):
    head = b"<!--" + b"x" * 200_000 + b"--><!DOCTYPE x>"
    assert_rejected(_sheet_prolog(tmp_path, head), "xml-unsafe", "文件头过长")


def test_encoding_that_could_hide_a_doctype(tmp_path):
    assert_rejected(_sheet_prolog(tmp_path, b'<?xml version="1.0" encoding="UTF-7"?>'), "xml-unsafe", "UTF-7")


# --- sheet extent ---------------------------------------------------------------------------


def test_far_cell_rejected_with_sheet_and_cell(tmp_path):
    found = screened(hostile.far_cell(tmp_path))
    assert (found.code, found.sheet, found.cell) == ("sheet-too-large", "基本情况", "XFD1048576")


def test_far_dimension_rejected(tmp_path):
    assert_rejected(hostile.far_dimension(tmp_path), "sheet-too-large", "A1:XFD1048576")


@pytest.mark.parametrize(
    "cells",
    [
        b'<row r="1048576"><c><v>1</v></c></row>',  # position implied by the row
        b'<row r="5"><c r="&#88;FD5"><v>1</v></c></row>',  # character reference in r
        b'<row r="5"><c t=">" r="XFD5"><v>1</v></c></row>',  # '>' inside an earlier attribute
        b'<x:row r="5"><x:c r="GS5"><x:v>1</x:v></x:c></x:row>',  # namespace prefix; GS = column 201
        b'<row r="5"><c r="A20001"><v>1</v></c></row>',
        b'<row r="5"><c r="A0"><v>1</v></c></row>',  # row 0 would underflow in a reader
        b'<row r="5">' + b"<c><v>1</v></c>" * 201 + b"</row>",  # 201 implied columns
        b'<row r="5"><c r="A5" r="XFD5"><v>1</v></c></row>',  # a second r: readers differ on which wins
        b'<row r="5"><c s="0" r="XFD5"><v>1</v></c></row>',  # r after another attribute
        b'<row r="5"><c\nr="XFD5"><v>1</v></c></row>',  # r set off by a newline
        b'<row r="5"><c r = "XFD5"><v>1</v></c></row>',  # spaces around =
        b'<row r="5" r="1048576"><c><v>1</v></c></row>',  # a second r on the row
    ],
)
def test_disguised_far_cells_rejected(tmp_path, cells):
    src = hostile.good_workbook(tmp_path / "_b.xlsx")
    path = hostile.patched(
        src, tmp_path / "x.xlsx", {hostile.SHEET: lambda d: hostile._append_cell(d, cells)}
    )
    assert_rejected(path, "sheet-too-large", "超出上限")


def test_cells_at_the_caps_pass(tmp_path):
    ref = f"{hostile.col_letters(guard.MAX_COLS)}{guard.MAX_ROWS}".encode()
    assert ref == b"GR20000"
    cells = b'<row r="20000"><c r="' + ref + b'"><v>1</v></c></row>'
    src = hostile.good_workbook(tmp_path / "_b.xlsx")
    path = hostile.patched(
        src, tmp_path / "x.xlsx", {hostile.SHEET: lambda d: hostile._append_cell(d, cells)}
    )
    assert screened(path) is None


def test_form_sheets_take_the_quick_path(tmp_path):
    # The guard's counting check must accept what our form writer and Excel write, or every
    # sheet would go tag by tag (3–4× slower); the disguised cases above must not pass it.
    from county_report.definition import load_campaign
    from county_report.forms import write_blank_form
    from county_report.sheetscan import XlsxSheetScan

    root = Path(__file__).resolve().parent
    spec = load_campaign(root.parent / "templates" / "form.toml")
    ours = write_blank_form(spec, tmp_path / "空表.xlsx")
    texts = []
    for form in (ours, root / "fixtures" / "roundtrip_libreoffice.xlsx"):
        with zipfile.ZipFile(form) as zf:
            sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
            texts += [zf.read(n).decode("latin-1") for n in sheets]
    assert len(texts) >= 6
    for text in texts:
        assert XlsxSheetScan("p", lambda b: b.decode("latin-1"))._plain_and_small(text)
    sheet = texts[0]
    for disguise in ('<c r="A5" r="XFD5">', '<c s="0" r="XFD5">', '<c\nr="XFD5">', '<x:c r="A5">', "<c>"):
        tampered = sheet.replace("</sheetData>", f'<row r="5">{disguise}<v>1</v></c></row></sheetData>')
        assert not XlsxSheetScan("p", lambda b: b.decode("latin-1"))._plain_and_small(tampered), disguise


def test_huge_merge_range_rejected(tmp_path):
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    src = hostile.good_workbook(tmp_path / "_b.xlsx")
    edit = {hostile.SHEET: lambda d: d.replace(b"</sheetData>", b"</sheetData>" + merge)}
    assert_rejected(hostile.patched(src, tmp_path / "x.xlsx", edit), "sheet-too-large", "A1:XFD1048576")


def test_ods_far_cell_after_empty_repeats(tmp_path):
    rows = (
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
    )
    found = screened(hostile.ods_workbook(tmp_path / "x.ods", rows))
    assert (found.code, found.sheet, found.cell) == ("sheet-too-large", "基本情况", "A1048571")


def test_xls_far_cell(tmp_path):
    pytest.importorskip("xlwt")
    found = screened(hostile.xls_workbook(tmp_path / "x.xls", far=(65535, 255)))
    assert (found.code, found.sheet, found.cell) == ("sheet-too-large", "基本情况", "IV65536")


# --- wrong types and skipped files ----------------------------------------------------------


def test_wrong_types_get_advice(tmp_path):
    et, csv, docx, pdf = hostile.wrong_types(tmp_path)
    for path in (et, csv):
        assert_rejected(path, "wrong-file-type", "“另存为” .xlsx")
    for path in (docx, pdf):
        assert_rejected(path, "wrong-file-type", "而不是 Word/PDF")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"<html><table>", "网页"),
        ("乡镇,村\n城关镇,东村\n".encode("gbk"), "文本文件"),
    ],
)
def test_disguised_as_xlsx_says_what_it_is(tmp_path, content, words):
    path = tmp_path / "东村.xlsx"
    path.write_bytes(content)
    assert_rejected(path, "wrong-file-type", words)


def test_word_document_renamed_xlsx(tmp_path):
    _, _, docx, _ = hostile.wrong_types(tmp_path)
    assert_rejected(docx.rename(tmp_path / "东村.xlsx"), "wrong-file-type", "Word")


def test_lock_and_hidden_files_are_skipped(tmp_path):
    lock, hidden = hostile.lock_and_hidden(tmp_path)
    assert "锁文件" in classify(lock)
    assert classify(hidden) == "隐藏文件"
    assert classify(hostile.good_workbook(tmp_path / "东村.xlsx")) is None


# --- the reason for all this ----------------------------------------------------------------

_OPEN_ALL = """
import sys, python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
for name in wb.sheet_names:
    wb.get_sheet_by_name(name).to_python()
"""


def test_calamine_never_gets_a_file_that_kills_it(tmp_path):
    corpus = hostile.build_corpus(tmp_path)
    passed = [p for p in corpus.values() if classify(p) is None and screened(p) is None]
    assert {p.name for p in passed} == {"别的表.xlsx", "宏表.xlsm"}
    for path in passed:
        done = subprocess.run([sys.executable, "-c", _OPEN_ALL, str(path)], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr[-300:]


# --- only the sheets the reader opens are scanned cell by cell ---------------------------------

FORM_SHEETS = ("基本情况", "问题台账", "典型事例")


def _far_cell_in(folder: Path, sheet_part: str) -> Path:
    from hostile import _append_cell, good_workbook, patched

    src = good_workbook(folder / "_base.xlsx")  # sheet1 = 基本情况, sheet2 = 问题台账
    cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    out = patched(
        src,
        folder / f"far-{sheet_part.rsplit('/', 1)[-1]}.xlsx",
        {sheet_part: lambda d: _append_cell(d, cell)},
    )
    src.unlink()
    return out


def test_a_far_cell_in_a_sheet_the_reader_opens_is_rejected(tmp_path):
    path = _far_cell_in(tmp_path, "xl/worksheets/sheet2.xml")
    found = screen_file(path, path.name, FORM_SHEETS)
    assert found is not None and found.code == "sheet-too-large" and found.sheet == "问题台账"


def test_a_sheet_the_reader_never_opens_is_not_inflated(tmp_path):
    # 问题台账 is not among the sheets asked for: calamine never parses it, so only its size counts
    path = _far_cell_in(tmp_path, "xl/worksheets/sheet2.xml")
    assert screen_file(path, path.name, ("基本情况",)) is None
    assert screen_file(path, path.name).code == "sheet-too-large"  # no list: every sheet scanned


def test_an_unfollowable_catalogue_falls_back_to_scanning_every_sheet(tmp_path):
    from hostile import patched

    path = _far_cell_in(tmp_path, "xl/worksheets/sheet2.xml")
    broken = patched(
        path,
        tmp_path / "broken-rels.xlsx",
        {"xl/_rels/workbook.xml.rels": lambda d: d.replace(b'Id="rId2"', b'Id="rIdX"')},
    )
    assert screen_file(broken, broken.name, ("基本情况",)).code == "sheet-too-large"


# --- issue 16: what the reader would silently misread ----------------------------------------


def _catalogue_trick(tmp_path: Path, name: str, edits: dict) -> Path:
    from hostile import patched

    path = _far_cell_in(tmp_path, "xl/worksheets/sheet2.xml")  # 问题台账 hides a far cell
    return patched(path, tmp_path / name, edits)


@pytest.mark.parametrize(
    ("name", "edits"),
    [
        # a comment claiming the real sheet's part for a sheet the reader does not open
        (
            "comment.xlsx",
            {
                "xl/workbook.xml": lambda d: d.replace(
                    b"</sheets>", b'<!--<sheet name="x" sheetId="9" r:id="rId2"/>--></sheets>'
                )
            },
        ),
        # the sheet's name written twice: calamine takes the last
        (
            "twice.xlsx",
            {"xl/workbook.xml": lambda d: d.replace(b'name="\xe9\x97\xae', b'name="x" name="\xe9\x97\xae')},
        ),
        # the workbook found elsewhere through _rels/.rels
        (
            "elsewhere.xlsx",
            {
                "_rels/.rels": lambda d: d.replace(
                    b'Target="xl/workbook.xml"', b'Target="xl/../xl/workbook.xml"'
                )
            },
        ),
    ],
)
def test_a_catalogue_that_is_not_plain_is_scanned_whole(tmp_path, name, edits):
    path = _catalogue_trick(tmp_path, name, edits)
    assert screen_file(path, path.name, ("基本情况",)).code == "sheet-too-large"


def test_a_member_named_in_another_case_is_scanned(tmp_path):
    """calamine finds parts case-insensitively: XL/SharedStrings.xml is its shared strings."""
    from hostile import SHARED_STRINGS_WIRING, good_workbook, patched

    strings = b'<sst uniqueCount="1000000000000"><si><t>a</t></si></sst>'
    path = patched(
        good_workbook(tmp_path / "_b.xlsx"),
        tmp_path / "case.xlsx",
        SHARED_STRINGS_WIRING,
        {"XL/SharedStrings.XML": strings},
    )
    assert screen_file(path, path.name, FORM_SHEETS).code == "file-too-large"


def _formula_cell(tmp_path: Path, name: str, cell: bytes) -> Path:
    from hostile import _append_cell, good_workbook, patched

    return patched(
        good_workbook(tmp_path / f"_{name}"),
        tmp_path / name,
        {hostile.SHEET: lambda d: _append_cell(d, b'<row r="9">' + cell + b"</row>")},
    )


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="B9"><f>SUM(B1:B3)</f></c>',
        b'<c r="B9"><f>SUM(B1:B3)</f><v></v></c>',  # openpyxl writes an empty value
        b'<c r="B9" s="1"><f t="shared" ref="B9:B10" si="0">SUM(B1:B3)</f><v/></c>',
        b'<x:c r="B9"><x:f>SUM(B1:B3)</x:f></x:c>',
    ],
)
def test_a_formula_saved_without_its_value_is_refused_naming_sheet_and_cell(tmp_path, cell):
    path = _formula_cell(tmp_path, "公式.xlsx", cell)
    found = screen_file(path, path.name, FORM_SHEETS)
    assert (found.code, found.sheet, found.cell) == ("formula-without-value", "基本情况", "B9")
    assert "请在 Excel 或 WPS 中打开该文件，保存后重新报送" in found.message


def test_the_formula_cell_is_named_not_an_empty_cell_before_it(tmp_path):
    path = _formula_cell(tmp_path, "公式.xlsx", b'<c r="A9" s="1"/><c r="B9"><f>SUM(B1:B3)</f></c>')
    assert screen_file(path, path.name, FORM_SHEETS).cell == "B9"
    cached = b'<c r="A9" s="1"/><c r="B9"><f>SUM(B1:B3)</f><v>6</v></c><c r="C9"/>'
    assert screen_file(_formula_cell(tmp_path, "有值.xlsx", cached), "有值.xlsx", FORM_SHEETS) is None


@pytest.mark.parametrize(
    "cell",
    [b'<c r="B9"><f>SUM(B1:B3)</f><v>360</v></c>', b'<c r="B9" t="str"><f>IF(1,"","x")</f><v></v></c>'],
)
def test_a_formula_with_its_saved_value_passes(tmp_path, cell):
    path = _formula_cell(tmp_path, "公式.xlsx", cell)
    assert screen_file(path, path.name, FORM_SHEETS) is None


def test_a_workbook_written_by_openpyxl_with_formulas_is_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本情况"
    ws.append(["走访农户（户）", "=SUM(100,20)"])
    wb.save(tmp_path / "公式.xlsx")
    found = screen_file(tmp_path / "公式.xlsx", "公式.xlsx", FORM_SHEETS)
    assert (found.code, found.cell) == ("formula-without-value", "B1")


def test_an_ods_formula_without_its_value_is_refused(tmp_path):
    rows = '<table:table-row><table:table-cell table:formula="of:=SUM([.A1:.A2])"/></table:table-row>'
    path = hostile.ods_workbook(
        tmp_path / "公式.ods",
        hostile.ODS_GOOD_ROWS.replace("</table:table-row>", "</table:table-row>" + rows, 1),
    )
    assert screen_file(path, path.name, FORM_SHEETS).code == "formula-without-value"
    cached = rows.replace('"/>', '" office:value-type="float" office:value="3"/>')
    path = hostile.ods_workbook(
        tmp_path / "有值.ods",
        hostile.ODS_GOOD_ROWS.replace("</table:table-row>", "</table:table-row>" + cached, 1),
    )
    assert screen_file(path, path.name, FORM_SHEETS) is None


def _sheets_workbook(path: Path, sheets: list[tuple[str, str]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, state in sheets:
        ws = wb.create_sheet(name)
        ws.sheet_state = state
        ws.append(["乡镇（街道）", "城关镇"])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("sheets", "other", "note"),
    [
        (
            [("基本情况", "hidden"), ("基本情况 (2)", "visible"), ("问题台账", "visible")],
            "基本情况 (2)",
            "（其中「基本情况」是隐藏的工作表）",
        ),
        ([("基本情况", "visible"), ("基本情况(2)", "visible")], "基本情况(2)", ""),
        (
            [("基本情况_2", "visible"), ("基本情况", "veryHidden")],
            "基本情况_2",
            "（其中「基本情况」是隐藏的工作表）",
        ),
        (
            [("问题台账", "visible"), ("问题台账 (3)", "hidden")],
            "问题台账 (3)",
            "（其中「问题台账 (3)」是隐藏的工作表）",
        ),
    ],
)
def test_a_form_sheet_present_twice_is_refused_naming_both(tmp_path, sheets, other, note):
    path = _sheets_workbook(tmp_path / "两份.xlsx", sheets)
    found = screen_file(path, path.name, FORM_SHEETS)
    assert (found.code, found.value) == ("form-sheet-twice", other)
    assert f"「{found.sheet}」和「{other}」{note}，无法判断以哪一份为准" in found.message


def test_sheets_that_only_look_alike_pass(tmp_path):
    sheets = [
        ("基本情况", "visible"),
        ("基本情况说明", "visible"),
        ("填表说明", "hidden"),
        ("问题台账", "visible"),
    ]
    assert screen_file(_sheets_workbook(tmp_path / "正常.xlsx", sheets), "正常.xlsx", FORM_SHEETS) is None


def test_an_xls_with_a_form_sheet_twice_is_refused(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    for name in ("基本情况", "基本情况 (2)"):
        book.add_sheet(name).write(0, 0, "乡镇（街道）")
    book.save(str(tmp_path / "两份.xls"))
    assert screen_file(tmp_path / "两份.xls", "两份.xls", FORM_SHEETS).code == "form-sheet-twice"


def test_an_unreadable_file_is_said_to_be_unreadable_in_chinese(tmp_path, monkeypatch):
    path = hostile.good_workbook(tmp_path / "东村.xlsx")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(guard.os, "open", denied)
    found = screened(path)
    assert (found.code, found.message) == (
        "file-unreadable",
        "无法读取该文件（没有读取权限）。请检查文件是否正被其他程序打开、有无读取权限，然后重新运行。",
    )


def test_a_named_pipe_in_place_of_a_file_does_not_block(tmp_path):
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "管道.xlsx")
    assert screened(tmp_path / "管道.xlsx").code == "file-corrupt"  # returns at once: opened non-blocking


def test_a_sheet_stored_among_the_parts_never_parsed_is_still_scanned(tmp_path):
    """docProps/ and xl/theme/ are skipped only when no sheet lives there."""
    from hostile import _append_cell, good_workbook, patched

    src = good_workbook(tmp_path / "_b.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = _append_cell(zf.read(hostile.SHEET), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    moved = patched(
        src,
        tmp_path / "主题.xlsx",
        {"xl/_rels/workbook.xml.rels": lambda d: d.replace(b"worksheets/sheet1.xml", b"theme/sheet1.xml")},
        {"xl/theme/sheet1.xml": sheet},
    )
    assert screen_file(moved, moved.name, FORM_SHEETS).code == "sheet-too-large"
