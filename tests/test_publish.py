"""A run's outputs are published as a set, and one run at a time writes an outputs folder (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT

from county_report import outputlock, publish
from county_report.atomic import TEMP_PREFIX, TEMP_SUFFIX
from county_report.errors import OutputsBusy
from county_report.outputlock import OutputLock, lock_path
from county_report.publish import OutputSet

NAMES = ("汇总表.xlsx", "示例县“大走访”活动工作总结.docx")


def _write(staged: OutputSet, text: str) -> None:
    for name in NAMES:
        staged.path(name).write_text(f"{text} {name}", encoding="utf-8")


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_a_set_replaces_the_previous_set_and_leaves_no_temporary_file(tmp_path):
    for name in NAMES:
        (tmp_path / name).write_text(f"旧 {name}", encoding="utf-8")
    with OutputSet(tmp_path, NAMES) as staged:
        assert all(
            staged.path(n).name.startswith(TEMP_PREFIX) and staged.path(n).parent == tmp_path for n in NAMES
        )
        _write(staged, "新")
        published = staged.publish()
    assert published.notice == "" and published.paths == {n: tmp_path / n for n in NAMES}
    assert _contents(tmp_path) == {n: f"新 {n}" for n in NAMES}


def _locked(*locked: Path):
    """os.replace as Windows behaves for a file open in Excel or Word: it cannot be moved or replaced."""
    real = os.replace

    def replace(src, dst):
        if Path(src) in locked or Path(dst) in locked:
            raise PermissionError(13, "另一个程序正在使用此文件", str(dst))
        real(src, dst)

    return replace


def test_when_one_output_is_open_the_whole_set_goes_to_the_next_names(tmp_path, monkeypatch):
    for name in NAMES:
        (tmp_path / name).write_text(f"旧 {name}", encoding="utf-8")
    (tmp_path / "汇总表(1).xlsx").write_text("更早的备用", encoding="utf-8")  # never overwritten
    monkeypatch.setattr(publish, "_replace", _locked(tmp_path / NAMES[1]))  # only the report is open
    with OutputSet(tmp_path, NAMES) as staged:
        _write(staged, "新")
        published = staged.publish()
    assert published.paths == {
        "汇总表.xlsx": tmp_path / "汇总表(2).xlsx",
        NAMES[1]: tmp_path / "示例县“大走访”活动工作总结(2).docx",
    }
    assert _contents(tmp_path) == {
        "汇总表(1).xlsx": "更早的备用",
        "汇总表(2).xlsx": "新 汇总表.xlsx",
        "汇总表.xlsx": "旧 汇总表.xlsx",  # the workbook was free, but it stays with its own report
        "示例县“大走访”活动工作总结(2).docx": f"新 {NAMES[1]}",
        NAMES[1]: f"旧 {NAMES[1]}",
    }
    assert "一起另存为 汇总表(2).xlsx、示例县“大走访”活动工作总结(2).docx" in published.notice


def test_a_failed_output_publishes_nothing_and_keeps_the_previous_set(tmp_path):
    for name in NAMES:
        (tmp_path / name).write_text(f"旧 {name}", encoding="utf-8")
    with pytest.raises(RuntimeError), OutputSet(tmp_path, NAMES) as staged:
        staged.path(NAMES[0]).write_text("新", encoding="utf-8")
        raise RuntimeError("模板有误")
    assert _contents(tmp_path) == {n: f"旧 {n}" for n in NAMES}


def test_an_output_not_produced_this_time_is_left_out_of_the_set(tmp_path):
    names = (*NAMES, "上报表.xlsx")
    (tmp_path / "上报表.xlsx").write_text("旧", encoding="utf-8")
    with OutputSet(tmp_path, names) as staged:
        _write(staged, "新")
        published = staged.publish({"上报表.xlsx": None})
    assert set(published.paths) == set(NAMES)
    assert _contents(tmp_path) == {**{n: f"新 {n}" for n in NAMES}, "上报表.xlsx": "旧"}


@pytest.mark.parametrize("name", ["../汇总表.xlsx", "子/汇总表.xlsx", "..", ""])
def test_an_output_name_never_leaves_its_folder(tmp_path, name):
    with pytest.raises(ValueError):
        OutputSet(tmp_path / "outputs", (name,))


# --- the lock ---------------------------------------------------------------------------------


def test_one_folder_one_lock_however_it_is_spelt(tmp_path):
    (tmp_path / "x").mkdir()
    with OutputLock(tmp_path / "outputs", wait=0):
        with pytest.raises(OutputsBusy), OutputLock(tmp_path / "x" / ".." / "outputs", wait=0):
            pass
        with OutputLock(tmp_path / "其他", wait=0):
            pass


def test_the_lock_writes_nothing_outside_the_outputs_folder(tmp_path):
    if os.name == "nt":
        pytest.skip("Windows cannot lock a folder: its lock file is in the temporary folder")
    temporary = set(Path(tempfile.gettempdir()).iterdir())
    with OutputLock(tmp_path / "outputs", wait=0):
        assert lock_path(tmp_path / "outputs") == tmp_path / "outputs"  # the folder itself is locked
        assert set(tmp_path.iterdir()) == {tmp_path / "outputs"} and not any((tmp_path / "outputs").iterdir())
        assert not {
            p for p in set(Path(tempfile.gettempdir()).iterdir()) - temporary if "county-report" in p.name
        }
    assert set(tmp_path.iterdir()) == {tmp_path / "outputs"}


def test_a_second_holder_waits_then_is_refused_in_chinese(tmp_path):
    with OutputLock(tmp_path, wait=0):
        started = time.monotonic()
        with pytest.raises(OutputsBusy) as caught, OutputLock(tmp_path, wait=0.5):
            pass
        assert time.monotonic() - started >= 0.5
    assert str(caught.value).startswith(f"另一次运行正在向输出文件夹 {tmp_path} 写入结果，请等它结束后再运行")
    with OutputLock(tmp_path, wait=0):  # released: the next run takes it at once
        pass


_HOLD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from county_report.outputlock import OutputLock
with OutputLock(sys.argv[2], wait=0):
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_lock_dies_with_its_process(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(ROOT), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputsBusy), OutputLock(tmp_path, wait=0.2):
            pass
    finally:
        holder.kill()  # as a clerk closing the window, or a power cut
        holder.wait()
    with OutputLock(tmp_path, wait=5):
        pass


def test_the_holder_removes_every_leftover_temporary_file_of_a_killed_run(tmp_path):
    leftover = tmp_path / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}"
    leftover.write_bytes(b"")  # seconds old: without the lock it could be another run's
    other = tmp_path / "汇总表.xlsx"
    other.write_bytes(b"PK")
    with OutputLock(tmp_path, enabled=False):
        assert leftover.exists()
    with OutputLock(tmp_path):
        assert not leftover.exists() and other.exists()


def test_holding_the_lock_a_run_waits_then_stops_and_writes_nothing(small_county, monkeypatch, capsys):
    from county_report.cli import main

    monkeypatch.setattr(outputlock, "WAIT_SECONDS", 0.5)
    argv = ["--inputs", str(small_county["inputs"]), "--outputs", str(small_county["outputs"])]
    argv += ["--templates", str(small_county["templates"]), "--workers", "0"]
    with OutputLock(small_county["outputs"]):
        code = main(argv)
        assert main(["check", *argv]) == 1  # a check writes nothing and takes no lock
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().startswith(f"另一次运行正在向输出文件夹 {small_county['outputs']} 写入结果")
    assert "配置有误" not in err
    assert not small_county["outputs"].exists() or not any(small_county["outputs"].iterdir())
