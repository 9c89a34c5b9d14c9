"""One small fixture per finding code: the code, the cell and the Chinese message a clerk reads.

Fixtures: tests/fixtures/findings/*.xlsx, made by tests/fixtures/make_finding_fixtures.py.
"""

from pathlib import Path

import pytest
from conftest import read_submission

from county_report.definition import load_campaign
from county_report.findings import CATALOGUE, Severity, finding
from county_report.roster import Roster

FIXTURES = Path(__file__).parent / "fixtures" / "findings"
SPEC = load_campaign(Path(__file__).parents[1] / "templates" / "form.toml")
ROSTER = Roster(("城关镇", "河西乡"), (("城关镇", "东风村"), ("城关镇", "黄龙村"), ("河西乡", "柳树村")))


def read(name: str):
    return read_submission(FIXTURES / f"{name}.xlsx", SPEC, ROSTER, f"{name}.xlsx")


def only(name: str):
    sub = read(name)
    assert [f.code for f in sub.findings] == [name], sub.findings
    return sub, sub.findings[0]


def test_clean_form_has_no_finding_and_reads_every_value():
    sub = read("good")
    assert sub.findings == () and sub.accepted
    assert sub.place == ("城关镇", "东风村")
    assert sub.metrics["households"] == 320 and sub.metrics["funds"] == 12.35
    assert [r["status"] for r in sub.ledger] == ["已解决", "已解决", "已解决", "办理中"]


# (code, sheet, cell, message, accepted)
EXPECTED = [
    (
        "not-a-number",
        "基本情况",
        "B11",
        "「走访农户」的值「三百户」不是数字。请改为 300（单位：户）。",
        False,
    ),
    (
        "negative-number",
        "基本情况",
        "B14",
        "「召开院坝会座谈会」的值「-3」是负数，应为 0 或正数。请改为实际数量，没有请填 0。",
        False,
    ),
    (
        "not-an-integer",
        "基本情况",
        "B10",
        "「参与走访干部」的值「12.5」不是整数。请填整数（单位：人）。",
        False,
    ),
    (
        "blank-metric",
        "基本情况",
        "B13",
        "「走访企业」未填写，按 0 计算。如实际不为 0，请补填后重新报送。",
        True,
    ),
    ("missing-field", "基本情况", "B5", "必填项「填报人」未填写。请补填后重新报送。", False),
    (
        "bad-date",
        "基本情况",
        "B7",
        "「填报日期」的值「十一月二十日」不是有效日期。请填写如 2026年11月20日 或 2026-11-20。",
        False,
    ),
    (
        "unknown-township",
        "基本情况",
        "B3",
        "乡镇（街道）「城关真」不在名册中。是否应为「城关镇」？请改为名册中的名称后重新报送。",
        False,
    ),
    (
        "unknown-village",
        "基本情况",
        "B4",
        "「东凤村」不在名册中「城关镇」的村（社区）里。是否应为「东风村」？请改为名册中的名称后重新报送。",
        False,
    ),
    (
        "bad-choice",
        "问题台账",
        "G5",
        "「办理状态」的值「已办结」不在可选项中（可选：已解决、办理中、未启动）。请从下拉列表中选择后重新报送。",
        False,
    ),
    (
        "missing-category",
        "问题台账",
        "B5",
        "问题台账第 5 行有问题描述但未填问题类别。请从下拉列表中选择问题类别后重新报送。",
        False,
    ),
    (
        "ledger-bad-date",
        "问题台账",
        "F5",
        "问题台账第 5 行「办理时限」的值「年底前」不是有效日期，该问题不参与超期统计。请填写如 2026-11-20 的日期。",
        True,
    ),
    (
        "ledger-count-mismatch",
        "基本情况",
        "B17",
        "问题台账中的问题共 3 条，与「梳理问题」填报的 4 不一致。请核对台账和「梳理问题」，改正后重新报送。",
        True,
    ),
    ("text-cleaned", "基本情况", "B5", "「填报人」中含有控制字符，已删除。请核对该项内容是否完整。", True),
]


@pytest.mark.parametrize(
    ("code", "sheet", "cell", "message", "accepted"), EXPECTED, ids=[e[0] for e in EXPECTED]
)
def test_each_finding_names_sheet_cell_and_says_what_is_wrong(code, sheet, cell, message, accepted):
    sub, f = only(code)
    assert (f.file, f.sheet, f.cell, f.message) == (f"{code}.xlsx", sheet, cell, message)
    assert sub.accepted is accepted
    assert f.severity is CATALOGUE[code].severity


def test_solved_greater_than_problems_is_an_error_at_the_solved_cell():
    sub = read("not-greater")
    codes = {f.code: f for f in sub.findings}
    f = codes["not-greater"]
    assert (f.cell, f.message) == (
        "B18",
        "「已解决问题」（6）大于「梳理问题」（4）。请核实这两项，改正后重新报送。",
    )
    assert f.severity is Severity.ERROR and not sub.accepted
    # the ledger disagreeing with 已解决问题 is reported too: every finding of a file, not the first
    assert (
        codes["ledger-count-mismatch"].message
        == "问题台账中状态为「已解决」的问题共 3 条，与「已解决问题」填报的 6 不一致。请核对台账和「已解决问题」，改正后重新报送。"
    )


def test_a_workbook_that_is_not_the_form_says_which_sheets_are_missing():
    sub, f = only("not-standard-form")
    assert f.message == "不是标准表：缺少工作表「基本情况」「问题台账」「典型事例」。请使用下发的标准表填报。"
    assert not sub.accepted


def test_every_catalogue_message_fills_without_leftover_braces():
    for code in CATALOGUE:
        f = finding(code, file="a.xlsx", label="走访农户", value="x", reason="r")
        assert "{" not in f.message and f.message, code


def test_control_characters_in_messages_are_not_echoed():
    f = finding("not-a-number", label="走访农户", value="1\x002\n3")
    assert f.value == "1 2 3"


def test_a_category_merged_down_several_ledger_rows_counts_for_each_row(tmp_path):
    from fixtures.make_finding_fixtures import write_form
    from openpyxl import load_workbook

    path = write_form(tmp_path / "merged.xlsx")
    wb = load_workbook(path)
    ws = wb["问题台账"]
    ws["B2"].value, ws["B3"].value = "民生保障", None  # rows 2–3 share one merged 问题类别 cell
    ws["G3"].value = None
    ws.merge_cells("B2:B3")
    ws.merge_cells("G2:G3")  # and one merged 办理状态
    wb.save(path)
    sub = read_submission(path, SPEC, ROSTER, "merged.xlsx")
    assert sub.findings == ()
    assert [(r["category"], r["status"]) for r in sub.ledger[:2]] == [
        ("民生保障", "已解决"),
        ("民生保障", "已解决"),
    ]


@pytest.mark.parametrize("name", ["merged_labels.xlsx", "merged_labels.ods"])
def test_labels_merged_across_two_columns_read_the_value_right_of_the_merge(name):
    # .ods: calamine reports no merges, so they are read from content.xml (county_report/odsmerge.py)
    sub = read_submission(FIXTURES.parent / name, SPEC, ROSTER, name)
    assert sub.findings == ()
    assert sub.metrics == read("good").metrics
    assert sub.cells["households"] == "C11"


ACTION_WORDS = ("请", "无需处理", "没有请填")


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_message_ends_with_what_to_do_and_every_kind_has_a_chinese_name(code):
    f = finding(code, file="a.xlsx", label="走访农户", value="x", reason="r")
    last = [s for s in f.message.split("。") if s][-1]
    assert any(word in last for word in ACTION_WORDS), f.message
    assert f.title == CATALOGUE[code].title and f.title and not f.title.isascii()


def _metric(label: str) -> object:
    return next(m for m in SPEC.metrics if m.label == label)


@pytest.mark.parametrize(
    ("label", "typed", "message", "suggestion"),
    [
        ("走访企业", "无", "「走访企业」的值「无」不是数字。没有请填 0。", "0"),
        ("发放慰问金", "2万", "「发放慰问金」的值「2万」不是数字。请改为 20000（单位：元）。", "20000"),
        (
            "投入帮扶资金",
            "35000元",
            "「投入帮扶资金」的值「35000元」不是数字。请改为 3.5（单位：万元）。",
            "3.5",
        ),
        (
            "走访农户",
            "120余",
            "「走访农户」的值「120余」不是数字。请只填阿拉伯数字（单位：户），没有请填 0。",
            "",
        ),
    ],
)
def test_a_number_typed_as_words_is_told_the_number_to_type(label, typed, message, suggestion):
    from county_report.validate import _Collector

    metric = _metric(label)
    _, problems = metric.type.parse(typed, metric)
    out = _Collector("a.xlsx")
    for code, details in problems:
        out.add(code, None, label, value=typed, **details)
    [f] = out.items
    assert (f.message, f.suggestion) == (message, suggestion)
    assert f.expected.startswith("大于或等于 0 的")


def test_json_carries_the_structured_details_beside_the_sentence():
    f = finding("unknown-village", label="村（社区）", value="东凤村", unit="村（社区）", suggestion="东风村")
    d = f.as_dict()
    assert (d["code"], d["title"], d["suggestion"], d["expected"]) == (
        "unknown-village",
        "单位名称不在名册",
        "东风村",
        "",
    )
    assert d["message"].endswith("是否应为「东风村」？请改为名册中的名称后重新报送。")


def test_a_blank_form_is_one_finding_and_a_prefilled_one_still_names_its_unit(tmp_path):
    from county_report.forms import write_blank_form, write_prefilled_forms
    from county_report.settings import Settings

    blank = read_submission(write_blank_form(SPEC, tmp_path / "空白.xlsx"), SPEC, ROSTER, "空白.xlsx")
    assert [(f.code, f.severity, f.message) for f in blank.findings] == [
        ("blank-form", Severity.ERROR, "这是空白表，没有填写任何内容，未计入汇总。请填写后重新报送。")
    ]
    paths = write_prefilled_forms(SPEC, ROSTER, Settings("示例县", "大走访", "县委办"), tmp_path)
    sub = read_submission(paths[0], SPEC, ROSTER, "预填.xlsx")
    [f] = sub.findings
    assert f.message == (
        "这是空白表：只填了乡镇（街道）、村（社区），其余都没有填写，未计入汇总。请填写后重新报送。"
    )
    assert sub.place == ("城关镇", "东风村") and not sub.accepted  # so it shows as 有误待更正


def test_ledger_row_messages_name_the_rows_own_sheet_and_column():
    """A further table (示例县走基层's 民生实事台账) is not 问题台账, and its category is not 问题类别."""
    missing = finding(
        "missing-category", sheet="民生实事台账", cell="B3", label="实事类别", row=3, described="实事内容"
    )
    assert (
        missing.message
        == "民生实事台账第 3 行有实事内容但未填实事类别。请从下拉列表中选择实事类别后重新报送。"
    )
    bad_date = finding(
        "ledger-bad-date", sheet="市级协调问题台账", cell="F4", label="办理时限", value="年底前", row=4
    )
    assert bad_date.message.startswith("市级协调问题台账第 4 行「办理时限」的值「年底前」不是有效日期")


def test_a_further_table_s_rows_are_checked_in_its_own_words(tmp_path):
    """A 民生实事 row of 示例县走基层 with 实事内容 but no 实事类别: said with that table's words."""
    import shutil

    import openpyxl

    from county_report.intake import read_one
    from county_report.templates import load_templates

    example = Path(__file__).resolve().parents[1] / "examples" / "示例县走基层"
    form = tmp_path / "城关镇-北坪村.xlsx"
    shutil.copy(example / "inputs" / form.name, form)
    book = openpyxl.load_workbook(form)
    sheet = book["民生实事台账"]
    header = next(r for r in sheet.iter_rows() if any(c.value == "实事类别" for c in r))
    column = {c.value: c.column for c in header}
    row = next(
        r
        for r in range(header[0].row + 1, sheet.max_row + 1)
        if sheet.cell(r, column["实事内容"]).value and sheet.cell(r, column["实事类别"]).value
    )
    sheet.cell(row, column["实事类别"]).value = None
    book.save(form)
    loaded = load_templates(example / "templates")
    sub = read_one(form, form.name, loaded.campaign, loaded.roster)
    said = [f.message for f in sub.findings if f.code == "missing-category"]
    assert said == [
        f"民生实事台账第 {row} 行有实事内容但未填实事类别。请从下拉列表中选择实事类别后重新报送。"
    ]


def test_a_ledger_count_names_the_campaign_s_own_ledger_sheet():
    from dataclasses import replace

    from county_report.definition.checks import LedgerCount

    campaign = load_campaign(Path(__file__).resolve().parents[1] / "templates" / "form.toml")
    check = next(c for c in campaign.checks if isinstance(c, LedgerCount) and not c.status)
    renamed = replace(check, table=replace(check.table, sheet="问题清单"))
    found = list(renamed.run({check.metric.key: 4}, ({"status": "已解决"},) * 3))
    code, field, details = found[0]
    message = finding(code, label=field.label, **details).message
    assert message.startswith("问题清单中的问题共 3 条，与「")
