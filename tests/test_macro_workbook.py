"""macros/报表助手.xlsm: the VBA it carries, the 生成报告 button, and that the script rebuilds it exactly."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import olefile
import openpyxl
import pytest
import xlwings
from lxml import etree

from county_report import excel_entry as entry

with warnings.catch_warnings():  # oletools 0.60 still uses pyparsing's pre-3.0 names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ROOT = Path(__file__).resolve().parent.parent
MACROS = ROOT / "macros"
WORKBOOK = MACROS / "报表助手.xlsm"
NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "v": "urn:schemas-microsoft-com:vml",
    "x": "urn:schemas-microsoft-com:office:excel",
}


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "make_macro_workbook", ROOT / "scripts" / "make_macro_workbook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vba_modules() -> dict[str, str]:
    """Module name → source, extracted from the workbook's vbaProject.bin."""
    parser = VBA_Parser(str(WORKBOOK))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def package() -> dict[str, bytes]:
    with zipfile.ZipFile(WORKBOOK) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _part(package: dict[str, bytes], source: str, rel_type: str) -> str:
    """The part that `source` points to with a relationship of the given type."""
    source_path = PurePosixPath(source)
    rels = etree.fromstring(package[str(source_path.parent / "_rels" / f"{source_path.name}.rels")])
    for rel in rels.findall("rel:Relationship", NS):
        if rel.get("Type").endswith("/" + rel_type):
            return os.path.normpath(str(source_path.parent / rel.get("Target")))
    raise AssertionError(f"{source} has no {rel_type} relationship")


def _sheet_part(package: dict[str, bytes], name: str) -> str:
    book = etree.fromstring(package["xl/workbook.xml"])
    sheet = book.find(f"m:sheets/m:sheet[@name='{name}']", NS)
    assert sheet is not None, f"no sheet named {name}"
    rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    rel_id = sheet.get(f"{{{NS['r']}}}id")
    target = rels.find(f"rel:Relationship[@Id='{rel_id}']", NS).get("Target")
    return os.path.normpath(f"xl/{target}")


def _button(package: dict[str, bytes]) -> tuple[str, str]:
    """(caption, macro) of the one form-control button on the main sheet."""
    vml_part = _part(package, _sheet_part(package, entry.MAIN_SHEET), "vmlDrawing")
    vml = etree.fromstring(package[vml_part])
    buttons = [
        s
        for s in vml.iter(f"{{{NS['v']}}}shape")
        if s.find("x:ClientData[@ObjectType='Button']", NS) is not None
    ]
    assert len(buttons) == 1
    caption = "".join(buttons[0].find("v:textbox", NS).itertext()).strip()
    macro = buttons[0].find("x:ClientData/x:FmlaMacro", NS).text
    return caption, macro


def test_button_captioned_生成报告_is_bound_to_the_macro(package, vba_modules):
    caption, macro = _button(package)
    assert caption == "生成报告"
    name = macro.removeprefix("[0]!")
    defining = [m for m, code in vba_modules.items() if re.search(rf"^Sub {name}\(\)", code, re.M)]
    assert defining == ["Module1"]


def test_the_macro_runs_the_module_named_after_the_workbook(vba_modules):
    code = vba_modules["Module1"]
    assert (
        'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))'
        in code
    )
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    assert WORKBOOK.stem.isidentifier() and (MACROS / f"{WORKBOOK.stem}.py").is_file()


def test_the_module_resolves_from_the_workbook_folder_to_the_project_entry(tmp_path):
    # As xlwings' prepare_sys_path does: the workbook's folder first, run from an unrelated folder.
    code = (
        f"import sys; sys.path[0:0] = [{str(MACROS)!r}]\n"
        f"import {WORKBOOK.stem} as button, county_report.excel_entry as entry\n"
        "assert button.main is entry.main, 'wrong main'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")


def test_the_xlwings_module_is_embedded_and_matches_the_installed_version(vba_modules):
    code = vba_modules["xlwings"]
    assert "Public Function RunPython(PythonCommand As String)" in code
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in code


def test_sheet_code_names_match_the_vba_project(package):
    book = etree.fromstring(package["xl/workbook.xml"])
    assert book.find("m:workbookPr", NS).get("codeName") == "ThisWorkbook"
    for name, code_name in ((entry.MAIN_SHEET, "Sheet1"), ("xlwings.conf", "Sheet2")):
        sheet = etree.fromstring(package[_sheet_part(package, name)])
        assert sheet.find("m:sheetPr", NS).get("codeName") == code_name
    with olefile.OleFileIO(package["xl/vbaProject.bin"]) as ole:
        project = ole.openstream("PROJECT").read().decode("latin-1")
    assert all(f"Document={n}/" in project for n in ("ThisWorkbook", "Sheet1", "Sheet2"))


def test_the_workbook_is_macro_enabled(package):
    types = package["[Content_Types].xml"].decode("utf-8")
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "xl/vbaProject.bin" in package


def test_settings_and_outcome_labels_stand_where_the_entry_reads_and_writes():
    book = openpyxl.load_workbook(WORKBOOK)
    main = book[entry.MAIN_SHEET]
    for label, cell, _ in entry.SETTINGS:
        assert main[f"A{cell[1:]}"].value == label and main[cell].value is None
    for label, cell in entry.OUTCOME.items():
        assert main[f"A{cell[1:]}"].value == label and main[cell].value is None
    header = [main.cell(entry.FINDINGS_FIRST_ROW - 1, c).value for c in range(1, 6)]
    assert tuple(header) == entry.FINDINGS_HEADER


def test_the_xlwings_conf_sheet_holds_contiguous_keys_from_a1():
    conf = openpyxl.load_workbook(WORKBOOK)["xlwings.conf"]
    keys = []
    for row in range(1, conf.max_row + 1):
        if conf.cell(row, 1).value is None:
            break  # xlwings reads A1 down to the first blank
        keys.append(conf.cell(row, 1).value.upper())
    assert keys[0] == "INTERPRETER_WIN" and {"PYTHONPATH", "USE UDF SERVER", "SHOW CONSOLE"} <= set(keys)
    assert len(keys) == len(set(keys))  # the VBA adds them to a Dictionary: duplicates would fail
    assert conf.cell(1, 2).value is None  # blank: python from PATH until the clerk points it elsewhere
    assert conf.cell(keys.index("USE UDF SERVER") + 1, 2).value is False


def test_the_script_rebuilds_the_committed_workbook_and_vba_sources_exactly(tmp_path):
    builder = _load_builder()
    assert builder.main(["--target", str(tmp_path / WORKBOOK.name)]) == 0
    assert (tmp_path / WORKBOOK.name).read_bytes() == WORKBOOK.read_bytes(), (
        "run scripts/make_macro_workbook.py"
    )
    for source in ("Module1.bas", "xlwings.bas", "Dictionary.cls"):
        assert (tmp_path / source).read_bytes() == (MACROS / source).read_bytes(), source
