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
from pathlib import Path

import pandas as pd
import xlsxwriter

from .aggregate import (
    EXPECTED,
    FILE,
    GROUP,
    MISSING,
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
from .findings import Finding, Severity
from .period_sheets import HISTORY_SHEET, PERIOD_HEADER, TREND_SHEET, draw_trends, history_rows, trend_chart
from .periods import EXPECTED_KEY, REPORTED_KEY, PeriodFigures
from .provenance import short
from .sheetxml import MAX_ROWS, MAX_TEXT, NO_RATE, Grid, clean_text, repack

__all__ = ["MAX_TEXT", "NO_RATE", "clean_text", "write_sheets", "write_workbook"]
WIDTH_SAMPLE, MIN_WIDTH, MAX_WIDTH, LONG_WIDTH = 2000, 6, 40, 60
BOOK_OPTIONS = {
    "in_memory": True,  # the package without cells is small; repack() streams the cells
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
    freeze: tuple[int, int] = (1, 0)
    fit_width: bool = False  # print one page wide


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
        *(period_pages(agg, periods) if periods else []),
        unit_sheet(agg),
        progress_sheet(agg),
        ledger_sheet(agg),
        category_sheet(agg),
        highlight_sheet(agg),
        *(table_sheet(agg, t) for t in agg.campaign.tables),
        *([table_stats_sheet(agg)] if agg.campaign.tables else []),
        *([type_sheet(agg)] if agg.campaign.unit_types else []),
        findings_sheet(findings, fingerprints),
    ]
    created = datetime.combine(agg.as_of, time(0, 0))  # fixed, so equal inputs give equal bytes
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
    return Sheet(scope.summary_sheet, tuple(columns), ("",) * len(agg.groups) + ("total",), (1, 1), True)


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
    return Sheet("上报进度", tuple(columns), styles, fit_width=True)


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
    header = agg.campaign.ledger.by_role("category").header
    columns = [Column(header, "text", [str(i) for i in full.index])]
    columns += [Column(str(c), "int", _values(full[c])) for c in full.columns]
    return Sheet("问题分类统计", tuple(columns), ("",) * len(table) + ("total",), (1, 1), True)


def highlight_sheet(agg: Aggregate) -> Sheet:
    """典型事例: title and content of every highlight, with where it came from."""
    table, h = agg.campaign.highlights, agg.highlights
    title, content = table.by_role("title"), table.by_role("content")
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
    return Sheet(TABLE_STATS_SHEET, tuple(columns), styles, (1, 1), True)


def type_sheet(agg: Aggregate) -> Sheet:
    """分类型统计: per unit type, how many are expected and reported, and the sums of what applies."""
    scope, t = agg.campaign.scope, agg.types
    columns = [
        Column(TYPE_LABEL, "text", _values(t[TYPE])),
        Column(scope.expected_header, "int", _values(t[EXPECTED])),
        Column(scope.reported_header, "int", _values(t[REPORTED_COUNT])),
        *_metric_columns(t, agg),
    ]
    return Sheet("分类型统计", tuple(columns), freeze=(1, 1), fit_width=True)


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
        averaged = m.kind.name in ("mean", "weighted_mean") and m.type.output == "int"
        kind = "money" if averaged else m.type.output
        columns.append(Column(m.display_label, kind, [row.get(m.key) for row in figures], _format(m.style)))
    columns += [
        Column(r.label, "rate", [row.get(r.key) for row in figures], _format(r.style)) for r in campaign.rates
    ]
    history = Sheet(HISTORY_SHEET, tuple(columns), tuple(styles), (1, 2 if campaign.has_groups else 1), True)
    return [history, TrendPage(TREND_SHEET, trend_chart(periods, campaign))]


@dataclass(frozen=True)
class TrendPage:
    """A sheet xlsxwriter draws whole (its small table and charts), not through sheetxml."""

    name: str
    charts: tuple

    def draw(self, book, ws) -> None:
        draw_trends(book, ws, self.charts)


def findings_sheet(findings: Sequence[Finding], fingerprints: Mapping[str, str] | None = None) -> Sheet:
    """校验结果: every finding of the run; errors in red; with each file's 文件指纹 when known."""
    fields = [("文件", "file"), ("工作表", "sheet"), ("单元格", "cell"), ("代码", "code")]
    columns = [Column("序号", "int", list(range(1, len(findings) + 1)))]
    columns += [Column(header, "text", [getattr(f, key) for f in findings]) for header, key in fields]
    columns += [
        Column("级别", "text", [f.severity.value for f in findings]),
        Column("说明", "long", [f.message for f in findings]),
        Column("标签", "text", [f.label for f in findings]),
        Column("值", "text", [f.value for f in findings]),
    ]
    if fingerprints is not None:
        columns.append(Column(FINGERPRINT, "text", [short(fingerprints.get(f.file, "")) for f in findings]))
    styles = tuple("alert" if f.severity is Severity.ERROR else "" for f in findings)
    return Sheet("校验结果", tuple(columns), styles)


def _metric_columns(frame: pd.DataFrame, agg: Aggregate, texts: bool = False) -> list[Column]:
    """Every figure in its declared unit, exactly, with an Excel format as near its style as Excel
    can say it (thousands separators, decimals, percentage digits); words units wrote if `texts`."""
    campaign = agg.campaign
    chosen = campaign.metrics if texts else campaign.figures
    columns = [_metric_column(m, frame) for m in chosen]
    return columns + [
        Column(r.label, "rate", _values(frame[r.key]), _format(r.style)) for r in campaign.rates
    ]


def _metric_column(m, frame: pd.DataFrame) -> Column:
    if m.kind.name == "text":
        return Column(m.label, "long", _values(frame[m.key]))
    averaged = m.kind.name in ("mean", "weighted_mean") and m.type.output == "int"
    kind = "money" if averaged else m.type.output
    return Column(m.display_label, kind, _values(frame[m.key]), _format(m.style))


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
    cells; a page that is not a Sheet (各期趋势) draws itself with xlsxwriter."""
    package = io.BytesIO()
    book = xlsxwriter.Workbook(package, BOOK_OPTIONS)
    book.set_properties({"title": "汇总表", "created": created})
    formats = _Formats(book)
    laid_out = []
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        if not isinstance(sheet, Sheet):  # a page xlsxwriter draws whole (charts and their table)
            sheet.draw(book, ws)
            continue
        _set_print(ws, sheet, f"统计截止日期：{cn_date(created)}")
        laid_out.append((ws.index + 1, sheet, _lay_out(ws, sheet, formats)))
    book.close()  # gives every Format used its xf index
    grids = {f"xl/worksheets/sheet{i}.xml": _grid(s, f, formats) for i, s, f in laid_out}
    repack(package.getvalue(), path, grids)


def _set_print(ws, sheet: Sheet, period: str) -> None:
    """A4 landscape, the header row repeated on every printed page, page numbers in the footer."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0)
    ws.set_header(f"&L{sheet.name}&R{period}")
    ws.set_footer("&C第 &P 页，共 &N 页")
    if sheet.fit_width:
        ws.fit_to_pages(1, 0)


def _lay_out(ws, sheet: Sheet, formats: _Formats) -> dict[str, list]:
    """Frozen header, widths and filter; returns each row style's cell formats, used once so they get an xf."""
    ws.freeze_panes(*sheet.freeze)
    for c, col in enumerate(sheet.columns):
        ws.set_column(c, c, _width(col), formats.get("long", "") if col.kind == "long" else None)
    rows = min(len(sheet.columns[0].values) if sheet.columns else 0, MAX_ROWS - 1)
    if rows:
        ws.autofilter(0, 0, rows, len(sheet.columns) - 1)
    # dict.fromkeys, not set: formats must be created in the same order every run (stable bytes)
    styles = dict.fromkeys(sheet.styles or ("",))
    cell_formats = {s: [formats.get(col.kind, s, col.number_format) for col in sheet.columns] for s in styles}
    ws.write_blank(0, 0, None, formats.header)  # placeholders: repack() replaces all of <sheetData>
    for r, fmts in enumerate(cell_formats.values(), start=1):
        for c, fmt in enumerate(fmts):
            ws.write_blank(r, c, None, fmt)
    return cell_formats


def _grid(sheet: Sheet, cell_formats: dict[str, list], formats: _Formats) -> Grid:
    """The sheet's cells for sheetxml, each style as the xf index xlsxwriter gave it on close."""
    return Grid(
        header=[col.header for col in sheet.columns],
        kinds=[col.kind for col in sheet.columns],
        values=[col.values for col in sheet.columns],
        styles=sheet.styles,
        header_xf=formats.xf_index(formats.header),
        xf={s: [formats.xf_index(f) for f in fmts] for s, fmts in cell_formats.items()},
    )


class _Formats:
    """One xlsxwriter Format per distinct set of properties, created once."""

    def __init__(self, book):
        self._book = book
        self._by_props: dict[tuple, object] = {}
        self.header = self._format(HEADER_STYLE | {"text_wrap": True})

    def get(self, kind: str, style: str, number_format: str = ""):
        props = dict(ROW_STYLES.get(style, {}))
        if number_format or kind in NUMBER_FORMATS:
            props["num_format"] = number_format or NUMBER_FORMATS[kind]
        if kind == "rate":
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


def _width(col: Column) -> float:
    """Column width in Excel units from the header and a sample of values; CJK counts double."""
    if col.kind == "long":
        return LONG_WIDTH
    shown = {"rate": lambda v: "100.0%", "date": lambda v: "2026-11-20"}
    show = shown.get(col.kind, lambda v: f"{v:,.2f}" if isinstance(v, float) else f"{v}")
    sample = {show(v) for v in col.values[:WIDTH_SAMPLE] if v is not None}
    widest = max([display_width(s[: MAX_WIDTH * 2]) for s in sample] + [display_width(col.header) + 2])
    return float(min(max(widest + 1, MIN_WIDTH), MAX_WIDTH))
