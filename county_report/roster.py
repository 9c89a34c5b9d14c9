"""The office's roster (名册): its groups (乡镇), their units (村), the names units actually type,
and each unit's type where the definition has unit types.

Read by header labels, taken from the definition's levels, on whichever sheet and row they stand.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from .definition import Campaign, normalize_label, normalize_name
from .errors import ConfigError
from .model import Place
from .settings import roster_unreadable

ALIAS_LABEL = "别名"
TYPE_LABEL = "类型"
ALIAS_SEPARATORS = ("、", ",", "，", ";", "；")
HEADER_SEARCH_ROWS = 50


@dataclass(frozen=True)
class Match:
    """The roster names a typed group/unit resolved to, or what was closest."""

    group: str = ""
    unit: str = ""
    group_suggestion: str = ""
    unit_suggestion: str = ""
    unit_elsewhere: str = ""  # the group the typed unit belongs to, when not the typed one


@dataclass(frozen=True)
class Roster:
    groups: tuple[str, ...]
    units: tuple[Place, ...]
    aliases: Mapping[Place, str] = field(default_factory=dict)  # (group, typed) → unit
    types: Mapping[Place, str] = field(default_factory=dict)  # (group, unit) → unit type name

    @cached_property
    def _by_group(self) -> dict[str, tuple[str, ...]]:
        grouped: dict[str, list[str]] = {g: [] for g in self.groups}
        for group, unit in self.units:
            grouped.setdefault(group, []).append(unit)
        return {g: tuple(u) for g, u in grouped.items()}

    @cached_property
    def _lookup(self) -> tuple[dict[str, str], dict[Place, str], dict[str, str]]:
        """Normalised name → roster name: groups, (group, unit), unit anywhere."""
        groups = {normalize_name(g): g for g in self.groups}
        units = {(g, normalize_name(u)): u for g, u in self.units}
        anywhere: dict[str, str] = {}
        for _, u in self.units:
            anywhere.setdefault(normalize_name(u), u)
        return groups, units, anywhere

    @cached_property
    def _group_of(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for g, u in self.units:
            found.setdefault(u, g)
        return found

    def units_of(self, group: str) -> tuple[str, ...]:
        return self._by_group.get(group, ())

    def expected(self, group: str) -> int:
        return len(self.units_of(group))

    def type_of(self, place: Place) -> str:
        return self.types.get(place, "")

    def resolve(self, group_text: object, unit_text: object) -> Match:
        """Map the names a unit typed onto roster names, suggesting the closest if unknown."""
        g_typed, u_typed = normalize_name(group_text), normalize_name(unit_text)
        groups, units, anywhere = self._lookup
        group = groups.get(g_typed, "")
        if not group and g_typed not in groups:
            return Match(group_suggestion=_closest(g_typed, self.groups))
        unit = units.get((group, u_typed)) or self.aliases.get((group, u_typed), "")
        if unit:
            return Match(group, unit)
        elsewhere = anywhere.get(u_typed, "")
        if elsewhere:  # the right unit under the wrong group: say which group it is in
            return Match(group=group, unit_elsewhere=self.group_of(elsewhere))
        return Match(group=group, unit_suggestion=_closest(u_typed, self.units_of(group)))

    def group_of(self, unit: str) -> str:
        return self._group_of.get(unit, "")


def _closest(typed: str, names: tuple[str, ...]) -> str:
    if not typed:
        return ""
    found = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.5)
    return found[0] if found else ""


@dataclass(frozen=True)
class _Columns:
    header_row: int
    group: int  # -1: the office has no group level
    unit: int
    alias: int
    type: int


def load_roster(path: Path, campaign: Campaign) -> Roster:
    """Read 名册.xlsx: header `乡镇（街道） | 村（社区） | 别名 [| 类型]`, then one row per unit."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到名册文件：{path}")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            sheets.append((name, sheet.to_python(), _merged(sheet)))
    except Exception as exc:  # noqa: BLE001 - any reader failure means the roster is unusable
        raise roster_unreadable(path, exc) from None
    scope = campaign.scope
    wanted = [lv.name for lv in (scope.group, scope.unit) if lv is not None]
    for name, rows, merged in sheets:
        found = _header(rows, wanted, bool(campaign.unit_types))
        if found:
            return _Reading(path, name, rows, merged, found, campaign).roster()
    labels = "、".join(wanted + ([TYPE_LABEL] if campaign.unit_types else []))
    raise ConfigError(f"名册文件 {path.name} 中找不到表头「{labels}」：请在第一行依次填写这些列名。")


def _merged(sheet) -> list:
    try:
        return list(sheet.merged_cell_ranges or [])
    except Exception:  # noqa: BLE001 - merges are a nicety some formats do not report
        return []


def _header(rows: list[list], wanted: list[str], typed: bool) -> _Columns | None:
    keys = [normalize_label(w) for w in wanted]
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        labels = [normalize_label(c) for c in row]
        if all(k in labels for k in keys) and (not typed or TYPE_LABEL in labels):
            group = labels.index(keys[0]) if len(keys) == 2 else -1
            alias, kind = (labels.index(x) if x in labels else -1 for x in (ALIAS_LABEL, TYPE_LABEL))
            return _Columns(r, group, labels.index(keys[-1]), alias, kind)
    return None


class _Reading:
    """One pass over the roster's rows, every mistake named by its row."""

    def __init__(
        self, path: Path, sheet: str, rows: list[list], merged: list, cols: _Columns, campaign: Campaign
    ):
        self.path, self.sheet, self.rows, self.cols = path, sheet, rows, cols
        self.campaign = campaign
        # cells below the top of a vertical merge in the group column: a merged 乡镇 over its 村
        self.merged_below: set[int] = set()
        for (r0, c0), (r1, c1) in merged:
            if c0 <= cols.group <= c1:
                self.merged_below.update(range(r0 + 1, r1 + 1))

    def fail(self, r: int, text: str) -> ConfigError:
        return ConfigError(f"名册 {self.path.name} 工作表「{self.sheet}」第 {r + 1} 行{text}")

    def roster(self) -> Roster:
        scope, cols = self.campaign.scope, self.cols
        type_names = [t.name for t in self.campaign.unit_types]
        groups: dict[str, None] = {}  # dicts keep roster order and answer `in` at once
        units: dict[Place, None] = {}
        aliases: dict[Place, str] = {}
        types: dict[Place, str] = {}
        group = ""
        for r in range(cols.header_row + 1, len(self.rows)):
            row = self.rows[r]
            unit = _name_at(row, cols.unit)
            typed_group = _name_at(row, cols.group) if scope.group else ""
            if typed_group or r not in self.merged_below:
                group = typed_group  # only a merged cell carries its name down the rows it covers
            if not unit:
                continue
            if scope.group and not group:
                raise self.fail(r, f"缺少{scope.group.name}：请填写「{unit}」所属的{scope.group.name}。")
            place = (group, unit)
            if place in units:
                raise self.fail(r, f"「{group}{unit}」重复：同一{scope.unit.short}只能写一行。")
            if type_names:
                kind = _name_at(row, cols.type)
                if kind not in type_names:
                    shown = f"「{kind}」" if kind else "未填写"
                    raise self.fail(r, f"「{unit}」的类型{shown}，应为{'、'.join(type_names)}之一。")
                types[place] = kind
            groups.setdefault(group)
            units.setdefault(place)
            for alias in _split_aliases(row[cols.alias] if 0 <= cols.alias < len(row) else ""):
                aliases[(group, alias)] = unit
        if not units:
            raise ConfigError(f"名册 {self.path.name} 中没有任何{scope.unit.name}。")
        return Roster(tuple(groups), tuple(units), MappingProxyType(aliases), MappingProxyType(types))


def _name_at(row: list, col: int) -> str:
    return normalize_name(row[col]) if 0 <= col < len(row) else ""


def _split_aliases(text: object) -> list[str]:
    s = str(text or "")
    for sep in ALIAS_SEPARATORS[1:]:
        s = s.replace(sep, ALIAS_SEPARATORS[0])
    return [normalize_name(a) for a in s.split(ALIAS_SEPARATORS[0]) if normalize_name(a)]
