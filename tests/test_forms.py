"""The form generator: protection, validations with Chinese prompts, A4, 填表说明, determinism."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from conftest import read_submission
from make_fixtures import load_demo_module, zip_members
from openpyxl import load_workbook

from county_report.definition import GROUP, UNIT, load_campaign
from county_report.forms import (
    BLANK_FORM_NAME,
    GUIDE_SHEET,
    form_layout,
    write_blank_form,
    write_forms,
    write_prefilled_forms,
)
from county_report.roster import Roster, load_roster
from county_report.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SPEC = load_campaign(TEMPLATES / "form.toml")
LAYOUT = form_layout(SPEC)
SMALL_ROSTER = Roster(groups=("城关镇", "龙泉镇"), units=(("城关镇", "东风村"), ("龙泉镇", "南街社区")))
TOWNSHIP_KEY, VILLAGE_KEY = SPEC.role(GROUP).key, SPEC.role(UNIT).key  # the place fields, by role


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = write_blank_form(SPEC, tmp_path_factory.mktemp("blank") / "标准表.xlsx", load_settings(TEMPLATES))
    return load_workbook(path)


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory):
    out = tmp_path_factory.mktemp("prefilled")
    return write_prefilled_forms(SPEC, SMALL_ROSTER, load_settings(TEMPLATES), out)


def validations_at(ws, address):
    return [dv for dv in ws.data_validations.dataValidation if address in dv.sqref]


def test_sheets_title_and_labels_come_from_the_spec(blank):
    assert blank.sheetnames == [*SPEC.sheets, GUIDE_SHEET]
    basic = blank[SPEC.basic_sheet]
    assert basic[LAYOUT.title_cell].value == "示例县“大走访”活动情况统计表"
    for f in SPEC.fields:
        place = LAYOUT.fields[f.key]
        assert basic[place.label_cell].value == f.display_label
        assert basic[place.value_cell].value is None
    assert basic[LAYOUT.fields["households"].label_cell].value == "走访农户（户）"
    for table, place in ((SPEC.ledger, LAYOUT.ledger), (SPEC.highlights, LAYOUT.highlights)):
        ws = blank[table.sheet]
        assert [ws[f"{place.columns[c.key]}{place.header_row}"].value for c in table.columns] == [
            c.header for c in table.columns
        ]


def test_basic_sheet_is_protected_with_value_cells_unlocked(blank):
    basic = blank[SPEC.basic_sheet]
    assert basic.protection.sheet
    assert basic.protection.insertRows is False  # villages may still insert rows
    for place in LAYOUT.fields.values():
        assert basic[place.label_cell].protection.locked
        assert not basic[place.value_cell].protection.locked
    ledger = blank[SPEC.ledger.sheet]
    assert ledger.protection.sheet and ledger["A1"].protection.locked
    assert not ledger.column_dimensions["C"].protection.locked  # rows typed later are open


def test_prefilled_forms_lock_township_and_village(prefilled):
    assert [p.name for p in prefilled] == ["城关镇-东风村.xlsx", "龙泉镇-南街社区.xlsx"]
    basic = load_workbook(prefilled[1])[SPEC.basic_sheet]
    township, village = (LAYOUT.fields[k].value_cell for k in (TOWNSHIP_KEY, VILLAGE_KEY))
    assert (basic[township].value, basic[village].value) == ("龙泉镇", "南街社区")
    assert basic[township].protection.locked and basic[village].protection.locked
    assert not basic[LAYOUT.fields["reporter"].value_cell].protection.locked


def test_metric_cells_validate_non_negative_numbers_with_chinese_prompts(blank):
    basic = blank[SPEC.basic_sheet]
    for m in SPEC.metrics:
        (dv,) = validations_at(basic, LAYOUT.fields[m.key].value_cell)
        assert dv.type == ("whole" if m.type.name == "integer" else "decimal")
        assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
        assert dv.showInputMessage and dv.showErrorMessage
        assert f"单位：{m.unit}" in dv.prompt and "请填写" in dv.prompt
        assert m.label in dv.error
    assert basic[LAYOUT.fields["relief"].value_cell].number_format == "0.00"


def test_date_cells_have_date_validation_and_format(blank):
    basic = blank[SPEC.basic_sheet]
    for key in ("filled_on", "as_of"):
        cell = LAYOUT.fields[key].value_cell
        assert basic[cell].number_format == "yyyy-mm-dd"
        (dv,) = validations_at(basic, cell)
        assert dv.type == "date" and "2026-11-20" in dv.prompt


def test_ledger_has_dropdowns_for_choices_and_date_checks(blank):
    ws, cols = blank[SPEC.ledger.sheet], LAYOUT.ledger.columns
    for role in ("category", "status"):
        column = SPEC.ledger.by_role(role)
        (dv,) = validations_at(ws, f"{cols[column.key]}500")
        assert dv.type == "list" and dv.formula1 == '"' + ",".join(column.choices) + '"'
        assert "请从下拉列表中选择" in dv.prompt
    (dv,) = validations_at(ws, f"{cols['deadline']}2")
    assert dv.type == "date"
    assert ws.column_dimensions[cols["deadline"]].number_format == "yyyy-mm-dd"


def test_every_sheet_prints_on_a4_fitted_to_width(blank):
    for ws in blank.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)


def test_guide_sheet_explains_every_field_unit_and_choice(blank):
    text = "\n".join(
        str(c.value) for row in blank[GUIDE_SHEET].iter_rows() for c in row if c.value is not None
    )
    for f in SPEC.fields:
        assert f.label in text
    assert "万元" in text and "人次" in text
    for choices in SPEC.choices.values():
        assert "、".join(choices) in text
    assert "「已解决问题」不能大于「梳理问题」" in text


def test_output_is_byte_identical_with_fixed_timestamps(tmp_path):
    a = write_blank_form(SPEC, tmp_path / "a.xlsx")
    b = write_blank_form(SPEC, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 8, 0, 0)}
        assert "2026-01-01T08:00:00Z" in z.read("docProps/core.xml").decode()


def test_adding_a_metric_to_form_toml_needs_no_code_change(tmp_path):
    text = (TEMPLATES / "form.toml").read_text(encoding="utf-8")
    anchor = '  { key = "deeds", label = "办实事好事", unit = "件", type = "integer", section = "惠民实事见效" },\n'
    new = '  { key = "trainings", label = "开展技能培训", unit = "期", type = "integer" },\n'
    assert anchor in text
    (tmp_path / "form.toml").write_text(text.replace(anchor, anchor + new), encoding="utf-8")
    spec = load_campaign(tmp_path / "form.toml")
    layout = form_layout(spec)
    path = write_blank_form(spec, tmp_path / "blank.xlsx")
    wb = load_workbook(path)
    basic = wb[spec.basic_sheet]
    place = layout.fields["trainings"]
    assert basic[place.label_cell].value == "开展技能培训（期）"
    assert "单位：期" in validations_at(basic, place.value_cell)[0].prompt
    assert "开展技能培训" in str([c.value for row in wb[GUIDE_SHEET].iter_rows() for c in row])
    roster = load_roster(TEMPLATES / "名册.xlsx", spec)
    township, village = roster.units[0]
    values = {
        TOWNSHIP_KEY: township,
        VILLAGE_KEY: village,
        "reporter": "张三",
        "filled_on": "2026-11-20",
        "as_of": "2026-11-20",
    }
    for key, value in {**values, **{m.key: 0 for m in spec.metrics}, "trainings": "7期"}.items():
        basic[layout.fields[key].value_cell] = value
    wb.save(path)
    assert read_submission(path, spec, roster, path.name).metrics["trainings"] == 7
    basic[place.value_cell] = "abc"
    wb.save(path)
    (bad,) = read_submission(path, spec, roster, path.name).findings
    assert (bad.code, bad.label, bad.cell) == ("not-a-number", "开展技能培训", place.value_cell)


def test_demo_is_reproducible_byte_for_byte(tmp_path):
    demo = load_demo_module()
    first = demo.make_demo(tmp_path / "a" / "inputs", tmp_path / "a" / "名册.xlsx", townships=1)
    second = demo.make_demo(tmp_path / "b" / "inputs", tmp_path / "b" / "名册.xlsx", townships=1)
    assert len(first) >= 12 and [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (tmp_path / "a" / "名册.xlsx").read_bytes() == (tmp_path / "b" / "名册.xlsx").read_bytes()


def test_demo_roster_is_a_realistic_county():
    roster = load_roster(TEMPLATES / "名册.xlsx", SPEC)
    assert len(roster.groups) >= 10 and len(roster.units) >= 150
    assert roster.aliases[("城关镇", "东风村委会")] == "东风村"
    assert all(v.endswith(("村", "社区")) for _, v in roster.units)


@pytest.mark.slow
def test_committed_demo_inputs_are_what_the_script_writes(tmp_path):
    demo = load_demo_module()
    written = demo.make_demo(tmp_path / "inputs", tmp_path / "名册.xlsx")
    hint = "demo files are stale: run python scripts/make_demo.py"
    assert sorted(p.name for p in written) == sorted(p.name for p in (ROOT / "inputs").glob("*.xlsx")), hint
    for path in written:
        assert zip_members(path) == zip_members(ROOT / "inputs" / path.name), f"{hint} ({path.name})"
    assert zip_members(tmp_path / "名册.xlsx") == zip_members(TEMPLATES / "名册.xlsx"), hint


def test_a_choice_list_too_long_for_excel_keeps_a_prompt_instead_of_a_broken_dropdown(tmp_path):
    category = SPEC.ledger.by_role("category")
    many = tuple(f"第{i}类问题的较长名称" for i in range(40))
    columns = tuple(dataclasses.replace(c, choices=many) if c is category else c for c in SPEC.ledger.columns)
    ledger = dataclasses.replace(SPEC.ledger, columns=columns)
    spec = dataclasses.replace(SPEC, definition=dataclasses.replace(SPEC.definition, ledger=ledger))
    ws = load_workbook(write_blank_form(spec, tmp_path / "long.xlsx"))[spec.ledger.sheet]
    (dv,) = validations_at(ws, f"{LAYOUT.ledger.columns[category.key]}2")
    assert dv.type is None and dv.prompt.startswith("可填写：第0类") and len(dv.prompt) <= 255


def test_write_forms_gives_the_blank_form_and_one_per_village(tmp_path):
    paths = write_forms(SPEC, SMALL_ROSTER, load_settings(TEMPLATES), tmp_path)
    assert [p.name for p in paths] == [BLANK_FORM_NAME, "城关镇-东风村.xlsx", "龙泉镇-南街社区.xlsx"]
    blank = load_workbook(paths[0])[SPEC.basic_sheet]
    assert blank[LAYOUT.fields[VILLAGE_KEY].value_cell].value is None
    assert not blank[LAYOUT.fields[VILLAGE_KEY].value_cell].protection.locked


def test_the_guide_counts_its_own_sheet_and_every_row_is_tall_enough_to_print_whole(blank):
    guide = blank[GUIDE_SHEET]
    first = guide["A3"].value
    assert first.startswith("1. 本表共 4 个工作表：「基本情况」「问题台账」「典型事例」和本「填表说明」。")
    assert "请逐一填写前 3 个" in first
    choices = next(row for row in guide.iter_rows() if row[1].value == "问题类别")
    assert choices[5].value.endswith("其他") and choices[5].alignment.wrap_text
    assert guide.row_dimensions[choices[0].row].height >= 31  # two lines: 其他 is not cut off on paper


def test_printed_tables_have_ruled_rows_and_every_sheet_a_signature_line(blank):
    ledger = blank[SPEC.ledger.sheet]
    ruled = [r for r in range(2, 60) if ledger.cell(r, 1).border.bottom.style == "thin"]
    assert ruled == list(range(2, 2 + len(ruled))) and len(ruled) >= 15
    assert all(ledger.cell(r, len(SPEC.ledger.columns)).border.right.style == "thin" for r in ruled)
    for ws in (ledger, blank[SPEC.highlights.sheet]):
        footer = (ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text)
        assert [part.strip("\u3000") for part in footer] == [
            "填报单位（盖章）：",
            "负责人（签字）：",
            "填报人（签字）：",
        ]
    texts = [c.value for row in blank[SPEC.basic_sheet].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("填报单位（盖章）：") and "负责人（签字）：" in t for t in texts)


def test_a_signed_and_ruled_form_still_reads_back_without_findings(tmp_path):
    from fixtures.make_finding_fixtures import write_form

    from county_report.roster import Roster as _Roster

    roster = _Roster(("城关镇",), (("城关镇", "东风村"),))
    sub = read_submission(write_form(tmp_path / "东风村.xlsx"), SPEC, roster, "东风村.xlsx")
    assert sub.findings == () and len(sub.ledger) == 4  # ruled blank rows and the signature are no rows


def test_the_period_fixed_in_settings_is_prefilled_and_locked(tmp_path):
    from datetime import date

    from county_report.definition import AS_OF
    from county_report.settings import Settings

    settings = Settings("示例县", "大走访", "县委办", cutoff=date(2026, 11, 20))
    paths = write_forms(SPEC, SMALL_ROSTER, settings, tmp_path)
    cell = LAYOUT.fields[SPEC.role(AS_OF).key].value_cell
    for path in paths:
        value = load_workbook(path)[SPEC.basic_sheet][cell]
        assert value.value.date() == date(2026, 11, 20) and value.protection.locked
    unset = write_blank_form(SPEC, tmp_path / "未定.xlsx", load_settings(TEMPLATES))
    assert load_workbook(unset)[SPEC.basic_sheet][cell].value is None
