"""The roster (名册): a merged 乡镇 cell names every 村 beneath it; a blank one that is not merged is a mistake named by its row."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import ROOT

from county_report.definition import load_campaign
from county_report.errors import ConfigError
from county_report.roster import load_roster

SPEC = load_campaign(ROOT / "templates" / "form.toml")


def _write(path, rows, merge=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["乡镇（街道）", "村（社区）", "别名"])
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_a_merged_township_cell_names_every_village_it_covers(tmp_path):
    path = _write(
        tmp_path / "名册.xlsx",
        [["城关镇", "东风村", ""], [None, "红星村", ""], [None, "柳树村", ""], ["河西乡", "沙坝村", ""]],
        merge="A2:A4",
    )
    roster = load_roster(path, SPEC)
    assert roster.groups == ("城关镇", "河西乡")
    assert roster.units_of("城关镇") == ("东风村", "红星村", "柳树村")
    assert roster.units_of("河西乡") == ("沙坝村",)


def test_a_blank_township_outside_a_merge_is_named_by_its_row(tmp_path):
    # the clerk left 乡镇 blank on row 3 expecting it to mean "same as above": it is not guessed
    path = _write(tmp_path / "名册.xlsx", [["城关镇", "东风村", ""], [None, "红星村", ""]])
    with pytest.raises(ConfigError) as caught:
        load_roster(path, SPEC)
    message = str(caught.value)
    assert "名册.xlsx" in message and "第 3 行" in message
    assert "缺少乡镇（街道）" in message and "红星村" in message


def test_a_merge_ends_where_it_ends(tmp_path):
    # rows 2–3 merged under 城关镇; row 4's blank 乡镇 is beyond the merge and must not inherit it
    path = _write(
        tmp_path / "名册.xlsx",
        [["城关镇", "东风村", ""], [None, "红星村", ""], [None, "柳树村", ""]],
        merge="A2:A3",
    )
    with pytest.raises(ConfigError, match="第 4 行"):
        load_roster(path, SPEC)
