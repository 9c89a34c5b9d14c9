"""Reads kept between runs: a file whose bytes, definition and program are all unchanged is neither
screened nor parsed again.

A cache, not a record: it has its own file beside the database (数据/示例县.读取缓存.sqlite), is
never backed up, and a damaged one is deleted and rebuilt (that run then reads every file). Per
file it keeps the SHA-256 of the bytes read, the located cells (the RawForm), the validated result,
and the names the form asked the roster about. Roster checks run afresh on every reuse: a form
whose roster answer changed (an alias added, a unit moved or retyped) is validated again from its
kept cells, in this process, without touching the file. Checks against the period run in
selection, after reading, so they are never kept.

Values are pickled: the file is the program's own state, written only by it, in the clerk's data
folder (whoever can write there can change the program too); the key includes the program's
digest, so a kept value is only ever read back by the program that wrote it.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import dbfile
from .reader import Cell, RawForm

CACHE_VERSION = 1  # the schema's; the program's own changes are in every row's `reading` digest
DAMAGED = "读取缓存 {} 已损坏，已删除重建（本次重新读取了全部报表，结果不受影响）。"
APPLICATION_ID = 0x42425A43  # "BBZC" 报表助手缓存: this file is ours
_SCHEMA = """
CREATE TABLE reads(
    name TEXT PRIMARY KEY,   -- the file's name under the inputs folder
    sha256 TEXT NOT NULL,    -- of the bytes that were screened and read
    reading TEXT NOT NULL,   -- digest of the bound definition and the program that read it
    question TEXT NOT NULL,  -- JSON: the names the form asked the roster about (null: not a form)
    answer TEXT NOT NULL,    -- JSON: what the roster answered when `value` was validated
    raw BLOB,                -- the located cells, for validating again under a new answer
    value BLOB NOT NULL      -- the Submission, or the Finding that rejected the file
)
"""


@dataclass(frozen=True)
class Kept:
    """One file's read as kept: reusable while its sha256 and reading digest match."""

    name: str
    sha256: str
    question: tuple[Any, Any] | None
    answer: tuple[str, ...]
    value: bytes


@dataclass(frozen=True)
class Fresh(Kept):
    """A read this run made (or validated again), to be kept with its located cells (pack_raw)."""

    raw: bytes


def pack(value: object) -> bytes:
    """A result as kept. Not compressed: every kept result is unpacked on every re-run, and inflating
    them cost a tenth of a re-run's reading (3,000 forms: 0.05 s), for a cache 1.6× larger."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes) -> Any:
    return pickle.loads(blob)


def pack_raw(raw: RawForm) -> bytes:
    """A RawForm as plain tuples (pickling 600 Cell namedtuples one by one costs 3× as much)."""
    fields = tuple((key, c.sheet, c.r, c.c, c.raw) for key, c in raw.fields.items())
    tables = tuple(
        (key, tuple(tuple((ck, c.sheet, c.r, c.c, c.raw) for ck, c in row.items()) for row in rows))
        for key, rows in raw.tables.items()
    )
    located = (raw.file, fields, tables, raw.findings)
    return zlib.compress(pickle.dumps(located, protocol=pickle.HIGHEST_PROTOCOL), 1)  # read back rarely


def unpack_raw(blob: bytes, path: Path, mtime: float) -> RawForm:
    file, fields, tables, findings = pickle.loads(zlib.decompress(blob))
    return RawForm(
        file,
        Path(path),
        mtime,
        {key: Cell(sheet, r, c, v) for key, sheet, r, c, v in fields},
        {
            key: tuple({ck: Cell(sheet, r, c, v) for ck, sheet, r, c, v in row} for row in rows)
            for key, rows in tables
        },
        findings,
    )


class ReadCache:
    """The kept reads of one reporting body, for one reading digest (definition + program)."""

    def __init__(self, path: Path, reading: str):
        self.path = Path(path)
        self.reading = reading
        self.notice = ""  # said to the clerk when a damaged cache was rebuilt
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = _open(self.path)
            except _Stale:
                self._discard()
                self._conn = _open(self.path)
            except sqlite3.DatabaseError:
                self._discard()
                self._conn = _open(self.path)
                self.notice = DAMAGED.format(self.path.name)
        return self._conn

    def _discard(self) -> None:
        for suffix in ("", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def known(self) -> dict[str, Kept]:
        """Every kept read of this reading digest, by file name."""
        try:
            rows = self._connection().execute(
                "SELECT name, sha256, question, answer, value FROM reads WHERE reading = ?", (self.reading,)
            )
            return {
                name: Kept(name, sha, _question(question), tuple(json.loads(answer)), value)
                for name, sha, question, answer, value in rows
            }
        except sqlite3.DatabaseError:  # damaged after opening: rebuild rather than stop the run
            self.close()
            self._discard()
            self.notice = DAMAGED.format(self.path.name)
            return {}

    def raw(self, name: str) -> bytes:
        row = self._connection().execute("SELECT raw FROM reads WHERE name = ?", (name,)).fetchone()
        return row[0] if row and row[0] else b""

    def keep(self, fresh: Iterable[Fresh], current: Mapping[str, str]) -> None:
        """Store this run's reads and drop every other (file gone, changed, or read by another program)."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO reads VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        f.name,
                        f.sha256,
                        self.reading,
                        _json(f.question),
                        _json(f.answer),
                        f.raw,
                        f.value,
                    )
                    for f in fresh
                ),
            )
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS current(name TEXT PRIMARY KEY, sha256 TEXT)")
            conn.execute("DELETE FROM current")
            conn.executemany("INSERT INTO current VALUES (?, ?)", current.items())
            conn.execute(
                "DELETE FROM reads WHERE reading != ? OR NOT EXISTS "
                "(SELECT 1 FROM current c WHERE c.name = reads.name AND c.sha256 = reads.sha256)",
                (self.reading,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _question(text: str) -> tuple[Any, Any] | None:
    value = json.loads(text)
    return None if value is None else (value[0], value[1])


class _Stale(Exception):
    """A cache from another version of the program, or not ours: rebuilt without a word."""


def _open(path: Path) -> sqlite3.Connection:
    """The cache file, created if absent; _Stale if it is another program's or version's,
    DatabaseError if it is damaged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = dbfile.connect(path)
    try:
        app, version = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version"))
        fresh = app == 0 and version == 0 and not conn.execute("SELECT 1 FROM sqlite_master").fetchone()
        if not fresh and (app, version) != (APPLICATION_ID, CACHE_VERSION):
            raise _Stale
        dbfile.migrate(conn, APPLICATION_ID, (_SCHEMA,))
    except BaseException:
        conn.close()
        raise
    return conn
