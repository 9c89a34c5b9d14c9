"""The example offices in examples/: a city over its counties and 市直单位 (unit types, no group
level), a township over its villages, and a county over the 联系点 of its 乡镇 (unit types and a
group level; its averaged and computed metrics are checked in test_zoujiceng.py). Each is run
through the real command line with `--templates`, its planned mistakes are found with their codes,
and its workbook is read back and checked against plain sums of the rows it lists.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT
from make_fixtures import load_script, zip_members

from county_report import cli
from county_report.aggregate import aggregate
from county_report.forms import prefilled_name
from county_report.intake import take_in
from county_report.model import RunOptions
from county_report.pipeline import run
from county_report.selection import select
from county_report.templates import load_templates
from county_report.workbook import write_workbook

EXAMPLES = ROOT / "examples"
TOTAL = "合计"


@dataclass(frozen=True)
class Plan:
    """What an example's demo holds, as its demo.toml plans it and the README describes it."""

    name: str
    sheets: list[str]
    units: int  # in the roster
    files: int
    accepted: int
    errors: dict[str, list[str]]  # file → error codes (the file is rejected)
    warnings: dict[str, list[str]]  # file → warning codes (the file still counts, unless superseded)
    missing: list[str]  # no file counted and none to correct
    to_correct: list[str]
    misspelt: tuple[str, str]  # what a unit typed, its name in the roster
    types: dict[str, int] = field(default_factory=dict)  # unit type → units in the roster
    group: str = ""  # the misspelt unit's group, when the office has a group level (乡镇)

    @property
    def grouped(self) -> bool:
        return bool(self.group)


CITY = Plan(
    name="示例市大走访",
    sheets=[  # 图表 (issue 15) stands right after the summary
        "全市汇总",
        "图表",
        "分单位明细",
        "上报进度",
        "市级协调问题台账",
        "问题分类统计",
        "典型事例",
        "分类型统计",
        "校验结果",
    ],
    units=18,
    files=17,
    accepted=14,
    errors={"石全县.xlsx": ["unknown-village"], "平山县.xlsx": ["not-greater"]},
    warnings={
        "东湖区.xlsx": ["superseded"],
        "宁远县.xlsx": ["as-of-mismatch"],
        "市商务局.xlsx": ["not-applicable"],
        "市教育局.xlsx": ["blank-metric"],
    },
    missing=["石泉县", "云台县", "市卫生健康委"],
    to_correct=["平山县"],
    misspelt=("石全县", "石泉县"),
    types={"区": 3, "县": 5, "县级市": 2, "市直单位": 8},
)
TOWN = Plan(
    name="示例镇大走访",
    sheets=["全镇汇总", "图表", "分村明细", "上报进度", "问题台账", "问题分类统计", "典型事例", "校验结果"],
    units=20,
    files=18,
    accepted=15,
    errors={"白河村.xlsx": ["unknown-village"], "石堰村.xlsx": ["not-greater"]},
    warnings={
        "大湾村.xlsx": ["superseded"],
        "油坊村.xlsx": ["as-of-mismatch"],
        "桂花村.xlsx": ["blank-metric"],
    },
    missing=["文昌社区", "白鹤村", "杉树村", "马桥村"],
    to_correct=["石堰村"],
    misspelt=("白河村", "白鹤村"),
)
COUNTY = Plan(
    name="示例县走基层",
    sheets=[
        "全县汇总",
        "图表",
        "分联系点明细",
        "上报进度",
        "问题台账",
        "问题分类统计",
        "典型事例",
        "民生实事台账",
        "台账统计",
        "分类型统计",
        "校验结果",
    ],
    units=33,
    files=32,
    accepted=29,
    errors={"青石镇-杨六村.xlsx": ["unknown-village"], "柳河乡-上坝村.xlsx": ["not-greater"]},
    warnings={
        "城关镇-滨河社区.xlsx": ["superseded"],
        "城关镇-北坪村.xlsx": ["as-of-mismatch"],
        "白云街道-锦程电子公司.xlsx": ["not-applicable"],
        "马鞍乡-松林村.xlsx": ["blank-mean"],
    },
    missing=["青石镇杨柳村", "青石镇干沟村", "白云街道新城社区"],
    to_correct=["柳河乡上坝村"],
    misspelt=("杨六村", "杨柳村"),
    types={"村": 19, "社区": 8, "企业": 6},
    group="青石镇",
)
PLANS = {p.name: p for p in (CITY, TOWN, COUNTY)}
ONLY_WITH_TYPES = pytest.mark.parametrize("plan", [p.name for p in PLANS.values() if p.types], indirect=True)
ONLY_THE_CITY = pytest.mark.parametrize("plan", [CITY.name], indirect=True)


def folder(plan: Plan) -> Path:
    return EXAMPLES / plan.name


@pytest.fixture(scope="module", params=list(PLANS))
def plan(request) -> Plan:
    return PLANS[request.param]


def test_every_example_folder_is_planned_here():
    assert sorted(p.parent.name for p in EXAMPLES.glob("*/demo.toml")) == sorted(PLANS)


def test_the_definition_loads_with_the_office_nouns(plan):
    loaded = load_templates(folder(plan) / "templates")
    scope, roster = loaded.campaign.scope, loaded.roster
    assert [scope.summary_sheet, scope.detail_sheet] == [plan.sheets[0], plan.sheets[2]]
    # the city and the township: units directly under the office; the county: 乡镇 between
    assert (scope.group is not None) == loaded.campaign.has_groups == plan.grouped
    assert len(roster.units) == plan.units
    assert dict(Counter(roster.types.values())) == plan.types


def _check_run(plan: Plan, capsys) -> tuple[int, dict]:
    args = ["check", "--json", "--workers", "0"]
    args += ["--templates", str(folder(plan) / "templates"), "--inputs", str(folder(plan) / "inputs")]
    code = cli.main(args)
    return code, json.loads(capsys.readouterr().out)


def test_the_check_run_finds_exactly_the_planned_mistakes(plan, capsys):
    code, summary = _check_run(plan, capsys)
    noun = load_templates(folder(plan) / "templates").campaign.scope.unit.short
    assert code == 1 and summary["退出码"] == 1
    assert (summary["读取文件数"], summary["采用"], summary["拒收"], summary["被取代"], summary["跳过"]) == (
        plan.files,
        plan.accepted,
        len(plan.errors),
        1,
        0,
    )
    assert (summary[f"应报{noun}数"], summary[f"已报{noun}数"]) == (plan.units, plan.accepted)
    assert sorted(summary[f"未报{noun}"]) == sorted(plan.missing)
    assert summary[f"有误待更正{noun}"] == plan.to_correct
    found: dict[str, dict[str, list[str]]] = {"错误": defaultdict(list), "警告": defaultdict(list)}
    for f in summary["findings"]:
        found[f["severity"]][f["file"]].append(f["code"])
    assert dict(found["错误"]) == plan.errors
    assert dict(found["警告"]) == plan.warnings


def test_a_misspelt_unit_is_told_the_roster_name(plan, capsys):
    _, summary = _check_run(plan, capsys)
    [unknown] = [f for f in summary["findings"] if f["code"] == "unknown-village"]
    typed, meant = plan.misspelt
    assert (unknown["file"], unknown["value"]) == (prefilled_name(plan.group, typed), typed)
    assert f"是否应为「{meant}」？" in unknown["message"]  # then the action (issue 15)


@pytest.fixture(scope="module")
def book(plan, tmp_path_factory):
    """The example's workbook, built as a full run builds it (aggregate + write_workbook), read back."""
    templates = folder(plan) / "templates"
    loaded = load_templates(templates)
    intake = take_in(folder(plan) / "inputs", templates, 0)
    chosen = select(intake.submissions, loaded.roster)
    agg = aggregate(chosen.counted, loaded.roster, loaded.campaign, chosen.period, chosen.to_correct)
    findings = [f for s in intake.submissions for f in s.findings]
    path = write_workbook(agg, findings, tmp_path_factory.mktemp(plan.name) / "汇总表.xlsx")
    return loaded, openpyxl.load_workbook(path)


def table(ws) -> list[dict]:
    header, *rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def exact(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def test_the_workbook_sheets_are_named_by_the_office(book, plan):
    _, wb = book
    assert wb.sheetnames == plan.sheets


def test_the_total_row_is_the_plain_sum_of_the_unit_rows(book, plan):
    """Every metric that adds up (sum, count, derived); the averages are test_zoujiceng.py's."""
    loaded, wb = book
    campaign = loaded.campaign
    summary, detail = table(wb[plan.sheets[0]]), table(wb[plan.sheets[2]])
    if plan.grouped:
        return _groups_add_up(loaded, summary, detail, plan)
    *units, total = summary
    unit_label = campaign.scope.unit.name
    assert total[unit_label] == TOTAL and len(detail) == plan.accepted
    assert [r[unit_label] for r in units] == [u for _, u in loaded.roster.units]
    reported = {r[unit_label]: r for r in detail}
    for m in (m for m in campaign.figures if m.kind.additive):
        label = m.display_label
        plain = sum(exact(r[label]) for r in detail if r[label] is not None)
        assert exact(total[label]) == plain, label
        assert sum(exact(r[label]) for r in units if r[label] is not None) == plain, label
        for row in units:  # a unit's row in the summary is its own figure: blank if it did not report
            unit = row[unit_label]  # (changed: its figures are unknown, not 0), blank where not applying
            own = reported[unit][label] if unit in reported else None
            assert row[label] == (own if m.applies(loaded.roster.type_of(("", unit))) else None), (
                unit,
                label,
            )
    rate = campaign.rates[0]
    solved, asked = (sum(r[f.display_label] for r in detail) for f in (rate.numerator, rate.denominator))
    assert total[rate.label] == pytest.approx(solved / asked)


def _groups_add_up(loaded, summary: list[dict], detail: list[dict], plan: Plan) -> None:
    """With a group level: one row per group (roster order), each the plain sum of its units' rows."""
    campaign = loaded.campaign
    group_label = campaign.scope.group.name
    *groups, total = summary
    assert total[group_label] == TOTAL and len(detail) == plan.accepted
    assert [r[group_label] for r in groups] == list(loaded.roster.groups)
    for m in (m for m in campaign.figures if m.kind.additive):
        label = m.display_label
        plain = sum(exact(r[label]) for r in detail if r[label] is not None)
        assert exact(total[label]) == plain, label
        for row in groups:
            own = [r[label] for r in detail if r[group_label] == row[group_label] and r[label] is not None]
            assert exact(row[label]) == sum(exact(v) for v in own), (row[group_label], label)
    rate = campaign.rates[0]
    solved, asked = (sum(r[f.display_label] for r in detail) for f in (rate.numerator, rate.denominator))
    assert total[rate.label] == pytest.approx(solved / asked)


def _place(row: dict, loaded) -> str:
    """A progress row's unit as the run summary names it: with its group when the office has one."""
    group = loaded.campaign.scope.group
    return (row[group.name] if group else "") + row[loaded.campaign.scope.unit.name]


def test_the_progress_sheet_lists_every_roster_unit_with_its_standing(book, plan):
    loaded, wb = book
    progress = table(wb["上报进度"])
    assert len(progress) == plan.units
    standing = {_place(r, loaded): r["状态"] for r in progress}
    assert sorted(u for u, s in standing.items() if s == "未报") == sorted(plan.missing)
    assert [u for u, s in standing.items() if s == "有误待更正"] == plan.to_correct


@ONLY_THE_CITY
def test_a_metric_that_does_not_apply_to_city_offices_is_blank_there_without_a_finding(book, plan):
    loaded, wb = book
    campaign = loaded.campaign
    county_only = [m for m in campaign.metrics if m.applies_to and not m.applies("市直单位")]
    assert {m.label for m in county_only} >= {"走访农户", "化解矛盾纠纷"}
    unit_label = campaign.scope.unit.name
    offices = {u for (_, u), t in loaded.roster.types.items() if t == "市直单位"}
    detail, summary = table(wb[plan.sheets[2]]), table(wb[plan.sheets[0]])
    for rows in (detail, [r for r in summary if r[unit_label] in offices]):
        for row in (r for r in rows if r[unit_label] in offices):
            assert all(row[m.display_label] is None for m in county_only), row[unit_label]
    assert all(r["类型"] != "市直单位" or r[unit_label] in offices for r in detail)
    findings = table(wb["校验结果"])
    about_blanks = [
        f for f in findings if f["标签"] in {m.label for m in county_only} and f["类型"] != "不适用的指标"
    ]
    assert about_blanks == []
    [wrong] = [f for f in findings if f["类型"] == "不适用的指标"]  # the one office that filled one in
    assert (wrong["文件"], wrong["标签"], wrong["值"]) == ("市商务局.xlsx", "走访农户", "36")


@ONLY_WITH_TYPES
def test_the_type_sheet_counts_and_adds_up_by_type(book, plan):
    loaded, wb = book
    scope = loaded.campaign.scope
    by_type = {r["类型"]: r for r in table(wb["分类型统计"])}
    assert list(by_type) == list(plan.types)
    detail = table(wb[plan.sheets[2]])
    reported = Counter(r["类型"] for r in detail)
    for name, expected in plan.types.items():
        row = by_type[name]
        assert (row[scope.expected_header], row[scope.reported_header]) == (expected, reported[name])
        for m in loaded.campaign.figures:
            label = m.display_label
            if not m.applies(name):
                assert row[label] is None, (name, label)
                continue
            if not m.kind.additive:  # an average: test_zoujiceng.py
                continue
            plain = sum(exact(r[label]) for r in detail if r["类型"] == name and r[label] is not None)
            assert exact(row[label]) == plain, (name, label)


def test_a_full_run_writes_the_workbook_and_the_report(plan, tmp_path):
    options = RunOptions(folder(plan) / "inputs", tmp_path, folder(plan) / "templates", workers=0)
    result = run(options)
    # no Word template in the example: the report is rendered from the one its definition generates
    assert not (folder(plan) / "templates" / "工作总结模板.docx").exists()
    assert result.exit_code == 1 and result.workbook_path.is_file() and result.report_path.is_file()
    assert openpyxl.load_workbook(result.workbook_path).sheetnames == plan.sheets


def test_committed_example_files_are_what_the_script_writes(plan, tmp_path):
    make_example = load_script("make_example")
    written = make_example.make_example(folder(plan), tmp_path / "inputs", tmp_path / "名册.xlsx")
    hint = f"example files are stale: run python scripts/make_example.py examples/{plan.name}"
    committed = folder(plan) / "inputs"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.glob("*.xlsx")), hint
    for path in written:
        assert zip_members(path) == zip_members(committed / path.name), f"{hint} ({path.name})"
    assert zip_members(tmp_path / "名册.xlsx") == zip_members(folder(plan) / "templates" / "名册.xlsx"), hint


GROUPED_DEMO = """
seed = 1
as_of = 2026-11-20
[[roster]]
group = "城关镇"
units = ["东风村", "红旗村", "南街社区"]
[[roster]]
group = "河西乡"
units = ["柳树村", "杨家村"]
[aliases]
"东风村" = ["东风村委会"]
[figures]
problems = [3, 12]
solved = { of = "problems", share = [0.5, 1.0] }
[mistakes]
missing = ["杨家村"]
misspelt = { unit = "红旗村", typed = "红棋村" }
not_greater = "南街社区"
duplicate = "柳树村"
alias = "东风村"
"""


def test_the_generator_serves_an_office_with_a_group_level(tmp_path):
    """The shipped county's definition (乡镇 between county and village) with a tiny demo.toml."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("form.toml", "名册.xlsx"):  # the roster carries the 设置 sheet the generator reads
        (templates / name).write_bytes((ROOT / "templates" / name).read_bytes())
    (tmp_path / "demo.toml").write_text(GROUPED_DEMO, encoding="utf-8")
    written = load_script("make_example").make_example(tmp_path)
    assert sorted(p.name for p in written) == [
        "城关镇-东风村委会.xlsx",
        "城关镇-南街社区.xlsx",
        "城关镇-红棋村.xlsx",
        "河西乡-柳树村.xlsx",
        "河西乡-柳树村（更正）.xlsx",
    ]
    result = run(RunOptions(tmp_path / "inputs", tmp_path / "out", templates, check_only=True, workers=0))
    errors = sorted((f.file, f.code) for f in result.findings if f.is_error)
    assert errors == [("城关镇-南街社区.xlsx", "not-greater"), ("城关镇-红棋村.xlsx", "unknown-village")]
    assert (result.accepted, result.superseded, result.missing_units) == (
        2,
        1,
        (("城关镇", "红旗村"), ("河西乡", "杨家村")),
    )


def test_a_demo_run_names_the_forms_it_did_not_write_and_keeps_them(tmp_path, capsys):
    fill = load_script("demo_fill")  # make_demo.py and make_example.py both end with this
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    written = [inputs / "城关镇-东风村.xlsx"]
    real = inputs / "城关镇-黄龙村.xlsx"
    for path in (*written, real):
        path.write_bytes(b"")
    fill.report_written(tmp_path / "名册.xlsx", inputs, written)
    assert capsys.readouterr().out.splitlines() == [
        f"已写入名册 {tmp_path / '名册.xlsx'} 和 1 份演示报表到 {inputs}",
        f"注意：{inputs} 中另有 1 个文件不是本次生成的，未删除：",
        "  城关镇-黄龙村.xlsx",
    ]
    assert real.is_file()
