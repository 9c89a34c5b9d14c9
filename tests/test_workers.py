"""A file that kills or hangs its reader costs that file only; the rest of the run goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

from county_report import workers
from county_report.workers import Job, run_jobs


class Misbehave:
    """A task that aborts the process on 'abort', hangs on 'hang', raises on 'raise'."""

    def __call__(self, job: Job):
        if job.display_name == "abort":
            os.abort()  # what calamine does on a huge grid: SIGABRT, uncatchable
        if job.display_name == "hang":
            time.sleep(3600)
        if job.display_name == "raise":
            raise ValueError("坏文件")
        return job.display_name.upper()


def jobs(*names: str) -> list[Job]:
    return [Job(i, Path(n), n) for i, n in enumerate(names)]


def test_a_dead_worker_marks_only_its_file_and_the_rest_continue():
    outcomes = run_jobs(jobs("a", "abort", "b", "c", "abort", "d"), Misbehave(), workers=2)
    assert [o.value for o in outcomes] == ["A", None, "B", "C", None, "D"]
    assert [o.failure for o in outcomes] == ["", "crashed", "", "", "crashed", ""]


def test_jobs_queued_behind_a_crash_are_read_by_the_next_worker():
    # one worker holds several jobs at once (workers.AHEAD): those after the culprit are not lost
    outcomes = run_jobs(jobs("abort", "a", "b", "abort", "c", "d", "e"), Misbehave(), workers=1)
    assert [o.value for o in outcomes] == [None, "A", "B", None, "C", "D", "E"]
    assert [o.failure for o in outcomes] == ["crashed", "", "", "crashed", "", "", ""]


def test_an_exception_is_that_file_s_failure_in_both_modes():
    for n in (0, 1):
        outcomes = run_jobs(jobs("a", "raise", "b"), Misbehave(), workers=n)
        assert [o.failure for o in outcomes] == ["", "exception", ""]
        assert outcomes[1].detail == "ValueError: 坏文件"


def test_a_hanging_file_times_out(monkeypatch):
    monkeypatch.setattr(workers, "FILE_TIMEOUT_SECONDS", 2)
    outcomes = run_jobs(jobs("a", "hang", "b"), Misbehave(), workers=1)
    assert [o.failure for o in outcomes] == ["", "timeout", ""]
    assert [o.value for o in outcomes] == ["A", None, "B"]


def test_results_keep_input_order_whatever_finishes_first():
    names = [f"f{i}" for i in range(25)]
    outcomes = run_jobs(jobs(*names), Misbehave(), workers=2)
    assert [o.value for o in outcomes] == [n.upper() for n in names]


class PanicException(BaseException):
    """What pyo3 raises when a native reader panics: a BaseException, not an Exception."""


class Failing:
    def __call__(self, job: Job):
        if job.display_name == "panic":
            raise PanicException("range start index 2147483647 out of range for slice of length 4096")
        if job.display_name == "locked":
            raise PermissionError(13, "Permission denied", job.display_name)
        if job.display_name == "reader-io":
            raise OSError("failed to fill whole buffer")  # a reader's "IO error" on bytes: a broken file
        return job.display_name


def test_a_native_panic_is_that_file_s_failure_in_this_process_too():
    outcomes = run_jobs(jobs("a", "panic", "b"), Failing(), workers=0)
    assert [o.failure for o in outcomes] == ["", "exception", ""]
    assert outcomes[1].detail.startswith("PanicException: range start index")


def test_an_os_error_is_told_apart_from_a_broken_file():
    outcomes = run_jobs(jobs("locked", "reader-io"), Failing(), workers=0)
    assert [(o.failure, o.detail) for o in outcomes] == [
        ("unreadable", "没有读取权限"),
        ("exception", "OSError: failed to fill whole buffer"),
    ]


def test_stopping_the_run_is_not_swallowed():
    class Interrupt:
        def __call__(self, job):
            raise KeyboardInterrupt

    import pytest

    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs("a"), Interrupt(), workers=0)


class Pid:
    """A task that answers with the process that ran it."""

    def __call__(self, job: Job) -> int:
        return os.getpid()


def test_a_worker_started_ahead_reads_the_jobs_and_a_spare_is_stopped():
    # a re-run starts one worker while it hashes the files (intake.take_in): that worker does the
    # reading, and a worker started ahead that the jobs do not need is not left running
    ahead = [workers.start_worker(Pid()), workers.start_worker(Pid())]
    outcomes = run_jobs(jobs("a", "b", "c"), Pid(), workers=1, started=ahead)
    assert [o.value for o in outcomes] == [ahead[0].process.pid] * 3
    assert not any(w.process.is_alive() for w in ahead)


def test_a_worker_started_ahead_for_no_jobs_is_stopped():
    for n in (0, 2):  # nothing changed; or read in this process after all
        ahead = workers.start_worker(Pid())
        assert run_jobs([], Pid(), workers=n, started=[ahead]) == []
        assert not ahead.process.is_alive()
    ahead = workers.start_worker(Pid())
    assert [o.value for o in run_jobs(jobs("a"), Pid(), workers=0, started=[ahead])] == [os.getpid()]
    assert not ahead.process.is_alive()
