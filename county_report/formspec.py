"""The standard form as data: load `templates/form.toml` into an immutable FormSpec.

Every other module takes sheets, fields, labels, choice lists and checks from here,
so a county can run another campaign by editing the file, not the code.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from .errors import ConfigError

FIELD_TYPES = {"text", "date", "integer", "decimal"}
COLUMN_TYPES = {"text", "date", "integer", "decimal", "choice"}
CHECK_KINDS = {"not-greater", "ledger-count"}
MAX_LABEL_LENGTH = 80


def normalize_label(text: object) -> str:
    """Label as compared: NFKC, no spaces, no trailing unit in parentheses, no colon."""
    text = text if isinstance(text, str) else str(text or "")
    return _normalized(text) if len(text) <= MAX_LABEL_LENGTH else text  # a long text is no label


@lru_cache(maxsize=4096)  # every form repeats the same labels and hints: normalise each once
def _normalized(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip()
    s = "".join(s.split())
    s = s.rstrip(":：")
    if s.endswith(")") and "(" in s and not s.startswith("("):
        head = s[: s.rindex("(")]
        if head:
            s = head
    return s


def normalize_name(text: object) -> str:
    """A sheet or place name as compared: NFKC, no spaces at all (villages retype both)."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass(frozen=True)
class Field:
    """One label/value pair on the 基本情况 sheet."""

    key: str
    label: str
    type: str
    unit: str = ""
    required: bool = True
    role: str = ""

    @property
    def display_label(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def match_label(self) -> str:
        return normalize_label(self.label)


@dataclass(frozen=True)
class Column:
    """One column of a table sheet (问题台账, 典型事例), found by its header text."""

    key: str
    header: str
    type: str
    choices: tuple[str, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class TableSpec:
    sheet: str
    columns: tuple[Column, ...]
    max_rows: int

    def by_role(self, role: str) -> Column:
        return next(c for c in self.columns if c.role == role)


@dataclass(frozen=True)
class Check:
    kind: str
    left: str = ""
    right: str = ""
    metric: str = ""
    status: str = ""


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    version: str
    basic_sheet: str
    header_fields: tuple[Field, ...]
    metrics: tuple[Field, ...]
    ledger: TableSpec
    highlights: TableSpec
    choices: Mapping[str, tuple[str, ...]]
    checks: tuple[Check, ...]
    rates: tuple[Rate, ...]
    ranking: tuple[str, ...]
    solved_status: str

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.header_fields + self.metrics

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def role(self, role: str) -> Field:
        return next(f for f in self.header_fields if f.role == role)

    @property
    def metric_keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.metrics)

    @property
    def sheets(self) -> tuple[str, ...]:
        return (self.basic_sheet, self.ledger.sheet, self.highlights.sheet)


def load_formspec(path: Path) -> FormSpec:
    """Read and check the form definition; a malformed file raises ConfigError in Chinese."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到表单定义文件：{path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"表单定义文件格式有误：{path}（{exc}）") from None
    try:
        return _build(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"表单定义文件内容有误：{path}：{_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"缺少必填项 {exc.args[0]}"
    return str(exc)


def _build(raw: dict) -> FormSpec:
    choices = {k: tuple(str(x) for x in v) for k, v in raw.get("choices", {}).items()}
    header = tuple(_field(f, default_type="text") for f in raw["header"]["fields"])
    metrics = tuple(_field(f, default_type="integer") for f in raw["metrics"]["fields"])
    for m in metrics:
        if m.type not in ("integer", "decimal"):
            raise ValueError(f"指标 {m.label} 的类型必须是 integer 或 decimal")
    all_fields = header + metrics
    _unique([f.key for f in all_fields], "字段 key")
    _unique([f.match_label for f in all_fields], "字段标签")
    for role in ("township", "village", "as_of", "filled_on"):
        if not any(f.role == role for f in header):
            raise ValueError(f'基本情况缺少 role = "{role}" 的字段')
    if raw["header"]["sheet"] != raw["metrics"]["sheet"]:
        raise ValueError("表头字段和指标须在同一工作表")
    ledger = _table(raw["ledger"], choices, ("category", "description", "deadline", "status"))
    highlights = _table(raw["highlights"], choices, ("title", "content"))
    metric_keys = {m.key for m in metrics}
    checks = tuple(_check(c, metric_keys, choices) for c in raw.get("checks", []))
    rates = tuple(_rate(r, metric_keys) for r in raw.get("rates", []))
    ranking = tuple(raw.get("ranking", {}).get("by", []))
    known = metric_keys | {r.key for r in rates}
    for key in ranking:
        if key not in known:
            raise ValueError(f"排名依据 {key} 不是已定义的指标或比率")
    solved = str(raw.get("ledger_status", {}).get("solved", ""))
    if solved and solved not in ledger.by_role("status").choices:
        raise ValueError(f"ledger_status.solved「{solved}」不在办理状态选项中")
    form = raw["form"]
    return FormSpec(
        name=str(form["name"]),
        title=str(form.get("title", form["name"])),
        version=str(form.get("version", "")),
        basic_sheet=str(raw["header"]["sheet"]),
        header_fields=header,
        metrics=metrics,
        ledger=ledger,
        highlights=highlights,
        choices=MappingProxyType(choices),
        checks=checks,
        rates=rates,
        ranking=ranking,
        solved_status=solved,
    )


def _unique(values: list[str], what: str) -> None:
    seen = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what}重复：{v}")
        seen.add(v)


def _field(raw: dict, default_type: str) -> Field:
    ftype = str(raw.get("type", default_type))
    if ftype not in FIELD_TYPES:
        raise ValueError(f"字段 {raw.get('label')} 的类型 {ftype} 无效")
    return Field(
        key=str(raw["key"]),
        label=str(raw["label"]),
        type=ftype,
        unit=str(raw.get("unit", "")),
        required=bool(raw.get("required", True)),
        role=str(raw.get("role", "")),
    )


def _table(raw: dict, choices: dict, roles: tuple[str, ...]) -> TableSpec:
    columns = []
    for c in raw["columns"]:
        ctype = str(c.get("type", "text"))
        if ctype not in COLUMN_TYPES:
            raise ValueError(f"列 {c.get('header')} 的类型 {ctype} 无效")
        opts: tuple[str, ...] = ()
        if ctype == "choice":
            name = str(c["choices"])
            if name not in choices:
                raise ValueError(f"列 {c['header']} 引用的选项表 {name} 未定义")
            opts = choices[name]
        columns.append(Column(str(c["key"]), str(c["header"]), ctype, opts, str(c.get("role", ""))))
    _unique([c.key for c in columns], f"{raw['sheet']} 的列 key")
    present = {c.role for c in columns}
    for role in roles:
        if role not in present:
            raise ValueError(f'{raw["sheet"]} 缺少 role = "{role}" 的列')
    return TableSpec(str(raw["sheet"]), tuple(columns), int(raw.get("max_rows", 1000)))


def _check(raw: dict, metric_keys: set[str], choices: dict) -> Check:
    kind = str(raw["kind"])
    if kind not in CHECK_KINDS:
        raise ValueError(f"校验类型 {kind} 无效（可选：{'、'.join(sorted(CHECK_KINDS))}）")
    check = Check(
        kind=kind,
        left=str(raw.get("left", "")),
        right=str(raw.get("right", "")),
        metric=str(raw.get("metric", "")),
        status=str(raw.get("status", "")),
    )
    used = [check.left, check.right] if kind == "not-greater" else [check.metric]
    for key in used:
        if key not in metric_keys:
            raise ValueError(f"校验 {kind} 引用的指标 {key or '（空）'} 未定义")
    return check


def _rate(raw: dict, metric_keys: set[str]) -> Rate:
    rate = Rate(str(raw["key"]), str(raw["label"]), str(raw["numerator"]), str(raw["denominator"]))
    for key in (rate.numerator, rate.denominator):
        if key not in metric_keys:
            raise ValueError(f"比率 {rate.label} 引用的指标 {key} 未定义")
    return rate
