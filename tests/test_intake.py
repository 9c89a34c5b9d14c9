"""Listing the inputs folder: every file, sub-folders included, by its relative name."""

from __future__ import annotations

from county_report.intake import discover


def test_discover_lists_files_in_sub_folders_by_relative_name(tmp_path):
    for name in ("乙镇/二村.xlsx", "乙镇/深/三村.xlsx", "甲村.xlsx", ".隐藏/四村.xlsx", "空文件夹/"):
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    found = discover(tmp_path)
    assert [name for name, _ in found] == sorted(
        [".隐藏/四村.xlsx", "乙镇/二村.xlsx", "乙镇/深/三村.xlsx", "甲村.xlsx"]
    )
    assert all(path == tmp_path / name for name, path in found)
