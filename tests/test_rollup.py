"""Roll-up (issue 12): a county's upward submission read by the city with the same reader, beside
a county form filled by hand; hand edits, stale periods, other definitions and double counting."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

from county_report.definition import GROUP, UNIT, load_campaign
from county_report.forms import build_form, form_layout
from county_report.model import RunOptions
from county_report.pipeline import run
from county_report.stable_xlsx import save_workbook

DAY = date(2026, 11, 22)
CITY_SETTINGS = '"县名" = "示例市"\n"活动名称" = "大走访"\n"发文单位" = "中共示例市委办公室"\n"本级层级" = "市"\n"报送层级" = "县"\n'


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The shipped demo county's full run: its outputs, the upward submission among them."""
    out = tmp_path_factory.mktemp("county")
    result = run(RunOptions(ROOT / "inputs", out, ROOT / "templates"), report_date=DAY)
    assert result.upward_path is not None and result.upward_path.name == "上报表_示例县_2026-11-20.xlsx"
    return result


def city_templates(folder: Path, counties=("示例县", "另一县")) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "form.toml", folder / "form.toml")
    (folder / "settings.toml").write_text(CITY_SETTINGS, encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["县"])
    for name in counties:
        wb.active.append([name])
    wb.save(folder / "名册.xlsx")
    return folder


def hand_filled_county(path: Path, name: str, households: int, as_of=date(2026, 11, 20)) -> Path:
    """The blank county-level form, filled by a clerk who does not use the tool."""
    campaign = load_campaign(ROOT / "templates" / "form.toml", level="市", unit_level="县")
    wb = build_form(campaign, "", ("", name))
    layout, ws = form_layout(campaign), wb[campaign.basic_sheet]
    values = {"reporter": "李明", "filled_on": as_of, "as_of": as_of} | {
        m.key: 0 for m in campaign.form_metrics
    }
    values["households"] = households
    for key, value in values.items():
        ws[layout.fields[key].value_cell] = value
    return save_workbook(wb, path)


def total(workbook: Path, sheet: str, header: str):
    rows = list(openpyxl.load_workbook(workbook)[sheet].iter_rows(values_only=True))
    return dict(zip(rows[0], rows[-1], strict=True))[header]


def city_run(tmp_path, inputs: list[Path], counties=("示例县", "另一县")):
    folder = tmp_path / "inputs"
    folder.mkdir()
    for path in inputs:
        shutil.copy(path, folder / path.name)
    templates = city_templates(tmp_path / "templates", counties)
    return run(RunOptions(folder, tmp_path / "outputs", templates, workers=0), report_date=DAY)


def test_the_city_adds_the_tools_file_and_a_hand_filled_form(county, tmp_path):
    other = hand_filled_county(tmp_path / "另一县.xlsx", "另一县", 1000)
    result = city_run(tmp_path, [county.upward_path, other])
    assert (result.accepted, result.rejected) == (2, 0)
    assert [f.code for f in result.findings] == []  # the extract skips ledger counts; nothing edited
    county_households = total(county.workbook_path, "全县汇总", "走访农户（户）")
    assert total(result.workbook_path, "全市汇总", "走访农户（户）") == county_households + 1000
    book = openpyxl.load_workbook(result.workbook_path)
    assert "分乡镇汇总" in book.sheetnames  # the county's 乡镇, as its submission sent them
    assert result.upward_path.name == "上报表_示例市_2026-11-20.xlsx"  # the city reports to the 省
    province = load_campaign(ROOT / "templates" / "form.toml", level="省", unit_level="市")
    sent = openpyxl.load_workbook(result.upward_path)[province.basic_sheet]
    assert sent[form_layout(province).fields["households"].value_cell].value == county_households + 1000


def test_a_figure_edited_by_hand_is_accepted_with_a_warning_at_its_cell(county, tmp_path):
    edited = tmp_path / county.upward_path.name
    wb = openpyxl.load_workbook(county.upward_path)
    campaign = load_campaign(ROOT / "templates" / "form.toml", level="市", unit_level="县")
    cell = form_layout(campaign).fields["households"].value_cell
    wb[campaign.basic_sheet][cell] = 99999
    wb.save(edited)
    result = city_run(tmp_path, [edited], counties=("示例县",))
    [warning] = result.findings
    assert (warning.code, warning.cell, warning.label, result.accepted) == (
        "upward-edited",
        cell,
        "走访农户",
        1,
    )
    assert "99999" in warning.message and total(result.workbook_path, "全市汇总", "走访农户（户）") == 99999


def test_a_stale_period_and_another_definition_are_named(county, tmp_path):
    stale = hand_filled_county(tmp_path / "另一县.xlsx", "另一县", 5, as_of=date(2026, 10, 31))
    folder = tmp_path / "city"
    folder.mkdir()
    result = city_run(folder, [county.upward_path, stale])
    [mismatch] = [f for f in result.findings if f.code == "as-of-mismatch"]
    assert mismatch.file == "另一县.xlsx" and "2026-10-31" in mismatch.message
    changed = tmp_path / "changed"
    templates = city_templates(changed / "templates")
    (templates / "form.toml").write_text(
        (templates / "form.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2026.2"', 'version = "2027.1"'),
        encoding="utf-8",
    )
    (changed / "in").mkdir()
    shutil.copy(county.upward_path, changed / "in")
    again = run(RunOptions(changed / "in", changed / "out", templates, workers=0), report_date=DAY)
    [other] = again.findings
    assert other.code == "upward-other-definition" and "2026.2" in other.message


def test_a_township_form_at_the_city_is_refused_and_never_counted(county, tmp_path):
    """At an office that receives county submissions, a township's own form is the wrong level."""
    campaign = load_campaign(ROOT / "templates" / "form.toml", level="县")
    wb = build_form(campaign, "", ("城关镇", "东风村"))
    township_form = save_workbook(wb, tmp_path / "城关镇-东风村.xlsx")
    result = city_run(tmp_path, [county.upward_path, township_form], counties=("示例县", "城关镇"))
    codes = {f.file: f.code for f in result.findings if f.is_error}
    assert codes == {"城关镇-东风村.xlsx": "lower-level-form"}


def test_a_village_form_beside_its_townships_submission_is_named_as_double_counting(tmp_path):
    """A county receiving township submissions: a village form of 城关镇 beside 城关镇's own file."""
    township = load_campaign(ROOT / "templates" / "form.toml", level="乡镇")
    county = load_campaign(ROOT / "templates" / "form.toml", level="县", unit_level="乡镇")
    up = build_form(county, "", ("", "城关镇"))
    layout, ws = form_layout(county), up[county.basic_sheet]
    for key, value in {
        "reporter": "王",
        "filled_on": date(2026, 11, 20),
        "as_of": date(2026, 11, 20),
    }.items():
        ws[layout.fields[key].value_cell] = value
    for m in county.form_metrics:
        ws[layout.fields[m.key].value_cell] = 1
    inputs = [save_workbook(up, tmp_path / "上报表_城关镇.xlsx")]
    village = build_form(load_campaign(ROOT / "templates" / "form.toml"), "", ("城关镇", "东风村"))
    inputs.append(save_workbook(village, tmp_path / "城关镇-东风村.xlsx"))
    folder = tmp_path / "county"
    folder.mkdir()
    for p in inputs:
        shutil.copy(p, folder / p.name)
    templates = city_templates(tmp_path / "templates", ("城关镇", "河西乡"))
    (templates / "settings.toml").write_text(
        '"县名" = "示例县"\n"活动名称" = "大走访"\n"发文单位" = "县委办"\n"本级层级" = "县"\n"报送层级" = "乡镇"\n',
        "utf-8",
    )
    wb = openpyxl.Workbook()
    wb.active.append(["乡镇（街道）"])
    wb.active.append(["城关镇"])
    wb.active.append(["河西乡"])
    wb.save(templates / "名册.xlsx")
    result = run(RunOptions(folder, tmp_path / "out", templates, workers=0), report_date=DAY)
    double = [f for f in result.findings if f.code == "double-counted"]
    assert (
        len(double) == 1
        and "上报表_城关镇.xlsx" in double[0].message
        and double[0].file == "城关镇-东风村.xlsx"
    )
    assert result.accepted == 1 and township.scope.unit.name == "村（社区）"
    assert GROUP and UNIT  # roles exist for every level


def office_templates(folder: Path, settings: str, header: list[str], rows: list[list]) -> Path:
    """The shipped definition with another office's settings and roster."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "form.toml", folder / "form.toml")
    (folder / "settings.toml").write_text(settings, encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    wb.save(folder / "名册.xlsx")
    return folder


def test_a_township_is_a_level_whose_submission_a_county_set_to_receive_townships_counts(county, tmp_path):
    """城关镇 runs over its own villages; a county whose 报送层级 is 乡镇 counts its 上报表, and gets
    the very 城关镇 figures the shipped county got from the same village forms."""
    roster = list(
        openpyxl.load_workbook(ROOT / "templates" / "名册.xlsx")["名册"].iter_rows(values_only=True)
    )
    villages = [[v, alias] for t, v, alias in roster[1:] if t == "城关镇"]
    township = office_templates(
        tmp_path / "镇",
        '"县名" = "城关镇"\n"活动名称" = "大走访"\n"发文单位" = "中共城关镇委员会"\n"本级层级" = "乡镇"\n',
        ["村（社区）", "别名"],
        villages,
    )
    forms = tmp_path / "镇收到的村报表"
    forms.mkdir()
    for path in (ROOT / "inputs").glob("城关镇-*.xlsx"):
        shutil.copy(path, forms / path.name)
    town = run(RunOptions(forms, tmp_path / "镇输出", township, workers=0), report_date=DAY)
    assert town.upward_path.name == "上报表_城关镇_2026-11-20.xlsx"
    assert town.workbook_path and "全乡镇汇总" in openpyxl.load_workbook(town.workbook_path).sheetnames

    townships = sorted({t for t, *_ in roster[1:]})
    settings = '"县名" = "示例县"\n"活动名称" = "大走访"\n"发文单位" = "中共示例县委办公室"\n'
    receiving = office_templates(
        tmp_path / "县", settings + '"报送层级" = "乡镇"\n', ["乡镇（街道）"], [[t] for t in townships]
    )
    sent = tmp_path / "县收到的上报表"
    sent.mkdir()
    shutil.copy(town.upward_path, sent / town.upward_path.name)
    result = run(RunOptions(sent, tmp_path / "县输出", receiving, workers=0), report_date=DAY)
    assert (result.accepted, [f.code for f in result.findings]) == (1, [])
    by_township = {
        r[0]: r for r in openpyxl.load_workbook(result.workbook_path)["全县汇总"].iter_rows(values_only=True)
    }
    header = by_township["乡镇（街道）"]
    direct = {
        r[0]: r for r in openpyxl.load_workbook(county.workbook_path)["全县汇总"].iter_rows(values_only=True)
    }
    direct_header = direct["乡镇（街道）"]
    for label in ("走访农户（户）", "梳理问题（个）", "发放慰问金（元）", "投入帮扶资金（万元）"):
        via_township = by_township["城关镇"][header.index(label)]
        assert via_township == direct["城关镇"][direct_header.index(label)], label

    default = office_templates(
        tmp_path / "县（收村报表）", settings, ["乡镇（街道）", "村（社区）", "别名"], roster[1:]
    )
    refused = run(RunOptions(sent, tmp_path / "out", default, check_only=True, workers=0))
    [wrong] = refused.findings
    assert (wrong.code, wrong.value, refused.accepted) == ("upward-other-level", "城关镇", 0)
    assert "把「报送层级」填为 乡镇（街道）" in wrong.message
