"""A village that sends its form again is judged on the newest file; a returned form is not 未报."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
from conftest import make_templates
from fixtures.make_finding_fixtures import write_form

from county_report.cli import main


def run_json(tmp_path, capsys, *extra) -> dict:
    templates = tmp_path / "templates"
    if not templates.exists():
        make_templates(templates)
    argv = ["--inputs", str(tmp_path / "inputs"), "--outputs", str(tmp_path / "outputs")]
    main([*extra, *argv, "--templates", str(templates), "--workers", "0", "--json"])
    return json.loads(capsys.readouterr().out)


def test_a_corrected_form_replaces_the_broken_draft_and_the_run_is_clean(tmp_path, capsys):
    inputs = tmp_path / "inputs"
    write_form(
        inputs / "东风村-初稿.xlsx", header={"filled_on": date(2026, 11, 18)}, metrics={"households": "三百"}
    )
    write_form(inputs / "东风村-修改后.xlsx", header={"filled_on": date(2026, 11, 20)})
    out = run_json(tmp_path, capsys, "check")
    assert [(f["file"], f["code"]) for f in out["findings"]] == [("东风村-初稿.xlsx", "superseded")]
    assert (out["采用"], out["拒收"], out["被取代"], out["退出码"]) == (1, 0, 1, 0)


def test_a_broken_newer_form_is_not_replaced_by_the_older_one(tmp_path, capsys):
    inputs = tmp_path / "inputs"
    write_form(inputs / "东风村-初稿.xlsx", header={"filled_on": date(2026, 11, 18)})
    write_form(
        inputs / "东风村-修改后.xlsx",
        header={"filled_on": date(2026, 11, 20)},
        metrics={"households": "三百"},
    )
    write_form(inputs / "柳树村.xlsx", header={"township": "河西乡", "village": "柳树村"})
    out = run_json(tmp_path, capsys)
    codes = {(f["file"], f["code"]) for f in out["findings"]}
    assert codes == {("东风村-初稿.xlsx", "superseded"), ("东风村-修改后.xlsx", "not-a-number")}
    assert out["有误待更正村"] == ["城关镇东风村"] and out["未报村"] == ["城关镇黄龙村"]
    book = openpyxl.load_workbook(tmp_path / "outputs" / "汇总表.xlsx")
    progress = {(r[1], r[2]): r[3] for r in book["上报进度"].iter_rows(min_row=2, values_only=True)}
    assert progress == {
        ("城关镇", "东风村"): "有误待更正",
        ("城关镇", "黄龙村"): "未报",
        ("河西乡", "柳树村"): "已报",
    }
    assert [r[1] for r in book["分村明细"].iter_rows(min_row=2, values_only=True)] == ["柳树村"]


def test_a_village_typed_under_the_wrong_township_is_told_where_it_belongs(tmp_path, capsys):
    write_form(tmp_path / "inputs" / "柳树村.xlsx", header={"township": "城关镇", "village": "柳树村"})
    [f] = run_json(tmp_path, capsys, "check")["findings"]
    assert f["code"] == "unknown-village"
    assert (
        f["message"]
        == "「柳树村」不在名册中「城关镇」的村（社区）里。名册中「柳树村」属于「河西乡」，请核对乡镇（街道）后重新报送。"
    )


def test_an_empty_folder_writes_nothing_and_names_the_folder(tmp_path, capsys):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "~$东风村.xlsx").write_bytes(b"lock")
    out = run_json(tmp_path, capsys)
    assert out["退出码"] == 1 and out["汇总表"] is None and out["工作总结"] is None
    assert out["提示"] == [
        f"报表文件夹 {tmp_path / 'inputs'} 中没有报表文件（只有跳过的临时或隐藏文件）。"
        "请把各村（社区）交回的表格放进这个文件夹后重新运行。"
    ]
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir())


def test_when_every_form_is_rejected_the_findings_and_progress_are_still_written(tmp_path, capsys):
    write_form(tmp_path / "inputs" / "东风村.xlsx", metrics={"households": "三百"})
    write_form(tmp_path / "inputs" / "乱填.xlsx", header={"village": "不存在村"})
    out = run_json(tmp_path, capsys)
    assert out["退出码"] == 1 and out["工作总结"] is None
    assert out["提示"] == [
        "没有可以汇总的报表：读取的报表都有错误。汇总表中只有「校验结果」「上报进度」两张表，"
        "请按「校验结果」通知各村（社区）改正后重新报送；未生成工作总结。"
    ]
    book = openpyxl.load_workbook(out["汇总表"])
    assert book.sheetnames == ["校验结果", "上报进度"]
    assert [r[1] for r in book["校验结果"].iter_rows(min_row=2, values_only=True)] == [
        "东风村.xlsx",
        "乱填.xlsx",
    ]
    progress = {r[2]: r[3] for r in book["上报进度"].iter_rows(min_row=2, values_only=True)}
    assert progress == {"东风村": "有误待更正", "黄龙村": "未报", "柳树村": "未报"}
    assert list((tmp_path / "outputs").iterdir()) == [tmp_path / "outputs" / "汇总表.xlsx"]


def test_the_period_comes_from_the_files_even_when_none_is_valid(tmp_path, capsys):
    write_form(
        tmp_path / "inputs" / "东风村.xlsx", header={"as_of": date(2026, 11, 15)}, metrics={"households": -1}
    )
    out = run_json(tmp_path, capsys)
    assert out["统计截止日期"] == "2026-11-15" and out["退出码"] == 1
