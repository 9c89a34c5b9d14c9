"""Write an output file atomically, so a clerk never finds a half-written workbook or report.

The content goes to a hidden temporary file in the target's folder, is flushed to disk, then
renamed over the target. When the target is open in Excel (Windows refuses the rename with
PermissionError) the file is saved under a fresh name such as 汇总表(1).xlsx instead.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"  # hidden, and not .xlsx/.docx, so no scanner mistakes it for a finished file
TEMP_SUFFIX = ".part"
MAX_ALTERNATIVES = 99
STALE_TEMP_SECONDS = 3600  # older than any run: left by a run that was killed mid-write


def atomic_write(target: Path, write: Callable[[Path], object], durable: bool = True) -> Path:
    """Call `write(temp_path)`, then move the result onto `target`; return the path written.

    `durable=False` skips the fsyncs (~35 ms a file) for files that are cheap to regenerate.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent)
    temp = _new_temp(target.parent)
    try:
        write(temp)
        if durable:
            _fsync_file(temp)
        written = _move_into_place(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(target.parent)
    return written


def remove_stale_temps(
    folder: Path, now: float | None = None, older_than: float = STALE_TEMP_SECONDS
) -> list[Path]:
    """Delete temporary files a killed run left behind; a recent one may be another run's.

    `older_than=0`: every one, for the run that holds the outputs folder's lock (outputlock.py).
    """
    now = time.time() if now is None else now
    removed = []
    for temp in Path(folder).glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        try:
            if now - temp.stat().st_mtime >= older_than:
                temp.unlink()
                removed.append(temp)
        except OSError:
            pass  # gone already, or locked by its writer: not ours to force
    return removed


def alternative_name(target: Path, n: int) -> Path:
    """汇总表.xlsx → 汇总表(n).xlsx, the name used when the target itself cannot be replaced."""
    return target.with_name(f"{target.stem}({n}){target.suffix}")


def _new_temp(folder: Path) -> Path:
    """An empty temporary file created exclusively (so with the usual permissions, unlike mkstemp)."""
    while True:
        temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}{TEMP_SUFFIX}"
        try:
            with open(temp, "xb"):
                return temp
        except FileExistsError:
            continue


def _move_into_place(temp: Path, target: Path) -> Path:
    """Rename onto the target, or onto the first free 汇总表(n).xlsx if the target is locked."""
    last_error = PermissionError(f"无法写入 {target}")
    for n in range(MAX_ALTERNATIVES + 1):
        candidate = alternative_name(target, n) if n else target
        if n and candidate.exists():
            continue
        try:
            _replace(temp, candidate)
            return candidate
        except PermissionError as exc:
            last_error = exc
    raise last_error


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; directories cannot be opened for this on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
