"""The workbook's buttons: read the 设置 area, run the same pipeline as the command line, write the outcome back.

生成报告 calls `main()`, 只检查 calls `check()` (validate only, no outputs written), both through
macros/report_button.py. Only those two talk to Excel (through xlwings); everything else takes any
object with `.range(address).value` and `.range(address).clear_contents()`, so it is tested
without Excel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .cnformat import cn_date
from .errors import ConfigError
from .findings import Finding, Severity
from .model import RunOptions, RunResult
from .pipeline import run as run_pipeline
from .settings import DATA_FOLDER
from .values import is_blank, parse_date

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAIN_SHEET = "报表助手"

# 设置 area: label in column A, the clerk's value in column B (blank = default), hint in column C.
AS_OF_CELL, INPUTS_CELL, OUTPUTS_CELL = "B8", "B9", "B10"
SETTINGS = (
    ("统计截止日期", AS_OF_CELL, "留空：取各村报表中最常见的统计截止日期；也可填写如 2026-11-20"),
    (
        "村级报表文件夹",
        INPUTS_CELL,
        "留空：本项目的 inputs 文件夹；也可填写完整路径，如 D:\\大走访\\收到的报表",
    ),
    ("输出文件夹", OUTPUTS_CELL, "留空：本项目的 outputs 文件夹；也可填写完整路径"),
)

# 运行结果 area: label in column A, value written into column B.
OUTCOME_ROWS = (
    "运行时间",
    "运行状态",
    "统计截止日期",
    "读取文件数",
    "采用",
    "拒收",
    "被取代",
    "跳过",
    "应报村数",
    "已报村数",
    "未报村（社区）",
    "汇总表",
    "工作总结",
    "输出文件夹",
    "提示",
)
OUTCOME_FIRST_ROW = 13
OUTCOME = {label: f"B{OUTCOME_FIRST_ROW + i}" for i, label in enumerate(OUTCOME_ROWS)}

FINDINGS_TITLE_ROW = OUTCOME_FIRST_ROW + len(OUTCOME_ROWS) + 1  # a blank row, then 主要问题
FINDINGS_SUMMARY_CELL = f"B{FINDINGS_TITLE_ROW}"
FINDINGS_HEADER = ("文件", "说明", "工作表", "单元格", "严重程度")
FINDINGS_FIRST_ROW = FINDINGS_TITLE_ROW + 2  # after the column header row
FINDINGS_LIMIT = 20
FINDINGS_AREA = f"A{FINDINGS_FIRST_ROW}:E{FINDINGS_FIRST_ROW + FINDINGS_LIMIT - 1}"

CHECK_ONLY_TEXT = "（只检查，未生成）"
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_HYPERLINK_LIMIT = 255
_MISSING_TEXT_LIMIT = 2000  # a cell that long is already more than a clerk reads; the workbook has all


class CellRange(Protocol):
    value: Any

    def clear_contents(self) -> None: ...


class SheetLike(Protocol):
    def range(self, address: str) -> CellRange: ...


def main() -> None:
    """The 生成报告 button (RunPython `import report_button; report_button.main()`): a full run."""
    run_from_sheet(_calling_sheet())


def check() -> None:
    """The 只检查 button: validate the returned forms and list the findings; write no outputs."""
    run_from_sheet(_calling_sheet(), check_only=True)


def _calling_sheet():
    import xlwings as xw  # only available and needed inside Excel; the rest runs anywhere

    book = xw.Book.caller()
    names = [sheet.name for sheet in book.sheets]
    return book.sheets[MAIN_SHEET] if MAIN_SHEET in names else book.sheets[0]


def run_from_sheet(
    sheet: SheetLike,
    root: Path = PROJECT_ROOT,
    run: Callable[[RunOptions], RunResult] = run_pipeline,
    check_only: bool = False,
) -> RunResult | None:
    """Run the pipeline with the sheet's 设置 and write the outcome (or the reason it stopped) back."""
    clear_outcome(sheet)
    sheet.range(OUTCOME["运行状态"]).value = "正在检查，请稍候……" if check_only else "正在运行，请稍候……"
    try:
        options = read_settings_area(sheet, root)
        result = run(replace(options, check_only=True) if check_only else options)
    except ConfigError as exc:
        write_failure(sheet, str(exc))
        return None
    except Exception as exc:
        # Leave a readable line in the sheet; xlwings then shows the traceback in its error box.
        write_failure(
            sheet, f"程序出现异常（{type(exc).__name__}: {exc}），请把本工作簿和报表文件发给技术人员。"
        )
        raise
    write_outcome(sheet, result, check_only)
    return result


def read_settings_area(sheet: SheetLike, root: Path = PROJECT_ROOT) -> RunOptions:
    """What the clerk set in the 设置 area as RunOptions; blank cells mean the project's defaults."""
    raw_as_of = sheet.range(AS_OF_CELL).value
    as_of = None if is_blank(raw_as_of) else parse_date(raw_as_of)
    if as_of is None and not is_blank(raw_as_of):
        raise ConfigError(
            f"设置中的「统计截止日期」填写的「{raw_as_of}」不是有效日期，请填写如 2026-11-20，或留空。"
        )
    inputs = _folder(sheet.range(INPUTS_CELL).value, root, "inputs")
    if not inputs.is_dir():
        raise ConfigError(f"设置中的「村级报表文件夹」{inputs} 不存在，请检查路径，或留空使用默认文件夹。")
    return RunOptions(
        inputs=inputs,
        outputs=_folder(sheet.range(OUTPUTS_CELL).value, root, "outputs"),
        templates=root / "templates",
        as_of=as_of,
        data=root / DATA_FOLDER,  # as the command line: the project's 数据/
    )


def _folder(raw: object, root: Path, default: str) -> Path:
    """A folder typed by a clerk: quotes from 「复制为路径」 removed; relative to the project folder."""
    if is_blank(raw):
        return root / default
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a folder named 2026 comes back from Excel as 2026.0
    text = str(raw).strip().strip('"“”').strip()
    path = Path(text).expanduser()
    return path if path.is_absolute() else root / path


def clear_outcome(sheet: SheetLike) -> None:
    """Empty the 运行结果 area so nothing from an earlier run is mistaken for this one."""
    last = OUTCOME_FIRST_ROW + len(OUTCOME_ROWS) - 1
    sheet.range(f"B{OUTCOME_FIRST_ROW}:B{last}").clear_contents()
    sheet.range(FINDINGS_SUMMARY_CELL).clear_contents()
    sheet.range(FINDINGS_AREA).clear_contents()


def write_failure(sheet: SheetLike, message: str, now: datetime | None = None) -> None:
    """A run that could not start or finish: the time and one line saying what to do."""
    clear_outcome(sheet)
    sheet.range(OUTCOME["运行时间"]).value = _timestamp(now or datetime.now())
    sheet.range(OUTCOME["运行状态"]).value = _text(f"未完成：{message}")


def write_outcome(sheet: SheetLike, result: RunResult, check_only: bool = False) -> None:
    """The run's one summary (the console and --json print the same), with links to the outputs and
    the first findings. The rows whose words depend on the office (应报村数 / 应报单位数) are relabelled."""
    clear_outcome(sheet)
    summary = result.summary
    assert summary is not None  # every run builds it before it returns
    unit = summary.unit_name
    values = {
        "运行时间": _timestamp(result.started_at),
        "运行状态": check_status_text(result, unit) if check_only else status_text(result, unit),
        "统计截止日期": cn_date(summary["period"]) if summary["period"] else "（未能确定）",
        "读取文件数": summary["files_read"],
        "采用": summary["accepted"],
        "拒收": summary["rejected"],
        "被取代": summary["superseded"],
        "跳过": summary["skipped"],
        "应报村数": summary["expected"],
        "已报村数": summary["reported"],
        "未报村（社区）": _text(missing_villages_text(result.missing_units) + to_correct_text(result)),
        "汇总表": CHECK_ONLY_TEXT if check_only else output_link(summary["workbook"]),
        "工作总结": CHECK_ONLY_TEXT if check_only else output_link(summary["report"]),
        "输出文件夹": CHECK_ONLY_TEXT if check_only else output_link(outputs_folder(result)),
        "提示": _text("；".join(summary["notices"])),
    }
    labels = {"应报村数": f"应报{summary.unit_short}数", "已报村数": f"已报{summary.unit_short}数"}
    labels["未报村（社区）"] = f"未报{unit}"
    for label, value in values.items():
        sheet.range(OUTCOME[label]).value = value
        if label in labels:  # column A beside it: the office's own noun
            sheet.range("A" + OUTCOME[label][1:]).value = labels[label]
    shown = first_findings(result.findings)
    sheet.range(FINDINGS_SUMMARY_CELL).value = findings_summary(result.findings, len(shown))
    if shown:
        sheet.range(f"A{FINDINGS_FIRST_ROW}").value = [_finding_row(f) for f in shown]


def outputs_folder(result: RunResult) -> Path | None:
    """The folder the run wrote into (the clerk opens it to copy or print the files)."""
    written = result.workbook_path or result.report_path
    return Path(written).parent if written else None


def output_link(path: Path | None) -> str:
    """A written file as a link the clerk clicks to open it; plain text past HYPERLINK's 255 characters."""
    if path is None:
        return "（未生成）"
    text = str(path)
    if len(text) > _HYPERLINK_LIMIT or '"' in text:
        return text
    return f'=HYPERLINK("{text}","{text}")'


def status_text(result: RunResult, unit: str = "村（社区）") -> str:
    """One line saying whether the report was written and whether units must resubmit."""
    if result.workbook_path is None:
        return "未生成汇总表：请查看下方「主要问题」，修改后重新运行。"
    if result.rejected:
        return (
            f"已生成，但有 {result.rejected} 个文件被拒收：请通知相关{unit}按下方「主要问题」修改后重新报送。"
        )
    if result.errors:
        return "已生成，但有错误需要处理：请查看下方「主要问题」。"
    return "已生成，没有发现错误。"


def check_status_text(result: RunResult, unit: str = "村（社区）") -> str:
    """The 只检查 button's line: what to do about the findings; nothing was written."""
    if result.rejected:
        return (
            f"检查完毕：有 {result.rejected} 个文件有错误，请通知相关{unit}按下方「主要问题」修改后重新报送。"
            "未生成汇总表和报告。"
        )
    if result.errors:
        return "检查完毕：有错误需要处理，请查看下方「主要问题」。未生成汇总表和报告。"
    return "检查完毕：没有发现错误，可以点「生成报告」。"


def missing_villages_text(missing: tuple[tuple[str, str], ...]) -> str:
    """Villages not yet reported, grouped by township in roster order: `共 3 个：东风镇 甲村、乙村；…`."""
    if not missing:
        return "无（全部已报）"
    by_township: dict[str, list[str]] = {}
    for township, village in missing:
        by_township.setdefault(township, []).append(village)
    listed = "；".join(f"{t} {'、'.join(vs)}" for t, vs in by_township.items())
    if len(listed) > _MISSING_TEXT_LIMIT:
        listed = listed[:_MISSING_TEXT_LIMIT] + "……（全部见汇总表「上报进度」）"
    return f"共 {len(missing)} 个：{listed}"


def to_correct_text(result: RunResult) -> str:
    """Villages whose form arrived but was rejected: not 未报, but still to chase."""
    wrong = result.units_to_correct
    return f"。另有 {len(wrong)} 个报表有误待更正：{'、'.join(t + v for t, v in wrong)}" if wrong else ""


def first_findings(findings: tuple[Finding, ...], limit: int = FINDINGS_LIMIT) -> list[Finding]:
    """Errors first, then warnings, then notes, each in the order found; at most `limit`."""
    ranked = sorted(enumerate(findings), key=lambda p: (_SEVERITY_ORDER.get(p[1].severity, 3), p[0]))
    return [f for _, f in ranked[:limit]]


def findings_summary(findings: tuple[Finding, ...], shown: int) -> str:
    """How many findings there are and how many are listed below."""
    if not findings:
        return "无"
    errors = sum(f.is_error for f in findings)
    tail = f"，下面列出前 {shown} 条" if shown < len(findings) else ""
    return f"共 {len(findings)} 条（其中错误 {errors} 条）{tail}；全部见汇总表「校验结果」工作表。"


def _finding_row(f: Finding) -> list[object]:
    return [_text(v) for v in (f.file, f.message, f.sheet, f.cell, f.severity.value)]


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _text(value: object) -> object:
    """Text that Excel would read as a formula (`=…`, `+…`, `-…`, `@…`) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
