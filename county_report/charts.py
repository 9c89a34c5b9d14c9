"""Native Excel charts: the 图表 sheet of 汇总表, and the one helper any sheet's chart is drawn with.

A chart is described as data, (categories, series), and `draw` writes that data as a small table
beside the chart, so the chart's numbers stay visible and editable in Excel or WPS. Every
series gets an explicit colour (programs differ in their default palettes, and WPS draws an
unstyled series in grey) and every label the font 宋体, present on every Chinese Windows and
in WPS (xlsxwriter names only the Latin font, so the East Asian one is added to the chart XML).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .definition import CATEGORY

if TYPE_CHECKING:
    from .aggregate import Aggregate

FONT = "宋体"
PALETTE = ("#4472C4", "#ED7D31", "#70AD47", "#FFC000", "#5B9BD5", "#A5A5A5", "#264478", "#9E480E")
CHART_SIZE = {"width": 900, "height": 400}  # pixels: one chart and its table on a landscape A4 page
CHART_ROWS = 21  # rows of 20 px the chart covers, with a margin; its table starts below it
CHART_SHEET = "图表"


@dataclass(frozen=True)
class Series:
    """One series: its name, a value per category (None: none), drawn as columns or a line.

    `percent`: a rate, drawn on the right-hand axis and shown as 0.0%.
    """

    name: str
    values: Sequence[float | None]
    line: bool = False
    percent: bool = False
    number_format: str = "#,##0"  # of the table's cells and the labels (a percent shows 0.0%)


@dataclass(frozen=True)
class ChartSpec:
    title: str
    category_name: str  # the table's first header: 乡镇（街道）, 统计截止日期…
    categories: Sequence[str]
    series: Sequence[Series]
    stacked: bool = False
    horizontal: bool = False  # bars instead of columns (long category names read better)
    unit: str = ""  # the value axis' title


@dataclass(frozen=True)
class ChartSheet:
    name: str
    charts: tuple[ChartSpec, ...]


def draw(book, ws, spec: ChartSpec, row: int) -> int:
    """Insert `spec`'s chart at `row` of `ws` with its data as a table below it; the next free row."""
    table = row + CHART_ROWS
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": FONT})
    ws.write_row(table, 0, [spec.category_name, *(s.name for s in spec.series)], header)
    ws.write_column(table + 1, 0, list(spec.categories), book.add_format({"font_name": FONT, "border": 1}))
    for c, series in enumerate(spec.series, start=1):
        shown = "0.0%" if series.percent else series.number_format
        cell = book.add_format({"font_name": FONT, "border": 1, "num_format": shown})
        ws.write_column(table + 1, c, [None if _missing(v) else v for v in series.values], cell)
    only_lines = all(s.line for s in spec.series)  # e.g. figures over periods
    main = _chart(book, spec, "line" if only_lines else "bar" if spec.horizontal else "column")
    line = main if only_lines else None
    rows = (table + 1, table + len(spec.categories))
    for c, series in enumerate(spec.series, start=1):
        if series.line and line is None:
            line = book.add_chart({"type": "line"})
        target = main if not series.line else line
        assert target is not None  # a line series made `line` just above
        target.add_series(series_options(ws.name, series, (table, c), rows, PALETTE[(c - 1) % len(PALETTE)]))
    if line is not None:
        if any(s.percent for s in spec.series if s.line):
            line.set_y2_axis({"num_format": "0%", "num_font": chart_font(10), "min": 0, "max": 1})
        if line is not main:
            main.combine(line)
    ws.insert_chart(row, 0, main, {"x_offset": 8, "y_offset": 8})
    return rows[1] + 2


def _chart(book, spec: ChartSpec, kind: str):
    chart = book.add_chart({"type": kind, "subtype": "stacked"} if spec.stacked else {"type": kind})
    chart.set_title({"name": spec.title, "name_font": chart_font(14, bold=True)})
    chart.set_legend({"position": "bottom", "font": chart_font(10)})
    chart.set_size(CHART_SIZE)
    category_axis = {"num_font": chart_font(10), "major_gridlines": {"visible": False}}
    value_axis = {"num_font": chart_font(10), "name_font": chart_font(10), "num_format": "#,##0"}
    value_axis["major_gridlines"] = {"visible": True, "line": {"color": "#D9D9D9"}}
    if spec.unit:
        value_axis["name"] = spec.unit
    if spec.horizontal:  # bars: the first category on top, the values' axis below
        chart.set_x_axis(value_axis)
        chart.set_y_axis(category_axis | {"reverse": True, "crossing": "max"})
    else:
        chart.set_x_axis(category_axis)
        chart.set_y_axis(value_axis)
    chart.set_chartarea({"border": {"color": "#BFBFBF"}, "fill": {"color": "#FFFFFF"}})
    chart.set_plotarea({"fill": {"color": "#FFFFFF"}})
    return chart


def series_options(
    sheet: str, series: Series, name_cell: tuple[int, int], rows: tuple[int, int], colour: str
):
    """xlsxwriter's options for one series: its name cell, categories in column 0 and values in the
    name's column over `rows`, in `colour`; a line with markers and value labels, or columns."""
    (first, last), (r, c) = rows, name_cell
    spec = {
        "name": [sheet, r, c],
        "categories": [sheet, first, 0, last, 0],
        "values": [sheet, first, c, last, c],
    }
    if not series.line:
        return spec | {"fill": {"color": colour}, "border": {"color": colour}, "gap": 80}
    shown = "0.0%" if series.percent else series.number_format
    return spec | {
        "line": {"color": colour, "width": 2.25},
        "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}},
        "y2_axis": series.percent,
        "data_labels": {"value": True, "position": "above", "num_format": shown, "font": chart_font(9)},
    }


def _format(metric) -> str:
    return "#,##0.00" if metric.type.output == "money" else "#,##0"


def chart_font(size: int, bold: bool = False) -> dict:
    return {"name": FONT, "size": size, "bold": bold}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def draw_sheet(book, sheet: ChartSheet, period: str) -> None:
    """The sheet's charts one under another, each with its table; each chart starts a printed page."""
    from . import printing

    ws = book.add_worksheet(sheet.name)
    starts, row = [], 0
    for spec in sheet.charts:
        starts.append(row)
        row = draw(book, ws, spec, row)
    ws.set_column(0, max(len(s.series) for s in sheet.charts), 16)
    ws.hide_gridlines(2)
    printing.apply(ws, printing.PrintLayout(None, (), 0, repeat_header=False), sheet.name, period)
    ws.set_h_pagebreaks(starts[1:])


_LATIN = re.compile(rb'<a:latin typeface="([^"]+)"/>')


def with_east_asian_fonts(package: bytes) -> bytes:
    """The xlsx package with each chart font also named for East Asian text (<a:ea>)."""
    source = zipfile.ZipFile(io.BytesIO(package))
    if not any(n.startswith("xl/charts/") for n in source.namelist()):
        return package
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/charts/chart"):
                data = _LATIN.sub(rb'<a:latin typeface="\1"/><a:ea typeface="\1"/>', data)
            target.writestr(info, data)
    return out.getvalue()


# The charts of 汇总表, chosen from the campaign definition.


def key_items(campaign) -> tuple[list, list]:
    """The key metrics and rates the charts show: what the office ranks its groups by (`ranking`),
    else the first metrics and the first rate. One place to change when the definition declares
    key figures itself."""
    metrics = [item for item in campaign.ranking if item in campaign.metrics]
    rates = [item for item in campaign.ranking if item in campaign.rates]
    return (metrics or list(campaign.metrics[:3])), (rates or list(campaign.rates[:1]))


def _number(value: object) -> float | None:
    """A group's figure for a chart: none where it has no figure (not reported, or not applying)."""
    return None if value is None or _missing(value) else float(value)  # type: ignore[arg-type]


def overview(agg: Aggregate) -> ChartSheet:
    """图表: per group the key metrics and rates; ledger problems by category and status."""
    from .aggregate import GROUP, TOTAL

    campaign, groups = agg.campaign, agg.groups
    metrics, rates = key_items(campaign)
    level = campaign.scope.breakdown
    names = [str(g) for g in groups[GROUP].tolist()]
    by_group = ChartSpec(
        title=f"各{level.short}{'、'.join(m.label for m in metrics)}"
        + (f"和{'、'.join(r.label for r in rates)}" if rates else ""),
        category_name=level.name,
        categories=names,
        series=[
            Series(m.display_label, [_number(v) for v in groups[m.key].tolist()], number_format=_format(m))
            for m in metrics
        ]
        + [Series(r.label, groups[r.key].tolist(), line=True, percent=True) for r in rates],
    )
    table = agg.category_status
    category = campaign.ledger.by_role(CATEGORY)
    by_category = ChartSpec(
        title=f"{campaign.ledger.sheet}问题分类及办理状态",
        category_name=category.header,
        categories=[str(c) for c in table.index],
        series=[Series(str(s), [float(v) for v in table[s].tolist()]) for s in table.columns if s != TOTAL],
        stacked=True,
        horizontal=True,
    )
    return ChartSheet(CHART_SHEET, (by_group, by_category))
