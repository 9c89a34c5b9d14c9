"""The standard form as a workbook: the blank form and one pre-filled form per roster village.

Every sheet, label, unit, type and choice list comes from the FormSpec, so a county that adds
a field to templates/form.toml gets it in the distributed forms with no code change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .formguide import write_guide
from .formspec import Column, Field, FormSpec, TableSpec
from .safename import safe_file_name
from .stable_xlsx import save_workbook

if TYPE_CHECKING:  # annotations only: forms need names, not the roster loader
    from .roster import Roster
    from .settings import Settings

GUIDE_SHEET = "填表说明"
BLANK_FORM_NAME = "标准表（空白）.xlsx"
PREPARED_ROWS = 500  # table rows that get dropdowns and date checks; villages rarely need more
DATE_FORMAT = "yyyy-mm-dd"
_EXCEL_TEXT_LIMIT = 255  # data validation lists, prompts and messages
_FIRST_FIELD_ROW = 3
_LABEL_COL, _VALUE_COL, _HINT_COL = 1, 2, 3

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_FIXED_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
_BAD_FILENAME = re.compile(r'[\\/:*?"<>|\s]')


@dataclass(frozen=True)
class FieldPlace:
    """Where one label/value pair of the 基本情况 sheet stands in a generated form."""

    key: str
    row: int
    label_cell: str
    value_cell: str


@dataclass(frozen=True)
class TablePlace:
    """Where a table sheet's header stands and which column holds each column key."""

    sheet: str
    header_row: int
    first_row: int
    columns: Mapping[str, str]  # column key → column letter


@dataclass(frozen=True)
class FormLayout:
    """The cell addresses of a generated form, for tests and the demo generator."""

    basic_sheet: str
    title_cell: str
    fields: Mapping[str, FieldPlace]
    header_sections: tuple[int, int]  # rows of the 基本信息 and 工作指标 headings
    ledger: TablePlace
    highlights: TablePlace
    guide_sheet: str = GUIDE_SHEET


def form_layout(spec: FormSpec) -> FormLayout:
    """Where each label and value cell goes: header fields, a heading row, then metrics."""
    places: dict[str, FieldPlace] = {}
    row = _FIRST_FIELD_ROW
    for f in spec.header_fields:
        places[f.key] = _place(f.key, row)
        row += 1
    metrics_heading = row
    for f in spec.metrics:
        row += 1
        places[f.key] = _place(f.key, row)
    return FormLayout(
        basic_sheet=spec.basic_sheet,
        title_cell="A1",
        fields=MappingProxyType(places),
        header_sections=(_FIRST_FIELD_ROW - 1, metrics_heading),
        ledger=_table_place(spec.ledger),
        highlights=_table_place(spec.highlights),
    )


def _place(key: str, row: int) -> FieldPlace:
    label = f"{get_column_letter(_LABEL_COL)}{row}"
    return FieldPlace(key, row, label, f"{get_column_letter(_VALUE_COL)}{row}")


def _table_place(table: TableSpec) -> TablePlace:
    cols = {c.key: get_column_letter(i) for i, c in enumerate(table.columns, start=1)}
    return TablePlace(table.sheet, 1, 2, MappingProxyType(cols))


def build_form(spec: FormSpec, title: str = "", township: str = "", village: str = "") -> Workbook:
    """The standard form as an openpyxl Workbook; township/village filled and locked when given."""
    layout = form_layout(spec)
    wb = Workbook()
    basic = wb.active
    basic.title = spec.basic_sheet
    _write_basic(basic, spec, layout, title or spec.title)
    if township or village:
        _fix_value(basic, layout.fields[spec.role("township").key].value_cell, township)
        _fix_value(basic, layout.fields[spec.role("village").key].value_cell, village)
    _write_table(wb.create_sheet(spec.ledger.sheet), spec.ledger, landscape=True)
    _write_table(wb.create_sheet(spec.highlights.sheet), spec.highlights, landscape=False)
    write_guide(wb.create_sheet(GUIDE_SHEET), spec, title or spec.title)
    _set_properties(wb, spec, title or spec.title)
    return wb


def _write_basic(ws: Worksheet, spec: FormSpec, layout: FormLayout, title: str) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=_HINT_COL)
    ws[layout.title_cell] = title
    ws[layout.title_cell].font = Font(bold=True, size=16)
    ws[layout.title_cell].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    for row, text in zip(layout.header_sections, ("一、基本信息", "二、工作指标"), strict=True):
        ws.cell(row, _LABEL_COL, text).font = Font(bold=True, size=12)
    for f in spec.fields:
        _write_field(ws, f, layout.fields[f.key])
    for col, width in ((_LABEL_COL, 28), (_VALUE_COL, 22), (_HINT_COL, 44)):
        ws.column_dimensions[get_column_letter(col)].width = width
    _protect(ws)
    _page_setup(ws, landscape=False)


def _write_field(ws: Worksheet, f: Field, place: FieldPlace) -> None:
    label = ws[place.label_cell]
    label.value = f.display_label
    label.fill, label.border, label.protection = _LABEL_FILL, _BOX, _LOCKED
    value = ws[place.value_cell]
    value.fill, value.border, value.protection = _INPUT_FILL, _BOX, _UNLOCKED
    value.number_format = _number_format(f.type)
    hint = ws.cell(place.row, _HINT_COL, _hint(f))
    hint.font = Font(color="808080", size=9)
    validation = _field_validation(f)
    if validation is not None:
        ws.add_data_validation(validation)
        validation.add(place.value_cell)


def _number_format(ftype: str) -> str:
    return {"integer": "0", "decimal": "0.00", "date": DATE_FORMAT}.get(ftype, "@")


def _hint(f: Field) -> str:
    need = "必填" if f.required else "选填"
    kind = {
        "integer": f"填整数（单位：{f.unit}），没有填 0",
        "decimal": f"填数字，可带小数（单位：{f.unit}），没有填 0",
        "date": "填日期，如 2026-11-20",
    }.get(f.type, "填文字")
    return f"{need}；{kind}"


def _field_validation(f: Field) -> DataValidation | None:
    """Whole/decimal ≥ 0 or a date, each with a Chinese input prompt and error message."""
    if f.type in ("integer", "decimal"):
        dv_type = "whole" if f.type == "integer" else "decimal"
        kind = "整数" if f.type == "integer" else "数字（可带小数）"
        return DataValidation(
            type=dv_type, operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showInputMessage=True, promptTitle=f.label[:32],
            prompt=f"请填写{kind}，单位：{f.unit}。只填阿拉伯数字，不带单位；没有请填 0。",
            showErrorMessage=True, errorStyle="stop", errorTitle="数值有误",
            error=f"「{f.label}」应为大于或等于 0 的{kind}。",
        )  # fmt: skip
    if f.type == "date":
        return _date_validation(f.label)
    return None


def _date_validation(label: str) -> DataValidation:
    # 36526 = 2000-01-01, 73050 = 2099-12-31 as Excel serial numbers
    return DataValidation(
        type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True,
        showInputMessage=True, promptTitle=label[:32], prompt="请填写日期，如 2026-11-20。",
        showErrorMessage=True, errorStyle="stop", errorTitle="日期有误",
        error=f"「{label}」应为 2000 年至 2099 年之间的日期，如 2026-11-20。",
    )  # fmt: skip


def _fix_value(ws: Worksheet, address: str, text: str) -> None:
    cell = ws[address]
    cell.value = text
    cell.fill, cell.protection = _FIXED_FILL, _LOCKED


def _protect(ws: Worksheet) -> None:
    """Protect labels from slips (no password); rows may still be inserted and resized."""
    ws.protection.sheet = True
    ws.protection.insertRows = False  # False = allowed
    ws.protection.formatRows = False
    ws.protection.formatColumns = False


def _write_table(ws: Worksheet, table: TableSpec, landscape: bool) -> None:
    """Header row, unlocked input columns, dropdowns for choices and checks for dates."""
    for i, col in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(1, i, col.header)
        head.font, head.fill, head.border, head.protection = Font(bold=True), _HEADER_FILL, _BOX, _LOCKED
        head.alignment = Alignment(horizontal="center", vertical="center")
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(col)
        dim.protection = _UNLOCKED  # a column style: cells typed later inherit it
        dim.number_format = _number_format(col.type) if col.type != "text" else "General"
        dim.alignment = Alignment(wrap_text=col.type == "text", vertical="top")
        validation = _column_validation(col)
        if validation is not None:
            ws.add_data_validation(validation)
            last = 1 + min(table.max_rows, PREPARED_ROWS)
            validation.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "A2"
    _protect(ws)
    ws.protection.deleteRows = False
    ws.print_title_rows = "1:1"
    _page_setup(ws, landscape=landscape)


def _column_width(col: Column) -> float:
    if col.role in ("description", "content"):
        return 44
    return {"integer": 7, "date": 13, "choice": 12}.get(col.type, 18)


def _column_validation(col: Column) -> DataValidation | None:
    if col.type == "choice":
        listed = "、".join(col.choices)
        inline = '"' + ",".join(col.choices) + '"'
        if len(inline) > _EXCEL_TEXT_LIMIT:  # Excel rejects longer inline lists; keep the prompt only
            return DataValidation(
                showInputMessage=True, promptTitle=col.header[:32], prompt=_cut("可填写：" + listed)
            )
        return DataValidation(
            type="list", formula1=inline, allow_blank=True,
            showInputMessage=True, promptTitle=col.header[:32], prompt=_cut("请从下拉列表中选择：" + listed),
            showErrorMessage=True, errorStyle="stop", errorTitle="选项有误",
            error=_cut(f"「{col.header}」只能填写：" + listed),
        )  # fmt: skip
    if col.type == "date":
        return _date_validation(col.header)
    return None


def _cut(text: str) -> str:
    """Excel refuses prompts and messages longer than 255 characters."""
    return text if len(text) <= _EXCEL_TEXT_LIMIT else text[: _EXCEL_TEXT_LIMIT - 1] + "…"


def _page_setup(ws: Worksheet, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _set_properties(wb: Workbook, spec: FormSpec, title: str) -> None:
    props = wb.properties
    props.creator = props.lastModifiedBy = "报表助手"
    props.title = title
    props.version = spec.version or None


def form_title(spec: FormSpec, settings: Settings | None) -> str:
    """The title row: the county's name before the form title when settings are known."""
    return f"{settings.county}{spec.title}" if settings else spec.title


def prefilled_name(township: str, village: str) -> str:
    """File name of a village's form, e.g. 城关镇-东风村.xlsx."""
    return safe_file_name(_BAD_FILENAME.sub("_", f"{township}-{village}")) + ".xlsx"  # no "..", controls


def write_blank_form(spec: FormSpec, out_path: Path, settings: Settings | None = None) -> Path:
    """Write the blank standard form (nothing filled, township/village open)."""
    return save_workbook(build_form(spec, form_title(spec, settings)), out_path)


def write_prefilled_forms(spec: FormSpec, roster: Roster, settings: Settings, out_dir: Path) -> list[Path]:
    """Write one form per roster village with township and village filled in and locked."""
    if not roster.villages:
        return []
    wb = build_form(spec, form_title(spec, settings), *roster.villages[0])
    layout = form_layout(spec)
    ws = wb[spec.basic_sheet]
    cells = (layout.fields[spec.role(r).key].value_cell for r in ("township", "village"))
    township_cell, village_cell = cells
    paths = []
    for township, village in roster.villages:  # one workbook, re-saved with each village's names
        ws[township_cell].value, ws[village_cell].value = township, village
        paths.append(save_workbook(wb, Path(out_dir) / prefilled_name(township, village)))
    return paths


def write_forms(spec: FormSpec, roster: Roster, settings: Settings, out_dir: Path) -> list[Path]:
    """What `run_report.py forms` writes: the blank form, then one pre-filled form per village."""
    blank = write_blank_form(spec, Path(out_dir) / BLANK_FORM_NAME, settings)
    return [blank, *write_prefilled_forms(spec, roster, settings, out_dir)]
