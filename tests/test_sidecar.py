"""The report's second process: faster when it works, bounded in time, in this process only when
no second process can start."""

from __future__ import annotations

import os

import pytest
import sidecar_work

from county_report import sidecar as sidecar_module
from county_report.errors import ConfigError
from county_report.sidecar import Sidecar


def test_work_runs_in_another_process():
    with Sidecar(sidecar_work.where) as side:
        tag, pid = side.run("报告")()
    assert tag == "报告" and pid != os.getpid()


def test_an_error_of_the_work_is_raised_here_with_its_message():
    with Sidecar(sidecar_work.refuse) as side, pytest.raises(ConfigError, match="模板中的变量有误"):
        side.run("模板中的变量有误")()


def test_a_sidecar_that_dies_is_an_error_not_a_second_try_here():
    # a template that exhausts the child would exhaust this process too: it is not run again here
    with Sidecar(sidecar_work.die_unless_parent) as side, pytest.raises(ConfigError, match="进程异常退出"):
        side.run(os.getpid())()


def test_a_sidecar_past_its_time_limit_is_killed_and_says_so():
    import time

    started = time.monotonic()
    with Sidecar(sidecar_work.sleep, timeout=2) as side, pytest.raises(ConfigError) as caught:
        side.run(60)()
    assert time.monotonic() - started < 50  # killed at the limit, long before the work's 60 s end
    assert str(caught.value) == "后台任务在 2 秒内没有完成，已停止。"


def test_the_report_says_which_template_ran_too_long():
    from pathlib import Path

    from county_report.report import render_failure

    failure = render_failure("timeout", 120, ({}, Path("templates/工作总结模板.docx"), Path("x")))
    assert str(failure).startswith("工作总结模板 工作总结模板.docx 在 120 秒内没有生成完，已停止。")


def test_a_disabled_sidecar_starts_no_process():
    with Sidecar(sidecar_work.where, enabled=False) as side:
        assert side.run("小县")() == ("小县", os.getpid())


def _no_processes(monkeypatch):
    def cannot_start(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(sidecar_module, "_spawn_context", cannot_start)


def test_no_second_process_means_the_work_runs_here(monkeypatch):
    _no_processes(monkeypatch)
    with Sidecar(sidecar_work.where) as side:
        assert side.run("x")() == ("x", os.getpid())


def _report_text(path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(path).paragraphs)


def _document_xml(path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml")


def test_a_run_writes_the_same_report_with_or_without_the_sidecar(small_county, monkeypatch, tmp_path):
    from datetime import date

    from county_report.model import RunOptions
    from county_report.pipeline import run

    def options(outputs):
        return RunOptions(inputs=small_county["inputs"], outputs=outputs, templates=small_county["templates"])

    used = []

    class Recording(Sidecar):
        def run(self, *args):
            used.append(self._worker is not None)
            return super().run(*args)

    monkeypatch.setattr(sidecar_module, "Sidecar", Recording)
    day = date(2026, 11, 22)
    with_side = run(options(tmp_path / "a"), report_date=day)
    assert used == [True]  # the report really went to the second process
    _no_processes(monkeypatch)
    without = run(options(tmp_path / "b"), report_date=day)
    assert with_side.report_path.name == without.report_path.name
    text = _report_text(with_side.report_path)
    assert "一、主要做法" in text and text == _report_text(without.report_path)
    assert _document_xml(with_side.report_path) == _document_xml(without.report_path)  # tables too


_KILLED_RUN = """
import sys, time
sys.path[:0] = sys.argv[1:]
from county_report.sidecar import Sidecar
import json
side = Sidecar(json.dumps)
print(side._worker.process.pid, flush=True)
time.sleep(60)
"""


def test_a_sidecar_whose_run_is_killed_exits_too():
    # A clerk closing the window kills the run: its sidecar must not linger in memory.
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    run = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, root], stdout=subprocess.PIPE, text=True)
    child = int(run.stdout.readline())
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_a_sidecar_that_cannot_start_leaves_the_work_to_this_process(monkeypatch):
    # e.g. a host whose main module cannot be imported again by the child: it dies before its hello
    from county_report import workers

    monkeypatch.setattr(workers, "_worker_main", sidecar_work.die_at_start)
    with Sidecar(sidecar_work.where) as side:
        assert side.run("x")() == ("x", os.getpid())


def test_a_report_past_its_time_limit_is_said_in_the_report_s_words(tmp_path, monkeypatch):
    # the pipeline hands the sidecar the report's own failure messages (report.render_failure)
    from periods_county import P1, County

    monkeypatch.setattr(sidecar_module, "RESULT_TIMEOUT_SECONDS", 0.01)
    with pytest.raises(ConfigError) as caught:
        County(tmp_path).run(P1)
    assert "工作总结模板" in str(caught.value) and "没有生成完，已停止。请检查模板中的循环" in str(
        caught.value
    )
