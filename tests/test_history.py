"""The database (issue 14): periods recorded one transaction per run, re-runs superseding, check and
--strict recording nothing, a kill inside the write, a damaged or foreign file, newer versions,
migrations, backups; `history` and `audit` through the command line."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from docx import Document
from openpyxl import load_workbook
from periods_county import P1, P2, P3, County, write_period

from county_report import dbfile, history
from county_report.cli import main
from county_report.errors import ConfigError
from county_report.history import database_path, open_history

BODY = "示例县"


@pytest.fixture
def county(tmp_path) -> County:
    return County(tmp_path)


def recorded(county: County) -> list:
    store = open_history(county.data, BODY)
    try:
        return [(r.period, r.superseded_by is None) for r in store.runs("大走访")]
    finally:
        store.close()


def report_text(result) -> str:
    return "\n".join(p.text for p in Document(result.report_path).paragraphs)


def run_args(county: County, inputs: Path, outputs: Path) -> list[str]:
    """The command line of a full run of `inputs` into `outputs` with the county's templates."""
    return ["--inputs", str(inputs), "--outputs", str(outputs), "--templates", str(county.templates)]


def test_each_period_is_recorded_and_the_next_report_says_what_changed(county):
    first, second = county.run(P1), county.run(P2)
    assert first.recorded and second.recorded
    assert recorded(county) == [(P1, True), (P2, True)]
    said = report_text(second)
    assert "与上期（截至2026年11月6日）相比，累计走访农户620户，本期新增120户，较上期增长24.0%" in said
    assert "柳树村本期未报送" in said
    assert Document(second.report_path).core_properties.identifier == second.run_id  # traceable
    store = open_history(county.data, BODY)
    assert store.published("大走访").run_id == second.run_id
    assert {f.name: f.outcome for f in store.files_of(second.run_id)} == {
        "东风村.xlsx": "采用",
        "黄龙村.xlsx": "采用",
    }
    store.close()


def test_the_workbook_shows_every_period_and_a_chart_with_explicit_colours(county):
    for day in (P1, P2, P3):
        result = county.run(day)
    book = load_workbook(result.workbook_path)
    assert book.sheetnames[:4] == ["全县汇总", "图表", "各期汇总", "各期趋势"]
    rows = list(book["各期汇总"].iter_rows(values_only=True))
    body = [(r[0].date(), r[1], r[2], r[3], r[5]) for r in rows[1:4]]  # date, 合计, 应报, 已报, 走访农户
    assert body == [(P1, "合计", 3, 3, 650), (P2, "合计", 3, 2, 620), (P3, "合计", 3, 3, 930)]
    assert [r[1] for r in rows[4:]] == ["城关镇"] * 3 + ["河西乡"] * 3
    trend = list(book["各期趋势"].iter_rows(values_only=True))
    assert trend[0] == ("统计截止日期", "走访农户（户）", "梳理问题（个）", "已解决问题（个）", "办结率")
    assert [r[0] for r in trend[1:4]] == ["11月6日", "11月13日（已报2/3）", "11月20日"]  # the dip explained
    with zipfile.ZipFile(result.workbook_path) as package:
        xmls = [
            package.read(n).decode("utf-8") for n in package.namelist() if n.startswith("xl/charts/chart")
        ]
    trends = [xml for xml in xmls if "<c:lineChart>" in xml and "<c:barChart>" not in xml]  # 图表 has bars
    assert len(trends) == 4
    for xml in trends:
        assert xml.count("<a:srgbClr") >= 3  # line, marker fill and border
        assert 'typeface="宋体"' in xml


def test_a_rerun_of_a_period_supersedes_it_and_keeps_the_earlier_run(county, capsys):
    county.run(P1)
    first = county.run(P2)
    again = county.run(P2)
    assert recorded(county) == [(P1, True), (P2, False), (P2, True)]
    store = open_history(county.data, BODY)
    assert [p.period for p in store.periods("大走访")] == [P1, P2]
    assert store.runs("大走访")[1].superseded_by == again.run_id != first.run_id
    store.close()
    assert "与上期（截至2026年11月6日）" in report_text(again)  # not compared with its own earlier run
    args = ["history", "--templates", str(county.templates), "--data", str(county.data)]
    assert main(args) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("2026年11月13日"))
    assert again.run_id in line and "620户" in line and line.rstrip().endswith("2")  # run twice


def test_check_and_a_run_refused_by_strict_record_nothing(county, capsys):
    argv = run_args(county, county.inputs(P1), county.root / "out")
    assert main(["check", *argv]) == 0
    assert not county.data.exists()  # check writes nothing in 数据/ (the default beside templates/)
    assert main(argv) == 0 and recorded(county) == [(P1, True)]
    write_period(county.root / "bad", P2)
    shutil.copy(
        ROOT / "tests" / "fixtures" / "findings" / "not-a-number.xlsx", county.root / "bad" / "错.xlsx"
    )
    assert main(["--strict", *run_args(county, county.root / "bad", county.root / "out2")]) == 1
    assert recorded(county) == [(P1, True)]


def _kill(county: County, day, point: str) -> int:
    command = [
        sys.executable,
        str(ROOT / "tests" / "kill_in_record.py"),
        str(county.root),
        day.isoformat(),
        point,
    ]
    env = {"PYTHONPATH": f"{ROOT}{':'}{ROOT / 'tests'}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=300).returncode


@pytest.mark.parametrize(
    ("point", "pages_written"),
    [
        ("sql:INSERT INTO runs:1", False),  # the transaction begun, nothing written yet
        ("sql:INSERT INTO units:2", True),  # the run and its files written, its units half
        ("sql:INSERT INTO totals:1", True),
        ("sql:^COMMIT:1", True),  # everything written, not committed
    ],
)
def test_a_run_killed_inside_the_database_write_leaves_the_previous_state(county, point, pages_written):
    county.run(P1)
    county.inputs(P2)
    path = database_path(county.data, BODY)
    assert _kill(county, P2, point) == 9
    assert Path(f"{path}-journal").exists() == pages_written  # a hot journal: the old pages
    assert recorded(county) == [(P1, True)]  # the next open rolled the half-written run back
    assert not dbfile.problem_of(path, history.APPLICATION_ID, history.MIGRATIONS)
    assert county.run(P2).recorded and recorded(county) == [(P1, True), (P2, True)]


def test_a_run_killed_while_rotating_backups_keeps_its_record_and_whole_backups(county):
    county.run(P1)
    county.inputs(P2)
    assert _kill(county, P2, "rotate") == 9
    assert recorded(county) == [(P1, True), (P2, True)]  # committed before the backup began
    backups = sorted((county.data / dbfile.BACKUP_FOLDER).glob("*.sqlite"))
    assert backups and all(
        not dbfile.problem_of(b, history.APPLICATION_ID, history.MIGRATIONS) for b in backups
    )


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's schema: a classic torn write
    path.write_bytes(bytes(data))


def test_a_damaged_database_is_set_aside_and_the_newest_backup_restored(county, capsys):
    county.run(P1)
    county.run(P2)
    path = database_path(county.data, BODY)
    _damage(path)
    args = ["history", "--templates", str(county.templates), "--data", str(county.data)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "数据文件 示例县.sqlite 已损坏" in err and "已从备份 备份/示例县.1.sqlite 恢复" in err
    assert "没有丢失任何一期的记录" in err
    assert "2026年11月13日" in out and len(list(county.data.glob("示例县.sqlite.无法使用-*"))) == 1


def test_when_only_an_older_backup_is_good_the_periods_lost_are_named(county):
    county.run(P1)
    county.run(P2)
    (county.data / dbfile.BACKUP_FOLDER / "示例县.1.sqlite").unlink()  # the newest copy is gone too
    _damage(database_path(county.data, BODY))
    result = county.run(P3)
    said = "\n".join(result.notices)
    assert "已从备份 备份/示例县.2.sqlite 恢复" in said
    assert "以下各期的最新记录已丢失，请用当时的报表按其统计截止日期重新运行：“大走访”2026年11月13日" in said
    assert recorded(county) == [(P1, True), (P3, True)]


@pytest.mark.parametrize("kind", ["another program's database", "not a database at all"])
def test_a_foreign_file_is_kept_aside_never_overwritten(county, kind):
    path = database_path(county.data, BODY)
    path.parent.mkdir(parents=True)
    if kind == "not a database at all":
        path.write_bytes("这是一份会议记录".encode())
    else:
        with sqlite3.connect(path) as other:
            other.execute("CREATE TABLE notes(x)")
        other.close()
    original = path.read_bytes()
    result = county.run(P1)
    said = "\n".join(result.notices)
    assert "不是报表助手的数据文件" in said and "没有可用的备份，已新建数据文件" in said
    aside = list(county.data.glob("示例县.sqlite.无法使用-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == original
    assert recorded(county) == [(P1, True)]


def test_a_database_from_a_newer_program_is_refused_untouched(county, capsys):
    county.run(P1)
    path = database_path(county.data, BODY)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    argv = run_args(county, county.inputs(P2), county.root / "o")
    assert main(argv) == 2
    assert "由更新版本的报表助手写入（数据版本 99" in capsys.readouterr().err
    assert path.read_bytes() == before
    with pytest.raises(ConfigError):
        open_history(county.data, BODY)


def test_migrations_bring_an_older_file_forward_in_order(county, monkeypatch):
    county.run(P1)
    monkeypatch.setattr(history, "MIGRATIONS", (*history.MIGRATIONS, "ALTER TABLE runs ADD COLUMN note TEXT"))
    store = open_history(county.data, BODY)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert "note" in [c[1] for c in store.conn.execute("PRAGMA table_info(runs)")]
    assert [p.period for p in store.periods("大走访")] == [P1]  # the data came along
    store.close()


def test_the_last_three_good_copies_are_kept(county):
    for day in (P1, P2, P3, P3):
        county.run(day)
    folder = county.data / dbfile.BACKUP_FOLDER
    assert sorted(p.name for p in folder.iterdir()) == [f"示例县.{n}.sqlite" for n in (1, 2, 3)]
    runs = [
        sqlite3.connect(folder / f"示例县.{n}.sqlite").execute("SELECT count(*) FROM runs").fetchone()[0]
        for n in (1, 2, 3)
    ]
    assert runs == [4, 3, 2]  # newest first, each a whole database


def test_audit_names_a_file_changed_by_a_single_byte(county, capsys):
    county.run(P1)
    inputs = county.inputs(P1)
    argv = [
        "audit",
        "--inputs",
        str(inputs),
        "--templates",
        str(county.templates),
        "--data",
        str(county.data),
    ]
    assert main(argv) == 0
    assert "一致 3 个。" in capsys.readouterr().out
    target = inputs / "黄龙村.xlsx"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0x01  # one byte of the zip's end record
    target.write_bytes(bytes(data))
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "一致 2 个。" in out and "已改动 1 个：" in out and "黄龙村.xlsx（当时指纹" in out
    (inputs / "柳树村.xlsx").unlink()
    shutil.copy(inputs / "东风村.xlsx", inputs / "东风村（更正）.xlsx")
    (inputs / "~$东风村.xlsx").write_bytes(b"lock")  # a lock file comes and goes: not a change
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "已不在文件夹中 1 个：\n    柳树村.xlsx" in out
    assert "汇总时没有、现在新增的 1 个：\n    东风村（更正）.xlsx" in out


def test_audit_of_an_earlier_period_and_of_one_never_recorded(county, capsys):
    county.run(P1)
    county.run(P2)
    base = ["audit", "--templates", str(county.templates), "--data", str(county.data)]
    assert main([*base, "--inputs", str(county.inputs(P1)), "--as-of", P1.isoformat()]) == 0
    assert "统计截止日期为2026年11月6日" in capsys.readouterr().out
    assert main([*base, "--inputs", str(county.inputs(P1)), "--as-of", "2026-01-01"]) == 2
    assert "没有统计截止日期为2026年1月1日的" in capsys.readouterr().err


def test_the_database_is_never_kept_inside_the_outputs_folder(county, capsys):
    outputs = county.root / "out"
    argv = run_args(county, county.inputs(P1), outputs)
    assert main([*argv, "--data", str(outputs / "数据")]) == 2
    assert "数据文件夹" in capsys.readouterr().err and not (outputs / "数据").exists()


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("示例县", "示例县.sqlite"),
        ("../示例/县", "_示例_县.sqlite"),
        ("CON", "本级.sqlite"),  # a Windows device name: no file could be made under it
        ("示例\u202e县", "示例县.sqlite"),  # a direction override would make the name read backwards
        (" . ", "本级.sqlite"),
    ],
)
def test_the_database_is_named_for_the_body_as_any_file_name_from_settings(tmp_path, body, name):
    path = database_path(tmp_path, body)
    assert path.parent == tmp_path and path.name == name


def test_a_log_that_cannot_be_written_is_said_in_chinese_and_the_run_still_recorded(county):
    history.log_path(database_path(county.data, BODY)).mkdir(parents=True)  # a folder where the log goes
    result = county.run(P1)
    assert "无法写入运行日志 示例县.运行日志.txt（是文件夹而不是文件），不影响本次结果。" in result.notices
    assert result.recorded and recorded(county) == [(P1, True)]


def test_database_failures_are_said_in_chinese(tmp_path):
    stranger = tmp_path / "不是数据库.sqlite"
    stranger.write_bytes(b"x" * 4096)
    conn = sqlite3.connect(stranger)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        conn.execute("SELECT 1 FROM sqlite_master")
    conn.close()
    assert dbfile.reason(caught.value) == "不是数据库文件"
    held = tmp_path / "占用.sqlite"
    first, second = sqlite3.connect(held, isolation_level=None), sqlite3.connect(held, timeout=0)
    first.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as busy:
        second.execute("CREATE TABLE t(x)")
    first.close()
    second.close()
    assert dbfile.reason(busy.value) == "正被另一次运行使用，请稍后重试"
    assert dbfile.reason(OSError(28, "No space left on device")) == "磁盘已满"


def test_a_permission_refused_on_a_write_is_said_as_writing():
    import errno

    refused = OSError(errno.EACCES, "Permission denied")
    assert dbfile.reason(refused) == "没有读取权限"
    assert dbfile.reason(refused, writing=True) == "没有写入权限"
    assert dbfile.reason(OSError(errno.EIO, "I/O error"), writing=True) == "磁盘写入出错"
    assert dbfile.reason(OSError(28, "No space left on device"), writing=True) == "磁盘已满"
