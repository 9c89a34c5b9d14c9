"""What the clerk reads in the terminal: the findings table, the run summary, a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from .cnformat import cn_date, display_width
from .findings import Finding
from .model import RunResult

MAX_ROWS_SHOWN = 200  # the full list is always in 校验结果; the console shows the first ones
COLUMNS = (("文件", 28), ("工作表", 8), ("单元格", 6), ("级别", 4), ("说明", 0))


def fit(text: str, size: int) -> str:
    """Pad or cut `text` to `size` display columns."""
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > size:
            return out[: max(0, len(out) - 1)] + "…" + " " * (size - used)
        out, used = out + ch, used + w
    return out + " " * (size - used)


def findings_table(findings: Sequence[Finding]) -> str:
    """The findings as an aligned table, one line each."""
    if not findings:
        return "未发现问题。"
    lines = ["  ".join(fit(h, w) if w else h for h, w in COLUMNS)]
    for f in findings[:MAX_ROWS_SHOWN]:
        cells = (f.file, f.sheet, f.cell, f.severity.value, f.message)
        lines.append("  ".join(fit(c, w) if w else c for c, (_, w) in zip(cells, COLUMNS, strict=True)))
    if len(findings) > MAX_ROWS_SHOWN:
        lines.append(f"……另有 {len(findings) - MAX_ROWS_SHOWN} 条，详见汇总表的「校验结果」工作表。")
    return "\n".join(lines)


def summary_lines(result: RunResult, check_only: bool = False) -> list[str]:
    """The closing summary in Chinese, from the run's one summary: counts, missing units, outputs."""
    summary = result.summary
    lines = [
        f"读取文件 {summary['files_read']} 个：采用 {summary['accepted']} 个，拒收 {summary['rejected']} 个，"
        f"被取代 {summary['superseded']} 个；跳过 {summary['skipped']} 个。",
        f"错误 {summary['errors']} 条，警告 {summary['warnings']} 条。",
        f"已报{summary.unit_name}{summary['reported']} 个 / 应报 {summary['expected']} 个，"
        f"未报 {len(summary['missing'])} 个" + _to_correct(summary["to_correct"]) + "。",
    ]
    if summary["period"]:
        lines.append(f"统计截止日期：{cn_date(summary['period'])}")
    lines += list(summary["notices"])
    if summary["workbook"]:
        lines.append(f"汇总表：{summary['workbook']}")
    if summary["report"]:
        lines.append(f"工作总结：{summary['report']}")
    if summary["status_note"]:
        lines.append(f"报送情况说明（内部）：{summary['status_note']}")
    if summary["upward"]:
        lines.append(f"上报表（报上级）：{summary['upward']}")
    if check_only:
        lines.append("（仅校验，未生成汇总表和报告。）")
    return lines


def _to_correct(places: list[str]) -> str:
    return f"，报表有误待更正 {len(places)} 个" if places else ""


class ProgressBar:
    """A one-line bar on stderr, drawn only on a terminal and only for long runs."""

    def __init__(self, stream: TextIO | None = None, minimum: int = 30):
        self.stream = stream or sys.stderr
        self.minimum = minimum
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.minimum:
            return
        filled = done * 30 // total
        self.stream.write(f"\r读取中 [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
