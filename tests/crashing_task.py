"""A read task that kills its worker process on one marked file, for the end-to-end crash test.

It lives in its own small module because spawned workers import it to unpickle the task.
"""

from __future__ import annotations

import os

from county_report.intake import ReadTask
from county_report.workers import Job

MARK = "（读取时崩溃）"


class CrashingReadTask(ReadTask):
    """The real ReadTask, except that a file whose name carries MARK aborts the process."""

    def __call__(self, job: Job):
        if MARK in job.display_name:
            os.abort()  # what a native reader does on a hostile grid: SIGABRT, uncatchable
        return super().__call__(job)
