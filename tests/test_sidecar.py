"""The report's second process: faster when it works, invisible when it cannot."""

from __future__ import annotations

import os

import pytest
import sidecar_work

from county_report import sidecar as sidecar_module
from county_report.errors import ConfigError
from county_report.sidecar import Sidecar


def test_work_runs_in_another_process():
    with Sidecar("county_report.cnformat") as side:
        tag, pid = side.run(sidecar_work.where, "报告")()
    assert tag == "报告" and pid != os.getpid()


def test_an_error_of_the_work_is_raised_here_with_its_message():
    with Sidecar("county_report.cnformat") as side, pytest.raises(ConfigError, match="模板中的变量有误"):
        side.run(sidecar_work.refuse, "模板中的变量有误")()


def test_a_sidecar_that_dies_leaves_the_work_to_this_process():
    with Sidecar("county_report.cnformat") as side:
        assert side.run(sidecar_work.die_unless_parent, os.getpid())() == os.getpid()


def test_a_disabled_sidecar_starts_no_process():
    with Sidecar("county_report.cnformat", enabled=False) as side:
        assert side.run(sidecar_work.where, "小县")() == ("小县", os.getpid())


def test_no_second_process_means_the_work_runs_here(monkeypatch):
    def cannot_start(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(sidecar_module, "ProcessPoolExecutor", cannot_start)
    with Sidecar("county_report.cnformat") as side:
        assert side.run(sidecar_work.where, "x")() == ("x", os.getpid())


def _report_text(path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(path).paragraphs)


def test_a_run_writes_the_same_report_with_or_without_the_sidecar(small_county, monkeypatch, tmp_path):
    from datetime import date

    from county_report import pipeline
    from county_report.model import RunOptions
    from county_report.pipeline import run

    monkeypatch.setattr(pipeline, "SIDECAR_FROM", 0)  # the small county would render in-process

    def options(outputs):
        return RunOptions(inputs=small_county["inputs"], outputs=outputs, templates=small_county["templates"])

    used = []

    class Recording(Sidecar):
        def run(self, work, *args):
            used.append(self._pool is not None)
            return super().run(work, *args)

    monkeypatch.setattr(sidecar_module, "Sidecar", Recording)
    day = date(2026, 11, 22)
    with_side = run(options(tmp_path / "a"), report_date=day)
    assert used == [True]  # the report really went to the second process
    monkeypatch.setattr(sidecar_module, "ProcessPoolExecutor", None)  # calling None fails: no sidecar
    without = run(options(tmp_path / "b"), report_date=day)
    assert with_side.report_path.name == without.report_path.name
    text = _report_text(with_side.report_path)
    assert "一、主要做法" in text and text == _report_text(without.report_path)
