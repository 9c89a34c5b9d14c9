"""A second process that renders the report while this one writes the workbook.

Both are CPU-bound Python, so on two cores they overlap: the sidecar starts (and imports
python-docx) while the figures are aggregated, then renders the .docx while the workbook is
written. If it cannot start, or dies, the work is done here instead: the sidecar only ever
makes a run faster, never makes it fail. An exception raised by the work itself (a template
error, in Chinese) is raised here as it would have been.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

RESULT_TIMEOUT_SECONDS = 600  # a report renders in a second; beyond this, render it here


def _warm_up(module: str) -> None:
    import importlib

    importlib.import_module(module)


class Sidecar:
    """`with Sidecar("county_report.report") as side: later = side.run(f, *args); …; later()`."""

    def __init__(self, warm_module: str, enabled: bool = True):
        self._pool: ProcessPoolExecutor | None = None
        if not enabled:
            return  # everything runs in this process
        try:
            # spawn, as for the readers: what Windows does, and no inherited heap
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
            self._pool.submit(_warm_up, warm_module)
        except Exception:  # noqa: BLE001 - no second process here: everything runs in this one
            self.close(kill=True)

    def __enter__(self) -> Sidecar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, work: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        """Start work(*args) in the sidecar; call the returned function for its result."""
        future: Future | None = None
        if self._pool is not None:
            try:
                future = self._pool.submit(work, *args)
            except Exception:  # noqa: BLE001 - a broken pool: fall back below
                future = None

        def result() -> Any:
            if future is not None:
                try:
                    return future.result(timeout=RESULT_TIMEOUT_SECONDS)
                except (BrokenProcessPool, TimeoutError):
                    self.close(kill=True)
            return work(*args)

        return result

    def close(self, kill: bool = False) -> None:
        """Stop the sidecar: it is idle by now and leaves at once; `kill` for one that is stuck."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=not kill, cancel_futures=True)
