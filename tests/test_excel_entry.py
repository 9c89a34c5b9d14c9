"""The 生成报告 and 只检查 buttons without Excel (a fake sheet), and the double-click launchers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl.utils.cell import get_column_letter as letter
from openpyxl.utils.cell import range_boundaries

from county_report import excel_entry as entry
from county_report.cnformat import cn_date
from county_report.errors import ConfigError
from county_report.findings import finding
from county_report.model import RunResult
from county_report.summary import summarize

ROOT = Path(__file__).resolve().parent.parent


class FakeSheet:
    """Just enough of an xlwings Sheet: `.range(address)` with `.value` and `.clear_contents()`."""

    def __init__(self, cells: dict[str, object] | None = None) -> None:
        self.cells: dict[str, object] = dict(cells or {})

    def range(self, address: str) -> FakeRange:
        return FakeRange(self, address)


class FakeRange:
    def __init__(self, sheet: FakeSheet, address: str) -> None:
        self.sheet, self.address = sheet, address

    @property
    def value(self) -> object:
        return self.sheet.cells.get(self.address)

    @value.setter
    def value(self, value: object) -> None:
        if not isinstance(value, list):
            self.sheet.cells[self.address] = value
            return
        first_col, row = range_boundaries(self.address)[:2]  # like xlwings: a 2-D list fills down and right
        for r, row_values in enumerate(value):
            for c, cell in enumerate(row_values):
                self.sheet.cells[f"{letter(first_col + c)}{row + r}"] = cell

    def clear_contents(self) -> None:
        min_col, min_row, max_col, max_row = range_boundaries(self.address)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                self.sheet.cells.pop(f"{letter(c)}{r}", None)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "inputs").mkdir()
    return tmp_path


def _result(findings=(), **changes) -> RunResult:
    values = dict(
        started_at=datetime(2026, 11, 22, 9, 30, 5),
        as_of=date(2026, 11, 20),
        files_read=7,
        accepted=4,
        rejected=2,
        skipped=1,
        superseded=0,
        units_expected=6,
        units_reported=4,
        missing_units=(("东风镇", "甲村"), ("东风镇", "乙村"), ("西河乡", "丙社区")),
        findings=tuple(findings),
        workbook_path=Path("/县/outputs/汇总表.xlsx"),
        report_path=Path("/县/outputs/示例县“大走访”活动工作总结.docx"),
        exit_code=1,
    )
    result = RunResult(**(values | changes))
    return replace(result, summary=summarize(result, "村（社区）", "村"))  # as the pipeline ends a run


def _errors(n: int) -> list:
    return [finding("not-a-number", file=f"村{i}.xlsx", sheet="基本情况", cell=f"B{i}", label="走访农户", value="很多")
            for i in range(n)]  # fmt: skip


def _findings_rows(sheet: FakeSheet) -> list[list[object]]:
    rows = []
    for r in range(entry.FINDINGS_FIRST_ROW, entry.FINDINGS_FIRST_ROW + entry.FINDINGS_LIMIT + 5):
        row = [sheet.cells.get(f"{c}{r}") for c in "ABCDE"]
        if any(v is not None for v in row):
            rows.append(row)
    return rows


def _linked_path(formula: str) -> Path:
    match = re.fullmatch(r'=HYPERLINK\("([^"]+)","\1"\)', formula)
    assert match, formula
    return Path(match.group(1))


def test_a_path_too_long_for_hyperlink_is_written_as_plain_text():
    long_path = Path("/" + "很长的文件夹名" * 40) / "汇总表.xlsx"
    assert entry.output_link(long_path) == str(long_path)
    assert entry.output_link(None) == "（未生成）"


def test_blank_settings_mean_the_project_defaults(tmp_path):
    root = _project(tmp_path)
    options = entry.read_settings_area(FakeSheet(), root)
    assert options.inputs == root / "inputs"
    assert options.outputs == root / "outputs"
    assert options.templates == root / "templates"
    assert options.as_of is None


def test_settings_as_a_clerk_fills_them(tmp_path):
    root = _project(tmp_path)
    received = tmp_path / "收到的 报表"
    received.mkdir()
    sheet = FakeSheet({"B8": "2026年11月20日", "B9": f'"{received}"', "B10": "本期结果"})
    options = entry.read_settings_area(sheet, root)
    assert options.as_of == date(2026, 11, 20)
    assert options.inputs == received  # quotes from 「复制为路径」 removed
    assert options.outputs == root / "本期结果"  # relative to the project folder
    sheet.cells["B8"] = datetime(2026, 10, 31)  # what xlwings returns for a date cell
    assert entry.read_settings_area(sheet, root).as_of == date(2026, 10, 31)


def test_a_date_that_is_not_a_date_stops_the_run_with_a_message(tmp_path):
    root = _project(tmp_path)
    with pytest.raises(ConfigError, match="「统计截止日期」填写的「十一月底」不是有效日期"):
        entry.read_settings_area(FakeSheet({"B8": "十一月底"}), root)


def test_a_missing_inputs_folder_names_the_setting(tmp_path):
    root = _project(tmp_path)
    with pytest.raises(ConfigError, match="「村级报表文件夹」.*不存在"):
        entry.read_settings_area(FakeSheet({"B9": str(tmp_path / "没有这个文件夹")}), root)


def test_outcome_written_into_the_status_cells():
    sheet = FakeSheet()
    entry.write_outcome(
        sheet, _result([finding("blank-metric", file="a.xlsx", cell="B9", label="走访农户"), *_errors(2)])
    )
    cell = {label: sheet.cells.get(addr) for label, addr in entry.OUTCOME.items()}
    assert cell["运行时间"] == "2026-11-22 09:30:05"
    assert cell["统计截止日期"] == "2026年11月20日"
    assert [cell[k] for k in ("读取文件数", "采用", "拒收", "跳过", "应报村数", "已报村数")] == [
        7,
        4,
        2,
        1,
        6,
        4,
    ]
    assert cell["未报村（社区）"] == "共 3 个：东风镇 甲村、乙村；西河乡 丙社区"
    workbook = str(Path("/县/outputs/汇总表.xlsx"))
    assert cell["汇总表"] == f'=HYPERLINK("{workbook}","{workbook}")'  # one click opens it
    assert _linked_path(cell["工作总结"]).name == "示例县“大走访”活动工作总结.docx"
    assert _linked_path(cell["输出文件夹"]) == Path("/县/outputs")  # the folder opens in Explorer
    assert "有 2 个文件被拒收" in cell["运行状态"]
    rows = _findings_rows(sheet)
    assert [r[0] for r in rows] == ["村0.xlsx", "村1.xlsx", "a.xlsx"]  # errors before warnings
    assert rows[0][2:] == ["基本情况", "B0", "错误"] and "不是数字" in rows[0][1]
    assert sheet.cells[entry.FINDINGS_SUMMARY_CELL].startswith("共 3 条（其中错误 2 条）")


def test_only_the_first_findings_are_listed_and_a_rerun_clears_the_old_ones():
    sheet = FakeSheet()
    entry.write_outcome(sheet, _result(_errors(25)))
    assert len(_findings_rows(sheet)) == entry.FINDINGS_LIMIT
    assert "下面列出前 20 条" in sheet.cells[entry.FINDINGS_SUMMARY_CELL]
    entry.write_outcome(sheet, _result([], missing_units=(), rejected=0, report_path=None, exit_code=0))
    assert _findings_rows(sheet) == []
    assert sheet.cells[entry.FINDINGS_SUMMARY_CELL] == "无"
    assert sheet.cells[entry.OUTCOME["未报村（社区）"]] == "无（全部已报）"
    assert sheet.cells[entry.OUTCOME["工作总结"]] == "（未生成）"
    assert sheet.cells[entry.OUTCOME["运行状态"]] == "已生成，没有发现错误。"


def test_the_check_only_button_runs_check_only_and_says_nothing_was_written(tmp_path):
    seen = []

    def checking(options):
        seen.append(options)
        return _result(_errors(1), workbook_path=None, report_path=None)

    sheet = FakeSheet({entry.OUTCOME["汇总表"]: '=HYPERLINK("旧","旧")'})
    assert entry.run_from_sheet(sheet, _project(tmp_path), run=checking, check_only=True) is not None
    assert [o.check_only for o in seen] == [True]
    cell = {label: sheet.cells.get(addr) for label, addr in entry.OUTCOME.items()}
    assert (
        cell["运行状态"].startswith("检查完毕：有 2 个文件有错误")
        and "未生成汇总表和报告" in cell["运行状态"]
    )
    assert cell["汇总表"] == cell["工作总结"] == cell["输出文件夹"] == "（只检查，未生成）"
    assert [r[0] for r in _findings_rows(sheet)] == ["村0.xlsx"]
    entry.write_outcome(sheet, _result([], rejected=0, workbook_path=None, report_path=None), check_only=True)
    assert sheet.cells[entry.OUTCOME["运行状态"]] == "检查完毕：没有发现错误，可以点「生成报告」。"


def test_the_generate_button_runs_a_full_run(tmp_path):
    seen = []
    entry.run_from_sheet(FakeSheet(), _project(tmp_path), run=lambda o: seen.append(o) or _result())
    assert [o.check_only for o in seen] == [False]


def test_text_that_looks_like_a_formula_is_written_as_text():
    sheet = FakeSheet()
    entry.write_outcome(sheet, _result([finding("file-corrupt", file="=HYPERLINK(1).xlsx", reason="x")]))
    assert _findings_rows(sheet)[0][0] == "'=HYPERLINK(1).xlsx"


def test_a_configuration_error_is_shown_in_the_sheet(tmp_path):
    def broken(options):
        raise ConfigError("templates 中缺少名册.xlsx")

    sheet = FakeSheet({entry.OUTCOME["采用"]: 99})
    assert entry.run_from_sheet(sheet, _project(tmp_path), run=broken) is None
    assert sheet.cells[entry.OUTCOME["运行状态"]] == "未完成：templates 中缺少名册.xlsx"
    assert entry.OUTCOME["采用"] not in sheet.cells  # nothing left over from an earlier run


def test_an_unexpected_error_is_shown_then_raised_for_xlwings(tmp_path):
    def crashing(options):
        raise KeyError("x")

    sheet = FakeSheet()
    with pytest.raises(KeyError):
        entry.run_from_sheet(sheet, _project(tmp_path), run=crashing)
    assert sheet.cells[entry.OUTCOME["运行状态"]].startswith("未完成：程序出现异常（KeyError")


def _launcher_env() -> dict[str, str]:
    """A CI job's environment: no display, no terminal, and this test's Python first on PATH.

    Whatever its virtual environment is called, the launcher runs in it as it is: nothing is
    created or installed in the project folder.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    path = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env | {"PYTHONDONTWRITEBYTECODE": "1", "PATH": path}


def _launch(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    if os.name == "nt":
        pytest.skip("生成报告.sh needs bash; 生成报告.bat is checked statically")
    return subprocess.run(
        ["bash", str(ROOT / "生成报告.sh"), *args],
        cwd=cwd,  # the launcher must find the project from its own location, not the caller's
        stdin=subprocess.DEVNULL,  # no terminal: it must not wait for a key
        capture_output=True,
        env=_launcher_env(),
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[int, dict, Path]:
    """The .sh launcher on the demo inputs, as CI runs it: (exit code, --json summary, outputs)."""
    outputs = tmp_path_factory.mktemp("launcher")
    done = _launch("--outputs", str(outputs), "--json", cwd=outputs)
    assert done.stdout, done.stderr.decode("utf-8", "replace")
    return done.returncode, json.loads(done.stdout.decode("utf-8")), outputs


def test_sh_launcher_runs_the_demo_inputs_without_waiting(demo_run):
    code, summary, outputs = demo_run
    assert code == summary["退出码"] and code in (0, 1)  # 1: written, but some demo files have errors
    assert (outputs / "汇总表.xlsx").is_file() and Path(summary["工作总结"]).is_file()


def test_sh_launcher_exits_0_on_the_valid_demo_inputs(demo_run, tmp_path):
    _, summary, _ = demo_run
    rejected = {f["file"] for f in summary["findings"] if f["severity"] == "错误"}
    valid = tmp_path / "inputs"
    valid.mkdir()
    for path in (ROOT / "inputs").glob("*.xls*"):
        if path.name not in rejected:
            shutil.copy2(path, valid / path.name)
    done = _launch("--inputs", str(valid), "--outputs", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace") + done.stderr.decode(
        "utf-8", "replace"
    )
    assert (tmp_path / "out" / "汇总表.xlsx").is_file()


def test_button_on_the_demo_inputs_shows_what_the_command_line_reports(demo_run, tmp_path):
    _, summary, _ = demo_run
    outputs = tmp_path / "结果"
    sheet = FakeSheet({entry.OUTPUTS_CELL: str(outputs)})
    result = entry.run_from_sheet(sheet)
    assert result is not None
    cell = {label: sheet.cells.get(addr) for label, addr in entry.OUTCOME.items()}
    for label in ("读取文件数", "采用", "拒收", "跳过", "被取代", "应报村数", "已报村数"):
        assert cell[label] == summary[label], label
    assert cell["统计截止日期"] == cn_date(date.fromisoformat(summary["统计截止日期"]))
    assert _linked_path(cell["汇总表"]) == outputs / "汇总表.xlsx" and (outputs / "汇总表.xlsx").is_file()
    assert _linked_path(cell["工作总结"]) == outputs / Path(summary["工作总结"]).name
    assert _linked_path(cell["工作总结"]).is_file()
    assert cell["未报村（社区）"].startswith(f"共 {len(summary['未报村'])} 个：")
    errors = [f for f in summary["findings"] if f["severity"] == "错误"]
    rows = _findings_rows(sheet)
    assert len(rows) == min(len(summary["findings"]), entry.FINDINGS_LIMIT)
    assert [r[0] for r in rows[: len(errors)]] == [f["file"] for f in errors][: entry.FINDINGS_LIMIT]
    assert [r[3] for r in rows[: len(errors)]] == [f["cell"] for f in errors][: entry.FINDINGS_LIMIT]


def test_check_only_on_the_demo_inputs_lists_the_same_findings_and_writes_nothing(demo_run, tmp_path):
    _, summary, _ = demo_run
    outputs = tmp_path / "结果"
    sheet = FakeSheet({entry.OUTPUTS_CELL: str(outputs)})
    result = entry.run_from_sheet(sheet, check_only=True)
    assert result is not None and not outputs.exists()
    assert sheet.cells[entry.OUTCOME["拒收"]] == summary["拒收"]
    assert sheet.cells[entry.OUTCOME["运行状态"]].startswith(f"检查完毕：有 {summary['拒收']} 个文件有错误")
    errors = [f["file"] for f in summary["findings"] if f["severity"] == "错误"]
    assert [r[0] for r in _findings_rows(sheet)[: len(errors)]] == errors


def test_sh_launcher_passes_the_exit_code_of_the_run(tmp_path):
    result = _launch("--as-of", "不是日期", cwd=tmp_path)
    assert result.returncode == 2
    assert "参数有误" in result.stderr.decode("utf-8")


def test_bat_launcher_switches_to_utf8_before_any_chinese_and_keeps_the_exit_code():
    raw = (ROOT / "生成报告.bat").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "cmd.exe needs CRLF line endings"
    lines = raw.decode("utf-8").split("\r\n")
    chcp = lines.index("chcp 65001 >nul")
    assert all(line.isascii() for line in lines[:chcp])
    assert (
        'pushd "%~dp0"' in lines and 'set "PYTHONUTF8=1"' in lines and 'set "PYTHONIOENCODING=utf-8"' in lines
    )
    assert "call scripts\\find_python.bat" in lines
    assert "%PY% scripts\\bootstrap.py run %*" in lines
    assert lines.index('set "CODE=%ERRORLEVEL%"') == lines.index("%PY% scripts\\bootstrap.py run %*") + 1
    assert "if not defined CI (" in lines and lines[-2] == "exit /b %CODE%"
