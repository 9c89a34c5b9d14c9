"""汇总表.xlsx: sheets, 合计 row, text never a formula, highlights, formats, determinism."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from builders import AS_OF, ROSTER, SPEC, submission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from county_report import atomic
from county_report.aggregate import TOTAL, aggregate
from county_report.findings import finding
from county_report.workbook import MAX_TEXT, NO_RATE, write_workbook

SHEETS = ["全县汇总", "图表", "分村明细", "上报进度", "问题台账", "问题分类统计", "典型事例", "校验结果"]
HYPERLINK = '=HYPERLINK("http://x","点击")'


def ledger_row(row, description="道路破损", status="办理中", deadline=dt.date(2026, 11, 1)):
    return {"_row": row, "seq": row - 1, "category": "基础设施", "description": description, "person": "@李四",
            "unit": "+交通局", "deadline": deadline, "status": status, "result": "-"}  # fmt: skip


def demo_aggregate():
    subs = [
        submission(
            "城关镇",
            "东风村",
            {"households": 1200, "problems": 3, "solved": 2, "relief": 0.1},
            ledger=[ledger_row(2, HYPERLINK), ledger_row(3, "<r><t>x</t></r>", "已解决")],
            highlights=[{"seq": 1, "title": "=1+1", "content": "修通了断头路。"}],
        ),  # fmt: skip
        submission("河西乡", "柳树村", {"households": 800, "problems": 0, "solved": 0, "relief": 0.2}),
    ]
    return aggregate(subs, ROSTER, SPEC, AS_OF)


FINDINGS = [
    finding("not-a-number", file="杨家村.xlsx", sheet="基本情况", cell="B9", label="走访农户", value="abc"),
    finding("superseded", file="东风村-旧.xlsx", place="东风村", value="2026-11-18", reason="东风村.xlsx"),
]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = write_workbook(demo_aggregate(), FINDINGS, tmp_path_factory.mktemp("out") / "汇总表.xlsx")
    return openpyxl.load_workbook(path)


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_exactly_as_spec_with_frozen_headers(book):
    assert book.sheetnames == SHEETS
    for ws in book:
        if ws.title != "图表":  # charts and their small tables: nothing to freeze
            assert ws.freeze_panes is not None and ws.freeze_panes[-1] == "2"


def test_summary_columns_come_from_the_form_and_total_row_adds_up(book):
    table = rows(book["全县汇总"])
    header = table[0]
    assert header[:3] == ["乡镇（街道）", "应报村数", "已报村数"]
    assert [m.display_label for m in SPEC.metrics] == header[3 : 3 + len(SPEC.metrics)]
    assert header[-3:] == ["办结率", "走访农户排名", "办结率排名"]
    assert [r[0] for r in table[1:]] == [*ROSTER.groups, TOTAL]
    total = dict(zip(header, table[-1], strict=True))
    assert total["走访农户（户）"] == 2000 and total["发放慰问金（元）"] == 0.3
    assert total["应报村数"] == 5 and total["已报村数"] == 2
    assert total["办结率"] == pytest.approx(2 / 3)
    assert book["全县汇总"].cell(len(table), 1).font.b


def test_number_formats_and_real_dates(book):
    ws = book["全县汇总"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("走访农户（户）") + 1).number_format == "#,##0"
    assert ws.cell(2, header.index("发放慰问金（元）") + 1).number_format == "#,##0.00"
    assert ws.cell(2, header.index("办结率") + 1).number_format == "0.0%"
    assert ws.cell(3, header.index("办结率") + 1).value == NO_RATE  # 河西乡: no problems, no rate
    villages = book["分村明细"]
    # located by its header: 分村明细 now lists every declared header item, 联系电话 included
    filled_on = villages.cell(2, [c.value for c in villages[1]].index("填报日期") + 1)
    assert filled_on.value == dt.datetime(2026, 11, 20) and filled_on.number_format == "yyyy-mm-dd"


def test_village_text_is_never_a_formula(book):
    ws = book["问题台账"]
    header = [c.value for c in ws[1]]
    description = ws.cell(2, header.index("问题描述") + 1)
    assert description.value == HYPERLINK and description.data_type == "s"
    assert ws.cell(3, header.index("问题描述") + 1).value == "<r><t>x</t></r>"  # not parsed as rich-text XML
    assert [ws.cell(2, header.index(h) + 1).value for h in ("反映群众", "责任单位", "办理结果")] == [
        "@李四",
        "+交通局",
        "-",
    ]
    assert book["典型事例"]["C2"].value == "=1+1" and book["典型事例"]["C2"].data_type == "s"


def test_ledger_has_place_columns_overdue_and_source(book):
    table = rows(book["问题台账"])
    assert table[0][:2] == ["乡镇（街道）", "村（社区）"]
    assert table[0][2:-3] == [c.header for c in SPEC.ledger.columns]
    assert table[0][-3:] == ["是否超期", "来源文件", "行号"]
    assert [r[-3:] for r in table[1:]] == [["是", "东风村.xlsx", 2], ["否", "东风村.xlsx", 3]]


def test_missing_villages_are_marked_and_highlighted(book):
    ws = book["上报进度"]
    status = {r[2]: r[3] for r in rows(ws)[1:]}
    assert status == {
        "东风村": "已报",
        "南街社区": "未报",
        "柳树村": "已报",
        "杨家村": "未报",
        "石门村": "未报",
    }
    fills = {ws.cell(r, 3).value: ws.cell(r, 4).fill.fgColor.rgb for r in range(2, ws.max_row + 1)}
    assert fills["南街社区"] == fills["杨家村"] == "FFFFC7CE"
    assert fills["东风村"] != "FFFFC7CE"


def test_column_widths_follow_content_and_count_chinese_double(book):
    widths = {c.value: book["问题台账"].column_dimensions[c.column_letter].width for c in book["问题台账"][1]}
    assert widths["序号"] < widths["问题描述"] <= 60
    # a long header wraps onto two lines (the row is set two lines tall) instead of widening its column
    assert len("乡镇（街道）") <= widths["乡镇（街道）"] < 2 * len("乡镇（街道）")
    assert book["问题台账"].row_dimensions[1].height == 31  # 15 pt, and 16 for the second line


def test_category_sheet_has_total_row_and_column(book):
    table = rows(book["问题分类统计"])
    assert table[0] == ["问题类别", *SPEC.choices["status"], TOTAL]
    assert table[-1] == [TOTAL, 1, 1, 0, 2]


def test_findings_sheet_lists_every_finding(book):
    table = rows(book["校验结果"])
    assert table[0] == ["序号", "文件", "工作表", "单元格", "级别", "类型", "说明", "标签", "值"]
    assert [r[1:6] for r in table[1:]] == [
        ["杨家村.xlsx", "基本情况", "B9", "错误", "不是数字"],
        ["东风村-旧.xlsx", None, None, "警告", "被新报表取代"],
    ]
    assert "已被「东风村.xlsx」取代" in table[2][6]


def test_hostile_text_is_cleaned_not_fatal(tmp_path):
    long_text = "长" * (MAX_TEXT + 10)
    rows_ = [ledger_row(2, "a\x00b\x1bc\td\ne"), ledger_row(3, long_text)]
    agg = aggregate([submission("城关镇", "东风村", ledger=rows_)], ROSTER, SPEC, AS_OF)
    ws = openpyxl.load_workbook(write_workbook(agg, [], tmp_path / "汇总表.xlsx"))["问题台账"]
    assert ws["E2"].value == "abc\td\ne"
    assert len(ws["E3"].value) == MAX_TEXT


def test_every_sheet_part_is_well_formed_with_rows_in_order_and_true_dimension(tmp_path):
    """What Excel is strict about: row and cell order, unique references, the used range."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    path = write_workbook(demo_aggregate(), FINDINGS, tmp_path / "汇总表.xlsx")
    book = openpyxl.load_workbook(path)
    with zipfile.ZipFile(path) as package:
        parts = [package.read(f"xl/worksheets/sheet{i}.xml") for i in range(1, len(SHEETS) + 1)]
    for ws, part in zip(book, parts, strict=True):
        if ws.title == "图表":
            continue  # written by xlsxwriter itself, not streamed
        root = ElementTree.fromstring(part)
        rows = root.findall(f"{ns}sheetData/{ns}row")
        assert [int(r.get("r")) for r in rows] == list(range(1, ws.max_row + 1))
        width = len(rows[0])
        for r in rows:
            assert [c.get("r") for c in r] == [f"{chr(65 + i)}{r.get('r')}" for i in range(width)]
        used = f"A1:{chr(64 + width)}{len(rows)}"
        assert root.find(f"{ns}dimension").get("ref") == used
        assert root.find(f"{ns}autoFilter").get("ref") == used
        assert not re.search(rb"<f>|t=\"str\"", part)  # no formula anywhere


def test_same_inputs_give_identical_files(tmp_path):
    first = write_workbook(demo_aggregate(), FINDINGS, tmp_path / "a.xlsx")
    second = write_workbook(demo_aggregate(), FINDINGS, tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_workbook_open_in_excel_is_saved_under_new_name(tmp_path, monkeypatch):
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"locked")
    real = atomic._replace
    monkeypatch.setattr(atomic, "_replace", lambda s, d: _deny(d) if Path(d) == target else real(s, d))
    written = write_workbook(demo_aggregate(), [], target)
    assert written.name == "汇总表(1).xlsx"
    assert openpyxl.load_workbook(written).sheetnames == SHEETS
    assert target.read_bytes() == b"locked"


def _deny(path):
    raise PermissionError(13, "denied", str(path))


money = st.decimals(min_value=0, max_value=10**6, places=2).map(float)


@st.composite
def village_sets(draw):
    chosen = draw(st.lists(st.sampled_from(ROSTER.units), unique=True, min_size=1))
    return [
        submission(
            t,
            v,
            {m.key: draw(money if m.type.name == "decimal" else st.integers(0, 10**7)) for m in SPEC.metrics},
        )
        for t, v in chosen
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(village_sets())
def test_total_row_read_back_equals_sum_of_villages(tmp_path, subs):
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    ws = openpyxl.load_workbook(write_workbook(agg, [], tmp_path / "汇总表.xlsx"))["全县汇总"]
    table = rows(ws)
    total = dict(zip(table[0], table[-1], strict=True))
    for m in SPEC.metrics:
        if m.type.name == "integer":
            assert total[m.display_label] == sum(s.metrics[m.key] for s in subs) == agg.body[m.key]
        else:
            assert total[m.display_label] == sum(round(s.metrics[m.key] * 100) for s in subs) / 100


def test_demo_inputs_total_row_equals_sum_of_village_rows(tmp_path):
    """The shipped demo set, end to end: 合计 in 全县汇总 equals the column sums of 分村明细."""
    from county_report.intake import take_in
    from county_report.roster import load_roster
    from county_report.selection import pick_latest

    root = Path(__file__).resolve().parents[1]
    intake = take_in(root / "inputs", root / "templates", 0, None)  # 0: read in this process
    counted = [s for s in pick_latest(intake.submissions)[0] if s.accepted]
    agg = aggregate(counted, load_roster(root / "templates" / "名册.xlsx", SPEC), SPEC, AS_OF)
    book = openpyxl.load_workbook(write_workbook(agg, [], tmp_path / "汇总表.xlsx"))
    summary, detail = rows(book["全县汇总"]), rows(book["分村明细"])
    total = dict(zip(summary[0], summary[-1], strict=True))
    assert total["已报村数"] == len(detail) - 1 == len(counted) > 0
    for m in SPEC.metrics:
        column = detail[0].index(m.display_label)
        village_sum = sum(r[column] for r in detail[1:])
        assert total[m.display_label] == pytest.approx(village_sum, abs=1e-6)
        assert total[m.display_label] == agg.body[m.key]


def test_a_percentage_metric_is_shown_alike_in_the_summary_and_in_every_period():
    """A typed percentage (群众满意度, a mean) with no figure is blank in 全县汇总 and 各期汇总 alike,
    not "—" as a [[rates]] ratio over 0 is; only a ratio is a rate column."""
    from types import SimpleNamespace

    from county_report.definition import load_campaign
    from county_report.periods import PeriodFigures
    from county_report.workbook import period_pages

    campaign = load_campaign(Path(__file__).parent / "fixtures" / "definitions" / "kinds.toml")
    period = PeriodFigures(dt.date(2026, 11, 20), {}, {"城关镇": {}}, expected=1, reported=0)
    history, _ = period_pages(SimpleNamespace(campaign=campaign), [period])
    kinds = {column.header: column.kind for column in history.columns}
    assert kinds["群众满意度"] == kinds["走访覆盖率"] == "percent"
    assert kinds["问题解决率"] == "rate" and kinds["帮扶资金（元）"] == "money"
