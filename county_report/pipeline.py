"""The whole run in one function: the command line and the Excel button both call `run`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from .findings import Finding
from .intake import Intake, default_period, period_findings, pick_latest, take_in
from .model import RunOptions, RunResult
from .settings import FORM_FILE, REPORT_TEMPLATE_FILE, ROSTER_FILE, Settings, load_settings

WORKBOOK_NAME = "汇总表.xlsx"


def run(
    options: RunOptions,
    on_progress: Callable[[int, int], None] | None = None,
    report_date: date | None = None,
) -> RunResult:
    """Read, validate, aggregate and write; ConfigError when templates are unusable."""
    from .formspec import load_formspec
    from .roster import load_roster

    started = datetime.now()
    settings = load_settings(options.templates)
    spec = load_formspec(options.templates / FORM_FILE)
    roster = load_roster(options.templates / ROSTER_FILE, spec)
    template = options.templates / REPORT_TEMPLATE_FILE
    intake = take_in(options.inputs, options.templates, options.workers, on_progress)
    counted, superseded = pick_latest(intake.submissions)
    period = options.as_of or default_period(counted)
    findings = _all_findings(intake, superseded, period_findings(counted, period, spec) if period else [])
    reported = {(s.township, s.village) for s in counted}
    missing = tuple(v for v in roster.villages if v not in reported)
    result = RunResult(
        started_at=started,
        as_of=period,
        files_read=intake.files_read,
        accepted=len(counted),
        rejected=sum(1 for s in intake.submissions if not s.accepted) + len(intake.unread),
        skipped=len(intake.skipped),
        superseded=len(superseded),
        villages_expected=len(roster.villages),
        villages_reported=len(reported),
        missing_villages=missing,
        findings=findings,
    )
    has_errors = any(f.is_error for f in findings)
    if options.check_only or (options.strict and has_errors):
        return _finish(result, has_errors)
    outputs = Path(options.outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    written = _write_outputs(counted, roster, spec, settings, period, findings, outputs, template, report_date)
    return _finish(_with_paths(result, *written), has_errors)


def _all_findings(intake: Intake, superseded: list[Finding], period: list[Finding]) -> tuple[Finding, ...]:
    """Every finding of the run, grouped by file in file order, skipped files last."""
    per_file: dict[str, list[Finding]] = {}
    for sub in intake.submissions:
        per_file.setdefault(sub.file, []).extend(sub.findings)
    for f in (*intake.unread, *superseded, *period):
        per_file.setdefault(f.file, []).append(f)
    ordered = [f for name in sorted(per_file) for f in per_file[name]]
    return tuple(ordered) + intake.skipped


def _write_outputs(counted, roster, spec, settings: Settings, period, findings, outputs, template, report_date):
    from .aggregate import aggregate
    from .report import build_context, render_report
    from .workbook import write_workbook

    agg = aggregate(counted, roster, spec, period or date.today())
    workbook_path = write_workbook(agg, findings, outputs / WORKBOOK_NAME)
    context = build_context(agg, settings, report_date or date.today())
    report_path = render_report(context, template, outputs / f"{settings.report_title}.docx")
    return workbook_path, report_path


def _with_paths(result: RunResult, workbook_path: Path, report_path: Path | None) -> RunResult:
    from dataclasses import replace

    notices = []
    if workbook_path.name != WORKBOOK_NAME:
        notices.append(f"{WORKBOOK_NAME} 正在被其他程序（如 Excel）打开，本次结果已另存为 {workbook_path.name}。")
    return replace(result, workbook_path=workbook_path, report_path=report_path, notices=tuple(notices))


def _finish(result: RunResult, has_errors: bool) -> RunResult:
    from dataclasses import replace

    return replace(result, exit_code=1 if has_errors else 0)
