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
    ("not-a-number", "基本情况", "B11", "「走访农户」的值「三百户」不是数字。", False),
    ("negative-number", "基本情况", "B14", "「召开院坝会座谈会」的值「-3」是负数，应为 0 或正数。", False),
    ("not-an-integer", "基本情况", "B10", "「参与走访干部」的值「12.5」不是整数。", False),
    ("blank-metric", "基本情况", "B13", "「走访企业」未填写，按 0 计算。", True),
    ("missing-field", "基本情况", "B5", "必填项「填报人」未填写。", False),
    (
        "bad-date",
        "基本情况",
        "B7",
        "「填报日期」的值「十一月二十日」不是有效日期，请填写如 2026年11月20日 或 2026-11-20。",
        False,
    ),
    ("unknown-township", "基本情况", "B3", "乡镇（街道）「城关真」不在名册中。是否应为「城关镇」？", False),
    (
        "unknown-village",
        "基本情况",
        "B4",
        "「东凤村」不在名册中「城关镇」的村（社区）里。是否应为「东风村」？",
        False,
    ),
    (
        "bad-choice",
        "问题台账",
        "G5",
        "「办理状态」的值「已办结」不在可选项中（可选：已解决、办理中、未启动）。",
        False,
    ),
    ("missing-category", "问题台账", "B5", "问题台账第 5 行有问题描述但未填问题类别。", False),
    (
        "ledger-bad-date",
        "问题台账",
        "F5",
        "问题台账第 5 行「办理时限」的值「年底前」不是有效日期，该问题不参与超期统计。",
        True,
    ),
    (
        "ledger-count-mismatch",
        "基本情况",
        "B17",
        "问题台账中的问题共 3 条，与「梳理问题」填报的 4 不一致。",
        True,
    ),
    ("text-cleaned", "基本情况", "B5", "「填报人」中含有控制字符，已删除。", True),
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
    assert (f.cell, f.message) == ("B18", "「已解决问题」（6）大于「梳理问题」（4），请核实。")
    assert f.severity is Severity.ERROR and not sub.accepted
    # the ledger disagreeing with 已解决问题 is reported too: every finding of a file, not the first
    assert (
        codes["ledger-count-mismatch"].message
        == "问题台账中状态为「已解决」的问题共 3 条，与「已解决问题」填报的 6 不一致。"
    )


def test_a_workbook_that_is_not_the_form_says_which_sheets_are_missing():
    sub, f = only("not-standard-form")
    assert (
        f.message
        == "不是标准表：缺少工作表「基本情况」「问题台账」「典型事例」。请使用县里下发的标准表填报。"
    )
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
