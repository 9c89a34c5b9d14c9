"""The county's settings: the 设置 sheet of 名册.xlsx, the older settings.toml, and the period's precedence."""

from __future__ import annotations

import codecs
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

from county_report.definition import load_campaign
from county_report.errors import ConfigError
from county_report.model import RunOptions
from county_report.pipeline import run
from county_report.roster import load_roster
from county_report.settings import (
    SETTING_ROWS,
    SETTINGS_SHEET,
    Settings,
    load_settings,
    read_settings_sheet,
)
from county_report.settings_sheet import convert_settings_toml, settings_rows, write_settings_sheet

SPEC = load_campaign(ROOT / "templates" / "form.toml")
DEMO = Settings("示例县", "大走访", "中共示例县委办公室", "2026年9月至11月")
LEGACY_TOML = '# 本县设置\n"县名" = "甲县"\n"活动名称" = "防汛"\n"发文单位" = "甲县应急管理局"\n"活动期间" = "2026年汛期"\n'


def _roster(folder: Path, settings: dict[str, object] | None, settings_first: bool = False) -> Path:
    """A two-village roster; with a 设置 sheet holding `settings` (label → value) unless None."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["乡镇（街道）", "村（社区）", "别名"])
    ws.append(["城关镇", "东风村", ""])
    ws.append(["河西乡", "柳树村", ""])
    if settings is not None:
        write_settings_sheet(wb, settings)
        if settings_first:
            wb.move_sheet(SETTINGS_SHEET, offset=-1)
    wb.save(folder / "名册.xlsx")
    return folder


def _set(templates: Path, label: str, value: object, column: str = "B") -> str:
    """Type `value` beside `label` on the 设置 sheet, as a clerk would; returns the cell."""
    wb = openpyxl.load_workbook(templates / "名册.xlsx")
    ws = wb[SETTINGS_SHEET]
    row = next(c.row for c in ws["A"] if c.value == label)
    ws[f"{column}{row}"] = value
    wb.save(templates / "名册.xlsx")
    return f"{column}{row}"


def _error(templates: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(templates)
    return str(caught.value)


# ---- the sheet ------------------------------------------------------------------------------


def test_the_shipped_roster_carries_the_demo_settings():
    assert load_settings(ROOT / "templates") == DEMO
    assert not (ROOT / "templates" / "settings.toml").exists()


def test_the_sheet_has_one_row_per_setting_with_its_note():
    ws = openpyxl.load_workbook(ROOT / "templates" / "名册.xlsx")[SETTINGS_SHEET]
    rows = {r[0]: r[2] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    assert list(rows) == [r.label for r in SETTING_ROWS]
    for spec in SETTING_ROWS:
        assert spec.note in rows[spec.label]
        assert rows[spec.label].startswith("必填") == spec.required


@pytest.mark.parametrize("settings_first", [False, True], ids=["名册-first", "设置-first"])
def test_the_roster_reader_ignores_the_settings_sheet(tmp_path, settings_first):
    templates = _roster(tmp_path, settings_rows(DEMO), settings_first)
    roster = load_roster(templates / "名册.xlsx", SPEC)
    assert roster.units == (("城关镇", "东风村"), ("河西乡", "柳树村"))
    assert load_settings(templates) == DEMO


def test_the_shipped_roster_reads_all_its_villages_beside_the_settings_sheet():
    assert len(load_roster(ROOT / "templates" / "名册.xlsx", SPEC).units) == 172


def test_every_setting_reads_into_its_attribute(tmp_path):
    values = {"县名": "乙市", "活动名称": "人口普查", "发文单位": "乙市统计局", "活动期间": "2026年",
              "统计截止日期": datetime(2026, 10, 31), "本级层级": "市", "报送层级": "县", "字体": "系统字体"}  # fmt: skip
    settings = load_settings(_roster(tmp_path, values))
    assert settings == Settings(
        "乙市", "人口普查", "乙市统计局", "2026年", date(2026, 10, 31), "市", "县", "系统字体"
    )
    assert settings.report_title == "乙市“人口普查”活动工作总结"


def test_labels_are_found_wherever_they_stand_with_colons_and_spaces(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.append(["乡镇（街道）", "村（社区）"])
    ws = wb.create_sheet(" 设置 ")
    ws["B4"], ws["C4"] = "本级名称：", "丙镇"  # another accepted label for 县名
    ws["B6"], ws["C6"] = "活 动 名 称", " 大走访 "
    ws["B7"], ws["C7"] = "发文单位:", "中共丙镇委员会"
    ws["B8"], ws["C8"] = "统计截止日期", "2026年11月20日"
    wb.save(tmp_path / "名册.xlsx")
    assert load_settings(tmp_path) == Settings("丙镇", "大走访", "中共丙镇委员会", cutoff=date(2026, 11, 20))


@pytest.mark.parametrize("typed", [date(2026, 11, 20), "2026-11-20", "2026/11/20", "20261120", 46346])
def test_a_fixed_period_as_clerks_type_it(tmp_path, typed):
    templates = _roster(tmp_path, settings_rows(DEMO))
    _set(templates, "统计截止日期", typed)
    assert load_settings(templates).cutoff == date(2026, 11, 20)


def test_a_bad_date_names_the_cell(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    cell = _set(templates, "统计截止日期", "十一月底")
    assert _error(templates) == (
        f"名册文件 {templates / '名册.xlsx'} 的「设置」工作表 {cell} 单元格（统计截止日期）填写的「十一月底」"
        "不是日期：请填写如 2026-11-20 的日期，或留空（取各村报表中最常见的统计截止日期）。"
    )


def test_a_blank_required_value_names_the_cell_and_an_example(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    cell = _set(templates, "发文单位", "  ")
    assert _error(templates).endswith(f"{cell} 单元格（发文单位）未填写：请填写，如 中共示例县委办公室。")


def test_a_missing_row_says_how_to_add_it_and_spots_the_typo(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    wb = openpyxl.load_workbook(templates / "名册.xlsx")
    wb[SETTINGS_SHEET]["A4"] = "活动明称"  # 活动名称 mistyped
    wb.save(templates / "名册.xlsx")
    message = _error(templates)
    assert (
        "中没有「活动名称」一行：请在 A 列加一行「活动名称」，在它右边的 B 列填写内容，如 大走访。" in message
    )
    assert message.endswith("（A4 写的是「活动明称」，是不是「活动名称」写错了？）")


def test_a_font_choice_outside_the_list(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    cell = _set(templates, "字体", "宋体")
    assert f"{cell} 单元格（字体）填写的「宋体」无法识别：请填写 公文字体 或 系统字体，或留空。" in _error(
        templates
    )


def test_the_same_setting_twice(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    wb = openpyxl.load_workbook(templates / "名册.xlsx")
    wb[SETTINGS_SHEET].append(["县名", "乙县"])
    wb.save(templates / "名册.xlsx")
    assert "中「县名」写了两次（A3 和 A11）：请删掉其中一行。" in _error(templates)


def test_numbers_and_dates_in_text_rows_read_as_a_clerk_meant(tmp_path):
    templates = _roster(tmp_path, {**settings_rows(DEMO), "活动期间": 2026.0})
    assert load_settings(templates).period == "2026"
    _set(templates, "活动期间", datetime(2026, 9, 1))
    assert load_settings(templates).period == "2026年9月1日"


# ---- missing pieces and the older settings.toml ----------------------------------------------


def test_no_roster_and_no_settings_file(tmp_path):
    assert _error(tmp_path).startswith(f"找不到名册文件：{tmp_path / '名册.xlsx'}")


def test_a_roster_no_reader_can_open_says_how_to_fix_it(tmp_path):
    tmp_path.joinpath("名册.xlsx").write_bytes(b"not a workbook")
    message = _error(tmp_path)
    assert message.startswith(f"名册文件无法读取：{tmp_path / '名册.xlsx'}（")
    assert message.endswith("请用 Excel 打开后另存为 .xlsx。")


def test_a_roster_without_a_settings_sheet_says_how_to_add_one(tmp_path):
    message = _error(_roster(tmp_path, None))
    assert "中没有「设置」工作表：请加一张名为「设置」的工作表" in message
    assert "县名、活动名称、发文单位" in message


@pytest.mark.parametrize(
    "encode",
    [lambda t: t.encode("utf-8"), lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), lambda t: t.encode("gbk")],
    ids=["utf-8", "utf-8-bom", "gbk"],
)
def test_an_existing_settings_toml_keeps_working_with_a_notice(tmp_path, encode):
    templates = _roster(tmp_path, None)
    (templates / "settings.toml").write_bytes(encode(LEGACY_TOML))
    settings = load_settings(templates)
    assert settings == Settings("甲县", "防汛", "甲县应急管理局", "2026年汛期")
    assert len(settings.notices) == 1 and "仍然有效" in settings.notices[0]
    assert "会自动转入 名册.xlsx 的「设置」工作表" in settings.notices[0]


def test_settings_toml_errors_are_chinese_with_the_line(tmp_path):
    templates = _roster(tmp_path, None)
    (templates / "settings.toml").write_text('"县名" = "甲县"\n"活动名称" = “防汛”\n', encoding="utf-8")
    message = _error(templates)
    assert message.startswith(f"设置文件 {templates / 'settings.toml'} 第 2 行有误") and "中文引号" in message


def test_settings_toml_missing_key_and_bad_date(tmp_path):
    templates = _roster(tmp_path, None)
    (templates / "settings.toml").write_text('"县名" = "甲县"\n"发文单位" = "甲县政府"\n', encoding="utf-8")
    assert '「活动名称」未填写：请加一行 "活动名称" = "大走访"。' in _error(templates)
    (templates / "settings.toml").write_text(LEGACY_TOML + '"统计截止日期" = "11月底"\n', encoding="utf-8")
    assert "第 6 行（统计截止日期）填写的「11月底」不是日期" in _error(templates)


def test_settings_toml_names_the_line_of_a_label_typed_with_spaces_and_a_colon(tmp_path):
    templates = _roster(tmp_path, None)
    text = LEGACY_TOML + '"备注" = """\n统计截止日期 = 见下\n"""\n"统计 截止日期：" = "11月底"\n'
    (templates / "settings.toml").write_text(text, encoding="utf-8")
    assert "第 9 行（统计截止日期）填写的「11月底」不是日期" in _error(templates)


def test_when_both_exist_the_sheet_wins_and_says_the_file_is_unused(tmp_path):
    templates = _roster(tmp_path, settings_rows(DEMO))
    (templates / "settings.toml").write_text(LEGACY_TOML, encoding="utf-8")
    settings = load_settings(templates)
    assert settings == DEMO and "已不再使用" in settings.notices[0]


def test_settings_toml_is_converted_once_into_the_sheet(tmp_path):
    templates = _roster(tmp_path, None)
    (templates / "settings.toml").write_text(LEGACY_TOML + '"统计截止日期" = 2026-11-15\n', encoding="utf-8")
    before = load_settings(templates)
    renamed = convert_settings_toml(templates)
    assert renamed == templates / "settings.toml.已转入名册" and renamed.is_file()
    assert not (templates / "settings.toml").exists()
    after = load_settings(templates)
    assert after == before and after.cutoff == date(2026, 11, 15) and after.notices == ()
    assert load_roster(templates / "名册.xlsx", SPEC).units == (("城关镇", "东风村"), ("河西乡", "柳树村"))
    assert convert_settings_toml(templates) is None  # once only
    assert read_settings_sheet(templates / "名册.xlsx") is not None


# ---- the period: --as-of (or the button's cell), then 设置, then the most common date ----------


@pytest.fixture
def county(small_county):
    return small_county


def _period(county, as_of: date | None = None) -> date | None:
    options = RunOptions(
        county["inputs"], county["outputs"], county["templates"], as_of=as_of, check_only=True
    )
    return run(options).as_of


def test_the_period_precedence(county):
    most_common = _period(county)
    assert most_common == date(2026, 11, 20)  # what the small county's forms say
    _set(county["templates"], "统计截止日期", date(2026, 11, 15))
    assert _period(county) == date(2026, 11, 15)  # 设置 beats the inputs
    assert _period(county, date(2026, 11, 10)) == date(2026, 11, 10)  # --as-of beats 设置


def test_the_buttons_date_cell_beats_the_settings_sheet(county):
    from test_excel_entry import FakeSheet

    from county_report import excel_entry as entry

    _set(county["templates"], "统计截止日期", date(2026, 11, 15))
    sheet = FakeSheet({entry.AS_OF_CELL: datetime(2026, 11, 10)})
    options = entry.read_settings_area(sheet, county["templates"].parent)  # the project: templates/, inputs/
    assert options.as_of == date(2026, 11, 10)
    assert run(RunOptions(**{**options.__dict__, "check_only": True})).as_of == date(2026, 11, 10)


def test_a_settings_toml_notice_reaches_the_run(county):
    wb = openpyxl.load_workbook(county["templates"] / "名册.xlsx")
    del wb[SETTINGS_SHEET]
    wb.save(county["templates"] / "名册.xlsx")
    (county["templates"] / "settings.toml").write_text(LEGACY_TOML, encoding="utf-8")
    options = RunOptions(county["inputs"], county["outputs"], county["templates"], check_only=True)
    assert any("仍然有效" in n for n in run(options).notices)


def test_the_readme_names_every_setting_and_the_period_precedence():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### 换成本县") : readme.index("## 在 Excel 里一键生成")]
    for spec in SETTING_ROWS:
        assert spec.label in section, spec.label
    assert "命令行的 `--as-of`（或按钮工作簿「设置」区填写的日期）优先" in section
    assert "其次是 `名册.xlsx`「设置」工作表中的“统计截止日期”" in section
    assert "取各村报表中填得最多的统计截止日期" in section
