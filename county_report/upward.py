"""The upward submission (上报表): this office's figures as the form of the next level up, for the
office above to read with the same reader as any unit's form.

It is the form `forms` makes for a unit of the next level (a county's form for the city), filled
with this body's figures; beside it a 分组汇总 sheet (the figures per group, e.g. per 乡镇), the
ledger items the definition sends up, and a 上报清单 sheet (period, definition, each figure with
its cell and fingerprint, each source file's sha256) that lets the office above tell a hand edit.
It stays a normal workbook: a person can open, print or fill it by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string

from .aggregate import EXPECTED, GROUP, OVERDUE, REPORTED_COUNT, UNIT, Aggregate
from .definition import AS_OF, FILLED_ON, STATUS, upward
from .definition import GROUP as GROUP_ROLE
from .definition import UNIT as UNIT_ROLE
from .forms import build_form, form_layout, form_title
from .stable_xlsx import save_workbook
from .upward_format import BREAKDOWN_SHEET, MANIFEST_KIND, MANIFEST_SHEET, canonical, fingerprint

SOURCE_HEADER = "来源单位"  # beside the ledger's own columns: where an item sent up came from
MAX_JOINED_TEXTS = 3


def upward_name(settings, period: date) -> str:
    return f"上报表_{settings.county}_{period.isoformat()}.xlsx"


def write_upward(
    agg: Aggregate, settings, sources: Sequence[tuple[str, str]], report_date: date, out_path: Path
) -> Path | None:
    """Write the upward submission; None when this office is the top of the chain.

    `sources`: (file name, sha256) of every file the figures came from.
    """
    upper = upward(agg.campaign)
    if upper is None:
        return None
    wb = build_form(upper, form_title(upper, settings), ("", settings.county))
    layout = form_layout(upper)
    basic = wb[upper.basic_sheet]
    figures: list[tuple[str, str, object]] = []  # (label, cell, value) written on the form

    def put(field, value) -> None:
        cell = layout.fields[field.key].value_cell
        basic[cell] = value
        figures.append((field.label, cell, value))

    for field in upper.header_fields:
        if field.role == UNIT_ROLE:
            figures.append((field.label, layout.fields[field.key].value_cell, settings.county))
        elif field.role == GROUP_ROLE:
            continue  # the office above knows its own groups; left for it to fill
        elif field.role == AS_OF:
            put(field, agg.as_of)
        elif field.role == FILLED_ON:
            put(field, report_date)
        elif field.required:
            put(field, settings.office)
    for metric in upper.form_metrics:
        put(metric, _figure(agg, metric))
    _write_rows(wb[upper.ledger.sheet], layout.ledger, upper.ledger, _ledger_extract(agg), with_source=True)
    _write_rows(wb[upper.highlights.sheet], layout.highlights, upper.highlights, _highlights(agg))
    for table in upper.tables:
        _write_rows(
            wb[table.sheet], layout.tables[table.key], table, agg.tables.get(table.key, pd.DataFrame())
        )
    _breakdown_sheet(wb.create_sheet(BREAKDOWN_SHEET), agg)
    _manifest_sheet(wb.create_sheet(MANIFEST_SHEET), agg, settings, figures, sources)
    return save_workbook(wb, out_path)


def _figure(agg: Aggregate, metric) -> object:
    """The body's figure for a metric typed on the next level's form (its words, for a text metric)."""
    if metric.kind.name == "text":
        texts = [
            str(t).strip()
            for t in agg.units.get(metric.key, pd.Series(dtype=object)).tolist()
            if str(t).strip()
        ]
        shown = "；".join(texts[:MAX_JOINED_TEXTS])
        return shown + (f"等{len(texts)}条" if len(texts) > MAX_JOINED_TEXTS else "")
    return _plain(agg.body.get(metric.key))


def _ledger_extract(agg: Aggregate) -> pd.DataFrame:
    """The ledger items sent up, as the definition says: open ones (default), overdue, all or none."""
    rule = agg.campaign.definition.upward_ledger
    ledger = agg.ledger
    if rule == "none" or ledger.empty:
        return ledger.iloc[0:0]
    if rule == "all":
        return ledger
    if rule == "overdue":
        return ledger[ledger[OVERDUE].astype(bool)]
    status = agg.campaign.ledger.by_role(STATUS).key
    return ledger[ledger[status] != agg.campaign.solved_status]


def _highlights(agg: Aggregate) -> pd.DataFrame:
    limit = agg.campaign.highlights.max_rows
    return agg.highlights.head(limit)


def _write_rows(ws, place, table, rows: pd.DataFrame, with_source: bool = False) -> None:
    """Table rows under the form's header, column by column as the definition orders them."""
    if rows.empty:
        return
    rows = rows.head(table.max_rows)
    first = place.first_row
    where = [(c.key, column_index_from_string(place.columns[c.key])) for c in table.columns if c.key in rows]
    for i, row in enumerate(rows.to_dict("records")):  # plain dicts: iterrows builds a Series a row
        for key, at in where:
            value = _plain(row[key])
            if value is not None and value is not pd.NaT:
                ws.cell(first + i, at, value)
    if with_source and GROUP in rows:
        column = len(table.columns) + 1
        ws.cell(place.header_row, column, SOURCE_HEADER).font = Font(bold=True)
        for i, (group, unit) in enumerate(zip(rows[GROUP], rows[UNIT], strict=True)):
            ws.cell(first + i, column, f"{group}{unit}")


def _breakdown_sheet(ws, agg: Aggregate) -> None:
    """分组汇总: this body's figures per group (乡镇), so the office above can show them."""
    campaign = agg.campaign
    scope = campaign.scope
    metrics = list(campaign.figures)
    ws.append(
        [
            scope.breakdown.name,
            scope.expected_header,
            scope.reported_header,
            *(m.display_label for m in metrics),
        ]
    )
    for _, row in agg.groups.iterrows():
        values = [_plain(row[m.key]) for m in metrics]
        ws.append([row[GROUP], int(row[EXPECTED]), int(row[REPORTED_COUNT]), *values])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "B2"


def _manifest_sheet(ws, agg: Aggregate, settings, figures, sources) -> None:
    """上报清单: what the figures are, where they stand and their fingerprints; the files behind them."""
    campaign = agg.campaign
    ws.append(["本表由报表助手生成，供上级核对数据是否在生成后被改动，请勿修改。"])
    ws["A1"].font = Font(bold=True)
    facts = [
        ("文件类型", MANIFEST_KIND),
        ("本级名称", settings.county),
        ("本级层级", campaign.scope.body.name),
        ("统计截止日期", agg.as_of.isoformat()),
        ("活动", campaign.definition.name),
        ("定义版本", campaign.definition.version),
        ("定义校验码", campaign.definition.digest),
        ("来源文件数", len(sources)),
    ]
    for key, value in facts:
        ws.append([key, value])
    ws.append([])
    ws.append(["数据项", "工作表", "单元格", "值", "校验码"])
    for label, cell, value in figures:
        ws.append([label, campaign.basic_sheet, cell, canonical(value), fingerprint(label, value)])
    ws.append([])
    ws.append(["来源文件", "SHA-256"])
    for name, digest in sources:
        ws.append([name, digest])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 24


def _plain(value: object) -> object:
    """A figure as a cell takes it: numpy scalars unwrapped, a missing one (None, NaN) None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
