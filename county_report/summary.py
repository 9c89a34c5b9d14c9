"""The run's outcome as a clerk reads it, built once: the console, `--json` and the Excel button
each render this one summary, so their counts, lists and words always agree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .findings import Severity
from .model import Place, RunResult


@dataclass(frozen=True)
class Fact:
    """One thing the run did: a stable English key for code, a Chinese label, its value."""

    key: str
    label: str
    value: object


@dataclass(frozen=True)
class RunSummary:
    facts: tuple[Fact, ...]
    unit_name: str  # 村（社区）
    unit_short: str  # 村

    def __getitem__(self, key: str) -> Any:  # facts differ in kind: counts, names, paths, dates
        for fact in self.facts:
            if fact.key == key:
                return fact.value
        raise KeyError(key)

    def label(self, key: str) -> str:
        return next(f.label for f in self.facts if f.key == key)

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def as_json(self) -> dict[str, object]:
        """Label → value, dates and paths as text: what `--json` prints before the findings."""
        return {f.label: _plain(f.value) for f in self.facts}


LISTED_UNITS = 12  # the closing summary names this many units, then says how many in all


def listed(names: Sequence[str], limit: int = LISTED_UNITS) -> str:
    """Names joined by 、; past `limit`, the first ones and 等 N 个."""
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"等 {len(names)} 个"


def summarize(result: RunResult, unit_name: str, unit_short: str) -> RunSummary:
    """Every figure of the closing summary, labelled with the office's own nouns."""
    errors = sum(1 for f in result.findings if f.is_error)
    warnings = sum(1 for f in result.findings if f.severity is Severity.WARNING)
    facts = (
        Fact("period", "统计截止日期", result.as_of),
        Fact("files_read", "读取文件数", result.files_read),
        Fact("reused", "未改动而沿用上次读取的文件数", result.reused),
        Fact("accepted", "采用", result.accepted),
        Fact("rejected", "拒收", result.rejected),
        Fact("skipped", "跳过", result.skipped),
        Fact("superseded", "被取代", result.superseded),
        Fact("errors", "错误条数", errors),
        Fact("warnings", "警告条数", warnings),
        Fact("expected", f"应报{unit_short}数", result.units_expected),
        Fact("reported", f"已报{unit_short}数", result.units_reported),
        Fact("missing", f"未报{unit_short}", [_place(p) for p in result.missing_units]),
        Fact("to_correct", f"有误待更正{unit_short}", [_place(p) for p in result.units_to_correct]),
        Fact("workbook", "汇总表", result.workbook_path),
        Fact("report", "工作总结", result.report_path),
        Fact("status_note", "报送情况说明", result.status_path),
        Fact("upward", "上报表", result.upward_path),
        Fact("placeholders", "待补充处数", result.placeholders),
        Fact("run_id", "运行编号", result.run_id if result.report_path else ""),
        Fact("recorded", "已记入数据文件", result.recorded),
        Fact("notices", "提示", list(result.notices)),
        Fact("exit_code", "退出码", result.exit_code),
    )
    return RunSummary(facts, unit_name, unit_short)


def _place(place: Place) -> str:
    return f"{place[0]}{place[1]}"


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value
