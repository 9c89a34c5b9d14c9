"""The values that flow between stages: read → validate → aggregate → workbook / report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .findings import Finding


@dataclass(frozen=True)
class Submission:
    """One village form as read and normalised: header values, metrics, ledger and highlights.

    `findings` holds everything found in this file; `accepted` is False when any is an error.
    """

    file: str
    path: Path
    mtime: float
    header: Mapping[str, Any]  # key → str | date | None
    metrics: Mapping[str, int | float]  # key → number (blank counted as 0)
    ledger: tuple[Mapping[str, Any], ...]  # column key → value, plus "_row" (sheet row number)
    highlights: tuple[Mapping[str, Any], ...]
    findings: tuple[Finding, ...]
    cells: Mapping[str, str] = field(default_factory=dict)  # header/metric key → cell address

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def township(self) -> str:
        return str(self.header.get("township") or "")

    @property
    def village(self) -> str:
        return str(self.header.get("village") or "")


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
    villages_expected: int
    villages_reported: int
    missing_villages: tuple[tuple[str, str], ...]  # (township, village): no file at all
    findings: tuple[Finding, ...]
    workbook_path: Path | None = None
    report_path: Path | None = None
    notices: tuple[str, ...] = field(default=())  # e.g. "汇总表.xlsx 正被占用，已另存为 …"
    exit_code: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)  # stage → seconds, for the benchmark
    villages_to_correct: tuple[tuple[str, str], ...] = ()  # their latest file arrived but was rejected

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)
