"""From a folder of returned files to the submissions that count, with every finding.

Lock files and hidden files are skipped and listed; every other file is screened and read in a
worker process; of two files for one village the later 填报日期 wins, the other is listed.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import listing
from .findings import Finding, finding
from .model import Submission
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


class ReadTask:
    """The per-file work of a worker: screen, then read and validate. Picklable for spawn."""

    def __init__(self, templates: Path):
        self.templates = Path(templates)

    def __call__(self, job: Job) -> Submission | Finding:
        from .guard import screen
        from .reader import read_submission

        spec, roster = _templates(self.templates)
        rejection, data = screen(job.path, job.display_name, spec.sheets)
        if rejection is not None:
            return rejection
        return read_submission(job.path, spec, roster, job.display_name, data)  # the bytes screened


_loaded: dict[Path, tuple] = {}


def _templates(templates: Path) -> tuple:
    """Form definition and roster, loaded once per worker process."""
    if templates not in _loaded:
        from .formspec import load_formspec
        from .roster import load_roster
        from .settings import FORM_FILE, ROSTER_FILE

        spec = load_formspec(templates / FORM_FILE)
        _loaded[templates] = (spec, load_roster(templates / ROSTER_FILE, spec))
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
    return finding("file-corrupt", file=name, reason="文件内部数据有误", value=outcome.detail)


_UNPLACED = {"unknown-township", "unknown-village"}


def placed(sub: Submission) -> tuple[str, str] | None:
    """The roster village a file speaks for, whether or not it is valid; None if unknown."""
    if not sub.township or not sub.village or any(f.code in _UNPLACED for f in sub.findings):
        return None
    return sub.township, sub.village


def pick_latest(submissions: Sequence[Submission]) -> tuple[list[Submission], list[Finding]]:
    """One file per village: the later 填报日期, then the later file time, wins, valid or not.

    A village that corrects its form and sends it again is judged on the new file alone; the
    older files are listed as superseded. Files that name no roster village all stay.
    """
    groups: dict[tuple[str, str], list[Submission]] = {}
    latest = []
    for sub in submissions:
        place = placed(sub)
        if place is None:
            latest.append(sub)
        else:
            groups.setdefault(place, []).append(sub)
    superseded = []
    for group in groups.values():
        group.sort(key=lambda s: (s.header.get("filled_on") or date.min, s.mtime, s.file))
        winner = group[-1]
        latest.append(winner)
        superseded += [_superseded(loser, winner) for loser in group[:-1]]
    order = {id(s): i for i, s in enumerate(submissions)}
    latest.sort(key=lambda s: order[id(s)])
    return latest, superseded


def _superseded(loser: Submission, winner: Submission) -> Finding:
    when = loser.header.get("filled_on")
    return finding(
        "superseded",
        file=loser.file,
        value=when.isoformat() if when else "未填",
        village=f"{winner.township}{winner.village}",
        reason=winner.file,
    )


def default_period(submissions: Sequence[Submission]) -> date | None:
    """The most common 统计截止日期 among the submissions (ties: the later date)."""
    counts = Counter(s.header.get("as_of") for s in submissions if s.header.get("as_of"))
    if not counts:
        return None
    return max(counts, key=lambda d: (counts[d], d))


def period_findings(submissions: Sequence[Submission], period: date, spec) -> list[Finding]:
    """A warning for each counted form whose 统计截止日期 is not the run's period."""
    field = spec.role("as_of")
    out = []
    for sub in submissions:
        as_of = sub.header.get(field.key)
        if as_of and as_of != period:
            out.append(
                finding(
                    "as-of-mismatch",
                    file=sub.file,
                    sheet=spec.basic_sheet,
                    cell=sub.cells.get(field.key, ""),
                    label=field.label,
                    value=as_of.isoformat(),
                    reason=period.isoformat(),
                )
            )
    return out
