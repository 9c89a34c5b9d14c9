"""Shared fixtures: a small county (templates + a few real forms) in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
FINDING_FIXTURES = ROOT / "tests" / "fixtures" / "findings"
SMALL_ROSTER = [("城关镇", "东风村", "东风村委会"), ("城关镇", "黄龙村", ""), ("河西乡", "柳树村", "")]


def read_submission(path: Path, campaign, roster, name: str):
    """One file screened, read and validated, as a reading worker does it (intake.read_one)."""
    from county_report.intake import read_one

    return read_one(Path(path), name, campaign, roster)


def make_templates(folder: Path, roster=SMALL_ROSTER) -> Path:
    """The project's templates with a small roster of three villages."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("form.toml", "settings.toml", "工作总结模板.docx"):
        shutil.copy(ROOT / "templates" / name, folder / name)
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["乡镇（街道）", "村（社区）", "别名"])
    for row in roster:
        ws.append(list(row))
    wb.save(folder / "名册.xlsx")
    return folder


@pytest.fixture
def small_county(tmp_path) -> dict[str, Path]:
    """templates/ with three villages, inputs/ with 东风村's good form and 黄龙村's with an error."""
    from fixtures.make_finding_fixtures import write_form

    templates = make_templates(tmp_path / "templates")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(FINDING_FIXTURES / "good.xlsx", inputs / "城关镇-东风村.xlsx")
    write_form(inputs / "城关镇-黄龙村.xlsx", header={"village": "黄龙村"}, metrics={"households": "三百户"})
    return {"templates": templates, "inputs": inputs, "outputs": tmp_path / "outputs"}
