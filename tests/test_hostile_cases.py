"""Issue 16, case by case, through the real command line: no wrong total, no aborted run.

Each test puts the good forms of two villages (东风村, 黄龙村) and one hostile file or path
into a county, runs `run_report.py` in this process (`--workers 0`: nothing to absorb a crash),
and asserts the finding, the file it names, the good files' exact 合计, and that nothing was
written outside `--outputs` (and the data folder 数据/). Case 3 (counts a reader trusts) is tests/test_hostile_counts.py;
the lock and concurrent runs are tests/test_publish.py and tests/test_concurrent_runs.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import hostile_counts
import openpyxl
import pytest
from conftest import SMALL_ROSTER, make_templates
from fixtures.make_finding_fixtures import write_form
from hostile_forms import village_form
from report_command import folder_args

from county_report import guard, listing
from county_report.cli import main
from county_report.settings import DATA_FOLDER

GOOD = {"城关镇-东风村.xlsx": 300, "城关镇-黄龙村.xlsx": 301}  # village_form's 走访农户
GOOD_RELIEF = 1000.5 + 1001.5  # and its 发放慰问金 (元)


@pytest.fixture
def county(tmp_path) -> dict:
    templates = make_templates(tmp_path / "templates", roster=[*SMALL_ROSTER, ("河西乡", "杨家村", "")])
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    village_form(inputs, "城关镇", "东风村", 0)
    village_form(inputs, "城关镇", "黄龙村", 1)
    return {"root": tmp_path, "templates": templates, "inputs": inputs, "outputs": tmp_path / "outputs"}


def _tree(root: Path, outputs: Path) -> dict[str, bytes | None]:
    """Every path under root except the outputs folder and the data folder beside templates/
    (数据/, where a full run records itself, issue 14): what a run must never write."""
    found = {}
    data = root / DATA_FOLDER
    for path in sorted(root.rglob("*")):
        if path.is_relative_to(outputs) or path.is_relative_to(data) or path.is_symlink():
            continue
        found[path.relative_to(root).as_posix()] = path.read_bytes() if path.is_file() else None
    return found


def run(county: dict, capsys, *extra: str, command: str = "run") -> dict:
    """The command line on the county, with --json; asserts nothing was written outside --outputs."""
    before = _tree(county["root"], county["outputs"])
    argv = ["--inputs", str(county["inputs"]), "--outputs", str(county["outputs"])]
    code = main([command, *argv, "--templates", str(county["templates"]), "--workers", "0", "--json", *extra])
    captured = capsys.readouterr()
    assert _tree(county["root"], county["outputs"]) == before, "written outside --outputs"
    summary = json.loads(captured.out) if captured.out.strip() else {}
    return {"code": code, "err": captured.err, **summary}


def findings_of(summary: dict, name: str) -> list[tuple[str, str]]:
    return [(f["code"], f["message"]) for f in summary["findings"] if f["file"] == name]


def totals(summary: dict) -> dict:
    rows = list(openpyxl.load_workbook(summary["汇总表"])["全县汇总"].iter_rows(values_only=True))
    assert rows[-1][0] == "合计"
    return dict(zip(rows[0], rows[-1], strict=True))


def assert_good_totals(summary: dict) -> None:
    total = totals(summary)
    assert total["走访农户（户）"] == sum(GOOD.values())
    assert total["发放慰问金（元）"] == GOOD_RELIEF
    assert summary["采用"] == len(GOOD)


def hostile_form(county: dict, name: str, **metrics) -> str:
    write_form(county["inputs"] / name, {"township": "河西乡", "village": "柳树村"}, metrics)
    return name


# --- 1. silent wrong totals ------------------------------------------------------------------


def test_1_a_number_that_wrapped_the_total_is_refused_and_the_total_is_exact(county, capsys):
    hostile_form(county, "河西乡-柳树村.xlsx", households="12345678901234567890")
    write_form(
        county["inputs"] / "五乙.xlsx",
        {"township": "河西乡", "village": "杨家村"},
        {"households": 5 * 10**18},
    )
    summary = run(county, capsys)
    for name in ("河西乡-柳树村.xlsx", "五乙.xlsx"):
        code, message = findings_of(summary, name)[0]
        assert code == "number-too-large" and "「走访农户」的值" in message and "超出合理范围" in message
    assert_good_totals(summary)
    assert summary["退出码"] == 1


# --- 2. one value stops the county -----------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "label"),
    [
        ({"households": 1e308}, "走访农户"),
        ({"households": "9" * 400}, "走访农户"),  # as text
        ({"households": 123456789}, "走访农户"),  # as a number cell of 400 digits (below): read as inf
        ({"relief": 1e26}, "发放慰问金"),
    ],
)
def test_2_one_value_is_one_file_s_finding_and_check_agrees(county, capsys, metrics, label):
    name = hostile_form(county, "河西乡-柳树村.xlsx", **metrics)
    if metrics.get("households") == 123456789:  # openpyxl cannot write such a number: as Excel would
        edit = {
            "xl/worksheets/sheet1.xml": lambda d: d.replace(
                b"<v>123456789</v>", b"<v>" + b"9" * 400 + b"</v>"
            )
        }
        hostile_counts.hostile.patched(county["inputs"] / name, county["root"] / name, edit)
        shutil.move(county["root"] / name, county["inputs"] / name)
    checked = run(county, capsys, command="check")
    summary = run(county, capsys)
    assert summary["code"] == 1 and "Python int" not in summary["err"] and "decimal" not in summary["err"]
    found = findings_of(summary, name)
    assert found == findings_of(checked, name)  # check and the full run agree on the file
    assert found[0][0] == "number-too-large" and f"「{label}」" in found[0][1]
    assert_good_totals(summary)


# --- 3. a file the reader would die on, read in this process ----------------------------------


def test_3_a_declared_count_does_not_kill_the_run_read_in_this_process(county, capsys):
    path = hostile_counts.sst_unique_count(county["inputs"])  # aborts calamine (SIGABRT) unguarded
    summary = run(county, capsys)
    assert findings_of(summary, path.name)[0][0] == "file-too-large"
    assert_good_totals(summary)


# --- 4. filesystem faults ---------------------------------------------------------------------


needs_posix = pytest.mark.skipif(os.name == "nt" or not hasattr(os, "mkfifo"), reason="POSIX links and pipes")


@needs_posix
def test_4_links_pipes_and_unreadable_folders_are_findings_and_the_run_goes_on(county, capsys, monkeypatch):
    inputs, outside = county["inputs"], county["root"] / "别处"
    village_form(outside, "河西乡", "柳树村", 9)
    (inputs / "环").symlink_to(inputs / "环")
    (inputs / "断开.xlsx").symlink_to(county["root"] / "没有.xlsx")
    (inputs / "外面").symlink_to(outside)
    os.mkfifo(inputs / "管道.xlsx")
    locked, gone = inputs / "无权限", inputs / "运行中删除"
    for folder in (locked, gone):
        village_form(folder, "河西乡", "柳树村", 8)
    real = listing._entries

    def entries(folder):
        if Path(folder) == locked:
            raise PermissionError(13, "Permission denied", str(folder))
        if Path(folder) == gone:  # deleted between being listed and being opened
            raise FileNotFoundError(2, "No such file or directory", str(folder))
        return real(folder)

    monkeypatch.setattr(listing, "_entries", entries)
    summary = run(county, capsys)
    assert summary["code"] == 1
    expected = {
        "环": ("link-not-followed", "形成了循环"),
        "断开.xlsx": ("link-not-followed", "指向的文件或文件夹已不存在"),
        "外面": ("link-not-followed", f"指向村级报表文件夹以外的位置（{outside}）"),
        "管道.xlsx": ("not-a-file", "命名管道"),
        "无权限": ("folder-unreadable", "无法读取该文件夹（没有读取权限）"),
        "运行中删除": ("folder-unreadable", "已不存在（可能在运行时被移走或删除）"),
    }
    for name, (code, words) in expected.items():
        found = findings_of(summary, name)
        assert found and found[0][0] == code and words in found[0][1], (name, found)
    assert_good_totals(summary)


# --- 5. formulas without cached values --------------------------------------------------------


def test_5_a_formula_without_its_value_is_refused_not_counted_as_0(county, capsys):
    name = hostile_form(county, "河西乡-柳树村.xlsx", households="=SUM(100,20)")  # openpyxl saves no value
    summary = run(county, capsys)
    (code, message), *_ = findings_of(summary, name)
    assert code == "formula-without-value"
    assert (
        message.startswith("工作表「基本情况」的单元格 B")
        and "请在 Excel 或 WPS 中打开该文件，保存后重新报送" in message
    )
    assert not [f for f in summary["findings"] if f["code"] == "blank-metric"]
    assert_good_totals(summary)


# --- 6. outputs escape --outputs --------------------------------------------------------------


@pytest.mark.parametrize("county_name", ["../../x", "/tmp/县", "..\\..\\y"])
def test_6_a_county_name_cannot_write_outside_the_outputs_folder(county, capsys, county_name):
    roster = county["templates"] / "名册.xlsx"  # the 县名 row of its 设置 sheet (issue 14)
    book = openpyxl.load_workbook(roster)
    sheet = book["设置"]
    [row] = [r for r in sheet.iter_rows() if r[0].value == "县名"]
    row[1].value = county_name
    book.save(roster)
    stale = county["outputs"] / ".tmp-0123456789ab.part"
    stale.parent.mkdir()
    stale.write_bytes(b"")  # a killed run's leftover: cleaned in the outputs folder, nowhere else
    summary = run(county, capsys)
    report = Path(summary["工作总结"])
    assert (
        report.parent == county["outputs"] and report.is_file() and report.name.endswith("活动工作总结.docx")
    )
    written = list(county["outputs"].iterdir())
    assert {"汇总表.xlsx", report.name} <= {p.name for p in written} and all(p.is_file() for p in written)
    assert not [p for p in written if p.name.startswith(".tmp-")]  # the leftover cleaned, in outputs only
    assert_good_totals(summary)


# --- 7. a failed report leaves no mixed set; a killed run's temporary files ---------------------


def test_7_a_report_that_fails_publishes_nothing_beside_the_previous_set(county, capsys):
    first = run(county, capsys)
    before = {p.name: p.read_bytes() for p in county["outputs"].iterdir()}
    village_form(county["inputs"], "河西乡", "柳树村", 2)  # new data: a new workbook would differ
    template = county["templates"] / "工作总结模板.docx"
    shutil.copy(hostile_counts.hostile.good_workbook(county["root"] / "不是模板.xlsx"), template)
    summary = run(county, capsys)
    assert summary["code"] == 2 and "工作总结模板" in summary["err"]
    assert {p.name: p.read_bytes() for p in county["outputs"].iterdir()} == before  # the previous set, whole
    assert first["工作总结"] and Path(first["汇总表"]).name in before


def test_7_a_full_disk_while_writing_publishes_nothing(county, capsys, monkeypatch):
    import errno

    from county_report import workbook

    run(county, capsys)
    before = {p.name: p.read_bytes() for p in county["outputs"].iterdir()}
    village_form(county["inputs"], "河西乡", "柳树村", 2)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "atomic_write", full)
    summary = run(county, capsys)
    assert summary["code"] == 2 and "磁盘是否已满" in summary["err"]
    assert {p.name: p.read_bytes() for p in county["outputs"].iterdir()} == before


# --- 8. a Word template that would exhaust the machine -----------------------------------------


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}x{% endfor %}{% endfor %}{% endfor %}",
            "循环次数超过",
        ),
        ("{{ range(10**9)|length }}", "参数 1000000000 过大"),
    ],
)
def test_8_a_runaway_template_stops_in_chinese_naming_the_template(county, capsys, tag, words):
    import zipfile

    template = county["templates"] / "工作总结模板.docx"
    data = {}
    with zipfile.ZipFile(template) as src:
        for item in src.infolist():
            data[item.filename] = src.read(item.filename)
    data["word/document.xml"] = data["word/document.xml"].replace("{{ 走访农户 }}".encode(), tag.encode(), 1)
    with zipfile.ZipFile(template, "w") as dst:
        for name, content in data.items():
            dst.writestr(name, content)
    summary = run(county, capsys)
    assert summary["code"] == 2
    assert "工作总结模板 工作总结模板.docx 超出了允许的范围" in summary["err"] and words in summary["err"]
    assert not county["outputs"].exists() or not any(county["outputs"].iterdir())


# --- 9. the smaller ones ----------------------------------------------------------------------


def test_9_an_unreadable_file_is_unreadable_in_chinese_not_corrupt(county, capsys, monkeypatch):
    name = village_form(county["inputs"], "河西乡", "柳树村", 2).name
    real = os.open

    def open_(path, *args, **kwargs):
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(guard.os, "open", open_)
    summary = run(county, capsys)
    assert findings_of(summary, name) == [
        (
            "file-unreadable",
            "无法读取该文件（没有读取权限）。请检查文件是否正被其他程序打开、有无读取权限，然后重新运行。",
        )
    ]
    assert_good_totals(summary)


def test_9_control_characters_in_a_file_name_never_reach_the_console(county, capsys):
    shutil.copy(county["inputs"] / "城关镇-东风村.xlsx", county["inputs"] / "柳树\x1b[2J村\x07.pdf")
    before = _tree(county["root"], county["outputs"])
    main(folder_args(county["inputs"], county["outputs"], county["templates"], "--workers", "0"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "柳树\\x1b[2J村\\x07.pdf" in out
    assert _tree(county["root"], county["outputs"]) == before


def _two_sheets(county: dict, name: str, copy_name: str, hide_original: bool) -> str:
    path = write_form(
        county["inputs"] / name, {"township": "河西乡", "village": "柳树村"}, {"households": 900}
    )
    wb = openpyxl.load_workbook(path)
    edited = wb.copy_worksheet(wb["基本情况"])
    edited.title = copy_name
    if hide_original:
        wb["基本情况"].sheet_state = "hidden"
    wb.save(path)
    return name


@pytest.mark.parametrize(("hide", "note"), [(True, "（其中「基本情况」是隐藏的工作表）"), (False, "")])
def test_9_a_form_sheet_present_twice_is_an_error_naming_both(county, capsys, hide, note):
    name = _two_sheets(county, "河西乡-柳树村.xlsx", "基本情况 (2)", hide)
    summary = run(county, capsys)
    (code, message), *_ = findings_of(summary, name)
    assert code == "form-sheet-twice"
    assert message.startswith(
        f"工作表「基本情况」有两份：「基本情况」和「基本情况 (2)」{note}，无法判断以哪一份为准"
    )
    assert_good_totals(summary)


def test_9_a_date_typed_as_a_number_is_not_a_date_and_cannot_win(county, capsys):
    later = write_form(
        county["inputs"] / "柳树村-正确.xlsx", {"township": "河西乡", "village": "柳树村"}, {"households": 5}
    )
    slip = write_form(
        county["inputs"] / "柳树村-日期填成数字.xlsx",
        {"township": "河西乡", "village": "柳树村"},
        {"households": 7},
    )
    wb = openpyxl.load_workbook(slip)
    ws = wb["基本情况"]
    cell = next(c.offset(0, 1) for row in ws.iter_rows() for c in row if c.value == "填报日期")
    cell.value = 11.2  # a date cell, typed as a number: 1900-01-11 to Excel
    wb.save(slip)
    summary = run(county, capsys)
    codes = [code for code, _ in findings_of(summary, slip.name)]
    assert "bad-date" in codes or "superseded" in codes
    total = totals(summary)
    assert total["走访农户（户）"] == sum(GOOD.values()) + 5  # the correct file counts
    assert later.name not in {f["file"] for f in summary["findings"] if f["code"] == "superseded"}


def test_9_a_decimal_comma_is_refused(county, capsys):
    name = hostile_form(county, "河西乡-柳树村.xlsx", relief="1,5")
    summary = run(county, capsys)
    assert findings_of(summary, name)[0][0] == "bad-thousands-separator"
    assert_good_totals(summary)


def test_9_outputs_inside_inputs_are_not_read_by_the_next_run(county, capsys):
    county["outputs"] = county["inputs"] / "outputs"
    first = run(county, capsys)
    second = run(county, capsys)
    assert first["findings"] == [] or all(
        f["file"] != "outputs" for f in first["findings"] if f["severity"] == "错误"
    )
    assert second["退出码"] == 0 and second["读取文件数"] == len(GOOD)
    assert [f["code"] for f in second["findings"]] == ["skipped-file"]  # the folder, listed once as skipped
    assert_good_totals(second)
