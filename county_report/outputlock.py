"""One run at a time per outputs folder, held by an OS file lock that dies with its process.

Two runs writing one outputs folder at once left a workbook from one beside a report from the
other (3 of 30 trials). A run that writes takes this lock first; a second run waits a few
seconds, then stops with a Chinese message. The lock is the operating system's, so a run that
is killed releases it at once: no stale lock to clear by hand. On Linux and macOS it is a
flock on the outputs folder itself, so nothing is written for it; Windows cannot lock a
folder, so there it is an msvcrt lock on a file in the temporary folder named after the
outputs folder's full path (the outputs folder still holds nothing but outputs). While it
holds the lock, a run also removes the temporary files an earlier, killed run left there.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

from .errors import OutputsBusy

WAIT_SECONDS = 10.0  # a second run started by a double click waits this long for the first
_POLL_SECONDS = 0.1


def lock_path(outputs: Path) -> Path:
    """What is locked for an outputs folder: the folder itself, or on Windows a file in the
    temporary folder; one per folder, however its path is spelt."""
    if os.name != "nt":
        return Path(outputs)
    key = os.path.normcase(os.path.realpath(outputs))
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"county-report-{digest}.lock"


class OutputLock:
    """`with OutputLock(outputs):` — hold the outputs folder for one run; no-op when not enabled."""

    def __init__(self, outputs: Path, enabled: bool = True, wait: float | None = None):
        self.outputs, self.enabled = Path(outputs), enabled
        self.wait = WAIT_SECONDS if wait is None else wait
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        if not self.enabled:
            return self
        self.outputs.mkdir(parents=True, exist_ok=True)
        fd = _open(lock_path(self.outputs))
        deadline = time.monotonic() + self.wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise OutputsBusy(
                    f"另一次运行正在向输出文件夹 {self.outputs} 写入结果，请等它结束后再运行"
                    "（两次运行同时写入，汇总表和工作总结会来自不同的运行）。"
                )
            time.sleep(_POLL_SECONDS)
        self._fd = fd
        from .atomic import remove_stale_temps  # only the lock holder may: no other run is writing now

        remove_stale_temps(self.outputs, older_than=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def _open(path: Path) -> int:
    if os.name != "nt":
        return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # the folder: flock needs no file
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # created by another user: a read-only descriptor can still be locked
        return os.open(path, os.O_RDONLY)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
