"""The reporting body's database: every run's period, input files, findings and figures, in SQLite.

One file per reporting body, `数据/示例县.sqlite` (opened, checked, migrated, backed up and
recovered by dbfile). The report compares a period with the one before, the workbook shows every
period, and any published figure is traced to the exact bytes of the files behind it (`audit`).
A run's record is one transaction: a run killed at any point leaves the previous state. Each
recorded run also adds a line to `数据/示例县.运行日志.txt`, so that a restored backup can name
the periods it lacks.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import dbfile
from .cnformat import cn_date
from .findings import Finding
from .model import Place
from .periods import PeriodFigures
from .safename import safe_file_name

APPLICATION_ID = 0x42425A53  # "BBZS" 报表助手: the file is ours
SUFFIX = ".sqlite"
LOG_SUFFIX = ".运行日志.txt"

V1 = """
CREATE TABLE runs(
    run_id TEXT PRIMARY KEY,            -- 20261122-103015-a1b2c3, also in the report's properties
    campaign TEXT NOT NULL,             -- the definition's name (大走访)
    period TEXT NOT NULL,               -- 统计截止日期, YYYY-MM-DD
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,    -- of the definition file
    source_sha256 TEXT NOT NULL,        -- of the program's source (provenance.program_digest)
    superseded_by TEXT,                 -- NULL: this run's figures are the period's
    files_read INTEGER NOT NULL, accepted INTEGER NOT NULL, rejected INTEGER NOT NULL,
    skipped INTEGER NOT NULL, superseded INTEGER NOT NULL,
    expected INTEGER NOT NULL, reported INTEGER NOT NULL,
    errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    workbook TEXT NOT NULL, report TEXT NOT NULL
);
CREATE INDEX runs_by_period ON runs(campaign, period);
CREATE TABLE files(                     -- every file of the inputs folder, as the run found it
    run_id TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    mtime REAL NOT NULL,
    outcome TEXT NOT NULL,              -- 采用 / 拒收 / 被取代 / 跳过
    grp TEXT, unit TEXT,                -- the roster unit it speaks for, if any
    PRIMARY KEY(run_id, name)
);
CREATE TABLE findings(
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, file TEXT, sheet TEXT, cell TEXT, code TEXT,
    severity TEXT, message TEXT, label TEXT, value TEXT,
    PRIMARY KEY(run_id, seq)
);
CREATE TABLE units(                     -- each counted unit's figures (JSON, metric key → value)
    run_id TEXT NOT NULL, grp TEXT NOT NULL, unit TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, figures TEXT NOT NULL,
    PRIMARY KEY(run_id, grp, unit)
);
CREATE TABLE totals(                    -- the body's figures (grp '') and each group's, in roster order
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, grp TEXT NOT NULL, figures TEXT NOT NULL,
    PRIMARY KEY(run_id, seq)
);
"""
MIGRATIONS: tuple[str, ...] = (V1,)  # MIGRATIONS[n]: version n → n + 1 (dbfile.migrate)

ACCEPTED, REJECTED, SUPERSEDED, SKIPPED = "采用", "拒收", "被取代", "跳过"


@dataclass(frozen=True)
class FileRecord:
    name: str
    size: int
    sha256: str
    mtime: float
    outcome: str
    place: Place | None = None


@dataclass(frozen=True)
class RunRecord:
    """Everything one run records, written in one transaction."""

    run_id: str
    campaign: str
    started: datetime
    finished: datetime
    definition_sha256: str
    source_sha256: str
    counts: Mapping[str, int]  # files_read, accepted, … as the runs table names them
    files: Sequence[FileRecord]
    findings: Sequence[Finding]
    figures: PeriodFigures
    unit_files: Mapping[Place, tuple[str, str]] = field(default_factory=dict)  # place → (file, sha256)
    outputs: Mapping[str, str] = field(default_factory=dict)  # workbook, report


@dataclass(frozen=True)
class RunInfo:
    """A recorded run as `history` and `audit` show it."""

    run_id: str
    campaign: str
    period: date
    started: str
    finished: str
    superseded_by: str | None
    counts: Mapping[str, int]


_COUNTS = (
    "files_read",
    "accepted",
    "rejected",
    "skipped",
    "superseded",
    "expected",
    "reported",
    "errors",
    "warnings",
)


class History:
    """An open database of one reporting body."""

    def __init__(self, conn: sqlite3.Connection, path: Path, notices: tuple[str, ...] = ()):
        self.conn = conn
        self.path = path
        self.notices = notices  # said to the clerk: a damaged file restored, a backup that failed

    # ---- reading ----------------------------------------------------------------------------
    def periods(self, campaign: str) -> list[PeriodFigures]:
        """Every period on record for the campaign, as its latest run published it (without units)."""
        runs = self.conn.execute(
            "SELECT run_id, period, finished, expected, reported FROM runs "
            "WHERE campaign = ? AND superseded_by IS NULL ORDER BY period",
            (campaign,),
        ).fetchall()
        totals: dict[str, list[tuple[str, str]]] = {}
        for run_id, grp, figures in self.conn.execute(
            "SELECT t.run_id, t.grp, t.figures FROM totals t JOIN runs r ON r.run_id = t.run_id "
            "WHERE r.campaign = ? AND r.superseded_by IS NULL ORDER BY t.run_id, t.seq",
            (campaign,),
        ):
            totals.setdefault(run_id, []).append((grp, figures))
        out = []
        for run_id, period, finished, expected, reported in runs:
            rows = totals.get(run_id, [])
            body: dict[str, Any] = next((json.loads(f) for g, f in rows if g == ""), {})
            groups = {g: json.loads(f) for g, f in rows if g != ""}
            out.append(
                PeriodFigures(
                    date.fromisoformat(period), body, groups, {}, expected, reported, run_id, finished
                )
            )
        return out

    def units_of(self, run_id: str) -> dict[Place, dict[str, Any]]:
        """Each counted unit's figures in a run."""
        rows = self.conn.execute("SELECT grp, unit, figures FROM units WHERE run_id = ?", (run_id,))
        return {(g, u): json.loads(f) for g, u, f in rows}

    def runs(self, campaign: str) -> list[RunInfo]:
        """Every run of the campaign, oldest first, superseded ones included."""
        columns = ", ".join(_COUNTS)
        rows = self.conn.execute(
            f"SELECT run_id, campaign, period, started, finished, superseded_by, {columns} FROM runs "
            "WHERE campaign = ? ORDER BY rowid",
            (campaign,),
        )
        return [
            RunInfo(
                r[0], r[1], date.fromisoformat(r[2]), r[3], r[4], r[5], dict(zip(_COUNTS, r[6:], strict=True))
            )
            for r in rows
        ]

    def published(self, campaign: str, period: date | None = None) -> RunInfo | None:
        """The run whose figures stand for `period` (default: the latest period on record)."""
        current = [r for r in self.runs(campaign) if r.superseded_by is None]
        if period is not None:
            current = [r for r in current if r.period == period]
        return max(current, key=lambda r: r.period) if current else None

    def files_of(self, run_id: str) -> list[FileRecord]:
        rows = self.conn.execute(
            "SELECT name, size, sha256, mtime, outcome, grp, unit FROM files WHERE run_id = ? ORDER BY name",
            (run_id,),
        )
        return [FileRecord(n, s, h, m, o, (g, u) if u is not None else None) for n, s, h, m, o, g, u in rows]

    # ---- writing ----------------------------------------------------------------------------
    def record(self, run: RunRecord) -> None:
        """Write the run in one transaction: it supersedes the period's earlier runs, which stay for audit.
        Then the log line and the backups, each of which may fail without undoing the record."""
        figures, conn = run.figures, self.conn
        period = figures.period.isoformat()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                f"INSERT INTO runs VALUES ({', '.join('?' * 19)})",
                (
                    run.run_id, run.campaign, period, run.started.isoformat(timespec="seconds"),
                    run.finished.isoformat(timespec="seconds"), run.definition_sha256, run.source_sha256,
                    None, *(int(run.counts.get(k, 0)) for k in _COUNTS),
                    run.outputs.get("workbook", ""), run.outputs.get("report", ""),
                ),
            )  # fmt: skip
            conn.execute(
                "UPDATE runs SET superseded_by = ? "
                "WHERE campaign = ? AND period = ? AND superseded_by IS NULL AND run_id != ?",
                (run.run_id, run.campaign, period, run.run_id),
            )
            conn.executemany(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (run.run_id, f.name, f.size, f.sha256, f.mtime, f.outcome, *(f.place or (None, None)))
                    for f in run.files
                ),
            )
            conn.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        run.run_id,
                        i,
                        f.file,
                        f.sheet,
                        f.cell,
                        f.code,
                        f.severity.value,
                        f.message,
                        f.label,
                        str(f.value),
                    )
                    for i, f in enumerate(run.findings)
                ),
            )
            conn.executemany(
                "INSERT INTO units VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (run.run_id, g, u, *run.unit_files.get((g, u), ("", "")), _json(values))
                    for (g, u), values in figures.units.items()
                ),
            )
            totals = [("", figures.body), *figures.groups.items()]
            conn.executemany(
                "INSERT INTO totals VALUES (?, ?, ?, ?)",
                ((run.run_id, i, g, _json(values)) for i, (g, values) in enumerate(totals)),
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        self.notices += tuple(n for n in (self._log(run), dbfile.back_up(conn, self.path)) if n)

    def _log(self, run: RunRecord) -> str:
        """A line per recorded run beside the database, to name what a restored backup lacks."""
        line = "\t".join(
            (
                run.figures.period.isoformat(),
                run.campaign,
                run.run_id,
                run.finished.isoformat(timespec="seconds"),
            )
        )
        try:
            with open(log_path(self.path), "a", encoding="utf-8") as log:
                log.write(line + "\n")
        except OSError as exc:
            return f"无法写入运行日志 {log_path(self.path).name}（{dbfile.reason(exc, writing=True)}），不影响本次结果。"
        return ""

    def close(self) -> None:
        self.conn.close()


def _json(values: Mapping[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def database_path(folder: Path, body: str) -> Path:
    """数据/示例县.sqlite: one file per reporting body, named for it as any file name from settings."""
    return Path(folder) / f"{safe_file_name(body, '本级')[:60]}{SUFFIX}"


def log_path(database: Path) -> Path:
    return database.parent / f"{database.stem}{LOG_SUFFIX}"


def cache_path(database: Path) -> Path:
    return database.parent / f"{database.stem}.读取缓存{SUFFIX}"


# ---- opening --------------------------------------------------------------------------------


def open_history(folder: Path, body: str) -> History:
    """The body's database, created if absent and brought to this program's schema. A damaged or
    foreign file is renamed aside and the newest good backup restored; History.notices says so and
    names the periods lost. ConfigError when the file is from a newer program."""
    path = database_path(folder, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    notices = []
    problem = dbfile.problem_of(path, APPLICATION_ID, MIGRATIONS)
    if problem:
        said, _ = dbfile.set_aside_and_restore(path, problem, APPLICATION_ID, MIGRATIONS)
        notices.append(said + _lost(path))
    conn = dbfile.connect(path)
    try:
        dbfile.migrate(conn, APPLICATION_ID, MIGRATIONS)
    except BaseException:
        conn.close()
        raise
    return History(conn, path, tuple(notices))


def _lost(path: Path) -> str:
    """The periods the log lists whose latest run the (restored or new) database lacks."""
    try:
        lines = log_path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return "（没有运行日志，无法确定是否丢失了记录。）"
    except (OSError, UnicodeDecodeError):
        return "（运行日志无法读取，无法确定是否丢失了记录。）"
    have: set[str] = set()
    if path.exists():
        with contextlib.closing(sqlite3.connect(path)) as conn, contextlib.suppress(sqlite3.Error):
            have = {r[0] for r in conn.execute("SELECT run_id FROM runs")}
    lost: dict[str, set[date]] = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2] not in have:
            with contextlib.suppress(ValueError):
                lost.setdefault(parts[1], set()).add(date.fromisoformat(parts[0]))
    if not lost:
        return "没有丢失任何一期的记录。"
    named = "；".join(f"“{c}”{'、'.join(cn_date(d) for d in sorted(p))}" for c, p in lost.items())
    return f"以下各期的最新记录已丢失，请用当时的报表按其统计截止日期重新运行：{named}。"
