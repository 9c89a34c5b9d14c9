"""From a folder of returned files to every file read, with every finding.

Lock files and hidden files are skipped and listed; every other file is screened, read and
validated (`read_file`) in a worker process, unless the read cache holds a read of the same bytes
by the same definition and program (then only its roster checks run again, here). Which of the
files count is selection's business.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import listing
from .definition import Campaign
from .findings import Finding, finding
from .model import Submission
from .provenance import bytes_digest, file_digest, stat_of
from .roster import Roster
from .templates import Templates, load_templates
from .workers import Job, Outcome, run_jobs, start_worker

if TYPE_CHECKING:  # the cache module is imported when a run has a data folder
    from .readcache import Fresh, Kept, ReadCache

# Every run reads in worker processes, however small: a file that crashes the native reader must
# cost that file only. The price is the workers' start-up, about 0.3 s (147 demo files: 0.98 s
# in-process, 1.0–1.1 s with two workers).
IN_PROCESS_UP_TO = 0
# A worker costs ~0.3 s to start, the time to read ~75 forms: a re-run with a few changed files
# starts one, not one per core.
FILES_PER_WORKER = 75


@dataclass(frozen=True)
class InputFile:
    """One file of the inputs folder as this run found it, for the record and the audit."""

    name: str
    size: int
    mtime: float
    sha256: str  # "" when it could not be read


@dataclass(frozen=True)
class Intake:
    """Every file accounted for: submissions read, files skipped, files rejected unread."""

    submissions: tuple[Submission, ...]  # every file that was read, accepted or not
    skipped: tuple[Finding, ...]
    unread: tuple[Finding, ...]  # rejected before or while reading (corrupt, bomb, crash…)
    files: tuple[InputFile, ...] = ()  # every file found, skipped ones included, in name order
    fresh: tuple[Fresh, ...] = ()  # reads made (or validated again) by this run, for the cache
    reused: int = 0  # files whose earlier read was reused

    @property
    def files_read(self) -> int:
        return len(self.submissions) + len(self.unread)


@dataclass(frozen=True)
class Read:
    """One file's read in a worker: the result, the SHA-256 of the bytes read, and (when the run
    keeps reads) the located cells and the result packed for the cache."""

    value: Any  # Submission | Finding; None when sent packed
    sha256: str
    size: int
    question: tuple[Any, Any] | None = None  # what the form asked the roster (validate.roster_question)
    raw: bytes = b""
    packed: bytes = b""

    def result(self, path: Path | None = None) -> Submission | Finding:
        """The Submission or Finding; one that came packed gets its file's `path` back."""
        if self.value is not None:
            return self.value
        from .readcache import unpack

        value = unpack(self.packed)
        if isinstance(value, Submission):
            object.__setattr__(value, "path", path)  # just unpacked: no one else holds it
        return value


def triage(
    inputs: Path, exclude: Collection[Path | tuple[Path, str]] = ()
) -> tuple[tuple[Finding, ...], list[tuple[str, Path, str]]]:
    """The paths not read (listing.py's findings), and every file under `inputs` with why it is
    skipped unread (lock, hidden, system file), or "" to read it."""
    from .guard import classify

    listed = listing.discover(inputs, exclude=exclude)
    out = []
    for name, path in listed.files:
        hidden = listing.in_hidden_folder(name)
        out.append((name, path, "隐藏文件夹中的文件" if hidden else classify(path) or ""))
    return tuple(listed.findings), out


def read_one(path: Path, display_name: str, campaign: Campaign, roster: Roster) -> Submission | Finding:
    """Screen, read and validate one file: a rejection finding, or the Submission with its findings."""
    return read_file(path, display_name, campaign, roster).result(path)


def read_file(path: Path, display_name: str, campaign: Campaign, roster: Roster, keep: bool = False) -> Read:
    """read_one, with the SHA-256 of the bytes screened; `keep`: packed for the read cache too."""
    from .guard import screen
    from .reader import read_form, sheets_read
    from .validate import roster_question, validate_form

    rejection, data = screen(path, display_name, sheets_read(campaign))
    size, sha = (len(data), bytes_digest(data)) if data else _digest(path)  # the bytes screened
    if rejection is not None:
        return _read(rejection, sha, size, keep)
    raw = read_form(path, campaign, display_name, data)  # the bytes screened
    submission = replace(validate_form(raw, campaign, roster), sha256=sha)
    if not keep:
        return Read(submission, sha, size)
    from .readcache import pack_raw

    return _read(submission, sha, size, keep, roster_question(raw, campaign), pack_raw(raw))


def _read(value, sha: str, size: int, keep: bool, question=None, raw: bytes = b"") -> Read:
    if not keep:
        return Read(value, sha, size)
    from .readcache import pack

    if isinstance(value, Submission):  # kept without its path: on reuse it is the file's path then
        value = replace(value, path=None)
    return Read(None, sha, size, question, raw, pack(value))  # sent once, packed: the parent keeps the bytes


def _digest(path: Path) -> tuple[int, str]:
    try:
        return file_digest(path)
    except OSError:
        return 0, ""


class ReadTask:
    """The per-file work of a worker: `read_file` with the templates loaded once a run. Picklable for
    spawn: each worker loads its own; reading in this process uses the caller's `loaded`, if given."""

    def __init__(self, templates: Path, keep: bool = False, loaded: Templates | None = None):
        self.templates = Path(templates)
        self.keep = keep
        self._loaded = loaded  # for this run: a new run makes a new task (and sees an edited roster)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_loaded": None}  # each worker loads its own

    def __call__(self, job: Job) -> Read:
        if self._loaded is None:  # once, not per file
            self._loaded = load_templates(self.templates)
        loaded = self._loaded
        return read_file(job.path, job.display_name, loaded.campaign, loaded.roster, self.keep)


def take_in(
    inputs: Path,
    templates: Path,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cache: ReadCache | None = None,
    loaded: Templates | None = None,
    while_reading: Callable[[], None] | None = None,
    exclude: Collection[Path] = (),
) -> Intake:
    """Triage every file in `inputs`, reuse what the cache holds, read the rest (in workers unless told 0).

    `loaded`: the templates already loaded by the caller (for validating kept reads again);
    `while_reading`: called once the files to read are known, if most are (then this process mostly
    waits on the workers; a re-run of a few changed files keeps it busy unpacking the kept ones);
    `exclude`: folders never read as inputs (the outputs and data folders; templates are always left out).
    """
    listed, triaged = triage(inputs, exclude=(*exclude, (templates, "本次使用的模板文件夹")))
    skipped: list[Finding] = list(listed)  # paths not read: links, pipes, unreadable folders
    jobs: list[Job] = []
    stats: dict[str, tuple[int, float]] = {}
    # a path listing.py refused (a link, a pipe, a folder it could not open) is recorded by name
    # only: opening a pipe would wait forever; skipped files are recorded with their hash
    files = {f.file: InputFile(f.file, 0, 0.0, "") for f in listed}
    for name, path, reason in triaged:
        stats[name] = _stat(path)
        if reason:
            skipped.append(finding("skipped-file", file=name, reason=reason))
            files[name] = InputFile(name, *stats[name], _digest(path)[1])  # by its path: `name` is as shown
        else:
            jobs.append(Job(len(jobs), path, name))
    reuse = _Reuse(cache, loaded or load_templates(templates)) if cache is not None else None
    task = ReadTask(templates, keep=reuse is not None, loaded=loaded)
    # with a read cache, every file is hashed to find what changed: one worker boots meanwhile
    # (~0.3 s) for the changed files, and is stopped unused if none changed
    started = [start_worker(task)] if reuse and jobs and workers != 0 else []
    try:
        kept = reuse.match(jobs, stats, files) if reuse else {}
    except BaseException:
        for worker in started:
            worker.stop(kill=True)
        raise
    todo = [job for job in jobs if job.index not in kept]
    if workers is None:
        workers = 0 if len(todo) <= IN_PROCESS_UP_TO else min(os.cpu_count() or 1, 4)
        workers = min(workers, -(-len(todo) // FILES_PER_WORKER))
    total = len(jobs)
    progress = (lambda done: on_progress(len(kept) + done, total)) if on_progress else None
    if on_progress and kept:
        on_progress(len(kept), total)
    if while_reading is not None and len(todo) >= len(kept):
        while_reading()

    def read() -> list[Outcome]:
        return run_jobs(todo, task, workers, progress, started)

    def restore() -> dict[int, Submission | Finding]:
        return reuse.restore(kept, jobs) if reuse and kept else {}

    if kept and todo:  # the workers start and read what changed while the kept reads are unpacked here
        from concurrent.futures import ThreadPoolExecutor  # here: a reading worker never needs it (20 ms)

        with ThreadPoolExecutor(1, thread_name_prefix="读取") as reading:
            later = reading.submit(read)
            results, outcomes = restore(), later.result()
    else:
        results, outcomes = restore(), read()
    fresh = list(reuse.fresh) if reuse else []
    for outcome in outcomes:
        results[outcome.job.index] = _taken(outcome, stats, files, reuse, fresh)
    submissions = [v for _, v in sorted(results.items()) if isinstance(v, Submission)]
    unread = [v for _, v in sorted(results.items()) if not isinstance(v, Submission)]
    ordered = tuple(files[name] for name in sorted(files))
    return Intake(tuple(submissions), tuple(skipped), tuple(unread), ordered, tuple(fresh), len(kept))


def _taken(outcome: Outcome, stats, files: dict[str, InputFile], reuse, fresh: list) -> Submission | Finding:
    """A worker's outcome as the run keeps it: the result, the file as read, and the read to cache."""
    job, read, name = outcome.job, outcome.value, outcome.job.display_name
    if not isinstance(read, Read):  # the worker died, hung or raised on this file
        size, sha = _digest(job.path)
        files[name] = InputFile(name, size, stats[name][1], sha)
        return _unread(outcome)
    files[name] = InputFile(name, read.size, stats[name][1], read.sha256)
    if reuse and read.packed:
        fresh.append(reuse.fresh_read(name, read))
    return read.result(job.path)


def _stat(path: Path) -> tuple[int, float]:
    try:
        return stat_of(path)
    except OSError:
        return 0, 0.0


class _Reuse:
    """The cache's side of a run: which jobs an earlier read answers, and what to keep of this run's."""

    def __init__(self, cache: ReadCache, loaded: Templates):
        self.cache, self.campaign, self.roster = cache, loaded.campaign, loaded.roster
        self.fresh: list[Fresh] = []

    def match(
        self, jobs: Sequence[Job], stats: dict[str, tuple[int, float]], files: dict[str, InputFile]
    ) -> dict[int, tuple[Kept, float]]:
        """The jobs the cache answers: each file hashed here, its kept read taken if the bytes match."""
        known = self.cache.known()
        found: dict[int, tuple[Kept, float]] = {}
        for job in jobs:
            kept = known.get(job.display_name)
            if kept is None:
                continue  # never read: the worker hashes the bytes it screens
            size, sha = _digest(job.path)
            if sha != kept.sha256 or not sha:
                continue
            mtime = stats[job.display_name][1]
            files[job.display_name] = InputFile(job.display_name, size, mtime, sha)
            found[job.index] = (kept, mtime)
        return found

    def restore(
        self, matched: dict[int, tuple[Kept, float]], jobs: Sequence[Job]
    ) -> dict[int, Submission | Finding]:
        """The kept results, each Submission's roster checks run afresh."""
        from .readcache import unpack

        found: dict[int, Submission | Finding] = {}
        for index, (kept, mtime) in matched.items():
            value = unpack(kept.value)
            if isinstance(value, Submission):
                value = self._checked(jobs[index], kept, value, mtime)
            found[index] = value
        return found

    def _checked(self, job: Job, kept, value: Submission, mtime: float) -> Submission:
        """The kept Submission if the roster answers its question as before, else validated again
        from its kept cells (an alias added, a unit moved or retyped)."""
        from .readcache import Fresh, pack, unpack_raw
        from .validate import roster_answer, validate_form

        answer = roster_answer(kept.question, self.roster)
        if answer == kept.answer:
            # just unpacked, so no one else holds it: set in place (dataclasses.replace costs 30 µs a form)
            object.__setattr__(value, "path", job.path)
            object.__setattr__(value, "mtime", mtime)
            return value
        blob = self.cache.raw(job.display_name)
        raw = unpack_raw(blob, job.path, mtime)
        again = replace(validate_form(raw, self.campaign, self.roster), sha256=kept.sha256)
        kept_again = pack(replace(again, path=None))  # kept without its path, as the workers keep theirs
        self.fresh.append(
            Fresh(job.display_name, kept.sha256, kept.question, answer, value=kept_again, raw=blob)
        )
        return again

    def fresh_read(self, name: str, read: Read) -> Fresh:
        """A worker's read to keep (sent packed: the run keeps reads), with the roster's answer now."""
        from .readcache import Fresh
        from .validate import roster_answer

        answer = roster_answer(read.question, self.roster)
        return Fresh(name, read.sha256, read.question, answer, value=read.packed, raw=read.raw)


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
