"""Parse files in child processes, so that no file can end the run.

A native reader can abort the whole process (calamine on a huge grid dies with SIGABRT, which
Python cannot catch), so each file is read in a worker: a worker that dies or hangs marks
only its current file as rejected, and a fresh worker takes the next one.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

READY = "ready"
START_TIMEOUT_SECONDS = 60  # a worker that cannot start at all (odd embedding) is not a file's fault
FILE_TIMEOUT_SECONDS = 60  # a real form reads in milliseconds; a minute means something is wrong
WORKER_MEMORY_BYTES = 2 * 1024**3  # address-space cap per worker: a runaway allocation fails there


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
    failure: str = ""  # "crashed" | "timeout" | "exception"
    detail: str = ""


def run_jobs(
    jobs: Sequence[Job],
    task: Callable[[Job], object],
    workers: int,
    on_done: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Run task(job) for every job in `workers` child processes (0: in this process)."""
    if workers > 0 and jobs:
        try:
            return _Pool(task, workers).run(jobs, on_done)
        except WorkersUnavailable:
            pass  # no child process can start here: read in this process rather than not at all
    outcomes = []
    for done, job in enumerate(jobs, 1):
        outcomes.append(_run_here(task, job))
        if on_done:
            on_done(done)
    return outcomes


class WorkersUnavailable(Exception):
    """A worker process died or stalled before it could take any job."""


def _run_here(task: Callable[[Job], object], job: Job) -> Outcome:
    try:
        return Outcome(job, task(job))
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's finding
        return Outcome(job, failure="exception", detail=_describe(exc))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _worker_main(conn: Connection, task: Callable[[Job], object]) -> None:
    """Child loop: say ready, then receive a job, send back its outcome; exit on None."""
    _limit_memory()
    conn.send(READY)
    while True:
        job = conn.recv()
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


class _Worker:
    def __init__(self, ctx, task):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0

    def await_ready(self) -> None:
        """Wait for the child's hello; a child that cannot start means no pool at all."""
        try:
            if self.conn.poll(START_TIMEOUT_SECONDS) and self.conn.recv() == READY:
                return
        except (EOFError, OSError):
            pass
        self.stop(kill=True)
        raise WorkersUnavailable

    def give(self, job: Job) -> None:
        self.job, self.started = job, time.monotonic()
        self.conn.send(job)

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
    """A few long-lived workers fed one job at a time; a lost worker is replaced."""

    def __init__(self, task, size: int):
        self.task = task
        self.size = size
        # spawn everywhere: it is what Windows does, and a child must not inherit the parent's heap
        self.ctx = mp.get_context("spawn")

    def run(self, jobs: Sequence[Job], on_done) -> list[Outcome]:
        pending: Iterator[Job] = iter(jobs)
        results: dict[int, Outcome] = {}
        workers = [_Worker(self.ctx, self.task) for _ in range(min(self.size, len(jobs)))]
        try:
            for w in workers:  # started together above: their interpreters boot in parallel
                w.await_ready()
            for w in workers:
                self._feed(w, pending)
            while any(w.job for w in workers):
                for w, outcome in self._collect(workers):
                    results[outcome.job.index] = outcome
                    if on_done:
                        on_done(len(results))
                    if w.process.is_alive():
                        self._feed(w, pending)
                    else:
                        workers[workers.index(w)] = replacement = _Worker(self.ctx, self.task)
                        replacement.await_ready()
                        self._feed(replacement, pending)
        finally:
            for w in workers:
                w.stop(kill=w.job is not None)
        return [results[j.index] for j in jobs]

    @staticmethod
    def _feed(worker: _Worker, pending: Iterator[Job]) -> None:
        job = next(pending, None)
        worker.job = None
        if job is not None:
            worker.give(job)

    def _collect(self, workers: list[_Worker]) -> list[tuple[_Worker, Outcome]]:
        busy = [w for w in workers if w.job]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
        done = []
        for w in busy:
            if w.conn in ready:
                try:
                    done.append((w, w.conn.recv()))
                    continue
                except (EOFError, OSError):
                    pass  # it died while answering: treated as a crash below
            if w.conn in ready or w.process.sentinel in ready:
                w.process.join(timeout=5)
                code = w.process.exitcode
                done.append((w, Outcome(w.job, failure="crashed", detail=f"退出码 {code}")))
                w.stop(kill=True)
            elif time.monotonic() - w.started > FILE_TIMEOUT_SECONDS:
                w.stop(kill=True)
                done.append((w, Outcome(w.job, failure="timeout", detail=str(FILE_TIMEOUT_SECONDS))))
        return done
