"""The standard form as a workbook: the blank form and one pre-filled form per roster unit.

Every sheet, label, unit, type and choice list comes from the campaign definition, and each
field's type says its cell format, data validation and hint, so a county that adds a field to
templates/form.toml gets it in the distributed forms with no code change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .definition import AS_OF, CONTENT, DESCRIPTION, GROUP, UNIT, Campaign, Column, Field, TableSpec
from .formguide import GUIDE_SHEET, write_guide
from .safename import safe_file_name
from .stable_xlsx import save_workbook

if TYPE_CHECKING:  # annotations only: forms need names, not the roster loader
    from .roster import Roster
    from .settings import Settings

BLANK_FORM_NAME = "标准表（空白）.xlsx"
PREPARED_ROWS = 500  # table rows that get dropdowns and date checks; villages rarely need more
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
# Where a printed form is signed: under the first sheet's fields, and in the footer of each table
# sheet (a line inside a table would stand where a village types its 21st row).
SIGNATURE = ("填报单位（盖章）：", "负责人（签字）：", "填报人（签字）：")
_GAP = "\u3000" * 6  # room to sign after each colon
PAGE_POINTS = {True: 480, False: 720}  # printable height of A4, landscape / portrait, less the margins


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
    tables: Mapping[str, TablePlace] = field(default_factory=dict)  # further ledgers, by table key
    guide_sheet: str = GUIDE_SHEET


def form_layout(campaign: Campaign) -> FormLayout:
    """Where each label and value cell goes: header fields, a heading row, then metrics."""
    places: dict[str, FieldPlace] = {}
    row = _FIRST_FIELD_ROW
    for f in campaign.header_fields:
        places[f.key] = _place(f.key, row)
        row += 1
    metrics_heading = row
    for f in campaign.form_metrics:
        row += 1
        places[f.key] = _place(f.key, row)
    return FormLayout(
        basic_sheet=campaign.basic_sheet,
        title_cell="A1",
        fields=MappingProxyType(places),
        header_sections=(_FIRST_FIELD_ROW - 1, metrics_heading),
        ledger=_table_place(campaign.ledger),
        highlights=_table_place(campaign.highlights),
        tables=MappingProxyType({t.key: _table_place(t) for t in campaign.tables}),
    )


def _place(key: str, row: int) -> FieldPlace:
    label = f"{get_column_letter(_LABEL_COL)}{row}"
    return FieldPlace(key, row, label, f"{get_column_letter(_VALUE_COL)}{row}")


def _table_place(table: TableSpec) -> TablePlace:
    cols = {c.key: get_column_letter(i) for i, c in enumerate(table.columns, start=1)}
    return TablePlace(table.sheet, 1, 2, MappingProxyType(cols))


def build_form(
    campaign: Campaign, title: str = "", place: tuple[str, str] | None = None, as_of: date | None = None
) -> Workbook:
    """The standard form as an openpyxl Workbook; the unit's place filled and locked when given,
    and 统计截止日期 too when the office fixed it (settings)."""
    layout = form_layout(campaign)
    wb = Workbook()
    basic = wb.active
    basic.title = campaign.basic_sheet
    _write_basic(basic, campaign, layout, title or campaign.title)
    if place is not None:
        for cell, name in zip(_place_cells(campaign, layout), _place_names(campaign, place), strict=True):
            _fix_value(basic, cell, name)
    if as_of is not None:
        _fix_value(basic, layout.fields[campaign.role(AS_OF).key].value_cell, as_of)
    _write_table(wb.create_sheet(campaign.ledger.sheet), campaign.ledger, landscape=True)
    _write_table(wb.create_sheet(campaign.highlights.sheet), campaign.highlights, landscape=False)
    for table in campaign.tables:
        _write_table(wb.create_sheet(table.sheet), table, landscape=True)
    write_guide(wb.create_sheet(GUIDE_SHEET), campaign, title or campaign.title)
    _set_properties(wb, campaign, title or campaign.title)
    return wb


def _write_basic(ws: Worksheet, campaign: Campaign, layout: FormLayout, title: str) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=_HINT_COL)
    ws[layout.title_cell] = title
    ws[layout.title_cell].font = Font(bold=True, size=16)
    ws[layout.title_cell].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    for row, text in zip(layout.header_sections, ("一、基本信息", "二、工作指标"), strict=True):
        ws.cell(row, _LABEL_COL, text).font = Font(bold=True, size=12)
    for f in campaign.fields:
        _write_field(ws, f, layout.fields[f.key])
    for col, width in ((_LABEL_COL, 28), (_VALUE_COL, 22), (_HINT_COL, 44)):
        ws.column_dimensions[get_column_letter(col)].width = width
    last = max(place.row for place in layout.fields.values())
    ws.cell(last + 2, _LABEL_COL, _GAP.join(SIGNATURE) + _GAP).font = Font(size=12)
    ws.merge_cells(start_row=last + 2, start_column=_LABEL_COL, end_row=last + 2, end_column=_HINT_COL)
    ws.row_dimensions[last + 2].height = 36
    _protect(ws)
    _page_setup(ws, landscape=False)


def _write_field(ws: Worksheet, f: Field, place: FieldPlace) -> None:
    label = ws[place.label_cell]
    label.value = f.display_label
    label.fill, label.border, label.protection = _LABEL_FILL, _BOX, _LOCKED
    value = ws[place.value_cell]
    value.fill, value.border, value.protection = _INPUT_FILL, _BOX, _UNLOCKED
    value.number_format = f.type.excel_format
    hint = ws.cell(place.row, _HINT_COL, f"{'必填' if f.required else '选填'}；{f.type.hint(f)}")
    hint.font = Font(color="808080", size=9)
    validation = f.type.validation(f)
    if validation is not None:
        ws.add_data_validation(validation)
        validation.add(place.value_cell)


def _fix_value(ws: Worksheet, address: str, value: str | date) -> None:
    cell = ws[address]
    cell.value = value
    cell.fill, cell.protection = _FIXED_FILL, _LOCKED


def _protect(ws: Worksheet) -> None:
    """Protect labels from slips (no password); rows may still be inserted and resized."""
    ws.protection.sheet = True
    ws.protection.insertRows = False  # False = allowed
    ws.protection.formatRows = False
    ws.protection.formatColumns = False


def _write_table(ws: Worksheet, table: TableSpec, landscape: bool) -> None:
    """Header row, unlocked input columns, dropdowns for choices and checks for dates; a printed
    page of ruled rows, and the signature line in the footer."""
    for i, col in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(1, i, col.header)
        head.font, head.fill, head.border, head.protection = Font(bold=True), _HEADER_FILL, _BOX, _LOCKED
        head.alignment = Alignment(horizontal="center", vertical="center")
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(col)
        dim.protection = _UNLOCKED  # a column style: cells typed later inherit it
        dim.number_format = col.type.excel_format if col.type.output != "text" or col.choices else "General"
        dim.alignment = Alignment(wrap_text=col.type.output == "text" and not col.choices, vertical="top")
        validation = col.type.validation(col)
        if validation is not None:
            ws.add_data_validation(validation)
            last = 1 + min(table.max_rows, PREPARED_ROWS)
            validation.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "A2"
    _protect(ws)
    ws.protection.deleteRows = False
    ws.print_title_rows = "1:1"
    _rule_rows(ws, table, landscape)
    _page_setup(ws, landscape=landscape)
    ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text = (s + _GAP for s in SIGNATURE)


def _rule_rows(ws: Worksheet, table: TableSpec, landscape: bool) -> None:
    """Borders on as many rows as one printed page holds, so the printed form can be filled by hand."""
    tall = any(c.role == CONTENT for c in table.columns)  # a narrative needs several lines
    height = 54 if tall else 20
    rows = min(table.max_rows, (PAGE_POINTS[landscape] - 30) // height)
    for r in range(2, rows + 2):
        ws.row_dimensions[r].height = height
        for c in range(1, len(table.columns) + 1):
            ws.cell(r, c).border = _BOX


def _column_width(col: Column) -> float:
    if col.role in (DESCRIPTION, CONTENT):
        return 44
    if col.choices:
        return 12
    return {"int": 7, "date": 13}.get(col.type.output, 18)


def _page_setup(ws: Worksheet, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _set_properties(wb: Workbook, campaign: Campaign, title: str) -> None:
    props = wb.properties
    props.creator = props.lastModifiedBy = "报表助手"
    props.title = title
    props.version = campaign.version or None


def form_title(campaign: Campaign, settings: Settings | None) -> str:
    """The title row: the county's name before the form title when settings are known."""
    return f"{settings.county}{campaign.title}" if settings else campaign.title


def prefilled_name(group: str, unit: str) -> str:
    """File name of a unit's form, e.g. 城关镇-东风村.xlsx (东风村.xlsx when there are no groups)."""
    name = _BAD_FILENAME.sub("_", f"{group}-{unit}" if group else unit)
    return safe_file_name(name) + ".xlsx"  # no "..", no control characters, bounded (issue 16)


def fixed_as_of(settings: Settings | None) -> date | None:
    """统计截止日期 when the office's settings fix it (本期统计截止日期), else None."""
    return settings.cutoff if settings is not None else None


def write_blank_form(campaign: Campaign, out_path: Path, settings: Settings | None = None) -> Path:
    """Write the blank standard form (the place fields open)."""
    wb = build_form(campaign, form_title(campaign, settings), as_of=fixed_as_of(settings))
    return save_workbook(wb, out_path)


def write_prefilled_forms(
    campaign: Campaign, roster: Roster, settings: Settings, out_dir: Path
) -> list[Path]:
    """Write one form per roster unit with its place (乡镇, 村) filled in and locked."""
    if not roster.units:
        return []
    wb = build_form(campaign, form_title(campaign, settings), roster.units[0], fixed_as_of(settings))
    cells = _place_cells(campaign, form_layout(campaign))
    ws = wb[campaign.basic_sheet]
    paths = []
    for place in roster.units:  # one workbook, re-saved with each unit's names
        for cell, name in zip(cells, _place_names(campaign, place), strict=True):
            ws[cell].value = name
        paths.append(save_workbook(wb, Path(out_dir) / prefilled_name(*place)))
    return paths


def _place_cells(campaign: Campaign, layout: FormLayout) -> list[str]:
    """The value cells of the place fields: the group's (if any), then the unit's."""
    roles = (GROUP, UNIT) if campaign.has_groups else (UNIT,)
    return [layout.fields[campaign.role(r).key].value_cell for r in roles]


def _place_names(campaign: Campaign, place: tuple[str, str]) -> tuple[str, ...]:
    return place if campaign.has_groups else place[1:]


def write_forms(campaign: Campaign, roster: Roster, settings: Settings, out_dir: Path) -> list[Path]:
    """What `run_report.py forms` writes: the blank form, then one pre-filled form per unit."""
    blank = write_blank_form(campaign, Path(out_dir) / BLANK_FORM_NAME, settings)
    return [blank, *write_prefilled_forms(campaign, roster, settings, out_dir)]
