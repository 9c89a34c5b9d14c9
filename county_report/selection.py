"""Which files count: one per unit (the latest), the run's period, and who is missing or to correct.

Pure rules over what was read: no files, no settings, no output. The pipeline wires them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .definition import AS_OF, Campaign
from .findings import Finding, finding
from .model import Place, Submission
from .roster import Roster


@dataclass(frozen=True)
class Selection:
    """The files that count and every unit's standing, for one period."""

    counted: tuple[Submission, ...]  # accepted, one per unit (and accepted files naming no unit)
    latest: tuple[Submission, ...]  # one per unit, accepted or not, plus files naming no unit
    superseded: tuple[Finding, ...]
    double: tuple[Finding, ...]  # lower-level forms beside their group's own submission
    period: date | None
    reported: frozenset[Place]
    to_correct: tuple[Place, ...]  # in roster order: the latest file arrived but was rejected
    missing: tuple[Place, ...]  # in roster order: no file at all


def select(
    submissions: Sequence[Submission], roster: Roster, asked: date | None = None, fixed: date | None = None
) -> Selection:
    """The latest file per unit; the period: `asked` (--as-of), else `fixed` (设置), else the most common."""
    latest, superseded = pick_latest(submissions)
    counted = tuple(s for s in latest if s.accepted)
    period = asked or fixed or default_period(counted) or default_period(submissions)
    reported = frozenset(s.place for s in counted if s.place)
    wrong = {s.place for s in latest if not s.accepted and s.place and s.place not in reported}
    return Selection(
        counted=counted,
        latest=tuple(latest),
        superseded=tuple(superseded),
        double=double_counted(submissions, counted),
        period=period,
        reported=reported,
        to_correct=tuple(p for p in roster.units if p in wrong),
        missing=tuple(p for p in roster.units if p not in reported and p not in wrong),
    )


def pick_latest(submissions: Sequence[Submission]) -> tuple[list[Submission], list[Finding]]:
    """One file per unit: the later 填报日期, then the later file time, wins, valid or not.

    A unit that corrects its form and sends it again is judged on the new file alone; the
    older files are listed as superseded. Files that name no roster unit all stay.
    """
    groups: dict[Place, list[Submission]] = {}
    latest = []
    for sub in submissions:
        if sub.place is None or sub.lower_unit:  # a lower level's form never stands for a unit here
            latest.append(sub)
        else:
            groups.setdefault(sub.place, []).append(sub)
    superseded = []
    for group in groups.values():
        group.sort(key=lambda s: (s.filled_on or date.min, s.mtime, s.file))
        winner = group[-1]
        latest.append(winner)
        superseded += [_superseded(loser, winner) for loser in group[:-1]]
    order = {id(s): i for i, s in enumerate(submissions)}
    latest.sort(key=lambda s: order[id(s)])
    return latest, superseded


def _superseded(loser: Submission, winner: Submission) -> Finding:
    when = loser.filled_on
    return finding(
        "superseded",
        file=loser.file,
        value=when.isoformat() if when else "未填",
        place=f"{winner.group}{winner.unit}",
        reason=winner.file,
    )


def double_counted(submissions: Sequence[Submission], counted: Sequence[Submission]) -> tuple[Finding, ...]:
    """A village form beside its township's own submission would count the village twice: name both."""
    by_place = {s.place: s for s in counted if s.place}
    return tuple(
        finding(
            "double-counted",
            file=s.file,
            value=s.lower_unit,
            place=f"{s.group}{s.unit}",
            reason=by_place[s.place].file,
        )
        for s in submissions
        if s.lower_unit and s.place in by_place
    )


def default_period(submissions: Sequence[Submission]) -> date | None:
    """The most common 统计截止日期 among the submissions (ties: the later date)."""
    counts = Counter(s.as_of for s in submissions if s.as_of)
    if not counts:
        return None
    return max(counts, key=lambda d: (counts[d], d))


def period_findings(submissions: Sequence[Submission], period: date, campaign: Campaign) -> list[Finding]:
    """A warning for each counted form whose 统计截止日期 is not the run's period."""
    field = campaign.role(AS_OF)
    return [
        finding(
            "as-of-mismatch",
            file=sub.file,
            sheet=campaign.basic_sheet,
            cell=sub.cells.get(field.key, ""),
            label=field.label,
            value=sub.as_of.isoformat(),
            reason=period.isoformat(),
        )
        for sub in submissions
        if sub.as_of and sub.as_of != period
    ]
