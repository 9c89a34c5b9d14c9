"""The 填表说明 sheet: Chinese instructions generated from the campaign definition, field by field."""

from __future__ import annotations

from copy import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from .cnformat import display_width
from .definition import CATEGORY, CONTENT, DESCRIPTION, STATUS, TITLE, Campaign, Column, Field

GUIDE_SHEET = "填表说明"

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADS = ("工作表", "项目", "单位", "类型", "是否必填", "说明")
_WIDTHS = (12, 22, 8, 14, 10, 60)
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")


def guide_lines(campaign: Campaign) -> list[str]:
    """The general rules a unit needs before filling in the form."""
    scope = campaign.scope
    filled = "".join(f"「{s}」" for s in campaign.sheets)
    places = "和".join(f.label for f in campaign.place_fields)
    body = scope.body.short
    lines = [
        f"本表共 {len(campaign.sheets) + 1} 个工作表：{filled}和本「{GUIDE_SHEET}」。"
        f"请逐一填写前 {len(campaign.sheets)} 个，不要改动工作表名称。",
        "灰色单元格是项目名称，请勿修改；在项目名称右侧紧挨着的浅黄色单元格中填写。",
        f"{body}里下发的预填表已填好并锁定{places}，如有错误请联系{body}里，不要另建表格；"
        f"使用空白表的，请按{body}里名册上的名称填写。",
        "数值只填阿拉伯数字，不要带单位，不要写“约”“余”等字；没有的填 0，不要空着。",
        "日期按 2026-11-20 的格式填写。",
        f"「{campaign.ledger.sheet}」每个问题占一行，从第 2 行起连续填写；类别和状态请从下拉列表中选择。",
        f"「{campaign.highlights.sheet}」可填写几条简短的典型事例，供{body}里总结时引用。",
    ]
    lines += [
        f"「{t.sheet}」每项占一行，从第 2 行起连续填写" + ("。" if t.required else "；没有的可以不填。")
        for t in campaign.tables
    ]
    lines += [check.guide_line() for check in campaign.checks]
    lines.append(
        f"填好后保存为 .xlsx 文件，文件名建议为“{'-'.join(lv.short for lv in (scope.group, scope.unit) if lv)}.xlsx”，按时报送。"
    )
    return lines


def guide_rows(campaign: Campaign) -> list[tuple[str, str, str, str, str, str]]:
    """One row per field and table column: sheet, name, unit, type, required, note."""
    rows = [_field_row(campaign.basic_sheet, f) for f in campaign.fields]
    for table in campaign.all_tables:
        rows += [_column_row(table.sheet, c) for c in table.columns]
    return rows


def _field_row(sheet: str, f: Field) -> tuple[str, str, str, str, str, str]:
    note = f.type.guide_note(f)
    if f.applies_to:
        note = (
            f"{note}；只有{'、'.join(sorted(f.applies_to))}填写"
            if note
            else f"只有{'、'.join(sorted(f.applies_to))}填写"
        )
    return (sheet, f.label, f.unit, f.type.title, "必填" if f.required else "选填", note)


def _column_row(sheet: str, c: Column) -> tuple[str, str, str, str, str, str]:
    required = "必填" if c.role in (CATEGORY, DESCRIPTION, STATUS, TITLE, CONTENT) else "选填"
    return (sheet, c.header, "", c.type.title, required, c.type.guide_note(c))


def write_guide(ws: Worksheet, campaign: Campaign, title: str = "") -> None:
    """Fill the 填表说明 sheet: numbered rules, then a table of every field.

    Every text wraps within the printed width and its row is set tall enough for it (programs
    other than Excel do not grow a row on opening), so no choice list is cut off on paper.
    """
    ws["A1"] = f"{title or campaign.title}填表说明"
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for n, line in enumerate(guide_lines(campaign), start=1):
        ws.cell(row, 1, f"{n}. {line}").alignment = _WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(_WIDTHS))
        ws.row_dimensions[row].height = _height(f"{n}. {line}", sum(_WIDTHS))
        row += 1
    row += 1
    for col, (head, width) in enumerate(zip(_HEADS, _WIDTHS, strict=True), start=1):
        cell = ws.cell(row, col, head)
        cell.font, cell.border = Font(bold=True), _BOX
        cell.fill = _HEAD_FILL
        ws.column_dimensions[cell.column_letter].width = width
    body_style = None
    for values in guide_rows(campaign):
        row += 1
        ws.row_dimensions[row].height = max(_height(v, w) for v, w in zip(values, _WIDTHS, strict=True))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            if body_style is None:
                cell.border, cell.alignment = _BOX, _WRAP
                body_style = cell._style
            else:  # copying the style array skips openpyxl's slow per-attribute style lookup
                cell._style = copy(body_style)
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _height(text: str, width: float) -> float:
    """Points for `text` wrapped in a column `width` characters wide: 15 a line, 16 for each more."""
    per_line = (width - 1) * 0.9  # a CJK character is a little wider than two digits
    lines = max(1, -int(-display_width(text) // per_line))
    return 15 + 16 * (lines - 1)
