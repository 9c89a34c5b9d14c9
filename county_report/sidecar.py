"""A second process that renders the report while this one writes the workbook.

Both are CPU-bound Python, so on two cores they overlap: the sidecar starts (and imports
python-docx) while the figures are aggregated, then renders the .docx while the workbook is
written. If it cannot start, or dies, the work is done here instead: the sidecar only ever
makes a run faster, never makes it fail. An exception raised by the work itself (a template
error, in Chinese) is raised here as it would have been.

A plain process on a pipe, not concurrent.futures: its queues leave the child holding both ends
of a pipe, so a child whose run was killed waits forever; this one reads end-of-file and exits.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

RESULT_TIMEOUT_SECONDS = 600  # a report renders in seconds; beyond this, render it here
_FAILED = object()


def _spawn_context():
    """Spawn, as for the readers: what Windows does, and no inherited heap."""
    return mp.get_context("spawn")


def _serve(conn: Connection, warm_module: str) -> None:
    """Child: import `warm_module`, then run each (work, args) received; exit when the pipe closes."""
    import importlib

    try:
        importlib.import_module(warm_module)
    except Exception:  # noqa: BLE001 - the work itself will import it and report properly
        pass
    while True:
        try:
            work, args = conn.recv()
        except (EOFError, OSError):
            return  # the run ended, normally or killed
        try:
            reply = ("ok", work(*args))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent
            reply = ("raised", exc)
        try:
            conn.send(reply)
        except Exception:  # noqa: BLE001 - an unpicklable answer: the parent redoes the work
            conn.send(("failed", None))


class Sidecar:
    """`with Sidecar("county_report.report") as side: later = side.run(f, *args); …; later()`."""

    def __init__(self, warm_module: str, enabled: bool = True):
        self._conn: Connection | None = None
        self._process = None
        if not enabled:
            return  # everything runs in this process
        try:
            ctx = _spawn_context()
            self._conn, child = ctx.Pipe()
            self._process = ctx.Process(target=_serve, args=(child, warm_module), daemon=True)
            self._process.start()
            child.close()  # so that the child alone holds its end
        except Exception:  # noqa: BLE001 - no second process here: everything runs in this one
            self.close(kill=True)

    def __enter__(self) -> Sidecar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, work: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        """Start work(*args) in the sidecar; call the returned function for its result."""
        sent = False
        if self._conn is not None:
            try:
                self._conn.send((work, args))
                sent = True
            except Exception:  # noqa: BLE001 - a dead sidecar or an unpicklable argument
                self.close(kill=True)

        def result() -> Any:
            answer = self._answer() if sent else _FAILED
            if answer is not _FAILED:
                kind, value = answer
                if kind == "ok":
                    return value
                if kind == "raised":
                    raise value
            return work(*args)

        return result

    def _answer(self) -> Any:
        try:
            if self._conn is not None and self._conn.poll(RESULT_TIMEOUT_SECONDS):
                return self._conn.recv()
        except (EOFError, OSError):
            pass  # it died: the work is done here
        self.close(kill=True)
        return _FAILED

    def close(self, kill: bool = False) -> None:
        """Stop the sidecar: closing the pipe ends it; `kill` for one that is stuck."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            conn.close()
        if process is not None:
            if kill:
                process.kill()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
