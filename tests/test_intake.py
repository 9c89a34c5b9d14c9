"""Listing the inputs folder: every file, sub-folders included, by its relative name."""

from __future__ import annotations

import os

import pytest

from county_report.listing import discover


def test_discover_lists_files_in_sub_folders_by_relative_name(tmp_path):
    for name in ("乙镇/二村.xlsx", "乙镇/深/三村.xlsx", "甲村.xlsx", ".隐藏/四村.xlsx", "空文件夹/"):
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    found = discover(tmp_path).files
    assert [name for name, _ in found] == sorted(
        [".隐藏/四村.xlsx", "乙镇/二村.xlsx", "乙镇/深/三村.xlsx", "甲村.xlsx"]
    )
    assert all(path == tmp_path / name for name, path in found)


def test_the_reader_reads_the_bytes_the_guard_checked(tmp_path):
    # A file swapped on disk between screening and reading must not reach the reader unchecked.
    import shutil

    from conftest import FINDING_FIXTURES, ROOT

    from county_report.definition import UNIT, load_campaign
    from county_report.guard import screen
    from county_report.reader import read_form

    spec = load_campaign(ROOT / "templates" / "form.toml")
    path = shutil.copy(FINDING_FIXTURES / "good.xlsx", tmp_path / "城关镇-东风村.xlsx")
    rejection, data = screen(path, path.name, spec.sheets)
    assert rejection is None and data == path.read_bytes()
    path.write_bytes(b"swapped after screening")
    form = read_form(path, spec, path.name, data)
    assert form.findings == () and form.fields[spec.role(UNIT).key].raw == "东风村"


def test_triage_skips_files_in_hidden_folders_at_any_depth(tmp_path):
    from county_report.intake import triage

    for name in ("甲村.xlsx", ".备份/乙村.xlsx", "城关镇/.旧/丙村.xlsx", "城关镇/.丁村.xlsx"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    _, triaged = triage(tmp_path)
    reasons = {name: reason for name, _, reason in triaged}
    assert reasons == {
        "甲村.xlsx": "",
        ".备份/乙村.xlsx": "隐藏文件夹中的文件",
        "城关镇/.旧/丙村.xlsx": "隐藏文件夹中的文件",
        "城关镇/.丁村.xlsx": "隐藏文件",
    }


def test_reading_in_this_process_uses_the_callers_templates_and_workers_load_their_own(tmp_path):
    import pickle
    import shutil

    from conftest import FINDING_FIXTURES, ROOT

    from county_report.intake import ReadTask
    from county_report.model import Submission
    from county_report.templates import load_templates
    from county_report.workers import Job

    loaded = load_templates(ROOT / "templates")
    path = shutil.copy(FINDING_FIXTURES / "good.xlsx", tmp_path / "城关镇-东风村.xlsx")
    task = ReadTask(tmp_path / "没有这个模板文件夹", loaded=loaded)  # never loaded here: it would fail
    read = task(Job(0, path, path.name))
    assert isinstance(read.result(path), Submission) and read.result(path).sha256 == read.sha256
    assert pickle.loads(pickle.dumps(task))._loaded is None  # a worker loads the folder's own


@pytest.mark.skipif(os.name == "nt", reason="Windows names cannot hold control characters")
def test_a_skipped_file_is_recorded_with_its_hash_even_when_its_name_is_shown_escaped(tmp_path):
    # the record names a file as shown (`\x07` written out), but hashes the file itself
    from conftest import ROOT

    from county_report.intake import take_in
    from county_report.provenance import bytes_digest

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "~$东\x07村.xlsx").write_bytes(b"lock")
    (inputs / "~$西村.xlsx").write_bytes(b"lock too")
    intake = take_in(inputs, ROOT / "templates", workers=0)
    recorded = {f.name: f.sha256 for f in intake.files}
    assert recorded == {"~$东\\x07村.xlsx": bytes_digest(b"lock"), "~$西村.xlsx": bytes_digest(b"lock too")}
