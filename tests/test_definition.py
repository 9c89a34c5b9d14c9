"""The campaign definition: loaded into objects, or refused with a Chinese reason at its line.

Rewritten from test_formspec.py: the loader now names the line of every mistake and says them in
one message, so the expected texts changed; what each case refuses is the same.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from county_report.definition import GROUP, UNIT, load_campaign, load_definition, normalize_label
from county_report.errors import ConfigError
from county_report.model import RunOptions
from county_report.pipeline import run

FORM = (ROOT / "templates" / "form.toml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def load_edited(tmp_path: Path, old: str, new: str):
    assert old in FORM, old
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace(old, new, 1), encoding="utf-8")
    return load_campaign(path)


def refusal(tmp_path: Path, old: str, new: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load_edited(tmp_path, old, new)
    message = str(raised.value)
    assert message.startswith("活动定义文件 form.toml 有误")
    return message


def test_the_shipped_definition_has_every_spec_field_in_order():
    campaign = load_campaign(ROOT / "templates" / "form.toml")
    assert [f.label for f in campaign.header_fields] == [
        "乡镇（街道）",
        "村（社区）",
        "填报人",
        "联系电话",
        "填报日期",
        "统计截止日期",
    ]
    assert [f.role for f in campaign.header_fields[:2]] == [GROUP, UNIT]  # from the levels
    assert (
        len(campaign.metrics) == 15
        and campaign.field("funds").unit == "万元"
        and campaign.field("funds").type.name == "decimal"
    )
    assert campaign.sheets == ("基本情况", "问题台账", "典型事例")
    assert campaign.choices["status"] == ("已解决", "办理中", "未启动")
    scope = campaign.scope
    assert (scope.body.name, scope.group.name, scope.unit.name) == ("县", "乡镇（街道）", "村（社区）")
    assert (scope.summary_sheet, scope.detail_sheet, scope.expected_header) == (
        "全县汇总",
        "分村明细",
        "应报村数",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        campaign.definition.name = "防汛"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('type = "decimal", section', 'type = "money", section', "「发放慰问金」的类型「money」无效"),
        ('label = "走访企业"', 'label = "走访农户"', "标签（去掉空格、括号里的单位后）「走访农户」重复"),
        ('right = "problems"', 'right = "issues"', "校验 not-greater 引用的指标「issues」未定义"),
        ('choices = "status"', 'choices = "state"', "「办理状态」引用的选项表「state」未在 [choices] 中定义"),
        (
            'by = ["households", "solve_rate"]',
            'by = ["farmers"]',
            "排名依据「farmers」不是已定义的指标或比率",
        ),
        ('[form]\nname = "大走访"', '[form]\nlabel = "大走访"', "没有「label」这个项目"),
        ("max_rows = 2000", "max_rows = -1", "「ledger.max_rows」不能小于 1（现为 -1）"),
    ],
)
def test_a_malformed_definition_is_refused_with_the_reason_and_line(tmp_path, old, new, message):
    said = refusal(tmp_path, old, new)
    line = line_of(FORM, old.splitlines()[-1])  # the edited line stands where the old one stood
    assert f"第 {line} 行：" in said and message in said, said


def test_a_misspelt_section_is_refused_at_its_line_with_the_right_name(tmp_path):
    said = refusal(tmp_path, '[[checks]]\nkind = "not-greater"', '[[check]]\nkind = "not-greater"')
    line = line_of(FORM, '[[checks]]\nkind = "not-greater"')
    assert f"第 {line} 行：没有「check」这个节，是否应为「checks」？" in said


def test_an_unknown_key_in_a_field_is_refused_at_its_line(tmp_path):
    said = refusal(tmp_path, '{ key = "deeds", label', '{ key = "deeds", lable = "x", label')
    line = line_of(FORM, 'key = "deeds"')
    assert f"第 {line} 行：「metrics.fields」中没有「lable」这个项目，是否应为「label」？" in said


def test_a_unit_that_cannot_be_read_back_is_refused_before_any_form_is_made(tmp_path):
    said = refusal(
        tmp_path,
        'label = "走访农户", unit = "户",',
        'label = "走访农户", unit = "户(页)",',
    )
    line = line_of(FORM, 'key = "households"')
    assert (
        f"第 {line} 行：「走访农户」的单位「户(页)」印在表上后无法读回（单位中不能有括号），请去掉括号"
        in said
    )


def test_a_duplicate_label_names_the_line_of_the_second(tmp_path):
    said = refusal(tmp_path, 'label = "走访企业"', 'label = "走访 农户"')
    line = line_of(FORM, 'label = "走访企业"')
    assert f"第 {line} 行：标签（去掉空格、括号里的单位后）「走访农户」重复" in said


def test_several_mistakes_are_all_named_in_one_message(tmp_path):
    path = tmp_path / "form.toml"
    path.write_text(
        FORM.replace("[ranking]", "[rankings]").replace("max_rows = 20\n", "max_row = 20\n"), "utf-8"
    )
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    said = str(raised.value)
    assert "没有「rankings」这个节，是否应为「ranking」？" in said
    assert "没有「max_row」这个项目，是否应为「max_rows」？" in said


@pytest.mark.parametrize(
    ("broken", "hint"),
    [
        ("name = “大走访”", '提示：文字两边要用英文双引号 "，不能用中文引号“”。'),
        ("name = 大走访", '提示：文字两边要加英文双引号，例如 name = "大走访"。'),
    ],
)
def test_syntax_errors_are_said_in_chinese_with_the_line_and_a_hint(tmp_path, broken, hint):
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace('name = "大走访"', broken, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    said = str(raised.value)
    line = line_of(FORM, 'name = "大走访"')
    assert said.startswith(f"活动定义文件 form.toml 第 {line} 行")
    assert hint in said and "Invalid" not in said and "line" not in said


def test_broken_brackets_name_the_file_and_line_in_chinese(tmp_path):
    path = tmp_path / "form.toml"
    path.write_text(FORM + "\n[[checks]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    assert str(raised.value).startswith(f"活动定义文件 form.toml 第 {FORM.count(chr(10)) + 2} 行")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_definition_saved_with_a_bom_or_in_gb18030_is_read(tmp_path, encoding):
    path = tmp_path / "form.toml"
    path.write_bytes(FORM.encode(encoding))
    assert load_definition(path).metrics[1].label == "走访农户"


def test_a_definition_saved_as_notepad_unicode_with_crlf_is_read(tmp_path):
    # The definition is read by the same reader as settings.toml: UTF-16 and CRLF as Notepad saves them.
    path = tmp_path / "form.toml"
    path.write_bytes(FORM.replace("\n", "\r\n").encode("utf-16"))
    assert load_definition(path).metrics[1].label == "走访农户"


def test_an_unclosed_section_name_is_said_in_chinese(tmp_path):
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace("[ranking]", "[ranking", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    said = str(raised.value)
    assert said.startswith(
        f"活动定义文件 form.toml 第 {line_of(FORM, '[ranking]')} 行有误：段落名称的方括号没有成对"
    )
    assert "Expected" not in said


def test_levels_name_the_office_and_an_unknown_level_is_refused(tmp_path):
    path = ROOT / "templates" / "form.toml"
    township = load_campaign(path, level="乡镇")
    assert township.scope.group is None and township.scope.summary_sheet == "全乡镇汇总"
    assert [f.role for f in township.place_fields] == [UNIT]
    city = load_campaign(path, level="市", unit_level="乡镇")
    assert (city.scope.group.name, city.scope.unit.name) == ("县", "乡镇（街道）")
    with pytest.raises(ConfigError, match="本级层级「地区」不在活动定义的层级中"):
        load_campaign(path, level="地区")
    with pytest.raises(ConfigError, match="目前只支持一个中间层级"):
        load_campaign(path, level="市")


@pytest.mark.parametrize(
    "typed", ["走访农户（户）", "走访农户(户)", " 走访农户 ", "走访农户：", "走访 农户（户）"]
)
def test_labels_match_however_they_are_typed(typed):
    assert normalize_label(typed) == "走访农户"


def test_too_many_ledger_rows_reject_the_file(tmp_path, small_county):
    form = small_county["templates"] / "form.toml"
    form.write_text(FORM.replace("max_rows = 2000", "max_rows = 3", 1), encoding="utf-8")
    (small_county["inputs"] / "城关镇-黄龙村.xlsx").unlink()
    result = run(
        RunOptions(
            small_county["inputs"],
            small_county["outputs"],
            small_county["templates"],
            check_only=True,
            workers=0,
        )
    )
    [f] = result.findings
    assert (f.code, f.sheet, f.message) == (
        "too-many-rows",
        "问题台账",
        "工作表「问题台账」有 4 行，超过上限 3 行，已拒收。请删去多余的行后重新报送。",
    )
    assert result.accepted == 0 and result.exit_code == 1


def test_a_form_for_another_period_gets_a_warning_at_its_date_cell(small_county):
    inputs = small_county["inputs"]
    (inputs / "城关镇-黄龙村.xlsx").unlink()
    options = RunOptions(
        inputs,
        small_county["outputs"],
        small_county["templates"],
        as_of=date(2026, 11, 30),
        check_only=True,
        workers=0,
    )
    result = run(options)
    [f] = result.findings
    assert (f.code, f.file, f.sheet, f.cell) == ("as-of-mismatch", "城关镇-东风村.xlsx", "基本情况", "B8")
    assert f.message == (
        "统计截止日期为 2026-11-20，与本次汇总的统计截止日期 2026-11-30 不一致。"
        "请核实是否填错日期或报错期次；如填错，请改正后重新报送。"
    )
    assert f.expected == "2026-11-30"
    assert result.accepted == 1 and result.exit_code == 0 and result.as_of == date(2026, 11, 30)


def test_the_digest_is_of_the_text_whatever_the_encoding_and_line_ends(tmp_path):
    # A city compares its definition's digest with a county's: the same text saved differently agrees.
    digests = set()
    for name, data in [
        ("utf8.toml", FORM.encode("utf-8")),
        ("gbk-crlf.toml", FORM.replace("\n", "\r\n").encode("gb18030")),
        ("unicode.toml", FORM.encode("utf-16")),
    ]:
        (tmp_path / name).write_bytes(data)
        digests.add(load_definition(tmp_path / name).digest)
    assert len(digests) == 1 and len(digests.pop()) == 64
