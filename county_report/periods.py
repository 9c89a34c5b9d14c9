"""Periods: one period's figures as the database keeps them, and how this period compares with the last.

Pure rules, no files: figures in, changes out. A cumulative (累计) figure's 本期新增 and every
additive figure's change are computed over the units that reported in both periods, so a total
never seems to fall only because a unit is missing; the units that reported in one period only
are named. Rates and averages are point-in-time: their published values are compared, a rate's
change in percentage points. Directions are judged as the figures are written (a rate that moved
0.02 points, written 0.0, held).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .definition import CUMULATIVE, Campaign, Field, Rate
from .model import Place

RISE, FALL, FLAT = "增加", "减少", "持平"
EXPECTED_KEY, REPORTED_KEY = (
    "_expected",
    "_reported",
)  # a group's unit counts beside its figures ("_": no metric key)
MONEY_DIGITS = 2  # a decimal figure's change is judged to the cent, as the workbook shows it


@dataclass(frozen=True)
class PeriodFigures:
    """One period as published: the body's figures, each group's, and each counted unit's."""

    period: date
    body: Mapping[str, Any]  # metric or rate key → value (None: no value, e.g. a rate over 0)
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # in the roster's order
    units: Mapping[Place, Mapping[str, Any]] = field(default_factory=dict)  # the counted units' figures
    expected: int = 0
    reported: int = 0
    run_id: str = ""
    finished: str = ""  # when the run that published it finished, ISO


@dataclass(frozen=True)
class Change:
    """One figure against the previous period."""

    key: str
    current: Any
    previous: Any
    delta: Any  # additive: Σ over units in both periods of (now − then), i.e. 本期新增; else now − then
    base: Any  # what a percentage change is of: Σ then over those units, or the previous value
    ratio: float | None  # delta / base; None when base is 0 or missing, and for percentages
    points: float | None  # a rate or percentage: (now − then) × 100
    direction: str  # RISE, FALL or FLAT, as written
    cumulative: bool  # a to-date total: `delta` is 本期新增
    percent: bool  # its change is in percentage points
    comparable: int  # units both periods have a value for (additive figures); 0 otherwise


@dataclass(frozen=True)
class Comparison:
    """This period against the one before it."""

    previous: PeriodFigures
    changes: Mapping[str, Change]  # by metric or rate key, every figure both periods have
    comparable: tuple[Place, ...]  # units that reported in both periods
    only_now: tuple[Place, ...]  # reported now, not then
    only_before: tuple[Place, ...]  # reported then, not now


def snapshot(agg, run_id: str = "", finished: str = "") -> PeriodFigures:
    """An Aggregate's figures as the database keeps them: body, groups (roster order) and units."""
    from .aggregate import EXPECTED, GROUP, REPORTED_COUNT, UNIT

    campaign = agg.campaign
    keys = [m.key for m in campaign.figures] + [r.key for r in campaign.rates]
    unit_keys = [m.key for m in campaign.metrics]
    groups = {
        str(row[GROUP]): {
            EXPECTED_KEY: plain_value(row[EXPECTED]),
            REPORTED_KEY: plain_value(row[REPORTED_COUNT]),
            **{k: plain_value(row[k]) for k in keys},
        }
        for row in agg.groups.astype(object).to_dict("records")
    }
    units = {
        (str(row[GROUP]), str(row[UNIT])): {k: plain_value(row[k]) for k in unit_keys}
        for row in agg.units[[GROUP, UNIT, *unit_keys]].astype(object).to_dict("records")
    }
    return PeriodFigures(
        period=agg.as_of,
        body={k: plain_value(agg.body[k]) for k in keys},
        groups=groups,
        units=units,
        expected=int(agg.body[EXPECTED]),
        reported=int(agg.body[REPORTED_COUNT]),
        run_id=run_id,
        finished=finished,
    )


def plain_value(value: Any) -> Any:
    """A cell of the run's tables as a plain Python value: numpy scalars unwrapped, every missing kind None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value if isinstance(value, (int, float, str)) else None


def timeline(recorded: list[PeriodFigures], now: PeriodFigures) -> list[PeriodFigures]:
    """Every period on record and this one, by date; this run's figures stand for its own period."""
    return sorted([p for p in recorded if p.period != now.period] + [now], key=lambda p: p.period)


def previous_of(history: list[PeriodFigures], period: date) -> PeriodFigures | None:
    """The latest period on record before `period` (a re-run of a period compares with the one before)."""
    earlier = [p for p in history if p.period < period]
    return max(earlier, key=lambda p: p.period) if earlier else None


def compare(campaign: Campaign, now: PeriodFigures, before: PeriodFigures) -> Comparison:
    """Every figure's change from `before` to `now`, each by what it is (additive, rate, average)."""
    both = tuple(p for p in now.units if p in before.units)
    changes: dict[str, Change] = {}
    items: tuple[Field | Rate, ...] = (*campaign.figures, *campaign.rates)
    for item in items:
        if item.key not in now.body or item.key not in before.body:
            continue  # the definition gained or lost this figure between the periods
        made = _change(item, now, before, both)
        if made is not None:
            changes[item.key] = made
    return Comparison(
        previous=before,
        changes=changes,
        comparable=both,
        only_now=tuple(p for p in now.units if p not in before.units),
        only_before=tuple(p for p in before.units if p not in now.units),
    )


def _change(item: Field | Rate, now: PeriodFigures, before: PeriodFigures, both) -> Change | None:
    current, previous = _number(now.body[item.key]), _number(before.body[item.key])
    if isinstance(item, Field) and item.kind.additive:
        return _additive(item, current, previous, now, before, both)
    if current is None or previous is None:
        return None
    percent = isinstance(item, Rate) or item.style.percent
    if percent:
        digits = item.style.digits
        points = _rounded((current - previous) * 100, digits)
        return Change(
            item.key, current, previous, current - previous, previous, None, float(points),
            _direction(points), False, True, 0,
        )  # fmt: skip
    delta = current - previous
    return Change(
        item.key, current, previous, delta, previous, _ratio(delta, previous), None,
        _direction(_rounded(delta, MONEY_DIGITS)), False, False, 0,
    )  # fmt: skip


def _additive(metric: Field, current, previous, now: PeriodFigures, before: PeriodFigures, both) -> Change:
    """本期新增 (or the change of a per-period figure) over the units with a value in both periods."""
    pairs = [(_number(now.units[p].get(metric.key)), _number(before.units[p].get(metric.key))) for p in both]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    exact = metric.type.scale == 1
    delta = _sum([a for a, _ in pairs], exact) - _sum([b for _, b in pairs], exact)
    base = _sum([b for _, b in pairs], exact)
    shown = delta if exact else _rounded(delta, MONEY_DIGITS)
    return Change(
        metric.key, current, previous, _plain(delta), _plain(base), _ratio(delta, base), None,
        _direction(shown), metric.period == CUMULATIVE, False, len(pairs),
    )  # fmt: skip


def _number(value: Any) -> Any:
    """A figure as a Python number; None for a missing one (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _sum(values: list, exact: bool) -> int | Decimal:
    """Exactly: integers as integers, decimals through their shortest decimal form (0.1 + 0.2 = 0.3)."""
    if exact:
        return sum(int(v) for v in values)
    return sum((Decimal(repr(float(v))) for v in values), Decimal(0))


def _plain(value: int | Decimal) -> int | float:
    return value if isinstance(value, int) else float(value)


def _ratio(delta, base) -> float | None:
    """delta / base as a fraction; None without a base (no percentage where the last value was 0)."""
    if base is None or base == 0:
        return None
    return float(delta) / float(base)


def _rounded(value, digits: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _direction(shown) -> str:
    return RISE if shown > 0 else FALL if shown < 0 else FLAT
