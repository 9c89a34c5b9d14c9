"""The whole run in one function: the command line and the Excel button both call `run`.

Wiring only: templates → intake (every file screened, read, validated) → selection (which
files count, the period) → aggregate → workbook and report. Each stage lives in its module.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from .errors import ConfigError
from .findings import Finding
from .intake import Intake, take_in
from .model import RunOptions, RunResult
from .outputlock import OutputLock
from .provenance import new_run_id
from .publish import OutputSet
from .safename import safe_output_name
from .selection import Selection, period_findings, select
from .settings import REPORT_TEMPLATE_FILE
from .summary import summarize
from .templates import Templates, load_templates

WORKBOOK_NAME = "汇总表.xlsx"
STRICT_NOTICE = "因存在错误且使用了 --strict，未生成汇总表和报告。"
SYSTEM_FONTS = "系统字体"  # the settings' 字体 value that writes 仿宋/楷体/宋体 instead of the official fonts
EMPTY_NOTICE = "报表文件夹 {folder} 中没有{what}。请把各{unit}交回的表格放进这个文件夹后重新运行。"
NOTHING_NOTICE = (
    "没有可以汇总的报表：读取的报表都有错误。汇总表中只有「校验结果」「上报进度」两张表，"
    "请按「校验结果」通知各{unit}改正后重新报送；未生成工作总结。"
)


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
    started, watch = datetime.now(), _Stopwatch()
    templates = load_templates(options.templates)
    book, cache = _open_book(options, templates)  # with a data folder: the database, the read cache
    watch.lap("templates")
    try:
        warming: list[threading.Thread] = []  # the output modules, imported while workers read many files
        warm = None if options.check_only else lambda: warming.append(_import_in_background(_OUTPUT_MODULES))
        exclude = (options.outputs, *(() if options.data is None else (options.data,)))
        intake = take_in(
            options.inputs,
            options.templates,
            options.workers,
            on_progress,
            cache,
            templates,
            warm,
            exclude=exclude,
        )
        watch.lap("read")
        if warm is not None and not warming:  # few files were read: nothing to overlap the imports with
            warm()
        for thread in warming:
            thread.join()
        watch.lap("imports")
        chosen = select(intake.submissions, templates.roster, options.as_of, templates.settings.cutoff)
        result = replace(
            _result(started, intake, chosen, templates), run_id=new_run_id(started), reused=intake.reused
        )
        unit = templates.campaign.scope.unit
        has_errors = any(f.is_error for f in result.findings)
        if not intake.files_read:
            what = "报表文件（只有跳过的临时或隐藏文件）" if intake.skipped else "任何报表文件"
            notice = EMPTY_NOTICE.format(folder=options.inputs, what=what, unit=unit.name)
            result, has_errors = replace(result, notices=(notice,)), True
        elif not options.check_only:
            day = report_date or date.today()
            result, has_errors, figures = _written(
                result, has_errors, chosen, templates, options, day, watch, intake, book
            )
            # after the outputs: a record never names outputs not written
            if book is not None and figures is not None:
                result = book.record(result, intake, chosen, figures)
                watch.lap("record")
        if book is not None:
            result = replace(result, notices=(*book.notices, *result.notices))
    finally:
        if book is not None:
            book.close()
        elif cache is not None:
            cache.close()
    notices = (*templates.settings.notices, *result.notices)  # settings.toml still in use, or no longer read
    result = replace(result, exit_code=1 if has_errors else 0, timings=watch.timings, notices=notices)
    return replace(result, summary=summarize(result, unit.name, unit.short))


def _written(
    result: RunResult,
    has_errors: bool,
    chosen: Selection,
    templates: Templates,
    options: RunOptions,
    day: date,
    watch: _Stopwatch,
    intake: Intake,
    book,
) -> tuple[RunResult, bool, dict | None]:
    """What a full run writes: every output; only 校验结果 and 上报进度 when no form counts; nothing
    under --strict with errors. With the result, the period's figures to record (None: nothing to)."""
    if options.strict and has_errors:
        return replace(result, notices=(STRICT_NOTICE,)), True, None
    if not chosen.counted:
        written = _write_findings_only(result, chosen, templates, options, day)
        unit = templates.campaign.scope.unit.name
        return replace(written, notices=(NOTHING_NOTICE.format(unit=unit), *written.notices)), True, None
    written, figures = _write_outputs(result, chosen, templates, options, day, watch, intake, book)
    return written, has_errors, figures


def _open_book(options: RunOptions, templates: Templates):
    """(database, read cache) with a data folder; `check` writes nothing there and only reuses
    earlier reads if a cache exists."""
    if options.data is None:
        return None, None
    data, outputs = Path(options.data).resolve(), Path(options.outputs).resolve()
    if data == outputs or outputs in data.parents:
        raise ConfigError(
            f"数据文件夹 {options.data} 在输出文件夹之内：输出文件夹随时可能被清空，历次记录会随之丢失。"
            "请用 --data 另指定一个文件夹（默认为 templates 旁的 数据/）。"
        )
    from .recording import RunBook, reading_digest

    if options.check_only:
        from .history import cache_path, database_path
        from .readcache import ReadCache

        path = cache_path(database_path(options.data, templates.settings.county))
        return None, (ReadCache(path, reading_digest(templates.campaign)) if path.exists() else None)
    book = RunBook.open(options.data, templates)
    return book, book.cache


def _result(started: datetime, intake: Intake, chosen: Selection, templates: Templates) -> RunResult:
    """Counts and findings of the run, before anything is written."""
    counted, period = chosen.counted, chosen.period
    dropped = {f.file for f in chosen.superseded}
    extra = [*chosen.superseded, *chosen.double]
    extra += period_findings(counted, period, templates.campaign) if period else []
    return RunResult(
        started_at=started,
        as_of=period,
        files_read=intake.files_read,
        accepted=len(counted),
        rejected=len(chosen.latest) - len(counted) + len(intake.unread),
        skipped=len(intake.skipped),
        superseded=len(chosen.superseded),
        units_expected=len(templates.roster.units),
        units_reported=len(chosen.reported),
        missing_units=chosen.missing,
        units_to_correct=chosen.to_correct,
        findings=_all_findings(intake, dropped, extra),
    )


# What writing the outputs imports (pandas alone takes ~0.5 s): loaded while the workers read,
# when the parent process has little else to do.
_OUTPUT_MODULES = (
    "county_report.report_facts",
    "county_report.workbook",
    "county_report.report",
    "county_report.upward",
    "county_report.status_note",
)


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
    result: RunResult,
    chosen: Selection,
    templates: Templates,
    options: RunOptions,
    report_date: date,
    watch,
    intake: Intake,
    book=None,
):
    """Aggregate, then write the workbook, the report, the 报送情况说明 and the upward submission;
    all are published together.

    Returns the result and the period's figures as recorded; with a database (`book`), the report
    compares the period with the one before and the workbook shows every period on record."""
    from .aggregate import aggregate
    from .periods import compare, snapshot, timeline
    from .report import render_failure, render_report
    from .report_facts import build_context
    from .report_template import generated_template
    from .sidecar import Sidecar
    from .status_note import status_note_name, write_status_note
    from .upward import upward_name, write_upward
    from .workbook import write_workbook

    outputs, settings, campaign = Path(options.outputs), templates.settings, templates.campaign
    template = options.templates / REPORT_TEMPLATE_FILE
    generated = b"" if template.is_file() else generated_template(campaign)  # no template: the definition's
    system_fonts = getattr(settings, "fonts", "") == SYSTEM_FONTS
    as_of = result.as_of or report_date
    # names from settings may hold "/" or ".."; every output is written in full, then all are
    # published together (publish.py); the report renders in a second process, under a time
    # limit, while this one writes the workbook
    names = [safe_output_name(n) for n in (f"{settings.report_title}.docx", status_note_name(settings))]
    names += [WORKBOOK_NAME, safe_output_name(upward_name(settings, as_of))]
    report_name, status_name, _, upward_file = names
    with OutputSet(outputs, names) as staged, Sidecar(render_report, failure=render_failure) as sidecar:
        agg = aggregate(chosen.counted, templates.roster, campaign, as_of, chosen.to_correct)
        figures = snapshot(agg, result.run_id)
        before = book.previous(agg.as_of) if book else None
        comparison = compare(campaign, figures, before) if before else None
        context = build_context(agg, settings, report_date, comparison)
        watch.lap("aggregate")
        report = sidecar.run(
            context, template, staged.path(report_name), generated, system_fonts, result.run_id
        )
        fingerprints = {f.name: f.sha256 for f in intake.files}
        periods = timeline(book.periods(), figures) if book else None
        workbook_path = write_workbook(
            agg, result.findings, staged.path(WORKBOOK_NAME), fingerprints, periods
        )
        watch.lap("workbook")
        rejected_files = {s.place: s.file for s in chosen.latest if s.place and not s.accepted}
        status_path = write_status_note(
            agg, result.findings, rejected_files, settings, staged.path(status_name)
        )
        sources = [(s.file, s.sha256) for s in chosen.counted]
        upward_path = write_upward(agg, settings, sources, report_date, staged.path(upward_file))
        report_path, placeholders = report()
        watch.lap("report")  # only the wait for the report after the workbook is done
        written = {WORKBOOK_NAME: workbook_path, report_name: report_path, status_name: status_path}
        published = staged.publish({**written, upward_file: upward_path})
    notices = [published.notice] if published.notice else []
    if placeholders:
        notices.append(f"工作总结中还有 {placeholders} 处黄底的【请补充：…】，请在 Word 中填写后再上报。")
    return replace(
        result,
        workbook_path=published.paths[WORKBOOK_NAME],
        report_path=published.paths[report_name],
        status_path=published.paths[status_name],
        upward_path=published.paths.get(upward_file),
        placeholders=placeholders,
        notices=tuple(notices),
    ), figures


def _write_findings_only(
    result: RunResult, chosen: Selection, templates: Templates, options: RunOptions, report_date: date
) -> RunResult:
    """No form counted: still a workbook with 校验结果 (to hand back) and 上报进度; no report."""
    from .aggregate import aggregate
    from .workbook import write_findings_workbook

    period = result.as_of or report_date
    with OutputSet(Path(options.outputs), [WORKBOOK_NAME]) as staged:
        agg = aggregate((), templates.roster, templates.campaign, period, chosen.to_correct)
        written = write_findings_workbook(agg, result.findings, staged.path(WORKBOOK_NAME))
        published = staged.publish({WORKBOOK_NAME: written})
    notices = (published.notice,) if published.notice else ()
    return replace(result, workbook_path=published.paths[WORKBOOK_NAME], notices=notices)
