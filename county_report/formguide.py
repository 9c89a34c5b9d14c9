"""The 填表说明 sheet: Chinese instructions generated from the FormSpec, field by field."""

from __future__ import annotations

from copy import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from .formspec import Check, Column, Field, FormSpec

_TYPE_NAMES = {
    "text": "文字",
    "date": "日期",
    "integer": "整数",
    "decimal": "数字（可带小数）",
    "choice": "下拉选择",
}
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADS = ("工作表", "项目", "单位", "类型", "是否必填", "说明")
_WIDTHS = (12, 22, 8, 14, 10, 60)
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")


def guide_lines(spec: FormSpec) -> list[str]:
    """The general rules a village needs before filling in the form."""
    sheets = "、".join(f"「{s}」" for s in spec.sheets)
    lines = [
        f"本表共 {len(spec.sheets)} 个工作表：{sheets}，请逐一填写，不要改动工作表名称。",
        "灰色单元格是项目名称，请勿修改；在项目名称右侧紧挨着的浅黄色单元格中填写。",
        "县里下发的预填表已填好并锁定乡镇（街道）和村（社区），如有错误请联系县里，不要另建表格；"
        "使用空白表的，请按县里名册上的名称填写。",
        "数值只填阿拉伯数字，不要带单位，不要写“约”“余”等字；没有的填 0，不要空着。",
        "日期按 2026-11-20 的格式填写。",
        f"「{spec.ledger.sheet}」每个问题占一行，从第 2 行起连续填写；类别和状态请从下拉列表中选择。",
        f"「{spec.highlights.sheet}」可填写几条简短的典型事例，供县里总结时引用。",
    ]
    lines += [_check_line(spec, c) for c in spec.checks]
    lines.append("填好后保存为 .xlsx 文件，文件名建议为“乡镇-村.xlsx”，按时报送。")
    return lines


def _check_line(spec: FormSpec, check: Check) -> str:
    if check.kind == "not-greater":
        return f"「{spec.field(check.left).label}」不能大于「{spec.field(check.right).label}」。"
    metric = spec.field(check.metric).label
    if check.status:
        return f"「{spec.ledger.sheet}」中办理状态为“{check.status}”的行数应等于「{metric}」。"
    return f"「{spec.ledger.sheet}」的问题行数应等于「{metric}」。"


def guide_rows(spec: FormSpec) -> list[tuple[str, str, str, str, str, str]]:
    """One row per field and table column: sheet, name, unit, type, required, note."""
    rows = [_field_row(spec.basic_sheet, f) for f in spec.fields]
    for table in (spec.ledger, spec.highlights):
        rows += [_column_row(table.sheet, c) for c in table.columns]
    return rows


def _field_row(sheet: str, f: Field) -> tuple[str, str, str, str, str, str]:
    note = {"date": "如 2026-11-20", "integer": "大于或等于 0 的整数", "decimal": "大于或等于 0，可带小数"}
    return (
        sheet,
        f.label,
        f.unit,
        _TYPE_NAMES[f.type],
        "必填" if f.required else "选填",
        note.get(f.type, ""),
    )


def _column_row(sheet: str, c: Column) -> tuple[str, str, str, str, str, str]:
    note = "可选：" + "、".join(c.choices) if c.choices else ("如 2026-11-20" if c.type == "date" else "")
    required = "必填" if c.role in ("category", "description", "status", "title", "content") else "选填"
    return (sheet, c.header, "", _TYPE_NAMES[c.type], required, note)


def write_guide(ws: Worksheet, spec: FormSpec, title: str = "") -> None:
    """Fill the 填表说明 sheet: numbered rules, then a table of every field."""
    ws["A1"] = f"{title or spec.title}填表说明"
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for n, line in enumerate(guide_lines(spec), start=1):
        ws.cell(row, 1, f"{n}. {line}")
        row += 1
    row += 1
    for col, (head, width) in enumerate(zip(_HEADS, _WIDTHS, strict=True), start=1):
        cell = ws.cell(row, col, head)
        cell.font, cell.border = Font(bold=True), _BOX
        cell.fill = _HEAD_FILL
        ws.column_dimensions[cell.column_letter].width = width
    body_style = None
    for values in guide_rows(spec):
        row += 1
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
