"""The shipped benchmark runs end to end on a tiny county and prints every column (no timings asserted)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import synth

import bench

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_synthetic_forms_are_valid_xlsx_and_cached(tmp_path):
    first = synth.corpus(5, seed=3, out=tmp_path)
    files = sorted(first.inputs.glob("*.xlsx"))
    assert len(files) == 5
    for path in files:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
    stamp = files[0].stat().st_mtime_ns
    again = synth.corpus(5, seed=3, out=tmp_path)
    assert again.root == first.root and files[0].stat().st_mtime_ns == stamp  # reused, not regenerated


def test_same_seed_gives_same_bytes(tmp_path):
    one = synth.corpus(3, seed=7, out=tmp_path / "a")
    two = synth.corpus(3, seed=7, out=tmp_path / "b")
    names = sorted(p.name for p in one.inputs.iterdir())
    assert names == sorted(p.name for p in two.inputs.iterdir())
    assert all((one.inputs / n).read_bytes() == (two.inputs / n).read_bytes() for n in names)


@pytest.mark.slow
def test_bench_on_twenty_villages_prints_every_stage(tmp_path, capsys):
    assert bench.main(["--n", "20", "--workers", "0", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.startswith("| 村数 | 模板"))
    for heading in (
        "读取+校验",
        "汇总(秒)",
        "汇总表",
        "报告",
        "全程",
        "表/秒",
        "峰值内存",
        "朴素脚本",
        "倍数",
    ):
        assert heading in header
    row = next(line for line in printed.splitlines() if line.startswith("| 20 |"))
    assert row.count("|") == header.count("|")
    assert "采用 20 份" in printed and "两者一致" in printed
    assert "run_report.py --help" in printed
    rerun = printed[printed.index("重新运行") :]
    header = next(line for line in rerun.splitlines() if line.startswith("| 村数"))
    assert "改动10份后：读取+校验(秒)" in header and "沿用(份)" in header and "全程之比" in header
    row = next(line for line in rerun.splitlines() if line.startswith("| 20 |"))
    assert row.split("|")[5].strip() == "10"  # 20 forms, 10 changed: the other 10 were not read again
    for title in ("数据文件的开销", "读取进程是否一直有活干"):
        part = printed[printed.index(title) :]
        assert "数据文件(MB)" in part or "忙碌占比" in part
        assert any(line.startswith("| 20 |") for line in part.splitlines())


def test_province_roster_has_unique_names():
    import random

    villages = synth.synth_roster(30_000, random.Random(1))
    assert len(villages) == len(set(villages)) == 30_000
    assert len({synth.prefilled_name(t, v) for t, v in villages}) == 30_000  # one file per village
