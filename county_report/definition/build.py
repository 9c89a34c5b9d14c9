"""Build a Definition from a definition file's values, refusing every mistake with its line.

Problems are collected, not raised one by one: an administrator fixes them all in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from ..cnformat import Style
from ..errors import ConfigError
from ..tomltext import read_toml_text
from .checks import CHECKS, DefinitionProblem
from .kinds import KINDS, OPERATORS, Count, Derived, MetricKind, WeightedMean
from .labels import normalize_label, normalize_name
from .model import (
    AS_OF,
    CATEGORY,
    CONTENT,
    CUMULATIVE,
    DEADLINE,
    DEFAULT_SECTION,
    DESCRIPTION,
    FILLED_ON,
    GROUP,
    LOWER,
    PERIOD_KINDS,
    STATUS,
    TITLE,
    UNIT,
    Campaign,
    Column,
    Definition,
    Field,
    Level,
    PlaceholderSpec,
    Rate,
    ReportRules,
    Scope,
    TableSpec,
    UnitType,
    place_fields,
)
from .schema import shape_problems
from .shape import Problem
from .tomlpos import Path as KeyPath
from .tomlpos import key_lines, line_of
from .types import TYPES

T = TypeVar("T")

WHAT = "活动定义文件"
MAX_PROBLEMS_SHOWN = 12
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
HEADER_ROLES = (FILLED_ON, AS_OF)
LEDGER_ROLES = (CATEGORY, DESCRIPTION, DEADLINE, STATUS)
HIGHLIGHT_ROLES = (TITLE, CONTENT)
EXTRA_ROLES = LEDGER_ROLES  # any or none, in a further table
BARE_KINDS = tuple(k for k in KINDS.values() if not k.keys)  # kinds with nothing to resolve
UPWARD_LEDGER = ("open", "overdue", "all", "none")
RATE_MEANINGS = {"progress": "工作进度", "share": "构成占比"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class _Problems:
    """Problems found so far, each at a path of the file."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: KeyPath, text: str) -> None:
        self.items.append(Problem(path, text))


def load_definition(path: Path) -> Definition:
    """Read and check a campaign definition; every mistake is a Chinese ConfigError with its line."""
    path = Path(path)
    text, raw = read_toml_text(path, WHAT, path.name)
    problems = _Problems()
    problems.items.extend(shape_problems(raw))
    definition = None
    if not problems.items:
        definition = _Builder(raw, problems).build()
    if problems.items or definition is None:
        raise ConfigError(_message(path, text, problems.items))
    return replace(definition, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _message(path: Path, text: str, problems: list[Problem]) -> str:
    lines = key_lines(text)
    shown = []
    for p in sorted(problems, key=lambda p: line_of(lines, p.path) or 0)[:MAX_PROBLEMS_SHOWN]:
        line = line_of(lines, p.path)
        shown.append(f"第 {line} 行：{p.text}" if line else p.text)
    more = f"\n……另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    return f"{WHAT} {path.name} 有误，请修改后重新运行：\n" + "\n".join(shown) + more


class _Builder:
    """One pass over the values: objects built, problems noted at their paths."""

    def __init__(self, raw: Mapping[str, Any], problems: _Problems):
        self.raw = raw
        self.problems = problems
        self.choices = {k: tuple(v) for k, v in raw.get("choices", {}).items()}
        self.kind_names: dict[str, str] = {}  # metric key → its declared kind, before references resolve

    def build(self) -> Definition | None:
        raw, add = self.raw, self.problems.add
        self._check_choices()
        levels = self._levels()
        unit_types = tuple(UnitType(t["name"]) for t in raw.get("unit_types", []))
        _unique(
            self.problems, [(("unit_types", i, "name"), t.name) for i, t in enumerate(unit_types)], "单位类型"
        )
        type_names = {t.name for t in unit_types}
        header = _every(
            self._field(f, ("header", "fields", i), "text", type_names)
            for i, f in enumerate(raw["header"]["fields"])
        )
        metrics = _every(
            self._field(f, ("metrics", "fields", i), "integer", type_names)
            for i, f in enumerate(raw["metrics"]["fields"])
        )
        if header is None or metrics is None:
            return None
        fields: tuple[Field, ...] = header + metrics
        self._check_fields(fields, levels)
        if raw["header"]["sheet"] != raw["metrics"]["sheet"]:
            add(("metrics", "sheet"), "[metrics] 的 sheet 须与 [header] 相同（指标和基本信息在同一工作表）")
        ledger = self._table("ledger", LEDGER_ROLES, ("ledger",), True)
        highlights = self._table("highlights", HIGHLIGHT_ROLES, ("highlights",), True)
        extra = _every(
            self._table(str(t["key"]), EXTRA_ROLES, ("tables", i), bool(t.get("required", False)), t)
            for i, t in enumerate(raw.get("tables", []))
        )
        if ledger is None or highlights is None or extra is None:
            return None
        self._check_sheets(raw["header"]["sheet"], (ledger, highlights, *extra))
        solved = str(raw.get("ledger_status", {}).get("solved", ""))
        if solved and solved not in ledger.by_role("status").choices:
            add(("ledger_status", "solved"), f"「{solved}」不在办理状态的选项中")
        by_key = {f.key: f for f in metrics}
        rates = tuple(r for r in (self._rate(r, i, by_key) for i, r in enumerate(raw.get("rates", []))) if r)
        metrics = self._kinds(metrics, {r.key: r for r in rates})
        by_key = {f.key: f for f in metrics}
        typed = {k: f for k, f in by_key.items() if f.on_form and f.type.numeric}
        checks = tuple(
            c for c in (self._check(c, i, typed, ledger) for i, c in enumerate(raw.get("checks", []))) if c
        )
        _unique(
            self.problems,
            [(("rates", i, "key"), r.key) for i, r in enumerate(rates)] + [(("metrics",), k) for k in by_key],
            "key",
        )
        ranked: dict[str, Field | Rate] = {**by_key, **{r.key: r for r in rates}}
        ranking: list[Field | Rate] = []
        for i, key in enumerate(raw.get("ranking", {}).get("by", [])):
            if key in ranked:
                ranking.append(ranked[key])
            else:
                add(("ranking", "by", i), f"排名依据「{key}」不是已定义的指标或比率")
        report = self._report({m.key: m for m in metrics})
        upward_ledger = str(raw["ledger"].get("upward", "open"))
        if upward_ledger not in UPWARD_LEDGER:
            add(("ledger", "upward"), f"upward「{upward_ledger}」无效（可选：{'、'.join(UPWARD_LEDGER)}）")
        office = str(raw["form"].get("office_level", "")) or (levels[-1].name if levels else "")
        if levels and not any(lv.matches(office) for lv in levels):
            add(("form", "office_level"), f"本级层级「{office}」不在 [[levels]] 中")
        if self.problems.items:
            return None
        form = raw["form"]
        return Definition(
            name=str(form["name"]),
            title=str(form.get("title", form["name"])),
            version=str(form.get("version", "")),
            office_level=office,
            levels=levels,
            unit_types=unit_types,
            basic_sheet=str(raw["header"]["sheet"]),
            header_fields=header,
            metrics=metrics,
            ledger=ledger,
            highlights=highlights,
            tables=extra,
            choices=MappingProxyType(self.choices),
            checks=checks,
            rates=rates,
            ranking=tuple(ranking),
            solved_status=solved,
            report=report,
            upward_ledger=upward_ledger,
        )

    # ---- pieces ------------------------------------------------------------------------
    def _check_choices(self) -> None:
        for name, options in self.choices.items():
            at = ("choices", name)
            if not options:
                self.problems.add(at, f"选项表「{name}」是空的")
            _unique(self.problems, [(at, o) for o in options], f"选项表「{name}」的选项")
            for option in options:
                if "," in option or "，" in option or not option.strip():
                    self.problems.add(
                        at, f"选项表「{name}」的选项「{option}」不能为空或含逗号（下拉列表以逗号分隔）"
                    )

    def _levels(self) -> tuple[Level, ...]:
        levels = []
        for raw in self.raw["levels"]:
            name = str(raw["name"]).strip()
            short = str(raw.get("short", "")) or (normalize_label(name) or name)
            levels.append(Level(name, short, str(raw.get("whole", "")) or f"全{short}"))
        if len(levels) < 2:
            self.problems.add(("levels",), "[[levels]] 至少要有两级（填报单位和本级），如 村（社区） 和 县")
        _unique(
            self.problems,
            [(("levels", i, "name"), normalize_label(lv.name)) for i, lv in enumerate(levels)],
            "层级名称",
        )
        return tuple(levels)

    def _field(
        self, raw: Mapping[str, Any], at: KeyPath, default_type: str, unit_types: set[str]
    ) -> Field | None:
        add = self.problems.add
        key, label, unit = str(raw["key"]), str(raw["label"]).strip(), str(raw.get("unit", "")).strip()
        self._check_key(key, (*at, "key"))
        ftype = TYPES.get(str(raw.get("type", default_type)))
        if ftype is None:
            add((*at, "type"), f"「{label}」的类型「{raw.get('type')}」无效（可选：{'、'.join(TYPES)}）")
            return None
        if at[0] == "header" and ftype.name == "percent":
            add((*at, "type"), f"「{label}」：百分数是指标，请写在 [metrics] 中")
        role = str(raw.get("role", ""))
        if role in ("township", "village", GROUP, UNIT):
            add(
                (*at, "role"),
                f"「{label}」：填报单位和所属乡镇等由 [[levels]] 生成，不再写在 [header] 中，请删除这一项",
            )
        elif role and (at[0] != "header" or role not in HEADER_ROLES):
            add((*at, "role"), f"「{label}」的 role「{role}」无效（基本信息可用：{'、'.join(HEADER_ROLES)}）")
        choices = self._choice_list(raw, at, ftype.name)
        applies = frozenset(raw.get("applies_to", []))
        for name in applies - unit_types:
            add((*at, "applies_to"), f"「{label}」适用的单位类型「{name}」不在 [[unit_types]] 中")
        maximum = raw.get("max")
        if maximum is not None and maximum <= 0:
            add((*at, "max"), f"「{label}」的最大值须大于 0")
        required = bool(raw.get("required", at[0] == "header"))
        kind = self._kind_class(raw, at, ftype)
        self.kind_names[key] = kind.name
        style = self._style(raw, at, ftype, kind)
        bare = kind() if kind in BARE_KINDS else KINDS["sum"]()  # the rest are resolved in _kinds
        section = str(raw.get("section", "")) or DEFAULT_SECTION
        phrase = str(raw.get("phrase", "")) or f"{label}{{值}}"
        if "{值}" not in phrase:
            add((*at, "phrase"), f"「{label}」的 phrase 中须有 {{值}}，表示数字写在哪里，如 {label}{{值}}")
        period = self._period(raw, at, kind) if at[0] == "metrics" else ""
        headline = bool(raw.get("headline", False))
        if headline and kind.name == "text":
            add((*at, "headline"), f"「{label}」是文字指标，不能作为重点指标（headline）")
        return Field(
            key,
            label,
            ftype,
            unit=unit,
            required=required,
            role=role,
            choices=choices,
            applies_to=applies,
            maximum=maximum,
            kind=bare,
            style=style,
            section=section,
            phrase=phrase,
            period=period,
            headline=headline,
        )

    def _period(self, raw: Mapping[str, Any], at: KeyPath, kind: type[MetricKind]) -> str:
        """累计 or 本期 for what adds up (累计 unless told); "" for averages and text, which are point-in-time."""
        given = raw.get("period")
        if not kind.additive:
            if given is not None:
                self.problems.add(
                    (*at, "period"),
                    f"「{raw['label']}」是{kind.title}，是时点数，不分累计和本期，请删除 period",
                )
            return ""
        if given is not None and given not in PERIOD_KINDS:
            self.problems.add(
                (*at, "period"),
                f"「{raw['label']}」的 period「{given}」无效（可选：{'、'.join(PERIOD_KINDS)}）",
            )
        return str(given) if given in PERIOD_KINDS else CUMULATIVE

    def _kind_class(self, raw: Mapping[str, Any], at: KeyPath, ftype) -> type[MetricKind]:
        """The metric's kind, checked against its type; its references are resolved later."""
        label = raw["label"]
        default = "text" if ftype.name == "text" else "mean" if ftype.name == "percent" else "sum"
        name = str(raw.get("kind", default))
        kind = KINDS.get(name)
        if kind is None:
            self.problems.add((*at, "kind"), f"「{label}」的种类「{name}」无效（可选：{'、'.join(KINDS)}）")
            return KINDS[default]
        if at[0] == "header":
            return KINDS["text"]
        if (name == "text") != (ftype.name == "text"):
            self.problems.add((*at, "kind"), f"「{label}」：文字指标的类型须为 text，种类须为 text")
        elif name == "sum" and ftype.name == "percent":
            self.problems.add(
                (*at, "kind"), f'「{label}」是百分数，不能相加：请写 kind = "mean" 或 "weighted_mean"'
            )
        elif not kind.on_form and ftype.name not in ("integer", "decimal"):
            self.problems.add((*at, "type"), f"「{label}」是计算出的指标，类型须为 integer 或 decimal")
        return kind

    def _style(self, raw: Mapping[str, Any], at: KeyPath, ftype, kind) -> Style:
        """How the report writes this metric: the 公文 defaults, changed by its `style` keys."""
        given = dict(raw.get("style", {}))
        if ftype.name == "percent":
            return Style(wan=None, yi=None, digits=int(given.get("digits", 1)), percent=True)
        plain = 2 if ftype.name == "decimal" or kind.averaged else 0
        limits = {k: (None if given[k] == 0 else given[k]) for k in ("wan", "yi") if k in given}
        return Style(
            wan=limits.get("wan", 10_000),
            yi=limits.get("yi", 100_000_000),
            digits=int(given.get("digits", 2)),
            plain_digits=int(given.get("plain_digits", plain)),
            about=int(given.get("about", 0)),
            unit=str(given.get("unit", "")),
        )

    def _report(self, metrics: dict[str, Field]) -> ReportRules:
        raw = self.raw.get("report", {})
        placeholders = []
        for i, p in enumerate(raw.get("placeholders", [])):
            source = None
            if "from" in p:
                source = metrics.get(str(p["from"]))
                if source is None or source.kind.name != "text":
                    self.problems.add(
                        ("report", "placeholders", i, "from"), f"「{p['from']}」不是 [metrics] 中的文字指标"
                    )
            title = str(p.get("title", "")) or str(p["key"])
            placeholders.append(PlaceholderSpec(str(p["key"]), str(p["label"]), title, source))
        _unique(
            self.problems,
            [(("report", "placeholders", i, "key"), p.key) for i, p in enumerate(placeholders)],
            "补充项 key",
        )
        lag = float(raw.get("lag_points", ReportRules.lag_points))
        return ReportRules(lag, tuple(placeholders) if "placeholders" in raw else ReportRules.placeholders)

    def _kinds(self, metrics: tuple[Field, ...], rates: dict[str, Rate]) -> tuple[Field, ...]:
        """Each metric with its kind's references resolved: weights, operands, counted figures."""
        by_key = {m.key: m for m in metrics}
        out = []
        for i, (m, raw) in enumerate(zip(metrics, self.raw["metrics"]["fields"], strict=True)):
            at = ("metrics", "fields", i)
            try:
                kind = _resolve_kind(m, raw, by_key, rates, self.kind_names)
            except DefinitionProblem as problem:
                self.problems.add((*at, problem.key), problem.text)
                continue
            if not m.on_form and m.applies_to:
                self.problems.add((*at, "applies_to"), f"「{m.label}」是计算出的指标，不能写 applies_to")
            ftype, period = m.type, m.period
            if kind.name == "derived" and any(f.type.scale != 1 for f in kind.operands()):
                ftype = TYPES["decimal"]
            if kind.name == "derived":
                period = self._derived_period(m, raw, at, kind)
            out.append(replace(m, kind=kind, type=ftype, period=period))
        _no_cycles(out, self.problems)
        return tuple(out)

    def _derived_period(self, metric: Field, raw: Mapping[str, Any], at: KeyPath, kind: Derived) -> str:
        """A sum or difference runs over periods as its terms do: all 累计, or all 本期."""
        periods = {f.period for f in kind.operands()}
        if len(periods) > 1:
            self.problems.add((*at, "plus"), f"「{metric.label}」的各项有累计数也有本期数，不能相加减")
            return metric.period
        inherited = periods.pop() if periods else metric.period
        if "period" in raw and raw["period"] != inherited:
            self.problems.add(
                (*at, "period"),
                f"「{metric.label}」由{inherited}数计算而来，period 须为「{inherited}」（或不写）",
            )
        return inherited

    def _choice_list(self, raw: Mapping[str, Any], at: KeyPath, type_name: str) -> tuple[str, ...]:
        if type_name != "choice":
            return ()
        name = str(raw.get("choices", ""))
        if name not in self.choices:
            what = raw.get("label") or raw.get("header")
            self.problems.add((*at, "choices"), f"「{what}」引用的选项表「{name}」未在 [choices] 中定义")
            return ()
        return self.choices[name]

    def _check_key(self, key: str, at: KeyPath) -> None:
        if not _KEY.fullmatch(key):
            self.problems.add(at, f"key「{key}」只能用英文字母、数字和下划线，且以字母开头")

    def _check_fields(self, fields: tuple[Field, ...], levels: tuple[Level, ...]) -> None:
        add = self.problems.add
        paths = [("header", "fields", i) for i in range(len(self.raw["header"]["fields"]))]
        paths += [("metrics", "fields", i) for i in range(len(self.raw["metrics"]["fields"]))]
        _unique(self.problems, [((*p, "key"), f.key) for p, f in zip(paths, fields, strict=True)], "key")
        labels: list[tuple[KeyPath, str]] = [
            ((*p, "label"), f.match_label) for p, f in zip(paths, fields, strict=True)
        ]
        labels += [(("levels", i, "name"), normalize_label(lv.name)) for i, lv in enumerate(levels)]
        _unique(self.problems, labels, "标签（去掉空格、括号里的单位后）")
        for p, f in zip(paths, fields, strict=True):
            if not f.match_label:
                add((*p, "label"), f"标签「{f.label}」去掉括号和空格后是空的，表上无法找到")
            elif normalize_label(f.display_label) != f.match_label:
                add(
                    (*p, "unit"),
                    f"「{f.label}」的单位「{f.unit}」印在表上后无法读回（单位中不能有括号），请去掉括号，如 {f.unit.replace('(', '').replace(')', '').replace('（', '').replace('）', '')}",
                )
        for role in HEADER_ROLES:
            if not any(f.role == role for f in fields):
                add(
                    ("header", "fields"),
                    f'[header] 缺少 role = "{role}" 的项目（{"填报日期" if role == FILLED_ON else "统计截止日期"}）',
                )
            _unique(
                self.problems,
                [((*p, "role"), f.role) for p, f in zip(paths, fields, strict=True) if f.role == role],
                "role",
            )
            dated = [f for f in fields if f.role == role]
            if dated and dated[0].type.name != "date":
                add(("header", "fields"), f'role = "{role}" 的项目「{dated[0].label}」类型须为 date')

    def _table(
        self, key: str, roles: tuple[str, ...], where: KeyPath, required: bool, raw: Mapping | None = None
    ) -> TableSpec | None:
        raw = self.raw[key] if raw is None else raw
        section = "tables" if where[0] == "tables" else key
        need = roles if where[0] != "tables" else ()
        columns = []
        for i, c in enumerate(raw["columns"]):
            at = (*where, "columns", i)
            ctype = TYPES.get(str(c.get("type", "text")))
            if ctype is None:
                self.problems.add(
                    (*at, "type"),
                    f"列「{c['header']}」的类型「{c.get('type')}」无效（可选：{'、'.join(TYPES)}）",
                )
                continue
            self._check_key(str(c["key"]), (*at, "key"))
            choices = self._choice_list(c, at, ctype.name)
            columns.append(Column(str(c["key"]), str(c["header"]), ctype, choices, str(c.get("role", ""))))
        paths = [(*where, "columns", i) for i in range(len(columns))]
        _unique(
            self.problems,
            [((*p, "key"), c.key) for p, c in zip(paths, columns, strict=False)],
            f"[{section}] 的列 key",
        )
        _unique(
            self.problems,
            [((*p, "header"), normalize_label(c.header)) for p, c in zip(paths, columns, strict=False)],
            f"[{section}] 的表头",
        )
        present = {c.role for c in columns}
        for role in need:
            if role not in present:
                self.problems.add((*where, "columns"), f'[{section}] 缺少 role = "{role}" 的列')
        for p, c in zip(paths, columns, strict=False):
            if c.role and c.role not in roles:
                self.problems.add(
                    (*p, "role"), f"列「{c.header}」的 role「{c.role}」无效（可用：{'、'.join(roles)}）"
                )
        for role in ("category", "status"):
            if role in roles and role in present and not next(c for c in columns if c.role == role).choices:
                self.problems.add((*where, "columns"), f'role = "{role}" 的列须为 type = "choice"')
        if self.problems.items:
            return None
        max_rows = int(raw.get("max_rows", 1000))
        return TableSpec(str(raw["sheet"]), tuple(columns), max_rows, key, required)

    def _check_sheets(self, basic: str, tables: tuple[TableSpec, ...]) -> None:
        extra = [("tables", i, "sheet") for i in range(len(tables) - 2)]
        at = [("header", "sheet"), ("ledger", "sheet"), ("highlights", "sheet"), *extra]
        sheets = (basic, *(t.sheet for t in tables))
        keys = [
            ((), "ledger"),
            ((), "highlights"),
            *((("tables", i, "key"), t.key) for i, t in enumerate(tables[2:])),
        ]
        _unique(self.problems, keys, "台账 key")
        for i, t in enumerate(tables[2:]):
            self._check_key(t.key, ("tables", i, "key"))
        _unique(
            self.problems, [(p, normalize_name(s)) for p, s in zip(at, sheets, strict=True)], "工作表名称"
        )
        for p, sheet in zip(at, sheets, strict=True):
            if not sheet.strip() or len(sheet) > 31 or _SHEET_FORBIDDEN.search(sheet):
                self.problems.add(
                    p, f"工作表名称「{sheet}」不能为空、不超过 31 个字，且不能含 [ ] : * ? / \\"
                )

    def _check(self, raw: Mapping[str, Any], i: int, metrics: dict[str, Field], ledger: TableSpec):
        kind = str(raw["kind"])
        check = CHECKS.get(kind)
        if check is None:
            self.problems.add(("checks", i, "kind"), f"校验类型「{kind}」无效（可选：{'、'.join(CHECKS)}）")
            return None
        try:
            return check.build(raw, _CheckContext(metrics, ledger, kind))
        except DefinitionProblem as problem:
            self.problems.add(("checks", i, problem.key), problem.text)
            return None

    def _rate(self, raw: Mapping[str, Any], i: int, metrics: dict[str, Field]) -> Rate | None:
        ends = []
        for end in ("numerator", "denominator"):
            key = str(raw[end])
            if key not in metrics:
                self.problems.add(("rates", i, end), f"比率「{raw['label']}」引用的指标「{key}」未定义")
            ends.append(metrics.get(key))
        self._check_key(str(raw["key"]), ("rates", i, "key"))
        meaning = str(raw.get("meaning", "progress"))
        if meaning not in RATE_MEANINGS:
            self.problems.add(
                ("rates", i, "meaning"),
                f"比率「{raw['label']}」的含义「{meaning}」无效（可选：{'、'.join(RATE_MEANINGS)}）",
            )
        for end, field in zip(("numerator", "denominator"), ends, strict=True):
            if field is not None and not KINDS[self.kind_names[field.key]].additive:
                self.problems.add(
                    ("rates", i, end), f"比率「{raw['label']}」的{end}「{field.label}」须为可相加的指标"
                )
        if None in ends:
            return None
        style = Style(wan=None, yi=None, digits=int(raw.get("digits", 1)), percent=True)
        headline = bool(raw.get("headline", False))
        return Rate(str(raw["key"]), str(raw["label"]), ends[0], ends[1], meaning, style, headline)  # type: ignore[arg-type]


class _CheckContext:
    """What a check class may resolve while it is built: metrics by key, the ledger."""

    def __init__(self, metrics: dict[str, Field], ledger: TableSpec, kind: str):
        self.metrics, self.ledger, self.kind = metrics, ledger, kind

    def metric(self, raw: Mapping[str, Any], name: str) -> Field:
        key = str(raw.get(name, ""))
        if key not in self.metrics:
            raise DefinitionProblem(name, f"校验 {self.kind} 引用的指标「{key or '（空）'}」未定义")
        return self.metrics[key]


def _resolve_kind(
    metric: Field,
    raw: Mapping[str, Any],
    metrics: dict[str, Field],
    rates: dict[str, Rate],
    names: dict[str, str],
):
    """The metric's kind object, its references (weight, operands, counted figure) resolved."""
    name = names[metric.key]

    def additive(key: object, what: str) -> Field:
        field = metrics.get(str(key))
        if field is None:
            raise DefinitionProblem(what, f"「{metric.label}」引用的指标「{key}」未定义")
        if not KINDS[names[field.key]].additive or field is metric:
            raise DefinitionProblem(
                what,
                f"「{metric.label}」引用的「{field.label}」须为另一项可相加的指标（sum、derived 或 count）",
            )
        return field

    if name == "weighted_mean":
        if "weight" not in raw:
            raise DefinitionProblem("kind", f"「{metric.label}」是加权平均，须写 weight（权数指标的 key）")
        return WeightedMean(additive(raw["weight"], "weight"))
    if name == "derived":
        plus = tuple(additive(k, "plus") for k in raw.get("plus", []))
        minus = tuple(additive(k, "minus") for k in raw.get("minus", []))
        if not plus:
            raise DefinitionProblem("kind", f"「{metric.label}」是计算指标，须写 plus（相加的指标 key 列表）")
        return Derived(plus, minus)
    if name == "count":
        of, op = str(raw.get("of", "")), str(raw.get("op", ""))
        counted = metrics.get(of) or rates.get(of)
        if counted is None or counted is metric:
            raise DefinitionProblem(
                "of", f"「{metric.label}」按「{of or '（空）'}」计数，但没有这项指标或比率"
            )
        if op not in OPERATORS:
            raise DefinitionProblem(
                "op", f"「{metric.label}」的比较符「{op}」无效（可选：{' '.join(OPERATORS)}）"
            )
        if "value" not in raw:
            raise DefinitionProblem("kind", f"「{metric.label}」是计数指标，须写 value（比较的值）")
        if isinstance(counted, Field) and names[counted.key] == "count":
            raise DefinitionProblem("of", f"「{metric.label}」不能按另一项计数指标计数")
        return Count(counted, op, float(raw["value"]))
    for key in ("weight", "of", "op", "value", "plus", "minus"):
        if key in raw:
            raise DefinitionProblem(key, f"「{metric.label}」的种类是 {name}，不用写 {key}")
    return metric.kind


def _no_cycles(metrics: list[Field], problems: _Problems) -> None:
    """A derived metric may not depend on itself, however far round."""
    by_key = {m.key: m for m in metrics}

    def depends(m: Field, seen: frozenset[str]) -> bool:
        return any(f.key in seen or depends(by_key.get(f.key, f), seen | {f.key}) for f in m.kind.operands())

    for i, m in enumerate(metrics):
        if m.kind.name == "derived" and depends(m, frozenset({m.key})):
            problems.add(("metrics", "fields", i, "plus"), f"「{m.label}」的计算绕回了它自己")


def _unique(problems: _Problems, items: Sequence[tuple[KeyPath, str]], what: str) -> None:
    seen: dict[str, KeyPath] = {}
    for path, value in items:
        if value in seen:
            problems.add(path, f"{what}「{value}」重复")
        else:
            seen[value] = path


def bind(definition: Definition, level: str = "", unit_level: str = "", source: str = "设置") -> Campaign:
    """The definition as the office at `level` uses it, receiving forms from `unit_level`.

    Blank `level`: the definition's office_level; blank `unit_level`: the lowest level.
    """
    levels = definition.levels
    body = definition.level(level or definition.office_level)
    names = "、".join(lv.name for lv in levels)
    if body is None:
        raise ConfigError(f"{source}中的本级层级「{level}」不在活动定义的层级中（可选：{names}）。")
    unit = definition.level(unit_level) if unit_level else levels[0]
    if unit is None:
        raise ConfigError(f"{source}中的报送层级「{unit_level}」不在活动定义的层级中（可选：{names}）。")
    top, bottom = levels.index(body), levels.index(unit)
    if bottom >= top:
        raise ConfigError(f"{source}中的报送层级「{unit.name}」须低于本级层级「{body.name}」。")
    between = levels[bottom + 1 : top]
    if len(between) > 1:
        raise ConfigError(
            f"本级为{body.name}、报送单位为{unit.name}时，中间隔了{'、'.join(lv.name for lv in between)}"
            f"{len(between)}级，目前只支持一个中间层级：请在{source}中把报送层级改为"
            f"{between[-1].name}或{between[0].name}。"
        )
    scope = Scope(body=body, group=between[0] if between else None, unit=unit)
    below = levels[bottom - 1] if bottom > 0 else None
    watched = (Field(f"_{LOWER}", below.name, TYPES["text"], required=False, role=LOWER),) if below else ()
    return Campaign(definition, scope, place_fields(scope), watched)


def load_campaign(path: Path, level: str = "", unit_level: str = "") -> Campaign:
    """A definition file bound to an office in one step (tests, the benchmark, scripts)."""
    return bind(load_definition(path), level, unit_level)


def upward(campaign: Campaign) -> Campaign | None:
    """The definition as the next office up uses it, receiving this office's submission as one of
    its units (a county's for the city); None when this office is the top of the chain."""
    levels = campaign.definition.levels
    here = levels.index(campaign.scope.body)
    if here + 1 >= len(levels):
        return None
    return bind(campaign.definition, levels[here + 1].name, campaign.scope.body.name)


def lower_level(campaign: Campaign) -> Level | None:
    """The level below this office's units (村 below 乡镇): a form of it here is a form sent to the
    wrong office, or counted twice beside its group's submission."""
    levels = campaign.definition.levels
    here = levels.index(campaign.scope.unit)
    return levels[here - 1] if here > 0 else None


def _every(items: Iterable[T | None]) -> tuple[T, ...] | None:
    """All of them, or None when any could not be built (its problems are already listed)."""
    built = tuple(items)
    return None if any(x is None for x in built) else tuple(x for x in built if x is not None)
