"""Incremental re-runs (issue 14): a file is neither screened nor parsed again when its bytes, the
definition and the program are unchanged; roster checks run afresh; the outputs equal a cold run's."""

from __future__ import annotations

import shutil
from pathlib import Path

import hostile_forms
import pytest
from conftest import make_templates
from docx import Document
from periods_county import P1, P2, County, write_period

from county_report import guard, reader
from county_report.history import cache_path, database_path
from county_report.intake import take_in
from county_report.readcache import ReadCache
from county_report.recording import reading_digest
from county_report.templates import load_templates


@pytest.fixture
def county(tmp_path) -> County:
    return County(tmp_path)


class Counted:
    """How many files the guard screened and the reader parsed (workers=0: all in this process)."""

    def __init__(self, monkeypatch):
        self.screened, self.parsed = [], []
        screen, read_form = guard.screen, reader.read_form
        monkeypatch.setattr(
            guard, "screen", lambda path, *a: self.screened.append(Path(path).name) or screen(path, *a)
        )
        monkeypatch.setattr(
            reader, "read_form", lambda path, *a: self.parsed.append(Path(path).name) or read_form(path, *a)
        )

    def reset(self) -> None:
        self.screened.clear()
        self.parsed.clear()


def _cache(county: County, digest: str | None = None) -> ReadCache:
    loaded = load_templates(county.templates)
    path = cache_path(database_path(county.data, loaded.settings.county))
    return ReadCache(path, digest or reading_digest(loaded.campaign))


def _take(county: County, inputs: Path, cache: ReadCache):
    intake = take_in(inputs, county.templates, 0, None, cache, load_templates(county.templates))
    cache.keep(intake.fresh, {f.name: f.sha256 for f in intake.files})
    return intake


def test_a_kept_read_is_reused_only_for_the_same_bytes_definition_and_program(county, monkeypatch):
    inputs, counted = county.inputs(P1), Counted(monkeypatch)
    first = _take(county, inputs, _cache(county))
    assert sorted(counted.parsed) == ["东风村.xlsx", "柳树村.xlsx", "黄龙村.xlsx"] and first.reused == 0
    counted.reset()
    again = _take(county, inputs, _cache(county))
    assert counted.screened == counted.parsed == [] and again.reused == 3
    assert [s.sha256 for s in again.submissions] == [s.sha256 for s in first.submissions]
    write_period(inputs, P1, {"黄龙村": (999, 8, 2)})  # one file's content changes
    counted.reset()
    changed = _take(county, inputs, _cache(county))
    assert counted.screened == counted.parsed == ["黄龙村.xlsx"] and changed.reused == 2
    assert {s.unit: s.metrics["households"] for s in changed.submissions}["黄龙村"] == 999
    counted.reset()
    _take(county, inputs, _cache(county, digest="another definition or program"))
    assert len(counted.parsed) == 3  # nothing kept under another reading digest is used


def test_a_changed_file_is_screened_before_any_parser_sees_it(county, monkeypatch):
    inputs, counted = county.inputs(P1), Counted(monkeypatch)
    _take(county, inputs, _cache(county))
    good = inputs / "黄龙村.xlsx"
    hostile_forms.far_cell(good, inputs / "黄龙村-tmp.xlsx")  # a cell at XFD1048576: calamine would abort
    (inputs / "黄龙村-tmp.xlsx").replace(good)  # same name, new bytes
    counted.reset()
    intake = _take(county, inputs, _cache(county))
    assert counted.screened == ["黄龙村.xlsx"] and counted.parsed == []
    assert [(f.file, f.code) for f in intake.unread] == [("黄龙村.xlsx", "sheet-too-large")]


def test_roster_checks_run_afresh_on_a_kept_read(county, monkeypatch):
    inputs, counted = county.inputs(P1), Counted(monkeypatch)
    roster = [("城关镇", "东风村", ""), ("城关镇", "黄龙村", ""), ("河西乡", "杨柳村", "")]
    make_templates(county.templates, roster=roster)  # 柳树村 is not in it
    first = _take(county, inputs, _cache(county))
    assert [f.code for s in first.submissions if s.unit == "" for f in s.findings] == ["unknown-village"]
    make_templates(county.templates, roster=[*roster[:2], ("河西乡", "杨柳村", "柳树村")])  # an alias added
    counted.reset()
    again = _take(county, inputs, _cache(county))
    assert counted.screened == counted.parsed == [] and again.reused == 3  # not read again…
    fixed = next(s for s in again.submissions if s.file == "柳树村.xlsx")
    assert fixed.accepted and fixed.place == ("河西乡", "杨柳村")  # …but validated again from its cells
    assert again.submissions == take_in(inputs, county.templates, 0, None).submissions  # as a cold read


def _texts(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


@pytest.mark.parametrize("workers", [0, 1])
def test_an_incremental_run_writes_what_a_cold_run_writes(county, workers):
    county.run(P1, workers=workers)
    inputs = county.inputs(P2)
    county.run(P2, workers=workers)  # fills the cache with P2's reads
    write_period(inputs, P2, {"黄龙村": (275, 10, 7)})  # a correction arrives
    shutil.copy(county.inputs(P1) / "柳树村.xlsx", inputs / "柳树村（上期）.xlsx")  # and an old form, resent
    cold_data = county.root / "数据-冷"
    shutil.copytree(county.data, cold_data)
    for cache in cold_data.glob("*读取缓存*"):
        cache.unlink()  # the same history, no kept reads
    warm = county.run(P2, workers=workers, outputs=county.root / "warm")
    cold = county.run(P2, workers=workers, outputs=county.root / "cold", data=cold_data)
    assert warm.reused == 1 and cold.reused == 0  # 东风村; 黄龙村 changed, the resent form is new
    assert warm.findings == cold.findings and warm.accepted == cold.accepted
    assert warm.workbook_path.read_bytes() == cold.workbook_path.read_bytes()  # byte for byte
    assert _texts(warm.report_path) == _texts(cold.report_path)
    assert _texts(warm.status_path) == _texts(cold.status_path)
    assert Document(warm.report_path).core_properties.identifier == warm.run_id != cold.run_id
