"""Check kinds as classes: each takes its options from a [[checks]] item, yields its findings on
one file, and says its rule in 填表说明. Registered once, in CHECKS.

A check holds the fields it compares (objects, not keys); the validator loops over the checks
the definition lists and knows none of them by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .shape import Key

# (finding code, the field whose cell the finding points at, template details)
Found = tuple[str, Any, dict[str, Any]]


class DefinitionProblem(Exception):
    """A reference in the definition that does not resolve; the loader adds the line."""

    def __init__(self, key: str, text: str):
        super().__init__(text)
        self.key = key
        self.text = text


def _num(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Check:
    kind: ClassVar[str]
    keys: ClassVar[tuple[Key, ...]]
    codes: ClassVar[tuple[str, ...]]  # the finding codes it can produce
    full_ledger: ClassVar[bool] = False  # meaningless on a ledger extract (an upward submission's)

    @classmethod
    def build(cls, raw: Mapping[str, Any], context: Any) -> Check:
        raise NotImplementedError

    def run(self, metrics: Mapping[str, Any], ledger: tuple[Mapping[str, Any], ...]) -> Iterator[Found]:
        raise NotImplementedError

    def guide_line(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class NotGreater(Check):
    """An error when one metric exceeds another (已解决问题 > 梳理问题)."""

    left: Any
    right: Any
    kind: ClassVar[str] = "not-greater"
    keys: ClassVar[tuple[Key, ...]] = (
        Key("left", "（not-greater）不得更大的指标 key", required=True),
        Key("right", "（not-greater）作比较的指标 key", required=True),
    )
    codes: ClassVar[tuple[str, ...]] = ("not-greater",)

    @classmethod
    def build(cls, raw: Mapping[str, Any], context: Any) -> Check:
        return cls(context.metric(raw, "left"), context.metric(raw, "right"))

    def run(self, metrics: Mapping[str, Any], ledger: tuple[Mapping[str, Any], ...]) -> Iterator[Found]:
        left, right = metrics.get(self.left.key), metrics.get(self.right.key)
        if left is not None and right is not None and left > right:
            shown = f"「{self.right.label}」（{_num(right)}）"
            yield "not-greater", self.left, {"value": _num(left), "reason": shown}

    def guide_line(self) -> str:
        return f"「{self.left.label}」不能大于「{self.right.label}」。"


@dataclass(frozen=True)
class LedgerCount(Check):
    """A warning when the ledger's rows (optionally of one status) differ from a metric."""

    metric: Any
    status: str
    table: Any
    kind: ClassVar[str] = "ledger-count"
    keys: ClassVar[tuple[Key, ...]] = (
        Key("metric", "（ledger-count）应等于台账行数的指标 key", required=True),
        Key("status", "（ledger-count）只数这一办理状态的行；不写则数全部行"),
    )
    codes: ClassVar[tuple[str, ...]] = ("ledger-count-mismatch",)
    full_ledger: ClassVar[bool] = True

    @classmethod
    def build(cls, raw: Mapping[str, Any], context: Any) -> Check:
        table = context.ledger
        status = str(raw.get("status", ""))
        if status and status not in table.by_role("status").choices:
            raise DefinitionProblem("status", f"校验 ledger-count 的状态「{status}」不在办理状态选项中")
        return cls(context.metric(raw, "metric"), status, table)

    def run(self, metrics: Mapping[str, Any], ledger: tuple[Mapping[str, Any], ...]) -> Iterator[Found]:
        expected = metrics.get(self.metric.key)
        if expected is None:
            return
        status_key = self.table.by_role("status").key
        count = sum(1 for r in ledger if not self.status or r.get(status_key) == self.status)
        if count != expected:
            sheet = self.table.sheet  # the table's own sheet: 问题台账, 民生实事台账, …
            scope = f"{sheet}中状态为「{self.status}」的问题" if self.status else f"{sheet}中的问题"
            yield (
                "ledger-count-mismatch",
                self.metric,
                {"value": count, "reason": scope, "expected": _num(expected)},
            )

    def guide_line(self) -> str:
        if self.status:
            return f"「{self.table.sheet}」中办理状态为“{self.status}”的行数应等于「{self.metric.label}」。"
        return f"「{self.table.sheet}」的问题行数应等于「{self.metric.label}」。"


CHECKS: Mapping[str, type[Check]] = {c.kind: c for c in (NotGreater, LedgerCount)}
