"""Atomic output: temp file then rename; a locked target gets a new name; no temp left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from county_report import atomic
from county_report.atomic import TEMP_PREFIX, atomic_write


def _write_bytes(data: bytes):
    def write(temp: Path) -> None:
        assert temp.parent.name and temp.name.startswith(TEMP_PREFIX)  # hidden temp, same folder
        temp.write_bytes(data)

    return write


def test_replaces_target_and_leaves_no_temp(tmp_path):
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"old")
    assert atomic_write(target, _write_bytes(b"new")) == target
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总表.xlsx"]


def test_temp_file_is_in_the_target_folder(tmp_path):
    seen = []
    atomic_write(
        tmp_path / "子目录" / "汇总表.xlsx", lambda temp: (seen.append(temp), temp.write_bytes(b"x"))
    )
    assert seen[0].parent == tmp_path / "子目录"
    assert not seen[0].name.endswith(".xlsx")  # never mistaken for a finished workbook


def test_failed_write_removes_temp_and_keeps_old_target(tmp_path):
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"old")

    def broken(temp: Path) -> None:
        temp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总表.xlsx"]


def _locked(*locked: Path):
    """os.replace as Windows behaves when these files are open in Excel."""
    real = os.replace

    def replace(src, dst):
        if Path(dst) in locked:
            raise PermissionError(13, "另一个程序正在使用此文件", str(dst))
        real(src, dst)

    return replace


def test_locked_target_is_written_under_a_new_name(tmp_path, monkeypatch):
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"open in excel")
    (tmp_path / "汇总表(1).xlsx").write_bytes(b"earlier fallback")
    monkeypatch.setattr(atomic, "_replace", _locked(target))
    written = atomic_write(target, _write_bytes(b"new"))
    assert written == tmp_path / "汇总表(2).xlsx"
    assert written.read_bytes() == b"new"
    assert target.read_bytes() == b"open in excel"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["汇总表(1).xlsx", "汇总表(2).xlsx", "汇总表.xlsx"]


def test_everything_locked_raises_and_cleans_up(tmp_path, monkeypatch):
    def always_locked(src, dst):
        raise PermissionError(13, "denied", str(dst))

    monkeypatch.setattr(atomic, "_replace", always_locked)
    with pytest.raises(PermissionError):
        atomic_write(tmp_path / "汇总表.xlsx", _write_bytes(b"x"))
    assert list(tmp_path.iterdir()) == []


def test_a_killed_run_s_stale_temp_file_is_removed_by_the_next_write(tmp_path):
    import os

    from county_report.atomic import STALE_TEMP_SECONDS, atomic_write

    stale = tmp_path / ".tmp-0123456789ab.part"
    fresh = tmp_path / ".tmp-ba9876543210.part"  # another run may be writing it right now
    for temp in (stale, fresh):
        temp.write_bytes(b"PK half a workbook")
    old = stale.stat().st_mtime - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    atomic_write(tmp_path / "汇总表.xlsx", lambda p: p.write_bytes(b"done"))
    assert not stale.exists() and fresh.exists()
    assert (tmp_path / "汇总表.xlsx").read_bytes() == b"done"
