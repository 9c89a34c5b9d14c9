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
from .provenance import new_run_id
from .selection import Selection, period_findings, select
from .settings import REPORT_TEMPLATE_FILE
from .summary import summarize
from .templates import Templates, load_templates

WORKBOOK_NAME = "汇总表.xlsx"
# Units from which the report is rendered in a second process: starting one costs ~0.3 s,
# more than a 300-unit report takes (0.2 s); at 3,000 units it saves ~0.5 s, at 30,000 ~3 s.
SIDECAR_FROM = 1000
STRICT_NOTICE = "因存在错误且使用了 --strict，未生成汇总表和报告。"
SYSTEM_FONTS = "系统字体"  # the settings' 字体 value that writes 仿宋/楷体/宋体 instead of the official fonts
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
    """Read, validate, aggregate and write; ConfigError when templates are unusable."""
    started, watch = datetime.now(), _Stopwatch()
    templates = load_templates(options.templates)
    book, cache = _open_book(options, templates)  # with a data folder: the database, the read cache
    watch.lap("templates")
    try:
        warming: list[threading.Thread] = []  # the output modules, imported while workers read many files
        warm = None if options.check_only else lambda: warming.append(_import_in_background(_OUTPUT_MODULES))
        intake = take_in(
            options.inputs, options.templates, options.workers, on_progress, cache, templates, warm
        )
        watch.lap("read")
        if warm is not None and not warming:  # few files were read: nothing to overlap the imports with
            warm()
        for thread in warming:
            thread.join()
        watch.lap("imports")
        chosen = select(intake.submissions, templates.roster, options.as_of)
        result = replace(
            _result(started, intake, chosen, templates), run_id=new_run_id(started), reused=intake.reused
        )
        has_errors = any(f.is_error for f in result.findings)
        if not options.check_only:
            if options.strict and has_errors:
                result = replace(result, notices=(STRICT_NOTICE,))
            elif not chosen.counted:
                result, has_errors = replace(result, notices=(NOTHING_NOTICE,)), True
            else:
                day = report_date or date.today()
                result, figures = _write_outputs(result, chosen, templates, options, day, watch, intake, book)
                if book is not None:  # after the outputs: a record never names outputs that were not written
                    result = book.record(result, intake, chosen, figures)
                    watch.lap("record")
        if book is not None:
            result = replace(result, notices=(*book.notices, *result.notices))
    finally:
        if book is not None:
            book.close()
        elif cache is not None:
            cache.close()
    result = replace(result, exit_code=1 if has_errors else 0, timings=watch.timings)
    unit = templates.campaign.scope.unit
    return replace(result, summary=summarize(result, unit.name, unit.short))


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
    extra = [*chosen.superseded, *(period_findings(counted, period, templates.campaign) if period else [])]
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
_OUTPUT_MODULES = ("county_report.report_facts", "county_report.workbook", "county_report.report")


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
    """Aggregate, then write the workbook, the report and the 报送情况说明; each lands atomically.

    Returns the result and the period's figures as recorded; with a database (`book`), the report
    compares the period with the one before and the workbook shows every period on record."""
    from .aggregate import aggregate
    from .periods import compare, snapshot, timeline
    from .report import render_report
    from .report_facts import build_context
    from .report_template import generated_template
    from .sidecar import Sidecar
    from .status_note import status_note_name, write_status_note
    from .workbook import write_workbook

    outputs, settings, campaign = Path(options.outputs), templates.settings, templates.campaign
    outputs.mkdir(parents=True, exist_ok=True)
    wanted = outputs / f"{settings.report_title}.docx"
    template = options.templates / REPORT_TEMPLATE_FILE
    generated = b"" if template.is_file() else generated_template(campaign)  # no template: the definition's
    system_fonts = getattr(settings, "fonts", "") == SYSTEM_FONTS
    # a large office's report renders in a second process while this one writes the workbook
    with Sidecar(render_report, enabled=len(chosen.counted) >= SIDECAR_FROM) as sidecar:
        agg = aggregate(
            chosen.counted, templates.roster, campaign, result.as_of or report_date, chosen.to_correct
        )
        figures = snapshot(agg, result.run_id)
        before = book.previous(agg.as_of) if book else None
        comparison = compare(campaign, figures, before) if before else None
        context = build_context(agg, settings, report_date, comparison)
        watch.lap("aggregate")
        report = sidecar.run(context, template, wanted, generated, system_fonts, result.run_id)
        fingerprints = {f.name: f.sha256 for f in intake.files}
        periods = timeline(book.periods(), figures) if book else None
        workbook_path = write_workbook(agg, result.findings, outputs / WORKBOOK_NAME, fingerprints, periods)
        watch.lap("workbook")
        rejected_files = {s.place: s.file for s in chosen.latest if s.place and not s.accepted}
        status_wanted = outputs / status_note_name(settings)
        status_path = write_status_note(agg, result.findings, rejected_files, settings, status_wanted)
        report_path, placeholders = report()
        watch.lap("report")  # only the wait for the report after the workbook is done
    written = ((workbook_path, outputs / WORKBOOK_NAME), (report_path, wanted), (status_path, status_wanted))
    notices = [_renamed(p, want) for p, want in written]
    if placeholders:
        notices.append(f"工作总结中还有 {placeholders} 处黄底的【请补充：…】，请在 Word 中填写后再上报。")
    return replace(
        result,
        workbook_path=workbook_path,
        report_path=report_path,
        status_path=status_path,
        placeholders=placeholders,
        notices=tuple(n for n in notices if n),
    ), figures


def _renamed(written: Path, wanted: Path) -> str:
    if Path(written).name == wanted.name:
        return ""
    return f"{wanted.name} 正在被其他程序（如 Excel、WPS）打开，本次结果已另存为 {Path(written).name}。"
