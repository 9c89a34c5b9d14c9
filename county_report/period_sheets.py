"""各期汇总 and 各期趋势: every period on record in the workbook, with a native chart of the key figures.

各期汇总 is a table like the others (period × metric, the body's rows first, then each group's).
各期趋势 holds the key figures of the body per period in a small table and one line chart per
figure, drawn by xlsxwriter from that table. The charts are described as charts.py
describes its own (ChartSpec, Series) and share its palette, font and line series (an explicit
colour for line, marker fill and border; a named font for every label, so LibreOffice and WPS draw
them as Excel does); only the page differs: one table on top for every chart, charts two abreast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .charts import FONT, PALETTE, ChartSpec, Series, chart_font, series_options
from .cnformat import cn_date, display_width
from .definition import Campaign, Rate, key_metrics
from .periods import EXPECTED_KEY, REPORTED_KEY, PeriodFigures

HISTORY_SHEET, TREND_SHEET = "各期汇总", "各期趋势"
PERIOD_HEADER = "统计截止日期"
TOTAL = "合计"
FIGURES = "#,##0.##"  # a figure's cells and labels: decimals only where it has them
CHART_SIZE = {"width": 520, "height": 280}
CHARTS_PER_ROW = 2
CHART_ROWS = 15  # rows of 20 px a chart covers, with a margin
ROWS_PER_PAGE = 2  # chart rows on a landscape A4 page (scaled to the page's width)
LONG_TABLE = 8  # periods beyond which the table gets a page of its own


def history_rows(periods: Sequence[PeriodFigures], campaign: Campaign) -> tuple[list, list, list, list[str]]:
    """(period dates, group names, each row's figures by key with its unit counts, the row styles):
    the body's rows for every period first, then each group's; groups in the latest period's order."""
    groups: list[str] = []
    for p in sorted(periods, key=lambda p: p.period, reverse=True):
        groups += [g for g in p.groups if g not in groups]
    dates, names, styles = [], [], []
    figures: list[Mapping[str, Any]] = []
    for p in periods:
        dates.append(p.period)
        names.append(TOTAL)
        figures.append({EXPECTED_KEY: p.expected, REPORTED_KEY: p.reported, **p.body})
        styles.append("total")
    if campaign.has_groups:
        for group in groups:
            for p in periods:
                dates.append(p.period)
                names.append(group)
                figures.append(p.groups.get(group, {}))
                styles.append("")
    return dates, names, figures, styles


def trend_chart(periods: Sequence[PeriodFigures], campaign: Campaign) -> list[ChartSpec]:
    """One line chart per key figure: the body's value in each period. A period some units did not
    report says so under its date (已报2/3), so a total that dips for that reason is seen to."""
    one_year = len({p.period.year for p in periods}) == 1  # then 11月20日 says it; the title has the year
    categories = [
        (f"{p.period.month}月{p.period.day}日" if one_year else cn_date(p.period))
        + ("" if p.reported >= p.expected else f"（已报{p.reported}/{p.expected}）")
        for p in periods
    ]
    years = sorted({p.period.year for p in periods})
    span = f"{years[0]}年" if len(years) == 1 else f"{years[0]}—{years[-1]}年"
    charts = []
    for item in key_metrics(campaign):
        percent = isinstance(item, Rate) or item.style.percent
        name = item.label if isinstance(item, Rate) else item.display_label
        values = [_number(p.body.get(item.key)) for p in periods]
        title = f"{campaign.scope.body.whole}{item.label}（{span}各期）"
        line = Series(name, values, line=True, percent=percent, number_format=FIGURES)
        charts.append(ChartSpec(title, PERIOD_HEADER, categories, [line]))
    return charts


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value == value else None


def draw_trends(book, ws, charts: Sequence[ChartSpec]) -> None:
    """各期趋势: the figures' table at the top (the charts' data, visible and editable), charts below."""
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": FONT})
    cell = book.add_format({"border": 1, "font_name": FONT})
    if not charts:
        ws.write(0, 0, "活动定义中没有可画的指标。", cell)
        return
    categories = charts[0].categories
    ws.write(0, 0, PERIOD_HEADER, header)
    ws.write_column(1, 0, list(categories), cell)
    ws.set_column(0, 0, max(display_width(c) for c in [PERIOD_HEADER, *categories]) + 2)
    for c, chart in enumerate(charts, start=1):
        series = chart.series[0]
        shown = book.add_format(
            {"border": 1, "font_name": FONT, "num_format": "0.0%" if series.percent else series.number_format}
        )
        ws.write(0, c, series.name, header)
        ws.write_column(1, c, [None if v is None else v for v in series.values], shown)
        ws.set_column(c, c, 16)
    top = len(categories) + 3
    for i, chart in enumerate(charts):
        row = top + (i // CHARTS_PER_ROW) * CHART_ROWS
        beside = {"x_offset": 4 + (i % CHARTS_PER_ROW) * (CHART_SIZE["width"] + 16), "y_offset": 4}
        ws.insert_chart(row, 0, draw_lines(book, ws.name, chart, i + 1, len(categories)), beside)
    ws.freeze_panes(1, 1)
    ws.set_paper(9)  # A4 landscape, one page wide: the charts print two abreast, as on screen
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    chart_rows = -(-len(charts) // CHARTS_PER_ROW)
    breaks = [top] if len(categories) > LONG_TABLE else []
    breaks += [top + k * ROWS_PER_PAGE * CHART_ROWS for k in range(1, -(-chart_rows // ROWS_PER_PAGE))]
    ws.set_h_pagebreaks(breaks)  # never through a chart


def draw_lines(book, sheet: str, chart: ChartSpec, column: int, rows: int):
    """An xlsxwriter line chart of `chart`'s one series, its values in `column` of rows 1..rows of
    `sheet`; a rate stays on the left axis, as it is the chart's only series."""
    drawn = book.add_chart({"type": "line"})
    colour = PALETTE[(column - 1) % len(PALETTE)]
    drawn.add_series(
        series_options(sheet, chart.series[0], (0, column), (1, rows), colour) | {"y2_axis": False}
    )
    drawn.set_title({"name": chart.title, "name_font": chart_font(12, bold=True)})
    drawn.set_legend({"none": True})
    drawn.set_x_axis({"num_font": chart_font(9), "major_gridlines": {"visible": False}})
    value_axis: dict[str, Any] = {
        "num_font": chart_font(9),
        "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
    }
    if chart.series and chart.series[0].percent:
        value_axis |= {"num_format": "0%", "min": 0}
    drawn.set_y_axis(value_axis)
    drawn.set_chartarea({"border": {"color": "#BFBFBF"}, "fill": {"color": "#FFFFFF"}})
    drawn.set_plotarea({"fill": {"color": "#FFFFFF"}})
    drawn.set_size(CHART_SIZE)
    return drawn
