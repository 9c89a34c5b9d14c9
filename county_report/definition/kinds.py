"""Metric kinds as classes: how a metric's figure for a group or the body comes from its units'.

A sum adds (exactly, at the type's scale); a mean or weighted mean averages what units typed
(a rate each village reports, never summed to 1910%); a count counts units meeting a condition;
a derived metric is a sum or difference of others; a text is carried, not added. Registered once,
in KINDS. The pandas work is imported when a kind first aggregates, so reading workers stay light.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .shape import NUMBER, TEXTS, Key

OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class MetricKind:
    """What every kind answers. `name` is the word of the definition's `kind = …`."""

    name: ClassVar[str]
    title: ClassVar[str]  # how 填表说明 and the README say it
    on_form: ClassVar[bool] = True  # typed by each unit on its form
    additive: ClassVar[bool] = False  # may feed a rate, a derived metric or a weight
    averaged: ClassVar[bool] = False  # an average of the units' values, kept to 2 decimals
    # a blank cell on the form: the finding it raises ("" none) and the value it counts as (None: left out)
    blank: ClassVar[tuple[str, Any]] = ("", None)
    keys: ClassVar[tuple[Key, ...]] = ()

    def operands(self) -> tuple[Any, ...]:
        """The fields this metric is computed from (their figures come first)."""
        return ()

    def unit_values(self, units: Any) -> Any:
        """Each unit's own value when computed from its other values (derived, count), else None."""
        return None

    def totals(self, field: Any, units: Any, exact: Any, by: Any, done: Mapping[str, Any]) -> Any:
        """Per-group figures (a pandas Series indexed like `by`'s groups).

        `units`: the typed unit table; `exact`: additive metrics as integers at their scale;
        `by`: the group of each unit row; `done`: the per-group figures already computed.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Sum(MetricKind):
    name, title, additive = "sum", "合计", True
    blank = ("blank-metric", 0)  # counted as 0, with a warning

    def totals(self, field, units, exact, by, done):
        return exact[field.key].groupby(by, sort=False).sum().map(lambda v: _unscaled(v, field))


@dataclass(frozen=True)
class Mean(MetricKind):
    """The plain average over the units that typed a value (percentages, rates typed per unit)."""

    name, title, averaged = "mean", "平均", True
    blank = ("blank-mean", None)  # left out of the average, with a warning

    def totals(self, field, units, exact, by, done):
        typed = units[field.key].notna()
        sums = exact[field.key].where(typed, 0).groupby(by, sort=False).sum()
        counts = typed.groupby(by, sort=False).sum()
        return _ratio(sums, counts, field.type.scale)


@dataclass(frozen=True)
class WeightedMean(MetricKind):
    """Σ(value × weight) / Σ weight over the units with both: a rate averaged by households."""

    weight: Any
    name: ClassVar[str] = "weighted_mean"
    title: ClassVar[str] = "加权平均"
    averaged: ClassVar[bool] = True
    blank: ClassVar[tuple[str, Any]] = ("blank-mean", None)
    keys: ClassVar[tuple[Key, ...]] = (
        Key("weight", "（kind = weighted_mean）权数指标的 key，如 households"),
    )

    def operands(self) -> tuple[Any, ...]:
        return (self.weight,)

    def totals(self, field, units, exact, by, done):
        both = units[field.key].notna() & units[self.weight.key].notna()
        weights = exact[self.weight.key].where(both, 0)
        products = (
            (exact[field.key].where(both, 0).astype(object) * weights.astype(object))
            .groupby(by, sort=False)
            .sum()
        )
        return _ratio(products, weights.groupby(by, sort=False).sum(), field.type.scale)


@dataclass(frozen=True)
class Count(MetricKind):
    """How many units meet a condition on one of their figures: 办结率达到90%的村."""

    of: Any  # a Field or a Rate
    op: str
    value: float
    name: ClassVar[str] = "count"
    title: ClassVar[str] = "计数"
    on_form: ClassVar[bool] = False
    additive: ClassVar[bool] = True
    keys: ClassVar[tuple[Key, ...]] = (
        Key("of", "（kind = count）按哪项指标或比率的 key 判断"),
        Key("op", "（kind = count）比较符：>=、>、<=、<、==、!="),
        Key("value", "（kind = count）比较的值（比率写小数，如 0.9 表示 90%）", NUMBER),
    )

    def operands(self) -> tuple[Any, ...]:
        return (self.of,)

    def unit_values(self, units: Any) -> Any:
        import pandas as pd

        values = pd.to_numeric(units[self.of.key], errors="coerce").astype("float64")
        met = OPERATORS[self.op](values, self.value) & values.notna()  # blank or no denominator: not met
        return met.astype("int64")

    def totals(self, field, units, exact, by, done):
        return exact[field.key].groupby(by, sort=False).sum().map(int)


@dataclass(frozen=True)
class Derived(MetricKind):
    """A sum or difference of other metrics, for each unit and for every total: 未解决 = 梳理 − 已解决."""

    plus: tuple[Any, ...]
    minus: tuple[Any, ...]
    name: ClassVar[str] = "derived"
    title: ClassVar[str] = "计算"
    on_form: ClassVar[bool] = False
    additive: ClassVar[bool] = True
    keys: ClassVar[tuple[Key, ...]] = (
        Key("plus", "（kind = derived）相加的指标 key 列表", TEXTS),
        Key("minus", "（kind = derived）相减的指标 key 列表", TEXTS),
    )

    def operands(self) -> tuple[Any, ...]:
        return self.plus + self.minus

    def unit_values(self, units: Any) -> Any:
        """Σ plus − Σ minus for each unit; blank where an operand does not apply to it."""
        keys = [f.key for f in self.operands()]
        frame = units[keys].astype(object)
        missing = frame.isna().any(axis=1)
        total = sum(frame[f.key].where(~missing, 0) for f in self.plus)
        for f in self.minus:
            total = total - frame[f.key].where(~missing, 0)
        return total.where(~missing, None)

    def totals(self, field, units, exact, by, done):
        total = sum(done[f.key] for f in self.plus)
        for f in self.minus:
            total = total - done[f.key]
        return total


@dataclass(frozen=True)
class Text(MetricKind):
    """Words each unit writes (主要做法, 特色亮点): carried to the workbook and the report, not added."""

    name, title = "text", "文字"
    blank = ("", "")

    def totals(self, field, units, exact, by, done):
        return None


def _unscaled(value: Any, field: Any) -> Any:
    scale = field.type.scale
    return int(value) if scale == 1 else int(value) / scale


def _ratio(numerators: Any, denominators: Any, scale: int) -> Any:
    """numerator / denominator / scale per group as float, NaN where nothing was typed."""
    import pandas as pd

    values = [
        float(n) / (float(d) * scale) if d else float("nan")
        for n, d in zip(numerators.tolist(), denominators.reindex(numerators.index).tolist(), strict=True)
    ]
    return pd.Series(values, index=numerators.index, dtype="float64")


KINDS: Mapping[str, type[MetricKind]] = {
    k.name: k
    for k in (Sum, Mean, WeightedMean, Count, Derived, Text)  # type: ignore[misc]
}
KIND_KEYS = tuple({k.name: k for kind in KINDS.values() for k in kind.keys}.values())
