"""An SQLite file the program owns: marked as ours, versioned and migrated, checked on opening,
backed up after each write, and recovered from its newest good backup when it is damaged.

`PRAGMA application_id` marks a file as this program's; `PRAGMA user_version` is its schema's
version, and migrations[n] takes a file from version n to n + 1 in the same transaction as the
version bump. A file written by a newer program is refused, never changed. Rollback journal and
synchronous FULL: a transaction killed at any point leaves the file as it was (the next open rolls
back), and the file alone holds everything, so copying the folder copies the data.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .errors import ConfigError
from .oserrors import os_reason

BACKUPS = 3
BACKUP_FOLDER = "备份"
BUSY_SECONDS = 30  # another run writing at the same moment: wait this long for its transaction
_HEADER = b"SQLite format 3\x00"
# SQLite's own text is English; by its primary result code (the low byte of an extended one)
_SQLITE_REASONS = {
    5: "正被另一次运行使用，请稍后重试",  # SQLITE_BUSY
    6: "正被另一次运行使用，请稍后重试",  # SQLITE_LOCKED
    8: "没有写入权限或磁盘为只读",  # SQLITE_READONLY
    10: "磁盘读写出错",  # SQLITE_IOERR
    11: "数据库结构损坏",  # SQLITE_CORRUPT
    13: "磁盘已满",  # SQLITE_FULL
    14: "文件夹不存在或没有权限",  # SQLITE_CANTOPEN
    26: "不是数据库文件",  # SQLITE_NOTADB
}


def backup_path(database: Path, n: int) -> Path:
    """数据/备份/示例县.1.sqlite is the newest copy, .3 the oldest."""
    return database.parent / BACKUP_FOLDER / f"{database.stem}.{n}{database.suffix}"


def reason(exc: BaseException, writing: bool = False) -> str:
    """Why a database operation failed, in Chinese: the system's reason, or SQLite's by its code.

    `writing`: it wrote (a backup, the log, a record), so a permission is 写入, not 读取."""
    if isinstance(exc, OSError):
        return os_reason(exc, writing)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "数据库错误"
    return _SQLITE_REASONS.get(code & 0xFF, f"数据库错误，代码 {code}")


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: every write is an explicit BEGIN IMMEDIATE … COMMIT."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def problem_of(path: Path, application_id: int, migrations: Sequence[str]) -> str:
    """Why the file cannot serve ("" if it can, or does not exist yet). ConfigError if it is from a
    newer program: that is for the clerk to decide, not a damage to repair."""
    if not path.exists():
        return ""
    try:
        with open(path, "rb") as stream:
            head = stream.read(len(_HEADER))
    except OSError as exc:
        return f"无法读取（{reason(exc)}）"
    if head and head != _HEADER:
        return "不是报表助手的数据文件（也可能已损坏）"
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=rw", uri=True, timeout=BUSY_SECONDS)
    except sqlite3.Error as exc:
        return f"无法打开（{reason(exc)}）"
    try:
        app, version = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version"))
        empty = not conn.execute("SELECT 1 FROM sqlite_master").fetchone()
        if app != application_id and not (app == 0 and version == 0 and empty):
            return "不是报表助手的数据文件"
        if version > len(migrations):
            raise ConfigError(
                f"数据文件 {path} 由更新版本的报表助手写入（数据版本 {version}，本程序只认识到 "
                f"{len(migrations)}），请使用更新版本的报表助手，或用 --data 指定另一个数据文件夹。"
            )
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        return "" if verdict == "ok" else "已损坏"
    except sqlite3.DatabaseError as exc:
        return f"已损坏（{reason(exc)}）"
    finally:
        conn.close()


def migrate(conn: sqlite3.Connection, application_id: int, migrations: Sequence[str]) -> None:
    """Bring the file to the newest schema, one version per transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < len(migrations):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {application_id}")
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        version += 1


def statements(script: str) -> list[str]:
    """A migration's statements one by one (executescript would commit the open transaction)."""
    text = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


def back_up(conn: sqlite3.Connection, database: Path) -> str:
    """The file as it now stands becomes backup 1, the older ones move down, the oldest goes;
    a Chinese notice if that failed ("" if not). Never a half-written copy under a backup's name."""
    folder = database.parent / BACKUP_FOLDER
    temp = folder / f"{database.stem}.新备份.tmp"
    try:
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        copy = sqlite3.connect(temp)
        try:
            conn.backup(copy)
        finally:
            copy.close()
        for n in range(BACKUPS, 1, -1):
            older = backup_path(database, n - 1)
            if older.exists():
                os.replace(older, backup_path(database, n))
        os.replace(temp, backup_path(database, 1))
    except (OSError, sqlite3.Error) as exc:
        return f"未能备份数据文件（{reason(exc, writing=True)}），本次结果已记入数据文件；请检查 {folder} 是否可写、磁盘是否已满。"
    return ""


def set_aside_and_restore(
    database: Path, problem: str, application_id: int, migrations: Sequence[str]
) -> tuple[str, Path | None]:
    """Rename the unusable file aside (kept for a technician), restore the newest good backup in its
    place; the notice so far, and the backup restored (None: there was none, start afresh)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = database.with_name(f"{database.name}.无法使用-{stamp}")
    os.replace(database, aside)
    journal = Path(f"{database}-journal")
    if journal.exists():  # it belongs to the bad file: it must not "roll back" the restored copy
        os.replace(journal, Path(f"{aside}-journal"))
    said = f"数据文件 {database.name} {problem}，已改名为 {aside.name} 保留。"
    for n in range(1, BACKUPS + 1):
        backup = backup_path(database, n)
        if backup.exists() and not problem_of(backup, application_id, migrations):
            temp = database.with_name(f"{database.name}.恢复中.tmp")
            temp.write_bytes(backup.read_bytes())
            os.replace(temp, database)
            return said + f"已从备份 {BACKUP_FOLDER}/{backup.name} 恢复。", backup
    return said + "没有可用的备份，已新建数据文件。", None
