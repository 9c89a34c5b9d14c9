"""The report renders in a second process, under a wall-clock limit, while this one writes the workbook.

Two reasons. Speed: both are CPU-bound Python, so on two cores they overlap; the sidecar
starts (and imports python-docx) while the figures are aggregated. Safety: the Word template is
the county's to edit, and a runaway one (nested loops once took 3.8 GB in 36 s) must not take
the run with it. The sandbox (sandbox.py) bounds loops and sizes on every system; here the
render is also bounded in time: at the limit the child is killed, and the clerk reads why.

It is one reading Worker (workers.py) with the work as its task, so it exits when the run ends,
even a killed run, and the readers' memory cap applies (where the system has one). Only when no
second process can start at all is the work done in this process, still sandboxed.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from .errors import ConfigError
from .workers import START_METHOD, Worker

RESULT_TIMEOUT_SECONDS = 120  # a 30,000-unit report renders in seconds; far beyond, it is a runaway


def _spawn_context():
    """As for the readers (workers.START_METHOD): what Windows does, and no inherited heap."""
    return mp.get_context(START_METHOD)


class _Raised:
    """An exception of the work, carried back to be raised in the parent with its message."""

    def __init__(self, exc: Exception):
        try:
            pickle.dumps(exc)
            self.exc = exc
        except Exception:  # noqa: BLE001 - an exception that cannot cross processes keeps its words
            self.exc = ConfigError(f"{type(exc).__name__}: {exc}")


class _Call:
    """The worker's task: call `work` with the arguments sent as the job (picklable for spawn)."""

    def __init__(self, work: Callable[..., Any]):
        self.work = work

    def __call__(self, args: tuple) -> Any:
        try:
            return self.work(*args)
        except Exception as exc:  # noqa: BLE001 - raised again in the parent
            return _Raised(exc)


class Sidecar:
    """`with Sidecar(render_report) as side: later = side.run(*args); …; later()`.

    `enabled=False` runs the work in this process (no time limit). `failure(kind, seconds, args)`
    returns the exception to raise when the child times out ("timeout") or dies ("crashed"), in
    the work's own words; without it a generic ConfigError is raised.
    """

    def __init__(
        self,
        work: Callable[..., Any],
        enabled: bool = True,
        timeout: float | None = None,
        failure: Callable[[str, float, tuple], Exception] | None = None,
    ):
        self._work = work
        self._describe = failure
        self._timeout = RESULT_TIMEOUT_SECONDS if timeout is None else timeout
        self._worker: Worker | None = None
        self._timer: threading.Timer | None = None
        if not enabled:
            return
        try:
            # unpickling the task imports the work's module: the child warms up while we aggregate
            self._worker = Worker(_spawn_context(), _Call(work))
        except Exception:  # noqa: BLE001 - no second process here: everything runs in this one
            self._worker = None

    def __enter__(self) -> Sidecar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=True)

    def run(self, *args: Any) -> Callable[[], Any]:
        """Start work(*args) in the sidecar; call the returned function for its result."""
        worker = self._worker
        if worker is None or not worker.give(args):
            self.close(kill=True)
            return lambda: self._work(*args)  # no second process: here, sandboxed, without a clock
        started = time.monotonic()
        self._timer = threading.Timer(self._timeout, self._expire, args=(worker,))
        self._timer.daemon = True
        self._timer.start()

        def result() -> Any:
            remaining = max(0.0, started + self._timeout - time.monotonic())
            outcome = worker.answer(remaining + 1.0)
            late = time.monotonic() - started >= self._timeout
            self.close(kill=outcome is None)
            if outcome is None and not worker.ready and not late:
                return self._work(*args)  # the child never started (an odd embedding): here, sandboxed
            if outcome is None or outcome.failure:
                raise self._failure("timeout" if late else "crashed", args)
            if isinstance(outcome.value, _Raised):
                raise outcome.value.exc
            return outcome.value

        return result

    def close(self, kill: bool = False) -> None:
        """Stop the sidecar: it is idle by now and leaves at once; `kill` for one that may be busy."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(kill=kill)

    def _expire(self, worker: Worker) -> None:
        """At the time limit: kill the child now, not when the parent next looks."""
        if worker.process.is_alive():
            worker.process.kill()

    def _failure(self, kind: str, args: tuple) -> Exception:
        if self._describe is not None:
            return self._describe(kind, self._timeout, args)
        if kind == "timeout":
            return ConfigError(f"后台任务在 {self._timeout:.0f} 秒内没有完成，已停止。")
        return ConfigError("后台任务的进程异常退出。")
