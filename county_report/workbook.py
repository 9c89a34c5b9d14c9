"""The summary workbook 汇总表.xlsx: totals, village detail, progress, ledger, findings.

Written with xlsxwriter in constant-memory mode (row by row, inline strings): a 500,000-row
ledger takes ~1/20 of the memory of the default mode. Village text is always written with
write_string, so `=HYPERLINK(...)` stays text; columns come from the FormSpec.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import xlsxwriter

from .aggregate import MISSING, TOTAL, Aggregate
from .atomic import atomic_write
from .findings import Finding, Severity

MAX_TEXT = 32_767  # Excel's limit for one cell
NO_RATE = "—"  # shown where a rate has no denominator
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
WIDTH_SAMPLE, MIN_WIDTH, MAX_WIDTH, LONG_WIDTH = 2000, 6, 40, 60
BOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
NUMBER_FORMATS = {"int": "#,##0", "money": "#,##0.00", "rate": "0.0%", "date": "yyyy-mm-dd"}
ROW_STYLES = {
    "total": {"bold": True, "top": 1},
    "missing": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "alert": {"font_color": "#C00000"},
}
HEADER_STYLE = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter"}


@dataclass(frozen=True)
class Column:
    """One output column: its header, how its values are shown, and the values (None = blank)."""

    header: str
    kind: str  # text | long | int | money | rate | date
    values: list


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    styles: tuple[str, ...] = ()  # per data row: "" or a key of ROW_STYLES
    freeze: tuple[int, int] = (1, 0)
    fit_width: bool = False  # print one page wide


def write_workbook(agg: Aggregate, findings: Sequence[Finding], out_path: Path) -> Path:
    """Write 汇总表.xlsx atomically; returns the path written (a new name if the target was locked)."""
    sheets = [
        summary_sheet(agg),
        village_sheet(agg),
        progress_sheet(agg),
        ledger_sheet(agg),
        category_sheet(agg),
        highlight_sheet(agg),
        findings_sheet(findings),
    ]
    created = datetime.combine(agg.as_of, time(0, 0))  # fixed, so equal inputs give equal bytes
    return atomic_write(Path(out_path), lambda temp: _write_book(temp, sheets, created))


def summary_sheet(agg: Aggregate) -> Sheet:
    """全县汇总: one row per township and the 合计 row."""
    spec = agg.spec
    frame = pd.concat([agg.townships, agg.county.to_frame().T], ignore_index=True)
    labels = {m.key: m.label for m in spec.metrics} | {r.key: r.label for r in spec.rates}
    columns = [
        Column(spec.role("township").label, "text", _values(frame["township"])),
        Column("应报村数", "int", _values(frame["expected"])),
        Column("已报村数", "int", _values(frame["reported"])),
        *_metric_columns(frame, agg),
        *(Column(f"{labels[k]}排名", "int", _values(frame[f"rank_{k}"])) for k in spec.ranking),
    ]
    return Sheet("全县汇总", tuple(columns), ("",) * len(agg.townships) + ("total",), (1, 1), True)


def village_sheet(agg: Aggregate) -> Sheet:
    """分村明细: one row per accepted village."""
    spec, v = agg.spec, agg.villages
    reporter = next((f.label for f in spec.header_fields if f.key == "reporter"), "填报人")
    columns = [
        Column(spec.role("township").label, "text", _values(v["township"])),
        Column(spec.role("village").label, "text", _values(v["village"])),
        Column(reporter, "text", _values(v["reporter"])),
        Column(spec.role("filled_on").label, "date", _values(v["filled_on"])),
        Column(spec.role("as_of").label, "date", _values(v["as_of"])),
        *_metric_columns(v, agg),
        Column("文件名", "text", _values(v["file"])),
    ]
    return Sheet("分村明细", tuple(columns), freeze=(1, 2))


def progress_sheet(agg: Aggregate) -> Sheet:
    """上报进度: every roster village, 已报 or 未报; 未报 rows highlighted."""
    spec, p = agg.spec, agg.progress
    columns = [
        Column("序号", "int", list(range(1, len(p) + 1))),
        Column(spec.role("township").label, "text", _values(p["township"])),
        Column(spec.role("village").label, "text", _values(p["village"])),
        Column("状态", "text", _values(p["status"])),
        Column("文件名", "text", _values(p["file"])),
    ]
    styles = tuple("missing" if s == MISSING else "" for s in p["status"].tolist())
    return Sheet("上报进度", tuple(columns), styles, fit_width=True)


def ledger_sheet(agg: Aggregate) -> Sheet:
    """问题台账: every accepted ledger row with its township, village and source; overdue in red."""
    spec, led = agg.spec, agg.ledger
    kinds = {"integer": "int", "decimal": "money", "date": "date"}
    columns = [
        Column(spec.role("township").label, "text", _values(led["township"])),
        Column(spec.role("village").label, "text", _values(led["village"])),
        *(Column(c.header, kinds.get(c.type, "text"), _values(led[c.key])) for c in spec.ledger.columns),
        Column("是否超期", "text", ["是" if o else "否" for o in led["overdue"].tolist()]),
        Column("来源文件", "text", _values(led["file"])),
        Column("行号", "int", _values(led["row"])),
    ]
    styles = tuple("alert" if o else "" for o in led["overdue"].tolist())
    return Sheet("问题台账", tuple(columns), styles, (1, 2))


def category_sheet(agg: Aggregate) -> Sheet:
    """问题分类统计: category × status counts with 合计 row and column."""
    table = agg.category_status
    full = pd.concat([table, table.sum().to_frame(TOTAL).T])
    header = agg.spec.ledger.by_role("category").header
    columns = [Column(header, "text", [str(i) for i in full.index])]
    columns += [Column(str(c), "int", _values(full[c])) for c in full.columns]
    return Sheet("问题分类统计", tuple(columns), ("",) * len(table) + ("total",), (1, 1), True)


def highlight_sheet(agg: Aggregate) -> Sheet:
    """典型事例: title and content of every highlight, with where it came from."""
    spec, h = agg.spec, agg.highlights
    title, content = spec.highlights.by_role("title"), spec.highlights.by_role("content")
    columns = [
        Column(spec.role("township").label, "text", _values(h["township"])),
        Column(spec.role("village").label, "text", _values(h["village"])),
        Column(title.header, "text", _values(h[title.key])),
        Column(content.header, "long", _values(h[content.key])),
    ]
    return Sheet("典型事例", tuple(columns), freeze=(1, 2))


def findings_sheet(findings: Sequence[Finding]) -> Sheet:
    """校验结果: every finding of the run; errors in red."""
    fields = [("文件", "file"), ("工作表", "sheet"), ("单元格", "cell"), ("代码", "code")]
    columns = [Column("序号", "int", list(range(1, len(findings) + 1)))]
    columns += [Column(header, "text", [getattr(f, key) for f in findings]) for header, key in fields]
    columns += [
        Column("级别", "text", [f.severity.value for f in findings]),
        Column("说明", "long", [f.message for f in findings]),
        Column("标签", "text", [f.label for f in findings]),
        Column("值", "text", [f.value for f in findings]),
    ]
    styles = tuple("alert" if f.severity is Severity.ERROR else "" for f in findings)
    return Sheet("校验结果", tuple(columns), styles)


def clean_text(value: object) -> str:
    """Text as a cell can hold it: no control characters (tab and newline kept), at most 32,767 chars."""
    text = _CONTROL.sub("", str(value))
    return text[:MAX_TEXT]


def _metric_columns(frame: pd.DataFrame, agg: Aggregate) -> list[Column]:
    spec = agg.spec
    metrics = [
        Column(m.display_label, "int" if m.type == "integer" else "money", _values(frame[m.key]))
        for m in spec.metrics
    ]
    return metrics + [Column(r.label, "rate", _values(frame[r.key])) for r in spec.rates]


def _values(series: pd.Series) -> list:
    """Python values with None for every kind of missing (NaN, NA, NaT)."""
    return series.astype(object).where(series.notna(), None).tolist()


def _write_book(path: Path, sheets: Sequence[Sheet], created: datetime) -> None:
    book = xlsxwriter.Workbook(str(path), BOOK_OPTIONS)
    book.set_properties({"title": "汇总表", "created": created})
    formats = _Formats(book)
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        _set_print(ws, sheet, f"统计截止日期：{created.year}年{created.month}月{created.day}日")
        _write_sheet(ws, sheet, formats)
    book.close()


def _set_print(ws, sheet: Sheet, period: str) -> None:
    """A4 landscape, the header row repeated on every printed page, page numbers in the footer."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0)
    ws.set_header(f"&L{sheet.name}&R{period}")
    ws.set_footer("&C第 &P 页，共 &N 页")
    if sheet.fit_width:
        ws.fit_to_pages(1, 0)


def _write_sheet(ws, sheet: Sheet, formats: _Formats) -> None:
    """Header, then the rows strictly in order (constant-memory mode flushes each finished row)."""
    ws.freeze_panes(*sheet.freeze)
    for c, col in enumerate(sheet.columns):
        ws.set_column(c, c, _width(col), formats.get("long", "") if col.kind == "long" else None)
        ws.write_string(0, c, col.header, formats.header)
    rows = len(sheet.columns[0].values) if sheet.columns else 0
    if rows:
        ws.autofilter(0, 0, rows, len(sheet.columns) - 1)
    writers = [_writer(ws, col.kind, formats.plain) for col in sheet.columns]
    styles = sheet.styles or ("",) * rows
    # dict.fromkeys, not set: formats must be created in the same order every run (stable bytes)
    cell_formats = {s: [formats.get(col.kind, s) for col in sheet.columns] for s in dict.fromkeys(styles)}
    values = zip(*(col.values for col in sheet.columns), strict=True)
    for r, (style, row) in enumerate(zip(styles, values, strict=True), start=1):
        fmts = cell_formats[style]
        for c, value in enumerate(row):
            writers[c](r, c, value, fmts[c])


def _writer(ws, kind: str, plain) -> Callable:
    """The cell writer for a column kind; None always becomes a (formatted) blank cell."""

    def text(r, c, v, fmt):
        if v is None or v == "":
            return ws.write_blank(r, c, None, fmt)
        s = clean_text(v)
        if s.startswith("<r>") and s.endswith("</r>"):
            # xlsxwriter would emit such a string as raw rich-text XML; two runs keep it literal.
            parts = (s[:1], plain, s[1:]) + ((fmt,) if fmt is not None else ())
            return ws.write_rich_string(r, c, *parts)
        return ws.write_string(r, c, s, fmt)

    def number(r, c, v, fmt):
        return ws.write_blank(r, c, None, fmt) if v is None else ws.write_number(r, c, v, fmt)

    def rate(r, c, v, fmt):
        return ws.write_string(r, c, NO_RATE, fmt) if v is None else ws.write_number(r, c, v, fmt)

    def when(r, c, v, fmt):
        if isinstance(v, date):  # datetime is a date too
            return ws.write_datetime(r, c, v, fmt)
        return text(r, c, v, fmt)  # a value that is not a date is shown as typed, never dropped

    return {"text": text, "long": text, "rate": rate, "date": when}.get(kind, number)


class _Formats:
    """One xlsxwriter Format per (column kind, row style), created once."""

    def __init__(self, book):
        self._book = book
        self._cache: dict[tuple[str, str], object] = {}
        self.header = book.add_format(HEADER_STYLE | {"text_wrap": True})
        self.plain = book.add_format()

    def get(self, kind: str, style: str):
        key = (kind, style)
        if key not in self._cache:
            props = dict(ROW_STYLES.get(style, {}))
            if kind in NUMBER_FORMATS:
                props["num_format"] = NUMBER_FORMATS[kind]
            if kind == "rate":
                props["align"] = "right"
            if kind == "long":
                props |= {"text_wrap": True, "valign": "top"}
            self._cache[key] = self._book.add_format(props) if props else None
        return self._cache[key]


def _width(col: Column) -> float:
    """Column width in Excel units from the header and a sample of values; CJK counts double."""
    if col.kind == "long":
        return LONG_WIDTH
    shown = {"rate": lambda v: "100.0%", "date": lambda v: "2026-11-20"}
    show = shown.get(col.kind, lambda v: f"{v:,.2f}" if isinstance(v, float) else f"{v}")
    sample = [show(v) for v in col.values[:WIDTH_SAMPLE] if v is not None]
    widest = max([_display_width(s) for s in sample] + [_display_width(col.header) + 2])
    return float(min(max(widest + 1, MIN_WIDTH), MAX_WIDTH))


def _display_width(text: str) -> int:
    text = text[: MAX_WIDTH * 2]
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
