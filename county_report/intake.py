"""From a folder of returned files to every file read, with every finding.

Lock files and hidden files are skipped and listed; every other file is screened, read and
validated (`read_one`) in a worker process. Which of them count is selection's business.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path

from . import listing
from .definition import Campaign
from .findings import Finding, finding
from .model import Submission
from .roster import Roster
from .templates import Templates, load_templates
from .workers import Job, Outcome, run_jobs

# Every run reads in worker processes, however small: a file that crashes the native reader must
# cost that file only. The price is the workers' start-up, about 0.3 s (147 demo files: 0.98 s
# in-process, 1.0–1.1 s with two workers).
IN_PROCESS_UP_TO = 0


@dataclass(frozen=True)
class Intake:
    """Every file accounted for: submissions read, files skipped, files rejected unread."""

    submissions: tuple[Submission, ...]  # every file that was read, accepted or not
    skipped: tuple[Finding, ...]
    unread: tuple[Finding, ...]  # rejected before or while reading (corrupt, bomb, crash…)

    @property
    def files_read(self) -> int:
        return len(self.submissions) + len(self.unread)


def discover(inputs: Path) -> list[tuple[str, Path]]:
    """Every file under the inputs folder (sub-folders included) with its name relative to it
    (`城关镇/东风村.xlsx`), in a stable order. Paths not read are findings: see listing.py."""
    return list(listing.discover(inputs).files)


def read_one(path: Path, display_name: str, campaign: Campaign, roster: Roster) -> Submission | Finding:
    """Screen, read and validate one file: a rejection finding, or the Submission with its findings."""
    from .guard import screen
    from .reader import read_form, sheets_read
    from .validate import validate_form

    rejection, data = screen(path, display_name, sheets_read(campaign))
    if rejection is not None:
        return rejection
    submission = validate_form(read_form(path, campaign, display_name, data), campaign, roster)
    digest = hashlib.sha256(data if data else Path(path).read_bytes()).hexdigest()  # the bytes screened
    return replace(submission, sha256=digest)


class ReadTask:
    """The per-file work of a worker: `read_one` with the templates loaded once. Picklable for spawn."""

    def __init__(self, templates: Path):
        self.templates = Path(templates)

    def __call__(self, job: Job) -> Submission | Finding:
        loaded = _templates(self.templates)
        return read_one(job.path, job.display_name, loaded.campaign, loaded.roster)


_loaded: dict[Path, Templates] = {}


def _templates(templates: Path) -> Templates:
    """Settings, definition and roster, loaded once per worker process."""
    if templates not in _loaded:
        _loaded[templates] = load_templates(templates)
    return _loaded[templates]


def take_in(
    inputs: Path,
    templates: Path,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    exclude: Collection[Path] = (),
) -> Intake:
    """Triage every file in `inputs`, then read the candidates (in workers unless told 0).

    `exclude`: folders never read as inputs (the outputs folder; templates are always left out).
    """
    from .guard import classify

    listed = listing.discover(inputs, exclude=(*exclude, (templates, "本次使用的模板文件夹")))
    skipped, jobs = list(listed.findings), []  # paths not read: links, pipes, unreadable folders
    for name, path in listed.files:
        hidden_folder = any(part.startswith(".") for part in Path(name).parts[:-1])
        reason = "隐藏文件夹中的文件" if hidden_folder else classify(path)
        if reason:
            skipped.append(finding("skipped-file", file=name, reason=reason))
        else:
            jobs.append(Job(len(jobs), path, name))
    if workers is None:
        workers = 0 if len(jobs) <= IN_PROCESS_UP_TO else min(os.cpu_count() or 1, 4)
    total = len(jobs)
    progress = (lambda done: on_progress(done, total)) if on_progress else None
    outcomes = _without_gc(lambda: run_jobs(jobs, ReadTask(templates), workers, progress))
    submissions, unread = [], []
    for outcome in outcomes:
        if isinstance(outcome.value, Submission):
            submissions.append(outcome.value)
        else:
            unread.append(_unread(outcome))
    return Intake(tuple(submissions), tuple(skipped), tuple(unread))


def _without_gc(work: Callable[[], list[Outcome]]) -> list[Outcome]:
    """Run `work` with the cycle collector paused: the results arrive as millions of small
    objects that all stay alive, and each full collection would walk every one of them again
    (30,000 forms: 3.4 s of unpickling instead of 2.6 s). Nothing in the loop makes cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return work()
    finally:
        if was_enabled:
            gc.enable()


# What python-calamine says when it does not understand how a sound file is written (as opposed
# to data that contradicts itself, such as a missing shared string: that file is damaged).
_FORMAT_NOT_UNDERSTOOD = (
    "Cannot detect file format",
    "Expecting ",
    "Unsupported",
    "unsupported",
    "Unrecognized",
)


def _unread(outcome: Outcome) -> Finding:
    if isinstance(outcome.value, Finding):
        return outcome.value
    name = outcome.job.display_name
    if outcome.failure == "timeout":
        return finding("reader-timeout", file=name, reason=outcome.detail)
    if outcome.failure == "crashed":
        return finding("reader-crashed", file=name, reason=outcome.detail)
    if outcome.failure == "unreadable":  # issue 16: locked, no permission or gone, said in Chinese
        return finding("file-unreadable", file=name, reason=outcome.detail)
    # the reader's own words are technical English: they go to the 值 column, not the message
    if any(words in outcome.detail for words in _FORMAT_NOT_UNDERSTOOD):
        # the guard found the container whole: it is the way the file is written, not damage
        reason = "文件完好，但其写法本程序读不懂"
        return finding("unreadable-format", file=name, reason=reason, value=outcome.detail)
    return finding("file-corrupt", file=name, reason="文件内部数据有误", value=outcome.detail)
