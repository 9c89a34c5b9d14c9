"""The campaign definition as objects: fields, tables, levels, unit types, checks, rates.

`Definition` is the file; `Campaign` is that definition as one office uses it (its level, the
level whose forms it receives, and the group level between them, if any). Every other module
asks a Campaign for what it needs: roles, nouns and fields, never a literal key or label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..cnformat import Style
from .kinds import KINDS, MetricKind
from .labels import normalize_label, with_unit
from .types import TYPES, FieldType

GROUP, UNIT, LOWER = "group", "unit", "lower"  # roles of the place fields the levels give every form
# Keys the program gives its own values start with "_", which no definition key may (they begin
# with a letter), so the run's tables never collide with a campaign's keys.
FILLED_ON, AS_OF = "filled_on", "as_of"  # the header roles every definition declares
# Roles of table columns: the 问题台账 (and any further ledger) and the 典型事例
CATEGORY, DESCRIPTION, DEADLINE, STATUS = "category", "description", "deadline", "status"
TITLE, CONTENT = "title", "content"
# How a figure runs over periods: a to-date total (累计, the default for what adds up) or the
# period's own amount (本期). Averages and rates are point-in-time and have neither.
CUMULATIVE, PER_PERIOD = "累计", "本期"
PERIOD_KINDS = (CUMULATIVE, PER_PERIOD)
DEFAULT_KEY_METRICS = 4  # without `headline` keys: the ranking items, then the first metrics, up to this many


@dataclass(frozen=True)
class Field:
    """One label/value pair of the form's first sheet: a place, a header item or a metric."""

    key: str
    label: str
    type: FieldType
    unit: str = ""
    required: bool = True
    role: str = ""
    choices: tuple[str, ...] = ()
    applies_to: frozenset[str] = frozenset()  # unit type names; empty: every unit
    maximum: float | None = None
    kind: MetricKind = field(default_factory=KINDS["sum"])
    style: Style = Style()  # how the report writes its figures
    section: str = ""  # its paragraph in 二、取得成效
    phrase: str = ""  # how a generated template says it: 走访农户{值}
    period: str = ""  # 累计 or 本期 for what adds up; "" for averages and text (point-in-time)
    headline: bool = False  # a key figure: its change in the report, its line in the history chart

    @property
    def display_label(self) -> str:
        return with_unit(self.label, self.unit)

    @property
    def match_label(self) -> str:
        return normalize_label(self.label)

    def applies(self, unit_type: str) -> bool:
        return not self.applies_to or unit_type in self.applies_to

    @property
    def on_form(self) -> bool:
        """Typed by each unit (a count or derived metric is computed, not asked for)."""
        return self.kind.on_form


@dataclass(frozen=True)
class Column:
    """One column of a table sheet (问题台账, 典型事例), found by its header text."""

    key: str
    header: str
    type: FieldType
    choices: tuple[str, ...] = ()
    role: str = ""
    unit: str = ""
    maximum: float | None = None  # a column declares no limit: its type's own applies (as for a field)

    @property
    def label(self) -> str:
        return self.header


@dataclass(frozen=True)
class TableSpec:
    sheet: str
    columns: tuple[Column, ...]
    max_rows: int
    key: str = ""
    required: bool = True  # a form without this sheet is not the standard form

    def by_role(self, role: str) -> Column:
        return next(c for c in self.columns if c.role == role)

    def has_role(self, role: str) -> bool:
        return any(c.role == role for c in self.columns)


@dataclass(frozen=True)
class Rate:
    """numerator / denominator of two metrics' totals (办结率), never an average of rates."""

    key: str
    label: str
    numerator: Field
    denominator: Field
    meaning: str = "progress"  # progress: 办结率 (lagging below the average); share: 55岁以下占比
    style: Style = Style(wan=None, yi=None, digits=1, percent=True)
    headline: bool = False  # a key figure (see key_metrics)

    @property
    def is_progress(self) -> bool:
        return self.meaning == "progress"


@dataclass(frozen=True)
class Level:
    """One level of the chain: its full name (村（社区）), short noun (村) and whole-body word (全县)."""

    name: str
    short: str
    whole: str

    def matches(self, text: str) -> bool:
        wanted = normalize_label(text)
        return wanted in {
            normalize_label(self.name),
            normalize_label(self.short),
            normalize_label(self.whole),
        }


@dataclass(frozen=True)
class UnitType:
    name: str


@dataclass(frozen=True)
class Scope:
    """Who reports to whom in one office's run: the body (县), its groups (乡镇) if any, its units (村)."""

    body: Level
    group: Level | None
    unit: Level

    @property
    def summary_sheet(self) -> str:
        return f"{self.body.whole}汇总"

    @property
    def detail_sheet(self) -> str:
        return f"分{self.unit.short}明细"

    @property
    def expected_header(self) -> str:
        return f"应报{self.unit.short}数"

    @property
    def reported_header(self) -> str:
        return f"已报{self.unit.short}数"

    @property
    def breakdown(self) -> Level:
        """The level of the summary's rows: groups when there are any, else the units themselves."""
        return self.group or self.unit


@dataclass(frozen=True)
class PlaceholderSpec:
    """A fact the data cannot know, left for the clerk ([report] placeholders), or filled from a text metric."""

    key: str
    label: str
    title: str = ""  # its paragraph's heading in 一、主要做法
    source: Field | None = None


DEFAULT_SECTION = "工作成效"
DEFAULT_PLACEHOLDERS = (
    PlaceholderSpec("组织", "成立的领导小组或工作专班、出台的实施方案（名称和文号）", "加强组织领导"),
    PlaceholderSpec("宣传", "宣传发动的方式和规模（如召开动员会次数、媒体报道篇数）", "广泛宣传发动"),
    PlaceholderSpec("机制", "建立的工作机制和制度（名称）", "健全工作机制"),
    PlaceholderSpec("领导", "领导干部带头走访、包联的情况", "领导带头示范"),
)


@dataclass(frozen=True)
class ReportRules:
    """How the report judges: a progress rate lags when lag_points below the average."""

    lag_points: float = 5.0
    placeholders: tuple[PlaceholderSpec, ...] = DEFAULT_PLACEHOLDERS


@dataclass(frozen=True)
class Definition:
    """A campaign definition file as loaded: everything it declares, checked."""

    name: str
    title: str
    version: str
    office_level: str
    levels: tuple[Level, ...]
    unit_types: tuple[UnitType, ...]
    basic_sheet: str
    header_fields: tuple[Field, ...]
    metrics: tuple[Field, ...]
    ledger: TableSpec
    highlights: TableSpec
    tables: tuple[TableSpec, ...]  # further ledgers ([[tables]]), each optional unless required
    choices: Mapping[str, tuple[str, ...]]
    checks: tuple[Any, ...]
    rates: tuple[Rate, ...]
    ranking: tuple[Field | Rate, ...]
    solved_status: str
    report: ReportRules = ReportRules()
    upward_ledger: str = "open"  # the ledger items an upward submission carries
    digest: str = ""  # sha256 of the file's text as UTF-8 with LF line ends: the same in any encoding

    def level(self, text: str) -> Level | None:
        return next((lv for lv in self.levels if lv.matches(text)), None)


@dataclass(frozen=True)
class Campaign:
    """A definition bound to one office: the form its units fill, and the nouns its outputs use."""

    definition: Definition
    scope: Scope
    place_fields: tuple[Field, ...] = field(default=())
    watched: tuple[Field, ...] = field(default=())  # located when present, never required: the level below

    # what the definition declares, asked of the campaign
    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def version(self) -> str:
        return self.definition.version

    @property
    def basic_sheet(self) -> str:
        return self.definition.basic_sheet

    @property
    def metrics(self) -> tuple[Field, ...]:
        """Every metric: those units type and those computed from them (count, derived)."""
        return self.definition.metrics

    @cached_property
    def form_metrics(self) -> tuple[Field, ...]:
        """The metrics typed on the form."""
        return tuple(m for m in self.metrics if m.on_form)

    @cached_property
    def figures(self) -> tuple[Field, ...]:
        """The metrics that add up to a figure for a group (every kind but text)."""
        return tuple(m for m in self.metrics if m.kind.name != "text")

    @cached_property
    def texts(self) -> tuple[Field, ...]:
        return tuple(m for m in self.metrics if m.kind.name == "text")

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        """The further ledgers ([[tables]]) beside 问题台账 and 典型事例."""
        return self.definition.tables

    @property
    def all_tables(self) -> tuple[TableSpec, ...]:
        return (self.ledger, self.highlights, *self.tables)

    @property
    def ledger(self) -> TableSpec:
        return self.definition.ledger

    @property
    def highlights(self) -> TableSpec:
        return self.definition.highlights

    @property
    def choices(self) -> Mapping[str, tuple[str, ...]]:
        return self.definition.choices

    @property
    def checks(self) -> tuple[Any, ...]:
        return self.definition.checks

    @property
    def rates(self) -> tuple[Rate, ...]:
        return self.definition.rates

    @property
    def ranking(self) -> tuple[Field | Rate, ...]:
        return self.definition.ranking

    @property
    def solved_status(self) -> str:
        return self.definition.solved_status

    @property
    def unit_types(self) -> tuple[UnitType, ...]:
        return self.definition.unit_types

    # derived
    @cached_property
    def header_fields(self) -> tuple[Field, ...]:
        """The places (乡镇, 村), then the declared header items."""
        return self.place_fields + self.definition.header_fields

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Every label/value pair on the form's first sheet."""
        return self.header_fields + self.form_metrics

    @cached_property
    def _by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.header_fields + self.metrics}

    def field(self, key: str) -> Field:
        return self._by_key[key]

    def role(self, role: str) -> Field:
        return next(f for f in self.header_fields if f.role == role)

    @property
    def metric_keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.metrics)

    @property
    def sheets(self) -> tuple[str, ...]:
        return (self.basic_sheet, *(t.sheet for t in self.all_tables))

    @property
    def has_groups(self) -> bool:
        return self.scope.group is not None


def place_fields(scope: Scope) -> tuple[Field, ...]:
    """The form's place fields: the group's name (if the office has groups), then the unit's."""
    text = TYPES["text"]
    unit = Field(f"_{UNIT}", scope.unit.name, text, role=UNIT)
    if scope.group is None:
        return (unit,)
    return (Field(f"_{GROUP}", scope.group.name, text, role=GROUP), unit)


def key_metrics(campaign: Campaign) -> tuple[Field | Rate, ...]:
    """The campaign's key figures: those its definition marks `headline = true` (metrics, then
    rates, in their order); else what it ranks groups by, then its first metrics, up to
    DEFAULT_KEY_METRICS. The report's change sentences and the history chart show these."""
    marked = [m for m in campaign.figures if m.headline] + [r for r in campaign.rates if r.headline]
    if marked:
        return tuple(marked)
    chosen = list(campaign.ranking)
    for metric in campaign.figures:
        if len(chosen) >= DEFAULT_KEY_METRICS:
            break
        if metric not in chosen:
            chosen.append(metric)
    return tuple(chosen)
