"""Every count or size a reader trusts is bounded by the guard (issue 16, case 3).

One test per count: the guard refuses the file by name, with its code and reason. Then all of
them at once through the real command line reading in this process (`--workers 0`), where a
single one that slipped through would abort the run: the run ends normally and the good
forms' totals are exact.
"""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import hostile_counts
import hostile_forms as forms
import pytest
from conftest import ROOT, make_templates
from report_command import report_command

from county_report.definition import load_campaign
from county_report.guard import screen_file

pytest.importorskip("xlwt")
SPEC = load_campaign(ROOT / "templates" / "form.toml")


@pytest.mark.parametrize("kind", list(hostile_counts.COUNTS))
def test_each_trusted_count_is_bounded_by_the_guard(tmp_path, kind):
    build, code, phrase = hostile_counts.COUNTS[kind]
    path = build(tmp_path)
    found = screen_file(path, path.name, SPEC.sheets)
    assert found is not None, f"{kind}: {path.name} passed the guard"
    assert (found.code, found.file) == (code, path.name), found
    assert phrase in found.message, found.message


def test_the_same_good_form_still_passes(tmp_path):
    good = forms.village_form(tmp_path, "城关镇", "东风村", 1)
    assert screen_file(good, good.name, SPEC.sheets) is None


GOOD = [("城关镇", "东风村"), ("城关镇", "黄龙村"), ("河西乡", "柳树村")]


def test_read_in_this_process_no_hostile_count_ends_the_run(tmp_path):
    """All the files in one folder, read without worker processes: several would abort calamine."""
    templates = make_templates(tmp_path / "templates")
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    made = hostile_counts.build_counts(inputs)
    for i, (township, village) in enumerate(GOOD):
        forms.village_form(inputs, township, village, i)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    command = report_command(inputs, outputs, templates, "--workers", "0", "--json")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 1, (done.returncode, done.stderr.decode("utf-8", "replace")[-2000:])
    summary = json.loads(done.stdout)
    by_file = {f["file"]: f for f in summary["findings"] if f["severity"] == "错误"}
    for kind, path in made.items():
        _, code, _ = hostile_counts.COUNTS[kind]
        assert by_file[path.name]["code"] == code, kind
    assert summary["采用"] == len(GOOD)
    households = _total(Path(summary["汇总表"]), "走访农户（户）")
    assert households == sum(300 + i for i in range(len(GOOD)))  # village_form's 走访农户
    data = tmp_path / "数据"  # where a full run records itself (issue 14), beside templates/
    written = (p for p in tmp_path.rglob("*") if not p.is_relative_to(outputs) and not p.is_relative_to(data))
    assert sorted(p.relative_to(tmp_path) for p in written) == before  # nothing written but into --outputs


def _total(workbook: Path, header: str):
    import openpyxl

    rows = list(openpyxl.load_workbook(workbook)["全县汇总"].iter_rows(values_only=True))
    return dict(zip(rows[0], rows[-1], strict=True))[header]


def test_a_far_cell_in_an_xls_sheet_is_refused_naming_sheet_and_cell(tmp_path):
    # the .xls cell check shares sheetscan's bounds and wording with .xlsx and .ods
    def far(stream: bytearray) -> None:
        pos, _ = hostile_counts._nth(stream, 0x00FD)  # the first LABELSST: a text cell of a sheet
        struct.pack_into("<H", stream, pos + 4, 0xFFFE)  # its row: 65,535 as the clerk counts

    path = hostile_counts._edit_stream(tmp_path, "远处单元格.xls", far)
    found = screen_file(path, path.name, SPEC.sheets)
    assert found is not None and found.code == "sheet-too-large", found
    assert "65535 超出上限：最多 20000 行" in found.message, found.message
    assert found.sheet in SPEC.sheets and found.cell.endswith("65535"), found
