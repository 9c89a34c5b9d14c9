"""The county's settings (县名, 活动名称, 发文单位, …): the 设置 sheet of templates/名册.xlsx.

`SETTING_ROWS` is the one table of what a county sets: the label a clerk sees, the Settings
attribute it fills, whether it is required, and the note shown beside it on the sheet. Adding a
setting is one row there and one attribute on Settings. Older projects keep their settings in
templates/settings.toml: that still works (with a notice) until it is moved into the sheet.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .values import cell_address, is_blank, parse_date

SETTINGS_SHEET = "设置"
SETTINGS_FILE = "settings.toml"  # the older, text-file way; read when the roster has no 设置 sheet
CONVERTED_SUFFIX = ".已转入名册"  # settings.toml is renamed to this once its values are in the sheet
FORM_FILE = "form.toml"
ROSTER_FILE = "名册.xlsx"
REPORT_TEMPLATE_FILE = "工作总结模板.docx"
FONT_CHOICES = ("公文字体", "系统字体")
DATA_FOLDER = "数据"  # the database folder, beside templates/ (the project's own by default)


@dataclass(frozen=True)
class SettingRow:
    """One row of the 设置 sheet: label, the Settings attribute, and how its value is read."""

    attribute: str
    label: str
    note: str
    example: str = ""  # what a filled-in value looks like, for messages
    required: bool = False
    kind: str = "text"  # text | date | choice
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other labels accepted for the same row

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


SETTING_ROWS = (
    SettingRow("county", "县名", "本级机关的名称，用在报告标题和正文中（市里用时填市名，乡镇用时填乡镇名）",
               "示例县", required=True, aliases=("本级名称", "市名", "乡镇名")),
    SettingRow("campaign", "活动名称", "不加引号；报告标题为：县名“活动名称”活动工作总结", "大走访",
               required=True),
    SettingRow("office", "发文单位", "报告落款的单位全称", "中共示例县委办公室", required=True),
    SettingRow("period", "活动期间", "留空时报告中写“活动开展以来”", "2026年9月至11月"),
    SettingRow("cutoff", "统计截止日期",
               "留空：取各村报表中最常见的统计截止日期；要固定时填日期。"
               "命令行的 --as-of 和按钮工作簿中填的日期优先于这里", "2026-11-20", kind="date"),
    SettingRow("level", "本级层级", "留空：按活动定义；市里用时填 市，乡镇用时填 乡镇", "县"),
    SettingRow("unit_level", "报送层级", "留空：收最基层的表（村、社区）；县里收各乡镇的上报表时填 乡镇，市里收各县的上报表时填 县", "乡镇"),
    SettingRow("fonts", "字体", "留空或填 公文字体：方正小标宋简体、仿宋_GB2312 等；电脑上没有这些字体时填 系统字体",
               "系统字体", kind="choice", choices=FONT_CHOICES),
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    county: str  # the body's own name (本级名称): 县名, or the city's / township's
    campaign: str  # 活动名称
    office: str  # 发文单位
    period: str = ""  # 活动期间
    cutoff: date | None = None  # 统计截止日期 when fixed in 设置 (None: not fixed)
    level: str = ""  # 本级层级 (blank: the campaign definition's default)
    unit_level: str = ""  # 报送层级 (blank: the lowest level)
    fonts: str = ""  # 字体: 公文字体 (default) or 系统字体
    notices: tuple[str, ...] = field(default=(), compare=False)  # e.g. still read from settings.toml

    @property
    def report_title(self) -> str:
        return f"{self.county}“{self.campaign}”活动工作总结"


def load_settings(templates_dir: Path) -> Settings:
    """The 设置 sheet of 名册.xlsx, or the older settings.toml; a ConfigError saying what to fix."""
    templates_dir = Path(templates_dir)
    roster, legacy = templates_dir / ROSTER_FILE, templates_dir / SETTINGS_FILE
    rows = read_settings_sheet(roster) if roster.is_file() else None
    if rows is not None:
        settings = settings_from_sheet(rows, roster)
        if legacy.is_file():
            notice = f"{legacy} 已不再使用（设置以 {roster.name} 的「设置」工作表为准），可以删除。"
            settings = _with_notice(settings, notice)
        return settings
    if legacy.is_file():
        notice = (
            f"设置仍从 {legacy} 读取（旧的写法，仍然有效）。双击 生成报告.bat（或 生成报告.sh）运行一次，"
            f"会自动转入 {ROSTER_FILE} 的「设置」工作表，以后直接在 Excel 中修改。"
        )
        return _with_notice(settings_from_toml(legacy), notice)
    if not roster.is_file():
        raise ConfigError(f"找不到名册文件：{roster}（县名、活动名称等设置也写在其中的「设置」工作表）")
    raise ConfigError(
        f"名册文件 {roster} 中没有「{SETTINGS_SHEET}」工作表：请加一张名为「{SETTINGS_SHEET}」的工作表，"
        f"A 列写项目（{'、'.join(r.label for r in SETTING_ROWS if r.required)}等），B 列写内容；"
        f"也可以从程序自带的 templates/{ROSTER_FILE} 中复制。"
    )


def _with_notice(settings: Settings, notice: str) -> Settings:
    return replace(settings, notices=(*settings.notices, notice))


# ---- the 设置 sheet -------------------------------------------------------------------------


def read_settings_sheet(roster: Path) -> list[list[Any]] | None:
    """The 设置 sheet's cells as rows from A1 (blank cells included), or None when there is none."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(roster))
        name = next((n for n in book.sheet_names if _normalized(n) == SETTINGS_SHEET), None)
        return None if name is None else book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure means the roster is unusable
        raise roster_unreadable(roster, exc) from None


def roster_unreadable(roster: Path, exc: Exception) -> ConfigError:
    """The one message for a 名册.xlsx no reader can open, whichever of its sheets was wanted."""
    return ConfigError(f"名册文件无法读取：{roster}（{exc}）。请用 Excel 打开后另存为 .xlsx。")


def settings_from_sheet(rows: list[list[object]], roster: Path) -> Settings:
    """Settings from the sheet: each label's value stands in the cell to its right, on any row."""
    found: dict[str, tuple[object, str, str]] = {}  # attribute → (raw value, its cell, its label's cell)
    unknown: list[tuple[str, str]] = []  # (label as typed, cell) of labelled cells no row claims
    for r, row in enumerate(rows):
        for c, cell in enumerate(row[:-1]):
            label = _normalized(cell)
            spec = _ROW_BY_LABEL.get(label)
            if spec is None:
                if isinstance(cell, str) and 0 < len(label) <= 8 and not is_blank(row[c + 1]):
                    unknown.append((label, cell_address(r, c)))
                continue
            if spec.attribute in found:
                raise ConfigError(
                    f"{_where(roster)}中「{spec.label}」写了两次（{found[spec.attribute][2]} 和 "
                    f"{cell_address(r, c)}）：请删掉其中一行。"
                )
            found[spec.attribute] = (row[c + 1], cell_address(r, c + 1), cell_address(r, c))
    values: dict[str, Any] = {}
    for spec in SETTING_ROWS:
        if spec.attribute not in found:
            if spec.required:
                raise ConfigError(_missing_row(spec, roster, unknown))
            values[spec.attribute] = None if spec.kind == "date" else ""
            continue
        raw, cell, _ = found[spec.attribute]
        values[spec.attribute] = _parse(spec, raw, f"{_where(roster)} {cell} 单元格（{spec.label}）")
    return Settings(**values)


def _missing_row(spec: SettingRow, roster: Path, unknown: list[tuple[str, str]]) -> str:
    message = (
        f"{_where(roster)}中没有「{spec.label}」一行：请在 A 列加一行「{spec.label}」，"
        f"在它右边的 B 列填写内容，如 {spec.example}。"
    )
    close = difflib.get_close_matches(spec.label, [u for u, _ in unknown], n=1, cutoff=0.5)
    if close:
        cell = next(c for u, c in unknown if u == close[0])
        message += f"（{cell} 写的是「{close[0]}」，是不是「{spec.label}」写错了？）"
    return message


def _where(roster: Path) -> str:
    return f"名册文件 {roster} 的「{SETTINGS_SHEET}」工作表"


# ---- settings.toml, the older way ----------------------------------------------------------


def settings_from_toml(path: Path) -> Settings:
    """Settings from settings.toml (`"县名" = "示例县"` lines), read in any Notepad encoding."""
    from .definition.tomlpos import key_lines, line_of
    from .tomltext import read_toml_text

    text, raw = read_toml_text(path, "设置文件")
    by_label = {_normalized(k): k for k in raw}  # label as compared → key as written
    lines = key_lines(text)
    values: dict[str, Any] = {}
    for spec in SETTING_ROWS:
        key = next((by_label[lab] for lab in spec.labels if lab in by_label), None)
        value = raw.get(key) if key else None
        if is_blank(value):
            if spec.required:
                known = [_normalized(k) for k in raw if _normalized(k) not in _ROW_BY_LABEL]
                close = difflib.get_close_matches(spec.label, known, n=1, cutoff=0.5)
                hint = f"（文件中写的「{close[0]}」是不是「{spec.label}」写错了？）" if close else ""
                raise ConfigError(
                    f'设置文件 {path} 中「{spec.label}」未填写：请加一行 "{spec.label}" = "{spec.example}"。{hint}'
                )
            values[spec.attribute] = None if spec.kind == "date" else ""
            continue
        line = line_of(lines, (key,)) or 1  # a value that is not blank came from a key
        values[spec.attribute] = _parse(spec, value, f"设置文件 {path} 第 {line} 行（{spec.label}）")
    return Settings(**values)


# ---- values ---------------------------------------------------------------------------------


def _parse(spec: SettingRow, raw: object, where: str) -> object:
    """The typed value of one setting; `where` names the cell or line for the message."""
    if spec.kind == "date":
        if is_blank(raw):
            return None
        found = parse_date(raw)
        if found is None:
            raise ConfigError(
                f"{where}填写的「{_text(raw)}」不是日期：请填写如 2026-11-20 的日期，"
                f"或留空（取各村报表中最常见的统计截止日期）。"
            )
        return found
    text = _text(raw)
    if spec.required and not text:
        raise ConfigError(f"{where}未填写：请填写，如 {spec.example}。")
    if spec.kind == "choice" and text and text not in spec.choices:
        raise ConfigError(f"{where}填写的「{text}」无法识别：请填写 {' 或 '.join(spec.choices)}，或留空。")
    return text


def _text(raw: object) -> str:
    """A cell as the text a clerk meant: 2026.0 → 2026, a date → 2026年9月1日, spaces trimmed."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return f"{raw.year}年{raw.month}月{raw.day}日"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return "" if raw is None else str(raw).strip()


def _normalized(text: object) -> str:
    """A label as compared: NFKC, no spaces, no trailing colon (县名：, 县 名 and 县名 all match)."""
    if not isinstance(text, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip(":：")


def _build_label_index(rows: Iterable[SettingRow]) -> Mapping[str, SettingRow]:
    index: dict[str, SettingRow] = {}
    for spec in rows:
        for label in spec.labels:
            index[_normalized(label)] = spec
    return index


_ROW_BY_LABEL = _build_label_index(SETTING_ROWS)
