"""The shipped three-county example (issue 15): scripts/demo_rollup.py runs 示例县, 丰乐县 and
桃源县 over their villages, then 示例市 over their 上报表 and its 市直单位's hand-filled form.

The city's 合计 is checked against the counties' 合计 and, independently, against every village
form the counties counted, opened here with openpyxl and added up with Decimal; the code under
test only says which files were counted. The edge cases tests/test_rollup.py already covers (a
hand edit, another period or definition, a lower level's form) are not repeated here.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT
from make_fixtures import load_script, zip_members

from county_report.definition import load_campaign
from county_report.model import RunOptions
from county_report.pipeline import run

EXAMPLE = ROOT / "examples" / "三县汇总"
COUNTIES = ("示例县", "丰乐县", "桃源县")
CITY_OFFICE = "市直机关工委"  # the 市直单位 on the city's roster; fills the county-level form by hand
CAMPAIGN = load_campaign(ROOT / "templates" / "form.toml", level="市", unit_level="县")
METRICS = [m for m in CAMPAIGN.metrics if m.type.numeric]
TOTAL = "合计"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The whole demo, run once into a temporary folder: (folder, county results, city result)."""
    folder = tmp_path_factory.mktemp("rollup")
    counties, city = load_script("demo_rollup").demo_rollup(folder, say=lambda _: None)
    return folder, {r.workbook_path.parent.name: r for r in counties}, city


def rows(workbook: Path, sheet: str) -> list[dict]:
    header, *body = openpyxl.load_workbook(workbook, read_only=True)[sheet].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in body]


def exact(value) -> Decimal:
    return (
        Decimal(0) if value is None else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    )


def figures(row: dict) -> dict[str, Decimal]:
    return {m.key: exact(row[m.display_label]) for m in METRICS}


def added(*parts: dict[str, Decimal]) -> dict[str, Decimal]:
    return {m.key: sum((p[m.key] for p in parts), Decimal(0)) for m in METRICS}


# ---- the oracle: a form's figures read straight from its cells ---------------------------------
def _label(text: object) -> str:
    """A label as printed or typed: 走访农户（户） → 走访农户."""
    if not isinstance(text, str):
        return ""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return re.sub(r"\(.*\)$", "", text).rstrip(":")


def _number(raw: object) -> Decimal:
    """A figure as a village typed it: 120, "１２０", "1,200", "120户", " 120 ", 120.0; blank is 0."""
    if raw is None:
        return Decimal(0)
    if isinstance(raw, (int, float)):
        return exact(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
    return Decimal(re.match(r"-?[0-9.]+", text).group()) if text else Decimal(0)


def form_figures(path: Path) -> dict[str, Decimal]:
    """Every metric of one returned form, found by its label, the value in the cell to its right."""
    ws = openpyxl.load_workbook(path, data_only=True)["基本情况"]
    found = {}
    for row in ws.iter_rows():
        for cell, right in zip(row, row[1:], strict=False):
            found.setdefault(_label(cell.value), right.value)
    return {m.key: _number(found[m.label]) for m in METRICS}


def counted_forms(county: str, workbook: Path) -> list[Path]:
    """The village forms the county counted: its 分村明细 names them (superseded and rejected ones are not there)."""
    folder = ROOT / "inputs" if county == "示例县" else EXAMPLE / county / "inputs"
    return [folder / r["文件名"] for r in rows(workbook, "分村明细")]


# ---- end to end --------------------------------------------------------------------------------
def test_every_office_of_the_example_writes_its_outputs_and_the_city_counts_everyone(demo):
    folder, counties, city = demo
    assert sorted(counties) == sorted(COUNTIES)
    for name, result in counties.items():
        assert result.upward_path.name == f"上报表_{name}_2026-11-20.xlsx"
        assert result.report_path.is_file() and result.workbook_path.parent == folder / name
    assert (city.files_read, city.accepted, city.rejected, city.superseded) == (4, 4, 0, 0)
    assert [f.code for f in city.findings] == []  # no hand edit, one period, one definition
    assert city.workbook_path.parent == folder / "示例市" and city.report_path.is_file()
    assert city.upward_path.name == "上报表_示例市_2026-11-20.xlsx"  # for the province
    progress = {r["县"]: r["状态"] for r in rows(city.workbook_path, "上报进度")}
    assert progress == dict.fromkeys((*COUNTIES, CITY_OFFICE), "已报")


def test_the_citys_total_is_the_counties_totals_plus_its_own_office(demo):
    _, counties, city = demo
    city_rows = {r["县"]: r for r in rows(city.workbook_path, "全市汇总")}
    county_totals = {n: figures(rows(r.workbook_path, "全县汇总")[-1]) for n, r in counties.items()}
    office = form_figures(EXAMPLE / "示例市" / "inputs" / f"{CITY_OFFICE}.xlsx")
    assert figures(city_rows[TOTAL]) == added(*county_totals.values(), office)
    for name, total in county_totals.items():  # each county's row is what its 上报表 carried
        assert figures(city_rows[name]) == total, name


def test_the_citys_total_is_every_counted_village_form_read_directly(demo):
    _, counties, city = demo
    villages = []
    for name, result in counties.items():
        forms = counted_forms(name, result.workbook_path)
        assert len(forms) == result.accepted and all(f.is_file() for f in forms)
        villages += [form_figures(path) for path in forms]
    office = form_figures(EXAMPLE / "示例市" / "inputs" / f"{CITY_OFFICE}.xlsx")
    city_total = figures(rows(city.workbook_path, "全市汇总")[-1])
    assert city_total == added(*villages, office)
    assert len(villages) == 144 + 35 + 40  # the superseded, misspelt and inconsistent forms left out


def test_the_city_sees_every_countys_townships_as_their_submissions_carry_them(demo):
    _, counties, city = demo
    shown = rows(city.workbook_path, "分乡镇汇总")
    for name, result in counties.items():
        townships = [r for r in rows(result.workbook_path, "全县汇总") if r["乡镇（街道）"] != TOTAL]
        mine = [r for r in shown if r["县"] == name]
        assert [r["乡镇（街道）"] for r in mine] == [r["乡镇（街道）"] for r in townships]
        for sent, own in zip(mine, townships, strict=True):
            assert figures(sent) == figures(own), (name, own["乡镇（街道）"])


def test_the_citys_ledger_merges_the_open_items_the_counties_sent(demo):
    _, counties, city = demo
    ledger = rows(city.workbook_path, "问题台账")
    for name, result in counties.items():
        open_items = [r for r in rows(result.workbook_path, "问题台账") if r["办理状态"] != "已解决"]
        assert sum(r["县"] == name for r in ledger) == len(open_items), name
    assert sum(r["县"] == CITY_OFFICE for r in ledger) == int(
        form_figures(EXAMPLE / "示例市" / "inputs" / f"{CITY_OFFICE}.xlsx")["problems"]
    )  # a hand-filled form sends its whole ledger


def test_the_citys_own_submission_carries_the_city_total_to_the_province(demo):
    _, _, city = demo
    province = load_campaign(ROOT / "templates" / "form.toml", level="省", unit_level="市")
    from county_report.forms import form_layout

    layout = form_layout(province)
    sent = openpyxl.load_workbook(city.upward_path)[province.basic_sheet]
    total = figures(rows(city.workbook_path, "全市汇总")[-1])
    for m in METRICS:
        assert exact(sent[layout.fields[m.key].value_cell].value) == total[m.key], m.label


# ---- what the city sees when a county is late or sends twice ------------------------------------
def city_again(demo, tmp_path, change) -> object:
    """The city's run again, on its received files after `change(folder)`."""
    folder, _, city = demo
    inputs = tmp_path / "收到的报表"
    shutil.copytree(folder / "示例市" / "收到的报表", inputs)
    change(inputs)
    return run(RunOptions(inputs, tmp_path / "out", EXAMPLE / "示例市" / "templates", workers=0))


def test_a_county_that_has_not_submitted_is_missing_in_the_citys_progress(demo, tmp_path):
    _, counties, _ = demo
    late = city_again(demo, tmp_path, lambda f: (f / "上报表_桃源县_2026-11-20.xlsx").unlink())
    assert late.missing_units == (("", "桃源县"),) and late.accepted == 3
    progress = {r["县"]: (r["状态"], r["文件名"]) for r in rows(late.workbook_path, "上报进度")}
    assert progress["桃源县"] == ("未报", None) and progress["丰乐县"][0] == "已报"
    summary = {r["县"]: r for r in rows(late.workbook_path, "全市汇总")}
    assert summary["桃源县"]["上报情况"] == "未报" and summary["桃源县"]["走访农户（户）"] is None
    others = [figures(rows(counties[n].workbook_path, "全县汇总")[-1]) for n in ("示例县", "丰乐县")]
    office = form_figures(EXAMPLE / "示例市" / "inputs" / f"{CITY_OFFICE}.xlsx")
    assert figures(summary[TOTAL]) == added(*others, office)


def test_a_county_that_sends_its_submission_twice_is_counted_once(demo, tmp_path):
    _, counties, city = demo
    again = "丰乐县上报表（再发一次）.xlsx"
    twice = city_again(demo, tmp_path, lambda f: shutil.copy2(f / "上报表_丰乐县_2026-11-20.xlsx", f / again))
    assert (twice.accepted, twice.superseded) == (4, 1)
    [superseded] = [f for f in twice.findings if f.code == "superseded"]
    assert "丰乐县" in superseded.message
    assert rows(twice.workbook_path, "全市汇总")[-1] == rows(city.workbook_path, "全市汇总")[-1]


# ---- the committed example ---------------------------------------------------------------------
def test_every_office_of_the_example_uses_the_shipped_definition_byte_for_byte():
    """The city tells another definition by its digest: a copy that drifts would warn on every county."""
    shipped = (ROOT / "templates" / "form.toml").read_bytes()
    hint = "run: cp templates/form.toml examples/三县汇总/<office>/templates/form.toml"
    for office in ("示例市", "丰乐县", "桃源县"):
        assert (EXAMPLE / office / "templates" / "form.toml").read_bytes() == shipped, f"{office}: {hint}"


@pytest.mark.parametrize("office", ["示例市", "丰乐县", "桃源县"])
def test_committed_example_files_are_what_the_script_writes(office, tmp_path):
    folder = EXAMPLE / office
    written = load_script("make_example").make_example(folder, tmp_path / "inputs", tmp_path / "名册.xlsx")
    hint = f"example files are stale: run python scripts/make_example.py examples/三县汇总/{office}"
    committed = folder / "inputs"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.glob("*.xlsx")), hint
    for path in written:
        assert zip_members(path) == zip_members(committed / path.name), f"{hint} ({path.name})"
    assert zip_members(tmp_path / "名册.xlsx") == zip_members(folder / "templates" / "名册.xlsx"), hint


def test_the_readme_shows_the_demos_figures_and_its_command(demo):
    """The table under 演示：三个县和一个市 is the city's 全市汇总 as the demo writes it."""
    _, _, city = demo
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index("### 演示：三个县和一个市") :].split("\n## ")[0]
    assert "python scripts/demo_rollup.py --outputs 演示结果" in shown
    table = [line.split("|")[1:-1] for line in shown.splitlines() if line.startswith("| ")][1:]
    written = {r["县"]: r for r in rows(city.workbook_path, "全市汇总")}
    written["**示例市合计**"] = written[TOTAL]
    for name, _, households, problems, solved, rate in (map(str.strip, row) for row in table):
        row = written[name]
        assert [households, problems, solved] == [
            str(row[label]) for label in ("走访农户（户）", "梳理问题（个）", "已解决问题（个）")
        ], name
        assert rate == f"{row['办结率'] * 100:.1f}%", name
