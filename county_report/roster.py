"""The county's roster (名册): townships, their villages and the names villages actually type.

Read by header labels on whichever sheet and row they stand, like the forms.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from .errors import ConfigError
from .formspec import FormSpec, normalize_label, normalize_name

ALIAS_LABEL = "别名"
ALIAS_SEPARATORS = ("、", ",", "，", ";", "；")


@dataclass(frozen=True)
class Match:
    """The roster names a typed township/village resolved to, or what was closest."""

    township: str = ""
    village: str = ""
    township_suggestion: str = ""
    village_suggestion: str = ""
    village_elsewhere: str = ""  # the township the typed village belongs to, when not the typed one


@dataclass(frozen=True)
class Roster:
    townships: tuple[str, ...]
    villages: tuple[tuple[str, str], ...]
    aliases: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (township, typed) → village

    @cached_property
    def _by_township(self) -> dict[str, tuple[str, ...]]:
        grouped: dict[str, list[str]] = {t: [] for t in self.townships}
        for township, village in self.villages:
            grouped.setdefault(township, []).append(village)
        return {t: tuple(v) for t, v in grouped.items()}

    @cached_property
    def _lookup(self) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
        """Normalised name → roster name: townships, (township, village), village anywhere."""
        townships = {normalize_name(t): t for t in self.townships}
        villages = {(t, normalize_name(v)): v for t, v in self.villages}
        anywhere = {}
        for _, v in self.villages:
            anywhere.setdefault(normalize_name(v), v)
        return townships, villages, anywhere

    def villages_of(self, township: str) -> tuple[str, ...]:
        return self._by_township.get(township, ())

    def expected(self, township: str) -> int:
        return len(self.villages_of(township))

    def resolve(self, township_text: object, village_text: object) -> Match:
        """Map the names a village typed onto roster names, suggesting the closest if unknown."""
        t_typed, v_typed = normalize_name(township_text), normalize_name(village_text)
        townships, villages, anywhere = self._lookup
        township = townships.get(t_typed, "")
        if not township:
            return Match(township_suggestion=_closest(t_typed, self.townships))
        village = villages.get((township, v_typed)) or self.aliases.get((township, v_typed), "")
        if village:
            return Match(township, village)
        elsewhere = anywhere.get(v_typed, "")
        if elsewhere:  # the right village under the wrong township: say which township it is in
            return Match(township=township, village_elsewhere=self.township_of(elsewhere))
        return Match(township=township, village_suggestion=_closest(v_typed, self.villages_of(township)))

    def township_of(self, village: str) -> str:
        return next((t for t, v in self.villages if v == village), "")


def _closest(typed: str, names: tuple[str, ...]) -> str:
    if not typed:
        return ""
    found = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.5)
    return found[0] if found else ""


def load_roster(path: Path, spec: FormSpec) -> Roster:
    """Read 名册.xlsx: header `乡镇（街道） | 村（社区） | 别名`, then one row per village."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到名册文件：{path}")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    except Exception as exc:  # noqa: BLE001 - any reader failure means the roster is unusable
        raise ConfigError(f"名册文件无法读取：{path}（{exc}）") from None
    wanted = (spec.role("township").match_label, spec.role("village").match_label)
    for name, rows in sheets:
        found = _header(rows, wanted)
        if found:
            return _build(rows, *found, path=path, sheet=name)
    labels = "、".join(f.label for f in (spec.role("township"), spec.role("village")))
    raise ConfigError(f"名册文件 {path.name} 中找不到表头「{labels}」。")


def _header(rows: list[list], wanted: tuple[str, str]) -> tuple[int, int, int, int] | None:
    for r, row in enumerate(rows[:50]):
        labels = [normalize_label(c) for c in row]
        if wanted[0] in labels and wanted[1] in labels:
            alias = labels.index(ALIAS_LABEL) if ALIAS_LABEL in labels else -1
            return r, labels.index(wanted[0]), labels.index(wanted[1]), alias
    return None


def _build(rows, header_row, t_col, v_col, a_col, *, path: Path, sheet: str) -> Roster:
    townships: dict[str, None] = {}  # dicts keep roster order and answer `in` at once
    villages: dict[tuple[str, str], None] = {}
    aliases: dict[tuple[str, str], str] = {}
    township = ""
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        township = _name_at(row, t_col) or township  # a merged township cell leaves the rows below blank
        village = _name_at(row, v_col)
        if not village:
            continue
        if not township:
            raise ConfigError(f"名册 {path.name} 工作表「{sheet}」第 {r + 1} 行缺少乡镇（街道）。")
        if (township, village) in villages:
            raise ConfigError(f"名册 {path.name} 中「{township}{village}」重复（第 {r + 1} 行）。")
        townships.setdefault(township)
        villages.setdefault((township, village))
        for alias in _split_aliases(row[a_col] if 0 <= a_col < len(row) else ""):
            aliases[(township, alias)] = village
    if not villages:
        raise ConfigError(f"名册 {path.name} 中没有任何村（社区）。")
    return Roster(tuple(townships), tuple(villages), MappingProxyType(aliases))


def _name_at(row: list, col: int) -> str:
    return normalize_name(row[col]) if 0 <= col < len(row) else ""


def _split_aliases(text: object) -> list[str]:
    s = str(text or "")
    for sep in ALIAS_SEPARATORS[1:]:
        s = s.replace(sep, ALIAS_SEPARATORS[0])
    return [normalize_name(a) for a in s.split(ALIAS_SEPARATORS[0]) if normalize_name(a)]
