"""The values that flow between stages: read → validate → aggregate → workbook / report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import Finding

if TYPE_CHECKING:
    from .summary import RunSummary

Place = tuple[str, str]  # (group, unit): 城关镇, 东风村; the group is "" when the office has none


@dataclass(frozen=True)
class Submission:
    """One unit's form as read and normalised: places and dates by role, every field by key.

    `findings` holds everything found in this file; `accepted` is False when any is an error.
    `place` is the roster unit the file speaks for, None when its names are not in the roster.
    """

    file: str
    path: Path | None  # None only while kept in the read cache (its file's path is put back on reuse)
    mtime: float
    header: Mapping[str, Any]  # key → str | date | None
    metrics: Mapping[str, int | float | None]  # key → number (blank counted as 0; None: not this type's)
    ledger: tuple[Mapping[str, Any], ...]  # column key → value, plus "_row" (sheet row number)
    highlights: tuple[Mapping[str, Any], ...]
    findings: tuple[Finding, ...]
    cells: Mapping[str, str] = field(default_factory=dict)  # field key → cell address
    place: Place | None = None
    unit_type: str = ""
    as_of: date | None = None
    filled_on: date | None = None
    tables: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)  # further ledgers
    sha256: str = ""  # of the bytes read: what the upward submission and the audit name
    breakdown: tuple[Mapping[str, Any], ...] = ()  # an upward submission's figures per group (its 分组汇总)
    lower_unit: str = ""  # a form of the level below (a village's, at an office receiving townships')

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def group(self) -> str:
        return self.place[0] if self.place else ""

    @property
    def unit(self) -> str:
        return self.place[1] if self.place else ""


@dataclass(frozen=True)
class RunOptions:
    """What a run was asked to do; built by the command line or the Excel button."""

    inputs: Path
    outputs: Path
    templates: Path
    as_of: date | None = None
    strict: bool = False
    check_only: bool = False
    progress: bool = False
    workers: int | None = None  # None: choose from the number of files and cores
    data: Path | None = None  # the database folder (数据/); None: no history, no reuse of earlier reads


@dataclass(frozen=True)
class RunResult:
    """What a run did: counts, every finding, and the paths it wrote."""

    started_at: datetime
    as_of: date | None
    files_read: int
    accepted: int
    rejected: int
    skipped: int
    superseded: int
    units_expected: int
    units_reported: int
    missing_units: tuple[Place, ...]  # no file at all
    findings: tuple[Finding, ...]
    workbook_path: Path | None = None
    report_path: Path | None = None
    status_path: Path | None = None  # 报送情况说明.docx
    upward_path: Path | None = None  # 上报表 for the office above
    placeholders: int = 0  # 【请补充】 left in the report
    notices: tuple[str, ...] = field(default=())  # e.g. "汇总表.xlsx 正被占用，已另存为 …"
    exit_code: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)  # stage → seconds, for the benchmark
    units_to_correct: tuple[Place, ...] = ()  # their latest file arrived but was rejected
    summary: RunSummary | None = None  # built once at the end of the run; every renderer reads it
    run_id: str = ""  # in the report's properties and the database: 20261122-103015-a1b2c3
    recorded: bool = False  # the run's figures were recorded in the database
    reused: int = 0  # files not read again: the read cache held a read of the same bytes

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)
