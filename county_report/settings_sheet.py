"""Write the 设置 sheet into the roster workbook, and move an older settings.toml into it once.

The rows and their notes come from `settings.SETTING_ROWS`, so the sheet a clerk fills and the
reader that reads it cannot drift apart. Works on an openpyxl Workbook (demo, tests, conversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .settings import (
    CONVERTED_SUFFIX,
    ROSTER_FILE,
    SETTING_ROWS,
    SETTINGS_FILE,
    SETTINGS_SHEET,
    Settings,
    read_settings_sheet,
    settings_from_toml,
)

TITLE = "本级设置（报告标题、正文和落款用到的信息；黄色格子填写，灰字是说明）"
HEADER = ("项目", "内容", "说明")
FIRST_ROW = 3  # title, header, then one row per setting
_FILL = "FFF2CC"  # the light yellow of the cells a clerk fills, as on the forms and the button sheet


def settings_rows(settings: Settings) -> dict[str, object]:
    """Label → value for every setting, as the sheet shows them (blank for what is not set)."""
    return {row.label: getattr(settings, row.attribute) or None for row in SETTING_ROWS}


def write_settings_sheet(workbook, values: Mapping[str, object]):
    """Add the 设置 sheet (label | value | note per row) to an openpyxl workbook; returns the sheet.

    `values` maps labels (县名, 活动名称, …) to what the county set; rows not given stay blank.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = workbook.create_sheet(SETTINGS_SHEET)
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=12)
    for col, text in enumerate(HEADER, start=1):
        sheet.cell(2, col, text).font = Font(bold=True)
    fill = PatternFill("solid", fgColor=_FILL)
    grey = Font(color="7F7F7F")
    for offset, row in enumerate(SETTING_ROWS):
        r = FIRST_ROW + offset
        sheet.cell(r, 1, row.label).font = Font(bold=row.required)
        value = sheet.cell(r, 2, values.get(row.label))
        value.fill = fill
        if row.kind == "date":
            value.number_format = "yyyy-mm-dd"
        note = (
            ("必填。" if row.required else "") + row.note + (f"。例如：{row.example}" if row.example else "")
        )
        sheet.cell(r, 3, note).font = grey
        sheet.cell(r, 3).alignment = Alignment(wrap_text=True, vertical="top")
        if row.choices:
            choice = DataValidation(type="list", formula1=f'"{",".join(row.choices)}"', allow_blank=True)
            choice.add(value.coordinate)
            sheet.add_data_validation(choice)
    for letter, width in zip("ABC", (16, 30, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    return sheet


def convert_settings_toml(templates_dir: Path) -> Path | None:
    """Move settings.toml into a new 设置 sheet of 名册.xlsx, once; returns the renamed old file.

    None when there is nothing to do (no settings.toml, or the roster already has the sheet).
    Raises ConfigError when settings.toml is unreadable, OSError when the roster is open elsewhere.
    """
    from openpyxl import load_workbook

    templates_dir = Path(templates_dir)
    roster, legacy = templates_dir / ROSTER_FILE, templates_dir / SETTINGS_FILE
    if not (legacy.is_file() and roster.is_file()) or read_settings_sheet(roster) is not None:
        return None
    values = settings_rows(settings_from_toml(legacy))
    workbook = load_workbook(roster)
    write_settings_sheet(workbook, values)
    temp = roster.with_name(f".tmp-{roster.name}.part")
    try:  # replace, never save beside it under another name: the roster has exactly one name
        workbook.save(temp)
        temp.replace(roster)
    finally:
        temp.unlink(missing_ok=True)
    done = legacy.with_name(legacy.name + CONVERTED_SUFFIX)
    legacy.replace(done)
    return done
