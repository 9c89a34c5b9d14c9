"""A run's side of the database folder: opened before reading, consulted while writing, written after.

Before reading: the body's database (history) and its read cache are opened; the cache answers for
files read before. While writing: the periods on record give the report its changes and the
workbook its sheet of all periods. After the outputs are written: the run is recorded in one
transaction, then the cache keeps this run's reads. `check` and a run refused by --strict never
get that far, so they record nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from . import dbfile
from .definition import Campaign
from .findings import Severity
from .history import (
    ACCEPTED,
    REJECTED,
    SKIPPED,
    SUPERSEDED,
    FileRecord,
    History,
    RunRecord,
    cache_path,
    open_history,
)
from .intake import Intake
from .model import RunResult
from .periods import PeriodFigures, previous_of
from .provenance import program_digest
from .readcache import ReadCache
from .selection import Selection
from .templates import Templates


class RunBook:
    """The database and read cache of the reporting body a run reports for."""

    def __init__(self, history: History, cache: ReadCache, campaign: Campaign):
        self.history, self.cache, self.campaign = history, cache, campaign
        self._periods: list[PeriodFigures] | None = None

    @classmethod
    def open(cls, folder: Path, templates: Templates) -> RunBook:
        history = open_history(Path(folder), templates.settings.county)
        return cls(
            history,
            ReadCache(cache_path(history.path), reading_digest(templates.campaign)),
            templates.campaign,
        )

    @property
    def notices(self) -> tuple[str, ...]:
        return (*self.history.notices, *((self.cache.notice,) if self.cache.notice else ()))

    def periods(self) -> list[PeriodFigures]:
        """The periods on record for this campaign, as their latest runs published them."""
        if self._periods is None:
            self._periods = self.history.periods(self.campaign.name)
        return self._periods

    def previous(self, period: date) -> PeriodFigures | None:
        """The period before `period` on record, with its units' figures, for the changes."""
        before = previous_of(self.periods(), period)
        return replace(before, units=self.history.units_of(before.run_id)) if before else None

    def record(
        self, result: RunResult, intake: Intake, chosen: Selection, figures: PeriodFigures
    ) -> RunResult:
        """Record the run (one transaction), then keep its reads; a failure is a notice, never a lost report."""
        notices = []
        try:
            self.history.record(run_record(result, intake, chosen, figures, self.campaign))
            recorded = True
        except (sqlite3.Error, OSError) as exc:
            recorded = False
            notices.append(
                f"本次结果未能记入数据文件 {self.history.path}（{dbfile.reason(exc, writing=True)}）；汇总表和报告不受影响。"
            )
        try:
            self.cache.keep(intake.fresh, {f.name: f.sha256 for f in intake.files if f.sha256})
        except (sqlite3.Error, OSError):
            pass  # a cache that cannot be written only makes the next run read everything again
        return replace(result, recorded=recorded, notices=(*result.notices, *notices))

    def close(self) -> None:
        self.cache.close()
        self.history.close()


def reading_digest(campaign: Campaign) -> str:
    """What a kept read depends on besides the file's bytes: the definition file, the levels the office
    binds it to (they name the place fields), and the program."""
    from hashlib import sha256

    scope = campaign.scope
    levels = "/".join(lv.name if lv else "" for lv in (scope.body, scope.group, scope.unit))
    return sha256(f"{campaign.definition.digest}|{levels}|{program_digest()}".encode()).hexdigest()


def run_record(
    result: RunResult, intake: Intake, chosen: Selection, figures: PeriodFigures, campaign: Campaign
) -> RunRecord:
    """Everything the database keeps of a run that wrote its outputs."""
    counted = {s.file: s for s in chosen.counted}
    latest = {s.file: s for s in chosen.latest}
    superseded = {f.file for f in chosen.superseded}
    skipped = {f.file for f in intake.skipped}
    files = []
    for f in intake.files:
        sub = latest.get(f.name)  # every counted form is one of the latest
        outcome = (
            SKIPPED if f.name in skipped
            else SUPERSEDED if f.name in superseded
            else ACCEPTED if f.name in counted
            else REJECTED
        )  # fmt: skip
        files.append(FileRecord(f.name, f.size, f.sha256, f.mtime, outcome, sub.place if sub else None))
    errors = sum(1 for f in result.findings if f.is_error)
    warnings = sum(1 for f in result.findings if f.severity is Severity.WARNING)
    counts = {
        "files_read": result.files_read,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "skipped": result.skipped,
        "superseded": result.superseded,
        "expected": result.units_expected,
        "reported": result.units_reported,
        "errors": errors,
        "warnings": warnings,
    }
    return RunRecord(
        run_id=result.run_id,
        campaign=campaign.name,
        started=result.started_at,
        finished=datetime.now(),
        definition_sha256=campaign.definition.digest,
        source_sha256=program_digest(),
        counts=counts,
        files=files,
        findings=result.findings,
        figures=figures,
        unit_files={s.place: (s.file, s.sha256) for s in chosen.counted if s.place},
        outputs={"workbook": str(result.workbook_path or ""), "report": str(result.report_path or "")},
    )
