"""Build a Definition from a definition file's values, refusing every mistake with its line.

Problems are collected, not raised one by one: an administrator fixes them all in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import ConfigError
from .checks import CHECKS, DefinitionProblem
from .labels import normalize_label, normalize_name
from .model import (
    AS_OF,
    FILLED_ON,
    GROUP,
    UNIT,
    Campaign,
    Column,
    Definition,
    Field,
    Level,
    Rate,
    Scope,
    TableSpec,
    UnitType,
    place_fields,
)
from .schema import Problem, shape_problems
from .source import parse_toml, read_text
from .tomlpos import Path as KeyPath
from .tomlpos import key_lines, line_of
from .types import TYPES

WHAT = "活动定义文件"
MAX_PROBLEMS_SHOWN = 12
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
HEADER_ROLES = (FILLED_ON, AS_OF)
LEDGER_ROLES = ("category", "description", "deadline", "status")
HIGHLIGHT_ROLES = ("title", "content")
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
    text = read_text(path, WHAT)
    raw = parse_toml(text, path, WHAT)
    problems = _Problems()
    problems.items.extend(shape_problems(raw))
    definition = None
    if not problems.items:
        definition = _Builder(raw, problems).build()
    if problems.items or definition is None:
        raise ConfigError(_message(path, text, problems.items))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _with_digest(definition, digest)


def _with_digest(definition: Definition, digest: str) -> Definition:
    from dataclasses import replace

    return replace(definition, digest=digest)


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

    def build(self) -> Definition | None:
        raw, add = self.raw, self.problems.add
        self._check_choices()
        levels = self._levels()
        unit_types = tuple(UnitType(t["name"]) for t in raw.get("unit_types", []))
        _unique(
            self.problems, [(("unit_types", i, "name"), t.name) for i, t in enumerate(unit_types)], "单位类型"
        )
        type_names = {t.name for t in unit_types}
        header = tuple(
            self._field(f, ("header", "fields", i), "text", type_names)
            for i, f in enumerate(raw["header"]["fields"])
        )
        metrics = tuple(
            self._field(f, ("metrics", "fields", i), "integer", type_names)
            for i, f in enumerate(raw["metrics"]["fields"])
        )
        if None in header or None in metrics:
            return None
        fields: tuple[Field, ...] = header + metrics  # type: ignore[assignment]
        self._check_fields(fields, levels)
        if raw["header"]["sheet"] != raw["metrics"]["sheet"]:
            add(("metrics", "sheet"), "[metrics] 的 sheet 须与 [header] 相同（指标和基本信息在同一工作表）")
        ledger = self._table("ledger", LEDGER_ROLES)
        highlights = self._table("highlights", HIGHLIGHT_ROLES)
        if ledger is None or highlights is None:
            return None
        self._check_sheets((raw["header"]["sheet"], ledger.sheet, highlights.sheet))
        solved = str(raw.get("ledger_status", {}).get("solved", ""))
        if solved and solved not in ledger.by_role("status").choices:
            add(("ledger_status", "solved"), f"「{solved}」不在办理状态的选项中")
        by_key = {f.key: f for f in metrics}  # type: ignore[union-attr]
        checks = tuple(
            c for c in (self._check(c, i, by_key, ledger) for i, c in enumerate(raw.get("checks", []))) if c
        )
        rates = tuple(r for r in (self._rate(r, i, by_key) for i, r in enumerate(raw.get("rates", []))) if r)
        _unique(
            self.problems,
            [(("rates", i, "key"), r.key) for i, r in enumerate(rates)] + [(("metrics",), k) for k in by_key],
            "key",
        )
        ranked = {**by_key, **{r.key: r for r in rates}}
        ranking = []
        for i, key in enumerate(raw.get("ranking", {}).get("by", [])):
            if key in ranked:
                ranking.append(ranked[key])
            else:
                add(("ranking", "by", i), f"排名依据「{key}」不是已定义的指标或比率")
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
            header_fields=header,  # type: ignore[arg-type]
            metrics=metrics,  # type: ignore[arg-type]
            ledger=ledger,
            highlights=highlights,
            choices=MappingProxyType(self.choices),
            checks=checks,
            rates=rates,
            ranking=tuple(ranking),
            solved_status=solved,
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
        if at[0] == "metrics" and not ftype.numeric:
            add((*at, "type"), f"指标「{label}」的类型须为 integer 或 decimal")
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
        return Field(key, label, ftype, unit, required, role, choices, applies, maximum)

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
        labels = [((*p, "label"), f.match_label) for p, f in zip(paths, fields, strict=True)]
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

    def _table(self, section: str, roles: tuple[str, ...]) -> TableSpec | None:
        raw = self.raw[section]
        columns = []
        for i, c in enumerate(raw["columns"]):
            at = (section, "columns", i)
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
        paths = [(section, "columns", i) for i in range(len(columns))]
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
        for role in roles:
            if role not in present:
                self.problems.add((section, "columns"), f'[{section}] 缺少 role = "{role}" 的列')
        for p, c in zip(paths, columns, strict=False):
            if c.role and c.role not in roles:
                self.problems.add(
                    (*p, "role"), f"列「{c.header}」的 role「{c.role}」无效（可用：{'、'.join(roles)}）"
                )
        for role in ("category", "status"):
            if role in roles and role in present and not next(c for c in columns if c.role == role).choices:
                self.problems.add((section, "columns"), f'role = "{role}" 的列须为 type = "choice"')
        if self.problems.items:
            return None
        return TableSpec(str(raw["sheet"]), tuple(columns), int(raw.get("max_rows", 1000)))

    def _check_sheets(self, sheets: tuple[str, ...]) -> None:
        at = [("header", "sheet"), ("ledger", "sheet"), ("highlights", "sheet")]
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
        if None in ends:
            return None
        return Rate(str(raw["key"]), str(raw["label"]), ends[0], ends[1])  # type: ignore[arg-type]


class _CheckContext:
    """What a check class may resolve while it is built: metrics by key, the ledger."""

    def __init__(self, metrics: dict[str, Field], ledger: TableSpec, kind: str):
        self.metrics, self.ledger, self.kind = metrics, ledger, kind

    def metric(self, raw: Mapping[str, Any], name: str) -> Field:
        key = str(raw.get(name, ""))
        if key not in self.metrics:
            raise DefinitionProblem(name, f"校验 {self.kind} 引用的指标「{key or '（空）'}」未定义")
        return self.metrics[key]


def _unique(problems: _Problems, items: list[tuple[KeyPath, str]], what: str) -> None:
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
    return Campaign(definition, scope, place_fields(scope))


def load_campaign(path: Path, level: str = "", unit_level: str = "") -> Campaign:
    """A definition file bound to an office in one step (tests, the benchmark, scripts)."""
    return bind(load_definition(path), level, unit_level)
