"""The 图表 sheet: native Excel charts drawn from (categories, series), every series coloured,
every label in a font Windows and WPS have; whether they render is checked in test_printing."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import xlsxwriter
from builders import AS_OF, ROSTER, SPEC, submission

from county_report import charts
from county_report.aggregate import aggregate
from county_report.workbook import write_workbook


def _book(tmp_path):
    subs = [
        submission("城关镇", "东风村", {"households": 1200, "problems": 4, "solved": 3}),
        submission("河西乡", "柳树村", {"households": 800, "problems": 0, "solved": 0}),
    ]
    return write_workbook(aggregate(subs, ROSTER, SPEC, AS_OF), [], tmp_path / "汇总表.xlsx")


def _charts_xml(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [
            z.read(n).decode() for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)
        ]


def test_the_workbook_has_a_chart_sheet_with_the_key_metrics_by_group_and_problems_by_status(tmp_path):
    path = _book(tmp_path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["全县汇总", "图表"]
    cells = [[c for c in row if c is not None] for row in book["图表"].iter_rows(values_only=True)]
    cells = [row for row in cells if row]
    # the first chart's table: each group, its households (the ranking's metric) and its 办结率
    assert cells[0] == ["乡镇（街道）", "走访农户（户）", "办结率"]
    assert cells[1] == ["城关镇", 1200, 0.75] and cells[2] == ["河西乡", 800]  # no rate without problems
    assert ["问题类别", "已解决", "办理中", "未启动"] in cells
    xml = _charts_xml(path)
    assert len(xml) == 2
    assert "各乡镇走访农户和办结率" in xml[0] and "<c:lineChart>" in xml[0] and "<c:barChart>" in xml[0]
    assert 'val="stacked"' in xml[1] and "问题台账问题分类及办理状态" in xml[1]


def test_every_series_has_an_explicit_colour_and_every_font_is_named_for_chinese_text(tmp_path):
    for xml in _charts_xml(_book(tmp_path)):
        for series in re.findall(r"<c:ser>.*?</c:ser>", xml, re.DOTALL):
            own = re.sub(r"<c:dLbls>.*?</c:dLbls>", "", series, flags=re.DOTALL)
            assert re.search(r"<c:spPr>.*<a:solidFill><a:srgbClr", own, re.DOTALL), own[:200]
        assert set(re.findall(r'<a:latin typeface="([^"]+)"', xml)) == {"宋体"}
        assert xml.count('<a:latin typeface="宋体"/><a:ea typeface="宋体"/>') == xml.count("<a:latin ")


def test_the_helper_draws_any_categories_and_series_such_as_figures_over_periods(tmp_path):
    spec = charts.ChartSpec(
        title="各期走访农户",
        category_name="统计截止日期",
        categories=["2026-09-30", "2026-10-31", "2026-11-20"],
        series=[
            charts.Series("走访农户（户）", [100, 250, None], line=True),
            charts.Series("办结率", [0.5, 0.6, 0.7], line=True, percent=True),
        ],
    )
    path = tmp_path / "history.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("历史")
    assert charts.draw(book, ws, spec, row=0) == charts.CHART_ROWS + 3 + 2
    book.close()
    rows = list(
        openpyxl.load_workbook(path)["历史"].iter_rows(min_row=charts.CHART_ROWS + 1, values_only=True)
    )
    assert rows[0][:3] == ("统计截止日期", "走访农户（户）", "办结率")
    assert rows[3][:3] == ("2026-11-20", None, 0.7)
    [xml] = _charts_xml(path)
    assert xml.count("<c:ser>") == 2 and "<c:lineChart>" in xml and "<c:barChart>" not in xml
