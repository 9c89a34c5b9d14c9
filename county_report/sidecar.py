"""A second process that renders the report while this one writes the workbook.

Both are CPU-bound Python, so on two cores they overlap: the sidecar starts (and imports
python-docx) while the figures are aggregated, then renders the .docx while the workbook is
written. It is one reading Worker (workers.py) with the report as its task, so it exits when
the run ends, even a killed run, and a memory cap applies as for the readers.

The sidecar only ever makes a run faster, never makes it fail: if it cannot start, dies, takes
too long or the work raises, the work is done again here, where a template error is raised in
Chinese as it would have been.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from typing import Any

from .workers import Worker

RESULT_TIMEOUT_SECONDS = 600  # a report renders in seconds; beyond this, render it here


def _spawn_context():
    """Spawn, as for the readers: what Windows does, and no inherited heap."""
    return mp.get_context("spawn")


class _Call:
    """The worker's task: call `work` with the arguments sent as the job (picklable for spawn)."""

    def __init__(self, work: Callable[..., Any]):
        self.work = work

    def __call__(self, args: tuple) -> Any:
        return self.work(*args)


class Sidecar:
    """`with Sidecar(render_report, enabled=…) as side: later = side.run(*args); …; later()`."""

    def __init__(self, work: Callable[..., Any], enabled: bool = True):
        self._work = work
        self._worker: Worker | None = None
        if not enabled:
            return  # everything runs in this process
        try:
            # unpickling the task imports the work's module: the child warms up while we aggregate
            self._worker = Worker(_spawn_context(), _Call(work))
        except Exception:  # noqa: BLE001 - no second process here: everything runs in this one
            self._worker = None

    def __enter__(self) -> Sidecar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, *args: Any) -> Callable[[], Any]:
        """Start work(*args) in the sidecar; call the returned function for its result."""
        sent = self._worker is not None and self._worker.give(args)

        def result() -> Any:
            outcome = self._worker.answer(RESULT_TIMEOUT_SECONDS) if sent and self._worker else None
            if outcome is not None and not outcome.failure:
                return outcome.value
            self.close(kill=outcome is None)
            return self._work(*args)

        return result

    def close(self, kill: bool = False) -> None:
        """Stop the sidecar: it is idle by now and leaves at once; `kill` for one that is stuck."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(kill=kill)
