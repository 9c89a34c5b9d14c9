"""The summary workbook 汇总表.xlsx: totals, village detail, progress, ledger, findings.

xlsxwriter writes the package: sheets, styles, widths, frozen panes, filters, print setup.
The cells themselves are generated column by column in sheetxml and streamed into that
package (~10× faster than any per-cell library call; a 500,000-row ledger in seconds).
Village text is always an inline string, so `=HYPERLINK(...)` stays text; columns come
from the campaign definition.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from . import charts, printing
from .aggregate import (
    EXPECTED,
    FILE,
    GROUP,
    MISSING,
    NAME,
    OVERDUE,
    REPORTED,
    REPORTED_COUNT,
    ROW,
    SHA,
    STATUS,
    TO_CORRECT,
    TOTAL,
    TYPE,
    UNIT,
    Aggregate,
    rank_column,
)
from .atomic import atomic_write
from .cnformat import cn_date, display_width
from .definition import CATEGORY, CONTENT, TITLE, lower_level
from .findings import Finding, Severity
from .period_sheets import HISTORY_SHEET, PERIOD_HEADER, TREND_SHEET, draw_trends, history_rows, trend_chart
from .periods import EXPECTED_KEY, REPORTED_KEY, PeriodFigures
from .provenance import short
from .sheetxml import MAX_ROWS, MAX_TEXT, NO_RATE, Grid, clean_text, repack

__all__ = ["MAX_TEXT", "NO_RATE", "clean_text", "write_sheets", "write_workbook"]
WIDTH_SAMPLE, MIN_WIDTH, MAX_WIDTH, LONG_WIDTH = 2000, 6, 30, 60  # text wider than MAX_WIDTH wraps
MAX_LINES = 20  # a row taller than this (an essay in one cell) is cut on paper, never the sheet
ONE_LINE_HEADER = 6  # display columns (CJK count 2); a longer header may wrap onto two lines
BOOK_OPTIONS = {
    "in_memory": True,  # the package without cells is small; repack() streams the cells
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
NUMBER_FORMATS = {
    "int": "#,##0",
    "money": "#,##0.00",
    "rate": "0.0%",  # a [[rates]] ratio: "—" where it has no denominator
    "percent": "0.0%",  # a percentage units type: blank where it does not apply or nothing was typed
    "date": "yyyy-mm-dd",
}
ROW_STYLES: dict[str, dict[str, Any]] = {
    "total": {"bold": True, "top": 1},
    "missing": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "alert": {"font_color": "#C00000"},
}
TYPE_LABEL = "类型"  # the roster's column of unit types
FINGERPRINT = "文件指纹"  # the first digits of a file's SHA-256: which bytes a row came from
TABLE_STATS_SHEET = "台账统计"
HEADER_STYLE = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter"}


@dataclass(frozen=True)
class Column:
    """One output column: its header, how its values are shown, and the values (None = blank)."""

    header: str
    kind: str  # text | long | int | money | rate | date
    values: list
    number_format: str = ""  # instead of the kind's usual one (a rate with 2 decimals: 0.00%)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    styles: tuple[str, ...] = ()  # per data row: "" or a key of ROW_STYLES
    # rows, columns; the frozen columns name the unit and print on every page
    freeze: tuple[int, int] = (1, 0)


def write_workbook(
    agg: Aggregate,
    findings: Sequence[Finding],
    out_path: Path,
    fingerprints: Mapping[str, str] | None = None,
    periods: Sequence[PeriodFigures] | None = None,
) -> Path:
    """Write 汇总表.xlsx atomically; returns the path written (a new name if the target was locked).

    `fingerprints`: each input file's SHA-256, shown short beside every file name (文件指纹);
    `periods`: every period on record and this one, for 各期汇总 and 各期趋势."""
    sheets = [
        summary_sheet(agg),
        charts.overview(agg),
        *(period_pages(agg, periods) if periods else []),
        unit_sheet(agg),
        progress_sheet(agg),
        ledger_sheet(agg),
        category_sheet(agg),
        highlight_sheet(agg),
        *(table_sheet(agg, t) for t in agg.campaign.tables),
        *([table_stats_sheet(agg)] if agg.campaign.tables else []),
        *([type_sheet(agg)] if agg.campaign.unit_types else []),
        *([breakdown_sheet(agg)] if not agg.breakdown.empty else []),
        findings_sheet(findings, fingerprints),
    ]
    created = datetime.combine(agg.as_of, time(0, 0))  # fixed, so equal inputs give equal bytes
    return atomic_write(Path(out_path), lambda temp: write_sheets(temp, sheets, created))


def write_findings_workbook(agg: Aggregate, findings: Sequence[Finding], out_path: Path) -> Path:
    """When no form was accepted: 校验结果 to hand back and 上报进度 to chase, nothing else."""
    created = datetime.combine(agg.as_of, time(0, 0))
    sheets = [findings_sheet(findings), progress_sheet(agg)]
    return atomic_write(Path(out_path), lambda temp: write_sheets(temp, sheets, created))


def _place_columns(frame: pd.DataFrame, agg: Aggregate, with_type: bool = True) -> list[Column]:
    """The group (if the office has groups), the unit, and its type (if the definition has types)."""
    scope = agg.campaign.scope
    columns = [Column(scope.group.name, "text", _values(frame[GROUP]))] if scope.group else []
    columns.append(Column(scope.unit.name, "text", _values(frame[UNIT])))
    if with_type and agg.campaign.unit_types and TYPE in frame:
        columns.append(Column(TYPE_LABEL, "text", _values(frame[TYPE])))
    return columns


def summary_sheet(agg: Aggregate) -> Sheet:
    """全县汇总: one row per group (or per unit when there are none) and the 合计 row."""
    campaign, scope = agg.campaign, agg.campaign.scope
    frame = pd.concat([agg.groups, agg.body.to_frame().T], ignore_index=True)
    columns = [Column(scope.breakdown.name, "text", _values(frame[GROUP]))]
    if campaign.has_groups:
        columns += [
            Column(scope.expected_header, "int", _values(frame[EXPECTED])),
            Column(scope.reported_header, "int", _values(frame[REPORTED_COUNT])),
        ]
    else:
        reported = [
            None if i == len(agg.groups) else (REPORTED if n else MISSING)
            for i, n in enumerate(_values(frame[REPORTED_COUNT]))
        ]
        columns.append(Column("上报情况", "text", reported))
    columns += _metric_columns(frame, agg)
    columns += [
        Column(f"{item.label}排名", "int", _values(frame[rank_column(item.key)])) for item in campaign.ranking
    ]
    return Sheet(scope.summary_sheet, tuple(columns), ("",) * len(agg.groups) + ("total",), (1, 1))


def unit_sheet(agg: Aggregate) -> Sheet:
    """分村明细: one row per accepted unit, every header item of its form."""
    units = agg.units
    header = [
        Column(f.label, f.type.output, _values(units[f.key])) for f in agg.campaign.definition.header_fields
    ]
    columns = [
        *_place_columns(units, agg),
        *header,
        *_metric_columns(units, agg, texts=True),
        Column("文件名", "text", _values(units[FILE])),
    ]
    if any(units[SHA]):
        columns.append(Column(FINGERPRINT, "text", [short(h) for h in units[SHA].tolist()]))
    return Sheet(
        agg.campaign.scope.detail_sheet, tuple(columns), freeze=(1, 2 if agg.campaign.has_groups else 1)
    )


def progress_sheet(agg: Aggregate) -> Sheet:
    """上报进度: every roster unit, 已报 / 有误待更正 / 未报; the last two highlighted."""
    p = agg.progress
    columns = [
        Column("序号", "int", list(range(1, len(p) + 1))),
        *_place_columns(p, agg),
        Column("状态", "text", _values(p[STATUS])),
        Column("文件名", "text", _values(p[FILE])),
    ]
    styles = tuple("missing" if s in (MISSING, TO_CORRECT) else "" for s in p[STATUS].tolist())
    return Sheet("上报进度", tuple(columns), styles, (1, 3 if agg.campaign.has_groups else 2))


def ledger_sheet(agg: Aggregate) -> Sheet:
    """问题台账: every accepted ledger row with its group, unit and source; overdue in red."""
    led = agg.ledger
    columns = [
        *_place_columns(led, agg, with_type=False),
        *(Column(c.header, c.type.output, _values(led[c.key])) for c in agg.campaign.ledger.columns),
        Column("是否超期", "text", ["是" if o else "否" for o in led[OVERDUE].tolist()]),
        Column("来源文件", "text", _values(led[FILE])),
        Column("行号", "int", _values(led[ROW])),
    ]
    styles = tuple("alert" if o else "" for o in led[OVERDUE].tolist())
    return Sheet(agg.campaign.ledger.sheet, tuple(columns), styles, (1, 2 if agg.campaign.has_groups else 1))


def category_sheet(agg: Aggregate) -> Sheet:
    """问题分类统计: category × status counts with 合计 row and column."""
    table = agg.category_status
    full = pd.concat([table, table.sum().to_frame(TOTAL).T])
    header = agg.campaign.ledger.by_role(CATEGORY).header
    columns = [Column(header, "text", [str(i) for i in full.index])]
    columns += [Column(str(c), "int", _values(full[c])) for c in full.columns]
    return Sheet("问题分类统计", tuple(columns), ("",) * len(table) + ("total",), (1, 1))


def highlight_sheet(agg: Aggregate) -> Sheet:
    """典型事例: title and content of every highlight, with where it came from."""
    table, h = agg.campaign.highlights, agg.highlights
    title, content = table.by_role(TITLE), table.by_role(CONTENT)
    columns = [
        *_place_columns(h, agg, with_type=False),
        Column(title.header, "text", _values(h[title.key])),
        Column(content.header, "long", _values(h[content.key])),
    ]
    return Sheet(table.sheet, tuple(columns), freeze=(1, 2 if agg.campaign.has_groups else 1))


def table_sheet(agg: Aggregate, table) -> Sheet:
    """A further ledger ([[tables]]): every accepted row with its group, unit and source."""
    rows = agg.tables[table.key]
    columns = [
        *_place_columns(rows, agg, with_type=False),
        *(Column(c.header, c.type.output, _values(rows[c.key])) for c in table.columns),
        Column("来源文件", "text", _values(rows[FILE])),
        Column("行号", "int", _values(rows[ROW])),
    ]
    return Sheet(table.sheet, tuple(columns), freeze=(1, 2 if agg.campaign.has_groups else 1))


def table_stats_sheet(agg: Aggregate) -> Sheet:
    """台账统计: per group, each further ledger's rows, rows per status and distinct categories."""
    scope = agg.campaign.scope
    names = [*agg.groups[GROUP].tolist(), TOTAL]
    columns = [Column(scope.breakdown.name, "text", names)]
    for table in agg.campaign.tables:
        stats = agg.table_stats[table.key]
        columns += [Column(f"{table.sheet}{name}", "int", stats[name].tolist()) for name in stats.columns]
    styles = ("",) * (len(names) - 1) + ("total",)
    return Sheet(TABLE_STATS_SHEET, tuple(columns), styles, (1, 1))


def type_sheet(agg: Aggregate) -> Sheet:
    """分类型统计: per unit type, how many are expected and reported, and the sums of what applies."""
    scope, t = agg.campaign.scope, agg.types
    columns = [
        Column(TYPE_LABEL, "text", _values(t[TYPE])),
        Column(scope.expected_header, "int", _values(t[EXPECTED])),
        Column(scope.reported_header, "int", _values(t[REPORTED_COUNT])),
        *_metric_columns(t, agg),
    ]
    return Sheet("分类型统计", tuple(columns), freeze=(1, 1))


def breakdown_sheet(agg: Aggregate) -> Sheet:
    """分乡镇汇总 (at a city): the groups inside each unit, as the units' upward submissions sent them."""
    scope, rows = agg.campaign.scope, agg.breakdown
    inner = lower_level(agg.campaign)
    columns = [
        *_place_columns(rows, agg, with_type=False),
        Column(inner.name if inner else "分组", "text", _values(rows[NAME])),
        *_metric_columns(rows, agg, rates=False),
    ]
    short = inner.short if inner else "组"
    return Sheet(f"分{short}汇总", tuple(columns), freeze=(1, 2 if scope.group else 1))


def period_pages(agg: Aggregate, periods: Sequence[PeriodFigures]) -> list:
    """各期汇总 (period × metric, the body's rows, then each group's) and 各期趋势 (its chart)."""
    campaign, scope = agg.campaign, agg.campaign.scope
    dates, names, figures, styles = history_rows(periods, campaign)
    columns = [Column(PERIOD_HEADER, "date", dates)]
    if campaign.has_groups:
        columns.append(Column(scope.breakdown.name, "text", names))
    columns += [
        Column(scope.expected_header, "int", [row.get(EXPECTED_KEY) for row in figures]),
        Column(scope.reported_header, "int", [row.get(REPORTED_KEY) for row in figures]),
    ]
    for m in campaign.figures:
        values = [row.get(m.key) for row in figures]
        columns.append(Column(m.display_label, _figure_kind(m), values, _format(m.style)))
    columns += [
        Column(r.label, "rate", [row.get(r.key) for row in figures], _format(r.style)) for r in campaign.rates
    ]
    history = Sheet(HISTORY_SHEET, tuple(columns), tuple(styles), (1, 2 if campaign.has_groups else 1))
    return [history, TrendPage(TREND_SHEET, tuple(trend_chart(periods, campaign)))]


@dataclass(frozen=True)
class TrendPage:
    """A sheet xlsxwriter draws whole (its small table and charts), not through sheetxml."""

    name: str
    charts: tuple

    def draw(self, book, ws) -> None:
        draw_trends(book, ws, self.charts)


def findings_sheet(findings: Sequence[Finding], fingerprints: Mapping[str, str] | None = None) -> Sheet:
    """校验结果: every finding of the run, its kind by Chinese name (the code is in --json); errors in
    red; with each file's 文件指纹 when known."""
    fields = [("文件", "file"), ("工作表", "sheet"), ("单元格", "cell")]
    columns = [Column("序号", "int", list(range(1, len(findings) + 1)))]
    columns += [Column(header, "text", [getattr(f, key) for f in findings]) for header, key in fields]
    columns += [
        Column("级别", "text", [f.severity.value for f in findings]),
        Column("类型", "text", [f.title for f in findings]),
        Column("说明", "long", [f.message for f in findings]),
        Column("标签", "text", [f.label for f in findings]),
        Column("值", "text", [f.value for f in findings]),
    ]
    if fingerprints is not None:
        columns.append(Column(FINGERPRINT, "text", [short(fingerprints.get(f.file, "")) for f in findings]))
    styles = tuple("alert" if f.severity is Severity.ERROR else "" for f in findings)
    return Sheet("校验结果", tuple(columns), styles)


def _metric_columns(
    frame: pd.DataFrame, agg: Aggregate, texts: bool = False, rates: bool = True
) -> list[Column]:
    """Every figure in its declared unit, exactly, with an Excel format as near its style as Excel
    can say it (thousands separators, decimals, percentage digits); words units wrote if `texts`."""
    campaign = agg.campaign
    chosen = campaign.metrics if texts else campaign.figures
    columns = [_metric_column(m, frame) for m in chosen]
    if not rates:
        return columns
    return columns + [
        Column(r.label, "rate", _values(frame[r.key]), _format(r.style)) for r in campaign.rates
    ]


def _metric_column(m, frame: pd.DataFrame) -> Column:
    if m.kind.name == "text":
        return Column(m.label, "long", _values(frame[m.key]))
    return Column(m.display_label, _figure_kind(m), _values(frame[m.key]), _format(m.style))


def _figure_kind(m) -> str:
    """How a metric's figure is shown: an average of whole numbers with decimals, a typed
    percentage as a percentage left blank where there is none (only a [[rates]] ratio shows "—")."""
    averaged = m.kind.averaged and m.type.output == "int"
    return "money" if averaged else "percent" if m.type.output == "rate" else m.type.output


def _format(style) -> str:
    """The Excel number format that says what a style can: percentage digits, decimals below 万."""
    if style.percent:
        return "0." + "0" * style.digits + "%" if style.digits else "0%"
    return ""


def _values(series: pd.Series) -> list:
    """Python values with None for every kind of missing (NaN, NA, NaT)."""
    return series.astype(object).where(series.notna(), None).tolist()


def write_sheets(path: Path, sheets: Sequence, created: datetime) -> None:
    """Write `sheets` as one workbook at `path` (not atomically): xlsxwriter lays out, sheetxml fills
    cells; a chart sheet (its few cells and its charts) and 各期趋势 are drawn by xlsxwriter alone."""
    package = io.BytesIO()
    book = xlsxwriter.Workbook(package, BOOK_OPTIONS)
    book.set_properties({"title": "汇总表", "created": created})
    formats = _Formats(book)
    laid_out, period = {}, f"统计截止日期：{cn_date(created)}"
    for sheet in sheets:
        if isinstance(sheet, charts.ChartSheet):
            charts.draw_sheet(book, sheet, period)
            continue
        ws = book.add_worksheet(sheet.name)
        if not isinstance(sheet, Sheet):  # a page xlsxwriter draws whole (各期趋势: charts and their table)
            sheet.draw(book, ws)
            continue
        measured = [_Measured.of(col) for col in sheet.columns]
        _set_print(ws, sheet, measured, period)
        part = f"xl/worksheets/sheet{ws.index + 1}.xml"
        laid_out[part] = (sheet, measured, _lay_out(ws, sheet, measured, formats))
    book.close()  # gives every Format used its xf index
    grids = {part: _grid(s, m, f, formats) for part, (s, m, f) in laid_out.items()}
    repack(charts.with_east_asian_fonts(package.getvalue()), path, grids)


def _set_print(ws, sheet: Sheet, measured: Sequence[_Measured], period: str) -> None:
    """A4 landscape, text ≥ 8 pt, header row and unit-name columns on every page (printing.py)."""
    rows = len(sheet.columns[0].values) if sheet.columns else 0
    lines = max((m.header_lines for m in measured), default=1)
    layout = printing.plan([m.width for m in measured], sheet.freeze[1], rows, lines)
    printing.apply(ws, layout, sheet.name, period)


def _lay_out(ws, sheet: Sheet, measured: Sequence[_Measured], formats: _Formats) -> dict[str, list]:
    """Frozen header, widths and filter; returns each row style's cell formats, used once so they get an xf."""
    ws.freeze_panes(*sheet.freeze)
    for c, m in enumerate(measured):
        ws.set_column(c, c, m.width, formats.get("long", "") if m.wraps else None)
    rows = min(len(sheet.columns[0].values) if sheet.columns else 0, MAX_ROWS - 1)
    if rows:
        ws.autofilter(0, 0, rows, len(sheet.columns) - 1)
    # dict.fromkeys, not set: formats must be created in the same order every run (stable bytes)
    styles = dict.fromkeys(sheet.styles or ("",))
    kinds = ["long" if m.wraps else col.kind for m, col in zip(measured, sheet.columns, strict=True)]
    top = "long" in kinds  # rows of several lines: every cell starts at the top, beside the wrapped text
    cell_formats = {
        s: [
            formats.get(kind, s, top, col.number_format)
            for kind, col in zip(kinds, sheet.columns, strict=True)
        ]
        for s in styles
    }
    ws.write_blank(0, 0, None, formats.header)  # placeholders: repack() replaces all of <sheetData>
    for r, fmts in enumerate(cell_formats.values(), start=1):
        for c, fmt in enumerate(fmts):
            ws.write_blank(r, c, None, fmt)
    return cell_formats


def _grid(
    sheet: Sheet, measured: Sequence[_Measured], cell_formats: dict[str, list], formats: _Formats
) -> Grid:
    """The sheet's cells for sheetxml, each style as the xf index xlsxwriter gave it on close."""
    return Grid(
        header=[col.header for col in sheet.columns],
        kinds=[col.kind for col in sheet.columns],
        values=[col.values for col in sheet.columns],
        styles=sheet.styles,
        header_xf=formats.xf_index(formats.header),
        header_lines=max((m.header_lines for m in measured), default=1),
        row_lines=_row_lines(sheet, measured),
        xf={s: [formats.xf_index(f) for f in fmts] for s, fmts in cell_formats.items()},
    )


class _Formats:
    """One xlsxwriter Format per distinct set of properties, created once."""

    def __init__(self, book):
        self._book = book
        self._by_props: dict[tuple, object] = {}
        self.header = self._format(HEADER_STYLE | {"text_wrap": True})

    def get(self, kind: str, style: str, top: bool = False, number_format: str = ""):
        props = dict(ROW_STYLES.get(style, {})) | ({"valign": "top"} if top else {})
        if number_format or kind in NUMBER_FORMATS:
            props["num_format"] = number_format or NUMBER_FORMATS[kind]
        if kind in ("rate", "percent"):
            props["align"] = "right"
        if kind == "long":
            props |= {"text_wrap": True, "valign": "top"}
        return self._format(props) if props else None

    def _format(self, props: dict):
        key = tuple(sorted(props.items()))
        if key not in self._by_props:
            self._by_props[key] = self._book.add_format(props)
        return self._by_props[key]

    @staticmethod
    def xf_index(fmt) -> int:
        """The cell style index Excel sees (0 = default); set by xlsxwriter on close for every used format."""
        if fmt is None:
            return 0
        if fmt.xf_index is None:
            raise RuntimeError("format was never used, so xlsxwriter gave it no index")
        return fmt.xf_index


@dataclass(frozen=True)
class _Measured:
    """A column's width, whether it wraps, and its header's lines: measured once per sheet written."""

    width: float
    wraps: bool
    header_lines: int

    @classmethod
    def of(cls, col: Column) -> _Measured:
        width = _width(col)
        return cls(width, _wraps(col), 1 if display_width(col.header) + 2 <= width else 2)


def _width(col: Column) -> float:
    """Column width in Excel units from a sample of values and the header; CJK counts double.

    A long header (召开院坝会座谈会（场）) wraps onto two lines rather than widen a column of numbers.
    """
    if col.kind == "long":
        return LONG_WIDTH
    shown = {"rate": lambda v: "100.0%", "percent": lambda v: "100.0%", "date": lambda v: "2026-11-20"}
    show = shown.get(col.kind, lambda v: f"{v:,.2f}" if isinstance(v, float) else f"{v}")
    sample = {show(v) for v in col.values[:WIDTH_SAMPLE] if v is not None}
    header = display_width(col.header)
    header = header + 2 if header <= ONE_LINE_HEADER else -(-header // 2) + 3
    widest = max([display_width(s[: MAX_WIDTH * 2]) + 1 for s in sample] + [header])
    return float(min(max(widest, MIN_WIDTH), MAX_WIDTH))


def _wraps(col: Column) -> bool:
    """Long text, or text some of whose values are wider than its column: wrapped, not cut off."""
    if col.kind != "text":
        return col.kind == "long"
    return any(display_width(str(v)) + 1 > MAX_WIDTH for v in col.values[:WIDTH_SAMPLE] if v is not None)


def _row_lines(sheet: Sheet, measured: Sequence[_Measured]) -> list[int] | None:
    """Lines each row needs for its wrapped text, so every program shows it whole: row heights are
    written, not left to a program's autofit (LibreOffice and WPS do not autofit on opening)."""
    wrapped = [(m.width, col) for m, col in zip(measured, sheet.columns, strict=True) if m.wraps]
    if not wrapped:
        return None
    per_column = [list(map(partial(_lines, width), col.values)) for width, col in wrapped]
    return list(map(max, *per_column)) if len(per_column) > 1 else per_column[0]


def _lines(width: float, value: object) -> int:
    if value is None or value == "":
        return 1
    per_line = (width - 1) * 0.9  # a CJK character is a little wider than two digits
    parts = str(value).split("\n")
    return min(MAX_LINES, sum(-int(-_text_width(part) // per_line) or 1 for part in parts))


def _text_width(text: str) -> int:
    """Display columns, fast: a CJK character is 3 bytes in UTF-8 and 2 columns wide, ASCII 1 and 1."""
    return (len(text.encode("utf-8", "replace")) + len(text)) // 2
