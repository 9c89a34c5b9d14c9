"""Listing the inputs folder never stops the run: every path not read is a finding (issue 16)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from county_report import listing
from county_report.listing import discover
from county_report.safename import printable

needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")


def _file(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _findings(found) -> dict[str, tuple[str, str]]:
    return {f.file: (f.code, f.message) for f in found.findings}


@needs_links
def test_links_inside_are_followed_and_links_elsewhere_are_listed(tmp_path):
    inputs, outside = tmp_path / "inputs", tmp_path / "elsewhere"
    _file(inputs / "乙镇/二村.xlsx")
    _file(outside / "外村.xlsx")
    (inputs / "到乙镇").symlink_to(inputs / "乙镇")  # a folder inside, already listed: not twice
    (inputs / "甲镇").mkdir()
    (inputs / "甲镇/二村链接.xlsx").symlink_to(inputs / "乙镇/二村.xlsx")  # the same file: read once
    (inputs / "外面.xlsx").symlink_to(outside / "外村.xlsx")
    (inputs / "外面文件夹").symlink_to(outside)
    (inputs / "断开.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    (inputs / "环甲").symlink_to(inputs / "环乙")
    (inputs / "环乙").symlink_to(inputs / "环甲")
    found = discover(inputs)
    assert [name for name, _ in found.files] == ["乙镇/二村.xlsx"]
    notes = _findings(found)
    assert notes["甲镇/二村链接.xlsx"] == (
        "skipped-file",
        "与「乙镇/二村.xlsx」是同一个文件，只读取一次，已跳过。无需处理。",
    )
    assert notes["到乙镇"][0] == "skipped-file" and "同一个文件夹" in notes["到乙镇"][1]
    assert notes["外面.xlsx"][0] == "link-not-followed"
    assert f"指向村级报表文件夹以外的位置（{outside / '外村.xlsx'}）" in notes["外面.xlsx"][1]
    assert notes["外面文件夹"][0] == "link-not-followed"
    assert "指向的文件或文件夹已不存在" in notes["断开.xlsx"][1]
    assert "形成了循环" in notes["环甲"][1] and "形成了循环" in notes["环乙"][1]


@needs_links
def test_a_link_to_a_file_inside_is_read_when_the_file_is_not_listed_itself(tmp_path):
    inputs = tmp_path / "inputs"
    target = _file(inputs / ".备份/东村.xlsx")
    (inputs / "东村.xlsx").symlink_to(target)
    found = discover(inputs)
    assert [name for name, _ in found.files] == ["东村.xlsx"]  # the hidden folder's name is the one skipped
    assert _findings(found)[".备份/东村.xlsx"][0] == "skipped-file"


def test_pipes_and_devices_are_listed_never_opened(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "管道.xlsx")
    _file(tmp_path / "东村.xlsx")
    found = discover(tmp_path)
    assert [name for name, _ in found.files] == ["东村.xlsx"]
    assert _findings(found)["管道.xlsx"] == (
        "not-a-file",
        "这不是普通文件（命名管道），没有读取。无需处理；如是报表，请另存为普通的 .xlsx 文件后放进报表文件夹。",
    )


def _failing_scandir(monkeypatch, broken: Path, error: OSError):
    real = os.scandir

    def scandir(path):
        if Path(path) == broken:
            raise error
        return real(path)

    monkeypatch.setattr(listing.os, "scandir", scandir)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "没有读取权限"),
        (FileNotFoundError(2, "No such file or directory"), "已不存在（可能在运行时被移走或删除）"),
    ],
)
def test_a_folder_that_cannot_be_listed_is_a_finding_and_the_rest_is_read(
    tmp_path, monkeypatch, error, reason
):
    _file(tmp_path / "乙镇/二村.xlsx")
    _file(tmp_path / "甲镇/一村.xlsx")
    _failing_scandir(monkeypatch, tmp_path / "乙镇", error)
    found = discover(tmp_path)
    assert [name for name, _ in found.files] == ["甲镇/一村.xlsx"]
    code, message = _findings(found)["乙镇"]
    assert code == "folder-unreadable" and f"无法读取该文件夹（{reason}）" in message


def test_a_vanished_inputs_folder_is_a_finding(tmp_path):
    found = discover(tmp_path / "不存在")
    assert found.files == () and found.findings[0].code == "folder-unreadable"


def test_outputs_templates_and_data_folders_inside_inputs_are_never_read(tmp_path):
    _file(tmp_path / "东村.xlsx")
    _file(tmp_path / "outputs/汇总表.xlsx")
    _file(tmp_path / "模板/名册.xlsx")
    found = discover(tmp_path, exclude=[tmp_path / "outputs", (tmp_path / "模板", "本次使用的模板文件夹")])
    assert [name for name, _ in found.files] == ["东村.xlsx"]
    assert _findings(found) == {
        "outputs": ("skipped-file", "本程序的输出或数据文件夹，已跳过。无需处理。"),
        "模板": ("skipped-file", "本次使用的模板文件夹，已跳过。无需处理。"),
    }


def test_the_inputs_folder_itself_is_read_even_if_it_is_also_excluded(tmp_path):
    _file(tmp_path / "东村.xlsx")
    assert [name for name, _ in discover(tmp_path, exclude=[tmp_path]).files] == ["东村.xlsx"]


def test_control_characters_in_a_name_are_shown_escaped(tmp_path):
    _file(tmp_path / "东\x07村\x1b[31m.xlsx")
    ((name, path),) = discover(tmp_path).files
    assert name == "东\\x07村\\x1b[31m.xlsx" and path.name == "东\x07村\x1b[31m.xlsx"


def test_printable_escapes_what_a_console_would_act_on():
    assert printable("东村.xlsx") == "东村.xlsx"
    assert printable("a\u202eb.xlsx") == "a\\u202eb.xlsx"  # right-to-left override: reads backwards
    assert printable("\udcff村.xlsx") == "\\xff村.xlsx"  # an undecodable byte in the name
