"""audit: do the files behind a published period still hold the bytes that produced its figures?

The period's latest run recorded every input file's name and SHA-256; the inputs folder is hashed
again and compared, file by file. Files skipped unread (Office lock files, hidden files) come and
go and are left out on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .history import SKIPPED, History, RunInfo
from .intake import triage
from .provenance import file_digest


@dataclass(frozen=True)
class Audit:
    """A published period's files against the inputs folder now."""

    run: RunInfo
    matched: tuple[str, ...]
    changed: tuple[tuple[str, str, str], ...]  # name, SHA-256 then, SHA-256 now
    vanished: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not (self.changed or self.vanished or self.added)


def audit(history: History, campaign: str, inputs: Path, period: date | None = None) -> Audit | None:
    """Re-hash the inputs of the run that published `period` (default: the latest); None if none did."""
    run = history.published(campaign, period)
    if run is None:
        return None
    then = {f.name: f.sha256 for f in history.files_of(run.run_id) if f.outcome != SKIPPED}
    _, listed = triage(inputs)
    now = {name: path for name, path, reason in listed if not reason}
    matched, changed = [], []
    for name in sorted(then.keys() & now.keys()):
        try:
            sha = file_digest(now[name])[1]
        except OSError:
            sha = ""
        if sha == then[name]:
            matched.append(name)
        else:
            changed.append((name, then[name], sha))
    return Audit(
        run=run,
        matched=tuple(matched),
        changed=tuple(changed),
        vanished=tuple(sorted(then.keys() - now.keys())),
        added=tuple(sorted(now.keys() - then.keys())),
    )
