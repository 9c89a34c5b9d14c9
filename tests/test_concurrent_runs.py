"""Runs that overlap, and runs that are killed, never leave a workbook and a report from different
runs side by side as the current outputs (issue 16, case 7).

The real command line, as child processes. Two input folders give different county totals, so
the workbook's 合计 tells which run wrote it, and the report's sentence 走访农户…户 tells which
run wrote it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SMALL_ROSTER, make_templates
from hostile_forms import village_form
from report_command import report_command

from county_report.atomic import TEMP_PREFIX, TEMP_SUFFIX

TRIALS = 30
SETS = {"甲": [0, 1], "乙": [0, 1, 2]}  # village_form's i: 走访农户 300 + i
ROSTER = [*SMALL_ROSTER, ("河西乡", "杨家村", "")]
VILLAGES = [(t, v) for t, v, _ in ROSTER]


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("concurrent")
    templates = make_templates(root / "templates", roster=ROSTER)
    inputs = {}
    for name, indices in SETS.items():
        inputs[name] = root / f"inputs-{name}"
        for i in indices:
            village_form(inputs[name], *VILLAGES[i], i)
    return {"root": root, "templates": templates, "inputs": inputs}


def _command(county: dict, inputs: Path, outputs: Path, templates: Path | None = None) -> list[str]:
    return report_command(inputs, outputs, templates or county["templates"], "--workers", "0", "--quiet")


def _households(workbook: Path) -> int:
    rows = list(openpyxl.load_workbook(workbook)["全县汇总"].iter_rows(values_only=True))
    return int(dict(zip(rows[0], rows[-1], strict=True))["走访农户（户）"])


def _report_households(report: Path) -> int:
    with zipfile.ZipFile(report) as docx:
        text = re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode("utf-8"))
    return int(re.search(r"走访农户(\d+)户", text).group(1))


def _current_set(outputs: Path) -> tuple[int, int]:
    """(workbook's 合计, report's figure) of the outputs under their usual names; no other set beside."""
    names = sorted(p.name for p in outputs.iterdir())
    assert not [n for n in names if _is_temp(n) or "(1)" in n], names  # no leftovers, no second set
    report = next(n for n in names if n.endswith("活动工作总结.docx"))
    return _households(outputs / "汇总表.xlsx"), _report_households(outputs / report)


@pytest.mark.slow
def test_thirty_overlapping_runs_never_mix_their_outputs(county, tmp_path):
    totals = {name: sum(300 + i for i in indices) for name, indices in SETS.items()}
    outputs = tmp_path / "outputs"
    refused = 0
    for _ in range(TRIALS):
        runs = [
            subprocess.Popen(_command(county, county["inputs"][n], outputs), cwd=ROOT, stderr=subprocess.PIPE)
            for n in SETS
        ]
        for proc in runs:
            _, err = proc.communicate(timeout=180)
            if proc.returncode == 2:  # waited its turn too long: refused, in Chinese, writing nothing
                assert "另一次运行正在向输出文件夹" in err.decode("utf-8"), err
                refused += 1
            else:
                assert proc.returncode in (0, 1), err.decode("utf-8", "replace")
        workbook, report = _current_set(outputs)
        assert workbook == report and workbook in totals.values()
    assert refused < TRIALS  # the lock serialises: most second runs simply wait their turn


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def _is_temp(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def _complete_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist() and archive.testzip() is None
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _slow_template(county: dict, folder: Path) -> Path:
    """The templates, with a report that takes a second or two to render (within the sandbox's caps)."""
    shutil.copytree(county["templates"], folder)
    template = folder / "工作总结模板.docx"
    slow = "{% for a in range(1000) %}{% for b in range(1500) %}{% endfor %}{% endfor %}"
    with zipfile.ZipFile(county["templates"] / "工作总结模板.docx") as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"{{ ", slow.encode() + b"{{ ", 1)
    with zipfile.ZipFile(template, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return folder


def test_a_run_killed_between_the_workbook_and_the_report_leaves_the_previous_set(county, tmp_path):
    outputs = tmp_path / "outputs"
    earlier = subprocess.run(_command(county, county["inputs"]["甲"], outputs), cwd=ROOT, capture_output=True)
    assert earlier.returncode in (0, 1), earlier.stderr
    before = _digests(outputs)
    templates = _slow_template(county, tmp_path / "templates-slow")
    proc = subprocess.Popen(_command(county, county["inputs"]["乙"], outputs, templates), cwd=ROOT)
    deadline, killed = time.monotonic() + 120, False
    while proc.poll() is None and time.monotonic() < deadline:
        if any(_is_temp(p.name) and _complete_workbook(p) for p in outputs.iterdir()):
            proc.kill()  # the new workbook is complete, its report is still rendering
            killed = True
            break
        time.sleep(0.005)
    proc.wait()
    assert killed, "the run finished before its workbook was seen complete"
    after = _digests(outputs)
    assert {name: after[name] for name in before} == before  # the previous set, byte for byte
    assert all(_is_temp(name) for name in set(after) - set(before))  # the new workbook only as a temp
    assert _current_set_of(outputs, before) == (601, 601)
    again = subprocess.run(_command(county, county["inputs"]["乙"], outputs), cwd=ROOT, capture_output=True)
    assert again.returncode in (0, 1), again.stderr
    assert _current_set(outputs) == (903, 903)  # and the killed run's temporary files are gone


def _current_set_of(outputs: Path, names) -> tuple[int, int]:
    workbook = next(outputs / n for n in names if n.endswith(".xlsx"))
    report = next(outputs / n for n in names if n.endswith(".docx"))
    return _households(workbook), _report_households(report)
