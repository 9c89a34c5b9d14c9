"""Metric kinds (issue 9): each kind's figure for a group and the body against an oracle computed
here from the values filled in, never from the product's aggregation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from county_report.aggregate import GROUP, REPORTED_COUNT, TYPE, aggregate
from county_report.definition import load_campaign
from county_report.model import Submission
from county_report.roster import Roster

CAMPAIGN = load_campaign(Path(__file__).parent / "fixtures" / "definitions" / "kinds.toml")
AS_OF = date(2026, 11, 20)
ROSTER = Roster(
    groups=("东镇", "西乡"),
    units=(("东镇", "甲村"), ("东镇", "乙社区"), ("东镇", "丙村"), ("西乡", "丁村"), ("西乡", "戊社区")),
    types={
        ("东镇", "甲村"): "村",
        ("东镇", "乙社区"): "社区",
        ("东镇", "丙村"): "村",
        ("西乡", "丁村"): "村",
        ("西乡", "戊社区"): "社区",
    },
)
# what each unit typed: homes (村 only), issues, fixed, money, satisfied, coverage (村 only), text
FILLED = {
    ("东镇", "甲村"): (120, 10, 7, 1200.5, 0.955, 0.80, "院坝会"),
    ("东镇", "乙社区"): (None, 6, 6, 300.25, 0.88, None, "网格员"),
    ("东镇", "丙村"): (80, 4, 1, 0.1, None, 0.95, ""),  # 满意度 left blank: out of the average
    ("西乡", "丁村"): (200, 9, 9, 0.2, 0.91, 0.5, "夜访"),
}


def submission(place, homes, issues, fixed, money, satisfied, coverage, text):
    metrics = {"homes": homes, "issues": issues, "fixed": fixed, "money": money}
    metrics |= {"satisfied": satisfied, "coverage": coverage, "practice": text}
    return Submission(
        file=f"{place[1]}.xlsx",
        path=Path(f"{place[1]}.xlsx"),
        mtime=0.0,
        header={},
        metrics=metrics,
        ledger=(),
        highlights=(),
        findings=(),
        place=place,
        unit_type=ROSTER.type_of(place),
        as_of=AS_OF,
        filled_on=AS_OF,
        tables={"deeds": ({"_row": 2, "kind": "修路", "what": "修路", "state": "已完成"},)},
    )


@pytest.fixture(scope="module")
def agg():
    return aggregate([submission(p, *v) for p, v in FILLED.items()], ROSTER, CAMPAIGN, AS_OF)


def oracle(group: str | None):
    rows = [v for p, v in FILLED.items() if group is None or p[0] == group]
    homes, issues, fixed, money, satisfied, coverage, _ = zip(*rows, strict=True)
    typed = [s for s in satisfied if s is not None]
    weighted = [(c, h) for c, h in zip(coverage, homes, strict=True) if c is not None and h is not None]
    return {
        "homes": sum(h for h in homes if h is not None),
        "issues": sum(issues),
        "fixed": sum(fixed),
        "money": float(sum(Decimal(str(m)) for m in money)),
        "satisfied": float(sum(Fraction(str(s)) for s in typed) / len(typed)) if typed else None,
        "coverage": float(sum(Fraction(str(c)) * h for c, h in weighted) / sum(h for _, h in weighted)),
        "open": sum(issues) - sum(fixed),
        "happy": sum(1 for s in satisfied if s is not None and s >= 0.9),
    }


@pytest.mark.parametrize("group", ["东镇", "西乡", None])
@pytest.mark.parametrize("key", ["homes", "issues", "money", "satisfied", "coverage", "open", "happy"])
def test_each_kind_against_its_oracle(agg, group, key):
    row = agg.body if group is None else agg.groups.set_index(GROUP).loc[group]
    expected = oracle(group)[key]
    assert row[key] == pytest.approx(expected, rel=1e-12, abs=1e-12), (key, group)


def test_a_typed_percentage_is_averaged_not_summed(agg):
    assert agg.body["satisfied"] == pytest.approx((0.955 + 0.88 + 0.91) / 3)  # never 274.5%


def test_derived_and_count_metrics_exist_per_unit_too(agg):
    units = agg.units.set_index("_unit")
    assert units.loc["甲村", "open"] == 3 and units.loc["乙社区", "open"] == 0
    assert units.loc["甲村", "happy"] == 1 and units.loc["丙村", "happy"] == 0  # blank is not ≥ 90%


def test_text_is_carried_to_the_unit_rows_and_not_added(agg):
    assert agg.units.set_index("_unit").loc["丁村", "practice"] == "夜访"
    assert "practice" not in agg.groups.columns


def test_a_metric_not_applying_to_a_type_has_no_subtotal_for_it(agg):
    types = agg.types.set_index(TYPE)
    assert types.loc["社区", "homes"] is None and types.loc["村", "homes"] == 400
    assert types.loc["社区", REPORTED_COUNT] == 1 and types.loc["村", REPORTED_COUNT] == 3


def test_rates_come_from_totals_and_declare_their_meaning(agg):
    assert agg.body["fix_rate"] == pytest.approx(23 / 29)
    assert [r.meaning for r in CAMPAIGN.rates] == ["progress", "share"]


def test_further_ledgers_expose_rows_statuses_and_categories(agg):
    stats = agg.table_stats["deeds"]
    assert (
        stats.loc["合计", "行数"] == 4
        and stats.loc["合计", "已完成"] == 4
        and stats.loc["合计", "类别数"] == 1
    )
    assert stats.loc["东镇", "行数"] == 3


def test_the_workbook_shows_every_kind_in_its_unit_with_a_fitting_format(agg, tmp_path):
    import openpyxl

    from county_report.workbook import write_workbook

    book = openpyxl.load_workbook(write_workbook(agg, [], tmp_path / "汇总表.xlsx"))
    assert {"民生实事台账", "台账统计", "分类型统计"} <= set(book.sheetnames)
    ws = book["全县汇总"]
    header = [c.value for c in ws[1]]
    assert "主要做法" not in header  # text is in the unit rows, not added up
    total = {h: c for h, c in zip(header, ws[ws.max_row], strict=True)}
    assert total["群众满意度"].number_format == "0.0%"
    assert total["已解决占比"].number_format == "0.00%"  # the rate declares 2 digits
    assert total["帮扶资金（元）"].value == pytest.approx(1501.05)
    detail = book["分村明细"]
    assert "主要做法" in [c.value for c in detail[1]]


def test_a_percentage_not_applying_to_a_type_is_blank_like_any_other_metric(agg, tmp_path):
    """走访覆盖率 is typed by 村 only: the 社区 row and a 社区's own row leave it blank, never "—"
    (which says a [[rates]] ratio has no denominator), and the 村 that typed none is blank too."""
    import openpyxl

    from county_report.workbook import write_workbook

    book = openpyxl.load_workbook(write_workbook(agg, [], tmp_path / "汇总表.xlsx"))
    by_type = {r[0].value: r for r in book["分类型统计"].iter_rows(min_row=2)}
    header = [c.value for c in book["分类型统计"][1]]
    coverage = header.index("走访覆盖率")
    assert by_type["社区"][coverage].value is None and by_type["村"][coverage].value == pytest.approx(
        (120 * 0.80 + 80 * 0.95 + 200 * 0.5) / 400
    )
    assert by_type["村"][coverage].number_format == "0.0%"
    detail = list(book["分村明细"].iter_rows(values_only=True))
    column = detail[0].index("群众满意度")
    units = {row[detail[0].index("村（社区）")]: row for row in detail[1:]}
    assert units["丙村"][column] is None and units["甲村"][column] == pytest.approx(0.955)
    assert units["乙社区"][detail[0].index("走访覆盖率")] is None


def test_a_metric_declares_its_plausible_maximum(tmp_path):
    from county_report.definition import TYPES, Field

    field = Field("homes", "走访农户", TYPES["integer"], "户", maximum=5000)
    value, problems = field.type.parse(5001, field)
    [(code, details)] = problems
    assert (value, code, details["expected"]) == (None, "number-too-large", "（上限 5,000户）")
    assert field.type.parse(5000, field).value == 5000


def test_a_numbered_table_column_is_read_under_its_types_own_limit():
    """序号 is an integer column: reading it asks the column for a maximum it never declares."""
    from county_report.definition import TYPES
    from county_report.definition.model import Column

    seq = Column("seq", "序号", TYPES["integer"])
    assert seq.type.parse(3, seq).value == 3
    [(code, _)] = seq.type.parse(10**16, seq).problems
    assert code == "number-too-large"


def test_the_generated_report_gives_each_further_ledger_a_sentence(agg, tmp_path):
    """民生实事台账 ([[tables]]) is in 二、取得成效: its rows, and its rows by status, as the workbook counts them."""
    from types import SimpleNamespace

    from docx import Document

    from county_report.report import render_report
    from county_report.report_facts import build_context
    from county_report.report_template import generated_template

    settings = SimpleNamespace(
        county="示例县",
        campaign="走基层",
        office="示例县委",
        period="",
        report_title="示例县“走基层”活动工作总结",
    )
    out, _ = render_report(
        build_context(agg, settings, AS_OF), tmp_path / "无此模板.docx", tmp_path / "总结.docx",
        generated_template(CAMPAIGN),
    )  # fmt: skip
    body = "\n".join(p.text for p in Document(out).paragraphs)
    results = body[body.index("二、取得成效") : body.index("三、存在问题")]
    assert "民生实事。已报送的4个村（社区）民生实事台账共登记4项，其中已完成4项、推进中0项。" in results
