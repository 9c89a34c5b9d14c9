"""The whole run in one function: the command line and the Excel button both call `run`."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from .findings import Finding
from .intake import Intake, default_period, period_findings, pick_latest, placed, take_in
from .model import RunOptions, RunResult
from .outputlock import OutputLock
from .publish import OutputSet
from .safename import safe_output_name
from .settings import FORM_FILE, REPORT_TEMPLATE_FILE, ROSTER_FILE, load_settings

WORKBOOK_NAME = "汇总表.xlsx"
STRICT_NOTICE = "因存在错误且使用了 --strict，未生成汇总表和报告。"
NOTHING_NOTICE = "没有可以汇总的报表（文件夹为空，或所有报表都有错误），未生成汇总表和报告。"


class _Stopwatch:
    """Seconds spent per stage, reported in RunResult.timings for the benchmark."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self._last
        self._last = now


def run(
    options: RunOptions,
    on_progress: Callable[[int, int], None] | None = None,
    report_date: date | None = None,
) -> RunResult:
    """Read, validate, aggregate and write; ConfigError when templates are unusable.

    A run that writes holds its outputs folder (outputlock.py): OutputsBusy if another does.
    """
    with OutputLock(options.outputs, enabled=not options.check_only):
        return _run(options, on_progress, report_date)


def _run(options: RunOptions, on_progress, report_date: date | None) -> RunResult:
    from .formspec import load_formspec
    from .roster import load_roster

    started, watch = datetime.now(), _Stopwatch()
    settings = load_settings(options.templates)
    spec = load_formspec(options.templates / FORM_FILE)
    roster = load_roster(options.templates / ROSTER_FILE, spec)
    watch.lap("templates")
    warming = None if options.check_only else _import_in_background(_OUTPUT_MODULES)
    intake = take_in(
        options.inputs, options.templates, options.workers, on_progress, exclude=(options.outputs,)
    )
    if warming is not None:
        warming.join()
    watch.lap("read")
    latest, superseded = pick_latest(intake.submissions)
    counted = [s for s in latest if s.accepted]
    period = options.as_of or default_period(counted) or default_period(intake.submissions)
    dropped = {f.file for f in superseded}
    extra = [*superseded, *(period_findings(counted, period, spec) if period else [])]
    findings = _all_findings(intake, dropped, extra)
    reported = {(s.township, s.village) for s in counted}
    to_correct = {p for s in latest if not s.accepted and (p := placed(s)) and p not in reported}
    result = RunResult(
        started_at=started,
        as_of=period,
        files_read=intake.files_read,
        accepted=len(counted),
        rejected=len(latest) - len(counted) + len(intake.unread),
        skipped=len(intake.skipped),
        superseded=len(superseded),
        villages_expected=len(roster.villages),
        villages_reported=len(reported),
        missing_villages=tuple(v for v in roster.villages if v not in reported and v not in to_correct),
        villages_to_correct=tuple(v for v in roster.villages if v in to_correct),
        findings=findings,
    )
    has_errors = any(f.is_error for f in findings)
    if not options.check_only:
        if options.strict and has_errors:
            result = replace(result, notices=(STRICT_NOTICE,))
        elif not counted:
            result, has_errors = replace(result, notices=(NOTHING_NOTICE,)), True
        else:
            day = report_date or date.today()
            result = _write_outputs(result, counted, to_correct, roster, spec, settings, options, day, watch)
    return replace(result, exit_code=1 if has_errors else 0, timings=watch.timings)


# What writing the outputs imports (pandas alone takes ~0.5 s): loaded while the workers read,
# when the parent process has little else to do.
_OUTPUT_MODULES = ("county_report.report_text", "county_report.workbook", "county_report.report")


def _import_in_background(modules: tuple[str, ...]) -> threading.Thread:
    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the real import later raises it where it can be reported
                return

    thread = threading.Thread(target=load, name="预先导入", daemon=True)
    thread.start()
    return thread


def _all_findings(intake: Intake, dropped: set[str], extra: list[Finding]) -> tuple[Finding, ...]:
    """Every finding of the run, grouped by file in file order, skipped files last.

    A superseded file shows only that it was superseded: its own problems no longer matter.
    """
    per_file: dict[str, list[Finding]] = {}
    for sub in intake.submissions:
        if sub.file not in dropped:
            per_file.setdefault(sub.file, []).extend(sub.findings)
    for f in (*intake.unread, *extra):
        per_file.setdefault(f.file, []).append(f)
    ordered = [f for name in sorted(per_file) for f in per_file[name]]
    return tuple(ordered) + intake.skipped


def _write_outputs(
    result, counted, to_correct, roster, spec, settings, options, report_date, watch
) -> RunResult:
    """Aggregate, then write the workbook and the report; each lands atomically."""
    from .aggregate import aggregate
    from .report import render_report
    from .report_text import build_context
    from .sidecar import Sidecar
    from .workbook import write_workbook

    outputs = Path(options.outputs)
    report_name = safe_output_name(f"{settings.report_title}.docx")  # 县名 may hold "/" or ".."
    # both are written in full, then published together (publish.py); the report renders in a
    # second process, under a time limit, while this one writes the workbook
    with OutputSet(outputs, (WORKBOOK_NAME, report_name)) as staged, Sidecar(render_report) as sidecar:
        agg = aggregate(counted, roster, spec, result.as_of or report_date, to_correct)
        context = build_context(agg, settings, report_date)
        watch.lap("aggregate")
        report = sidecar.run(context, options.templates / REPORT_TEMPLATE_FILE, staged.path(report_name))
        workbook_path = write_workbook(agg, result.findings, staged.path(WORKBOOK_NAME))
        watch.lap("workbook")
        report_path = report()
        watch.lap("report")  # only the wait for the report after the workbook is done
        published = staged.publish({WORKBOOK_NAME: workbook_path, report_name: report_path})
    return replace(
        result,
        workbook_path=published.paths[WORKBOOK_NAME],
        report_path=published.paths[report_name],
        notices=(published.notice,) if published.notice else (),
    )
