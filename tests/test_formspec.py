"""The form definition file: loaded into one immutable spec, or refused with a Chinese reason."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from county_report.errors import ConfigError
from county_report.formspec import load_formspec, normalize_label
from county_report.model import RunOptions
from county_report.pipeline import run

FORM = (ROOT / "templates" / "form.toml").read_text(encoding="utf-8")


def load_edited(tmp_path: Path, old: str, new: str):
    assert old in FORM, old
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace(old, new, 1), encoding="utf-8")
    return load_formspec(path)


def test_the_shipped_definition_has_every_spec_field_in_order():
    spec = load_formspec(ROOT / "templates" / "form.toml")
    assert [f.label for f in spec.header_fields] == [
        "乡镇（街道）",
        "村（社区）",
        "填报人",
        "联系电话",
        "填报日期",
        "统计截止日期",
    ]
    assert (
        len(spec.metrics) == 15
        and spec.field("funds").unit == "万元"
        and spec.field("funds").type == "decimal"
    )
    assert spec.sheets == ("基本情况", "问题台账", "典型事例")
    assert spec.choices["status"] == ("已解决", "办理中", "未启动")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "防汛"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('type = "decimal" }', 'type = "money" }', "字段 发放慰问金 的类型 money 无效"),
        ('label = "走访企业"', 'label = "走访农户"', "字段标签重复：走访农户"),
        ('right = "problems"', 'right = "issues"', "校验 not-greater 引用的指标 issues 未定义"),
        ('choices = "status"', 'choices = "state"', "列 办理状态 引用的选项表 state 未定义"),
        ('by = ["households", "solve_rate"]', 'by = ["farmers"]', "排名依据 farmers 不是已定义的指标或比率"),
        ('[form]\nname = "大走访"', '[form]\nlabel = "大走访"', "缺少必填项 name"),
    ],
)
def test_a_malformed_definition_is_refused_with_the_reason(tmp_path, old, new, message):
    with pytest.raises(ConfigError) as raised:
        load_edited(tmp_path, old, new)
    assert message in str(raised.value) and "form.toml" in str(raised.value)


def test_broken_toml_syntax_names_the_file(tmp_path):
    path = tmp_path / "form.toml"
    path.write_text(FORM + "\n[[checks]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="表单定义文件格式有误"):
        load_formspec(path)


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
        "工作表「问题台账」有 4 行，超过上限 3 行，已拒收。",
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
    assert f.message == "统计截止日期为 2026-11-20，与本次汇总的统计截止日期 2026-11-30 不一致。"
    assert result.accepted == 1 and result.exit_code == 0 and result.as_of == date(2026, 11, 30)
