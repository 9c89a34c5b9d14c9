"""Parse files in child processes, so that no file can end the run.

A native reader can abort the whole process (calamine on a huge grid dies with SIGABRT, which
Python cannot catch), so each file is read in a worker: a worker that dies or hangs marks
only its current file as rejected, and a fresh worker takes the next one.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .oserrors import os_reason

READY = "ready"
# spawn everywhere: it is what Windows does, and a child must not inherit the parent's heap
START_METHOD = "spawn"
START_TIMEOUT_SECONDS = 60  # a worker that cannot start at all (odd embedding) is not a file's fault
FILE_TIMEOUT_SECONDS = 60  # a real form reads in milliseconds; a minute means something is wrong
WORKER_MEMORY_BYTES = 2 * 1024**3  # address-space cap per worker: a runaway allocation fails there
# Jobs waiting in each worker's pipe. The parent naps only while every worker holds more than half
# of these, so a worker never runs dry during a nap: with 8, a worker left with 5 fast jobs (calamine
# alone: ~0.6 ms each) emptied its queue and waited (3,000 forms: 2.2 s; with 32: 0.9 s).
AHEAD = 32


@dataclass(frozen=True)
class Job:
    index: int
    path: Path
    display_name: str


@dataclass(frozen=True)
class Outcome:
    """What became of one job: a value, or why there is none (crash, timeout, exception)."""

    job: Job
    value: object = None
    failure: str = ""  # "crashed" | "timeout" | "exception" | "unreadable"
    detail: str = ""


def run_jobs(
    jobs: Sequence[Job],
    task: Callable[[Job], object],
    workers: int,
    on_done: Callable[[int], None] | None = None,
    started: Sequence[Worker] = (),
) -> list[Outcome]:
    """Run task(job) for every job in `workers` child processes (0: in this process).

    `started`: workers for `task` started ahead (start_worker), taken first; stopped if not needed."""
    if workers > 0 and jobs:
        try:
            return _Pool(task, workers).run(jobs, on_done, started)
        except WorkersUnavailable:
            pass  # no child process can start here: read in this process rather than not at all
    for worker in started:
        worker.stop(kill=True)
    outcomes = []
    for done, job in enumerate(jobs, 1):
        outcomes.append(_run_here(task, job))
        if on_done:
            on_done(done)
    return outcomes


def start_worker(task: Callable[[Job], object]) -> Worker:
    """A worker whose interpreter boots while the caller still works out its jobs (run_jobs' `started`)."""
    return Worker(mp.get_context(START_METHOD), task)


class WorkersUnavailable(Exception):
    """A worker process died or stalled before it could take any job."""


def _run_here(task: Callable[[Job], object], job: Job) -> Outcome:
    """One job in this process; whatever it raises is that job's failure, never the run's.

    A native reader's panic arrives as pyo3's PanicException, which derives from BaseException,
    so only the two that mean "stop everything" pass through. An OS error (the file is locked,
    unreadable or gone) is told apart from a broken file: the clerk's remedy differs.
    """
    try:
        return Outcome(job, task(job))
    except (KeyboardInterrupt, SystemExit):
        raise
    except OSError as exc:
        if exc.errno is None and getattr(exc, "winerror", None) is None:  # a reader's "IO error" on bytes
            return Outcome(job, failure="exception", detail=_describe(exc))
        return Outcome(job, failure="unreadable", detail=os_reason(exc))
    except BaseException as exc:  # noqa: BLE001 - one file's failure is that file's finding
        return Outcome(job, failure="exception", detail=_describe(exc))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _worker_main(conn: Connection, task: Callable[[Job], object]) -> None:
    """Child loop: say ready, then receive a job, send back its outcome; exit on None."""
    _limit_memory()
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the run ended without saying so (it was killed)
        if job is None:
            return
        outcome = _run_here(task, job)
        if os.environ.get("COUNTY_REPORT_DEBUG") and outcome.failure:
            traceback.print_exc()
        conn.send(outcome)


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass  # Windows has no RLIMIT_AS; the guard's size caps still apply


class Worker:
    """One child process running `task` on each job sent to it, oldest first.

    The pool below keeps several; sidecar.py keeps one for the report.
    """

    def __init__(self, ctx, task):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.queue: deque[Any] = deque()  # what it was given: Jobs, or the sidecar's arguments
        self.ready = False  # its hello arrived: the child started (so a later death is a job's)
        self.since = 0.0  # when its oldest queued job began: given to an idle worker, or the last result

    def await_ready(self) -> None:
        """Wait for the child's hello; a child that cannot start means no pool at all."""
        try:
            if self.conn.poll(START_TIMEOUT_SECONDS) and self.conn.recv() == READY:
                self.ready = True
                return
        except (EOFError, OSError):
            pass
        self.stop(kill=True)
        raise WorkersUnavailable

    def give(self, job: object) -> bool:  # a Job, or the sidecar's arguments
        """Send a job; False if the worker is gone or the job cannot be sent (then it was not taken)."""
        try:
            self.conn.send(job)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return False
        if not self.queue:
            self.since = time.monotonic()
        self.queue.append(job)
        return True

    def answer(self, timeout: float) -> Outcome | None:
        """The next outcome, its hello skipped if still unread; None if it died or took too long."""
        deadline = time.monotonic() + timeout
        try:
            while self.conn.poll(max(0.0, deadline - time.monotonic())):
                message = self.conn.recv()
                if isinstance(message, Outcome):
                    return message
                self.ready = self.ready or message == READY
        except (EOFError, OSError):
            pass
        return None

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class _Pool:
    """A few long-lived workers, each kept AHEAD jobs ahead; a lost worker is replaced.

    Jobs wait in each worker's pipe so that a worker never sits idle while the parent collects
    a result (one job at a time, the two readers ran at 1.2× one). A worker does its jobs in
    order, so when it dies or hangs the culprit is its oldest job; its other jobs go to the
    front of the line for the next worker.
    """

    def __init__(self, task, size: int):
        self.task = task
        self.size = size
        self.ctx = mp.get_context(START_METHOD)

    def run(self, jobs: Sequence[Job], on_done, started: Sequence[Worker] = ()) -> list[Outcome]:
        pending: deque[Job] = deque(jobs)
        results: dict[int, Outcome] = {}
        count = min(self.size, len(jobs))
        for spare in started[count:]:
            spare.stop(kill=True)
        workers = [*started[:count]]
        workers += [Worker(self.ctx, self.task) for _ in range(count - len(workers))]
        try:
            for w in workers:  # started together above: their interpreters boot in parallel
                w.await_ready()
            for w in workers:
                self._fill(w, pending)
            while pending or any(w.queue for w in workers):  # pending: a worker refused its jobs
                for outcome in self._collect(workers, pending):
                    results[outcome.job.index] = outcome
                    if on_done:
                        on_done(len(results))
                for i, w in enumerate(workers):
                    # a dead worker with jobs is left to _collect, which knows its culprit
                    if w.conn.closed or not (w.queue or w.process.is_alive()):
                        if not w.conn.closed:
                            w.stop(kill=True)
                        workers[i] = w = Worker(self.ctx, self.task)
                        w.await_ready()
                    self._fill(w, pending)
        finally:
            for w in workers:
                if not w.conn.closed:
                    w.stop(kill=bool(w.queue))
        return [results[j.index] for j in jobs]

    @staticmethod
    def _fill(worker: Worker, pending: deque[Job]) -> None:
        while pending and len(worker.queue) < AHEAD and worker.give(pending[0]):
            pending.popleft()

    def _collect(self, workers: list[Worker], pending: deque[Job]) -> list[Outcome]:
        """Every result that has arrived; a dead or stuck worker's oldest job marked, the rest requeued."""
        busy = [w for w in workers if w.queue]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
        done = []
        for w in busy:
            failure = ""
            try:
                while w.queue and w.conn.poll():
                    outcome = w.conn.recv()
                    w.queue.popleft()
                    w.since = time.monotonic()
                    done.append(outcome)
            except (EOFError, OSError):
                failure = "crashed"  # it died while answering
            if not failure and w.process.sentinel in ready and w.queue:
                failure = "crashed"
            elif not failure and w.queue and time.monotonic() - w.since > FILE_TIMEOUT_SECONDS:
                failure = "timeout"
            if failure:
                done.append(self._lost(w, failure, pending))
        return done

    @staticmethod
    def _lost(w: Worker, failure: str, pending: deque[Job]) -> Outcome:
        culprit = w.queue.popleft()
        pending.extendleft(reversed(w.queue))
        w.queue.clear()
        w.stop(kill=True)
        if failure == "timeout":
            return Outcome(culprit, failure="timeout", detail=str(FILE_TIMEOUT_SECONDS))
        return Outcome(culprit, failure="crashed", detail=f"退出码 {w.process.exitcode}")
