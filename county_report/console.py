"""What the clerk reads in the terminal: the findings table, the run summary, a progress bar."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from .cnformat import cn_date, display_width, styled
from .findings import Finding
from .model import RunResult
from .summary import listed

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
    assert summary is not None  # every run builds it before it returns
    lines = [
        f"读取文件 {summary['files_read']} 个：采用 {summary['accepted']} 个，拒收 {summary['rejected']} 个，"
        f"被取代 {summary['superseded']} 个；跳过 {summary['skipped']} 个。" + _reused(summary["reused"]),
        f"错误 {summary['errors']} 条，警告 {summary['warnings']} 条。",
        f"已报{summary.unit_name} {summary['reported']} 个 / 应报 {summary['expected']} 个，"
        f"未报 {len(summary['missing'])} 个" + _to_correct(summary["to_correct"]) + "。",
    ]
    for key in ("missing", "to_correct") if summary["files_read"] else ():  # an empty folder: everyone
        if summary[key]:
            lines.append(f"{summary.label(key)}：{listed(summary[key])}。")
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
    if summary["recorded"]:
        lines.append(
            f"运行编号：{summary['run_id']}（已记入数据文件；各期记录：python run_report.py history）"
        )
    if check_only:
        lines.append("（仅校验，未生成汇总表和报告。）")
    return lines


def _reused(count: int) -> str:
    return f"（其中 {count} 个与上次相同，沿用了上次的读取结果。）" if count else ""


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


def history_lines(runs, periods, campaign, where) -> list[str]:
    """`history`: every period on record, its latest run (when, which) and the body's key figures."""
    from .definition import Rate, key_metrics

    if not periods:
        return [
            f"数据文件 {where} 中还没有“{campaign.name}”的记录；完整运行一次（python run_report.py）即会记入。"
        ]
    items = key_metrics(campaign)
    head = ["统计截止日期", "运行时间", "运行编号", f"已报/应报{campaign.scope.unit.short}数"]
    head += [item.label for item in items] + ["运行次数"]
    count = Counter(r.period for r in runs)
    table = [head]
    for p in periods:
        cells = [cn_date(p.period), p.finished.replace("T", " ")[:16], p.run_id, f"{p.reported}/{p.expected}"]
        for item in items:
            unit = "" if isinstance(item, Rate) else item.unit
            cells.append(styled(p.body.get(item.key), item.style, unit))
        table.append([*cells, str(count[p.period])])
    widths = [max(display_width(row[c]) for row in table) for c in range(len(head))]
    lines = [f"“{campaign.name}”已记录的各期（数据文件：{where}）："]
    lines += ["  ".join(fit(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    lines.append("同一统计截止日期运行多次时，以最后一次为准，前几次的记录保留备查。")
    return lines


def audit_lines(audit) -> list[str]:
    """`audit`: the files behind a published period, each matched, changed, gone or new."""
    from .provenance import short

    run = audit.run
    total = len(audit.matched) + len(audit.changed) + len(audit.vanished)
    lines = [
        f"核对统计截止日期为{cn_date(run.period)}的汇总（运行编号 {run.run_id}，"
        f"{run.finished.replace('T', ' ')[:16]} 生成）所依据的 {total} 个文件：",
        f"  一致 {len(audit.matched)} 个。",
    ]
    if audit.changed:
        lines.append(f"  已改动 {len(audit.changed)} 个：")
        lines += [
            f"    {n}（当时指纹 {short(a)}，现在 {short(b) or '无法读取'}）" for n, a, b in audit.changed
        ]
    if audit.vanished:
        lines.append(f"  已不在文件夹中 {len(audit.vanished)} 个：")
        lines += [f"    {n}" for n in audit.vanished]
    if audit.added:
        lines.append(f"  汇总时没有、现在新增的 {len(audit.added)} 个：")
        lines += [f"    {n}" for n in audit.added]
    if audit.intact:
        lines.append("全部一致：这一期上报的数字可由现有文件重现。")
    else:
        lines.append(
            "有文件与汇总时不同：这一期上报的数字不能由现有文件重现。"
            f"如需按现有文件重新汇总，请运行 python run_report.py --as-of {run.period.isoformat()}。"
        )
    return lines
