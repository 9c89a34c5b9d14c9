"""macros/报表助手.xlsm: the VBA it carries, its two buttons, that a renamed copy still works, and that
the script rebuilds it exactly. No Excel here: the VBA is read with oletools and the Python side of
RunPython is replayed as xlwings does it (prepare_sys_path, then the macro's import)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
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


def _buttons(package: dict[str, bytes]) -> dict[str, str]:
    """Caption → macro of the form-control buttons on the main sheet."""
    vml_part = _part(package, _sheet_part(package, entry.MAIN_SHEET), "vmlDrawing")
    vml = etree.fromstring(package[vml_part])
    buttons = [
        s
        for s in vml.iter(f"{{{NS['v']}}}shape")
        if s.find("x:ClientData[@ObjectType='Button']", NS) is not None
    ]
    return {
        "".join(b.find("v:textbox", NS).itertext()).strip(): b.find("x:ClientData/x:FmlaMacro", NS).text
        for b in buttons
    }


def _macros(vba_modules: dict[str, str]) -> dict[str, str]:
    """Sub name → the Python command its RunPython line runs, across all non-xlwings modules."""
    found = {}
    for module, code in vba_modules.items():
        if module in ("xlwings", "Dictionary"):
            continue
        for name, body in re.findall(r"^Sub (\w+)\(\)\r?\n(.*?)^End Sub", code, re.M | re.S):
            command = re.search(r'RunPython "([^"]*)"', body)
            found[name] = command.group(1) if command else ""
    return found


def test_two_buttons_生成报告_and_只检查_are_bound_to_macros_in_module1(package, vba_modules):
    buttons = {caption: macro.removeprefix("[0]!") for caption, macro in _buttons(package).items()}
    assert buttons == {"生成报告": "GenerateReport", "只检查": "CheckOnly"}
    for macro in buttons.values():
        defining = [m for m, code in vba_modules.items() if re.search(rf"^Sub {macro}\(\)", code, re.M)]
        assert defining == ["Module1"]


def test_the_macros_call_a_fixed_ascii_module_not_the_workbooks_name(vba_modules):
    assert _macros(vba_modules) == {
        "GenerateReport": "import report_button; report_button.main()",
        "CheckOnly": "import report_button; report_button.check()",
    }
    assert "ThisWorkbook.Name" not in vba_modules["Module1"]
    assert (MACROS / "report_button.py").is_file() and not list(MACROS.glob("报表助手*.py"))


def _resolve_like_xlwings(workbook: Path, command: str, pythonpath: str = "") -> subprocess.CompletedProcess:
    """Replay RunPython's Python side: prepare_sys_path as the VBA builds its argument, then the
    macro's import; check that the function it calls is the project's entry. Run from elsewhere."""
    module, function = re.fullmatch(r"import (\w+); \1\.(\w+)\(\)", command).groups()
    code = (
        "import xlwings.utils\n"
        f"xlwings.utils.prepare_sys_path({f'true;{workbook};{workbook};;;;{pythonpath}'!r})\n"
        f"import {module}\n"
        "import county_report.excel_entry as entry\n"
        f"assert {module}.{function} is entry.{function}, 'wrong function'\n"
        "print(entry.__file__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=workbook.anchor,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _project_copy(tmp_path: Path) -> Path:
    """A project folder as a clerk has it: macros/ beside county_report/."""
    project = tmp_path / "报表助手"
    (project / "macros").mkdir(parents=True)
    shutil.copy2(MACROS / "report_button.py", project / "macros")
    shutil.copytree(
        ROOT / "county_report", project / "county_report", ignore=shutil.ignore_patterns("__pycache__")
    )
    return project


@pytest.mark.parametrize("name", ["报表助手 (1).xlsm", "报表助手 - 副本.xlsm", "2026年大走访.xlsm"])
def test_a_renamed_copy_beside_the_original_still_resolves(tmp_path, name):
    project = _project_copy(tmp_path)
    copy = project / "macros" / name
    shutil.copy2(WORKBOOK, copy)
    commands = _macros(_vba_of(copy))
    assert set(commands) == {"GenerateReport", "CheckOnly"}
    for command in commands.values():
        done = _resolve_like_xlwings(copy, command)
        assert done.returncode == 0, done.stderr
        assert (
            Path(done.stdout.strip()) == project / "county_report" / "excel_entry.py"
        )  # the copy's own project


def test_a_copy_on_the_desktop_resolves_through_the_installed_pythonpath(tmp_path):
    from test_launchers import envsetup

    project = _project_copy(tmp_path)
    desktop = tmp_path / "桌面"
    desktop.mkdir()
    copy = desktop / "报表助手 - 快捷.xlsm"
    shutil.copy2(WORKBOOK, copy)
    command = _macros(_vba_of(copy))["GenerateReport"]
    assert _resolve_like_xlwings(copy, command).returncode != 0  # nothing beside it to import
    pythonpath = envsetup.button_config(project, Path(sys.executable))["PYTHONPATH"]
    done = _resolve_like_xlwings(copy, command, pythonpath)
    assert done.returncode == 0, done.stderr


def _vba_of(workbook: Path) -> dict[str, str]:
    parser = VBA_Parser(str(workbook))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_only_module1_differs_from_xlwings_project_and_it_is_source_only(package):
    builder = _load_builder()
    original, ours = builder.vba_project_from_xlwings(), package["xl/vbaProject.bin"]
    with olefile.OleFileIO(original) as a, olefile.OleFileIO(ours) as b:
        before = {"/".join(p): a.openstream(p).read() for p in a.listdir()}
        after = {"/".join(p): b.openstream(p).read() for p in b.listdir()}
    assert set(before) == set(after)
    assert [k for k in before if before[k] != after[k]] == ["VBA/Module1", "VBA/dir"]
    # No p-code for Excel to prefer over the source: version 0xFFFF and no performance cache.
    assert after["VBA/_VBA_PROJECT"][:4] == b"\xcc\x61\xff\xff" and len(after["VBA/_VBA_PROJECT"]) == 7
    assert after["VBA/Module1"][:1] == b"\x01"  # the compressed source starts the stream (offset 0)


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


def test_the_xlwings_conf_sheet_leaves_the_interpreter_to_the_installed_config_files():
    conf = openpyxl.load_workbook(WORKBOOK)["xlwings.conf"]
    keys = []
    for row in range(1, conf.max_row + 1):
        if conf.cell(row, 1).value is None:
            break  # xlwings reads A1 down to the first blank
        keys.append(conf.cell(row, 1).value.upper())
    assert {"USE UDF SERVER", "SHOW CONSOLE"} <= set(keys)
    assert len(keys) == len(set(keys))  # the VBA adds them to a Dictionary: duplicates would fail
    # A key on the sheet, even blank, hides macros/xlwings.conf and ~/.xlwings/xlwings.conf.
    assert not {"INTERPRETER_WIN", "INTERPRETER_MAC", "INTERPRETER", "PYTHONPATH"} & set(keys)
    assert conf.cell(keys.index("USE UDF SERVER") + 1, 2).value is False
    # Two blank rows before the notes: a clerk may add Interpreter_Win right below the keys.
    assert conf.cell(len(keys) + 2, 1).value is None and conf.cell(len(keys) + 3, 1).value == "说明："


def test_the_script_rebuilds_the_committed_workbook_and_vba_sources_exactly(tmp_path):
    builder = _load_builder()
    assert builder.main(["--target", str(tmp_path / WORKBOOK.name)]) == 0
    assert (tmp_path / WORKBOOK.name).read_bytes() == WORKBOOK.read_bytes(), (
        "run scripts/make_macro_workbook.py"
    )
    for source in ("Module1.bas", "xlwings.bas", "Dictionary.cls"):
        assert (tmp_path / source).read_bytes() == (MACROS / source).read_bytes(), source
