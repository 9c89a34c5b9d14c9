"""Group and body totals from the accepted submissions: the figures both outputs show.

Each metric's type says how it adds up: integers as integers, decimals as integer millionths,
so sums are exact (0.1 + 0.2 == 0.3) and never wrap (Python integers where int64 could). The
body row is the sum of the group rows, rates are recomputed from totals (never averaged), and
every table follows the roster's order.

The run's own columns start with "_" (`_group`, `_unit`, `_file`…), which no key of a
definition can, so a campaign's keys never collide with them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd

from .definition import CATEGORY, DEADLINE, Campaign, Field, TableSpec
from .definition import STATUS as STATUS_ROLE  # STATUS here is the progress column
from .model import Place, Submission
from .roster import Roster

TOTAL = "合计"
REPORTED, MISSING, TO_CORRECT = "已报", "未报", "有误待更正"
UNFILLED = "（未填写）"  # a ledger row whose category or status was left blank
INT64_SAFE = 2**62  # beyond this a column's sum might wrap in int64: add Python integers instead

GROUP, UNIT, TYPE, FILE, SHA = "_group", "_unit", "_type", "_file", "_sha256"
ROWS, CATEGORIES = "行数", "类别数"  # a further ledger's figures per group, beside its per-status counts
NAME = "_name"  # a group inside a unit, from its upward submission
EXPECTED, REPORTED_COUNT, STATUS, ROW, OVERDUE = "_expected", "_reported", "_status", "_row", "_overdue"
PROGRESS_COLUMNS = (GROUP, UNIT, TYPE, REPORTED_COUNT, STATUS, FILE)


def rank_column(key: str) -> str:
    return f"_rank_{key}"


@dataclass(frozen=True)
class Aggregate:
    """Everything the summary workbook and the Word report need, computed once."""

    campaign: Campaign
    as_of: date
    units: pd.DataFrame  # one row per counted form
    groups: pd.DataFrame  # one row per group (or per unit when the office has no groups)
    body: pd.Series  # the 合计 row
    progress: pd.DataFrame
    ledger: pd.DataFrame
    category_status: pd.DataFrame
    highlights: pd.DataFrame
    types: pd.DataFrame  # one row per unit type (empty when the definition has none)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # further ledgers' rows, by table key
    table_stats: dict[str, pd.DataFrame] = field(default_factory=dict)  # their counts per group and 合计
    breakdown: pd.DataFrame = field(default_factory=pd.DataFrame)  # units' own groups (县 → 乡镇), when sent


def aggregate(
    submissions: Sequence[Submission],
    roster: Roster,
    campaign: Campaign,
    as_of: date,
    to_correct: Collection[Place] = (),
) -> Aggregate:
    """Build every table from the accepted submissions; any rejected one passed in is left out.

    `to_correct`: units whose latest file arrived but was rejected (shown as 有误待更正).
    """
    ordered = _in_roster_order([s for s in submissions if s.accepted], roster)
    units = unit_table(ordered, campaign)
    groups, body = group_totals(units, roster, campaign)
    ledger = ledger_table(ordered, campaign, as_of)
    tables = {
        t.key: rows_table(ordered, t, lambda s, key=t.key: s.tables.get(key, ())) for t in campaign.tables
    }
    return Aggregate(
        campaign=campaign,
        as_of=as_of,
        units=units,
        groups=groups,
        body=body,
        progress=progress_table(units, roster, to_correct),
        ledger=ledger,
        category_status=category_status_table(ledger, campaign),
        highlights=highlight_table(ordered, campaign),
        types=type_totals(units, roster, campaign),
        tables=tables,
        table_stats={
            t.key: table_stats(tables[t.key], t, GROUP if campaign.has_groups else UNIT, list(groups[GROUP]))
            for t in campaign.tables
        },
        breakdown=breakdown_table(ordered, campaign),
    )


def unit_table(submissions: Sequence[Submission], campaign: Campaign) -> pd.DataFrame:
    """One row per submission: its place, every declared header item, every metric and rate.

    Metrics units type are as read; derived and counted ones are computed by their kind.
    """
    declared = campaign.definition.header_fields
    data: dict[str, list] = {
        GROUP: [s.group for s in submissions],
        UNIT: [s.unit for s in submissions],
        TYPE: [s.unit_type for s in submissions],
        FILE: [s.file for s in submissions],
        SHA: [s.sha256 for s in submissions],
    }
    for f in declared:
        data[f.key] = [_header_value(s.header.get(f.key), f) for s in submissions]
    for m in campaign.form_metrics:
        blank = "" if m.kind.name == "text" else 0
        data[m.key] = [s.metrics.get(m.key, blank) for s in submissions]
    frame = pd.DataFrame(data, columns=list(data))
    for m in campaign.form_metrics:
        frame[m.key] = _typed_metric(frame[m.key], m)
    for m in _in_dependency_order(campaign, lambda m: m.kind.name == "derived"):
        frame[m.key] = _typed_metric(m.kind.unit_values(frame), m)
    frame = _with_rates(frame, campaign)
    for m in campaign.metrics:
        if m.kind.name == "count":
            frame[m.key] = m.kind.unit_values(frame)
    return frame


def _header_value(value: object, field: Field) -> object:
    if field.type.output == "date":
        return _as_date(value)
    return "" if value is None else value


def _typed_metric(values: pd.Series, metric: Field) -> pd.Series:
    """Integers as int64 (nullable Int64 where a metric does not apply to some units; Python
    integers if one is too large for int64), decimals and percentages as float (NaN where it
    does not apply or was left out of an average), text as text."""
    if metric.kind.name == "text":
        return values.fillna("").astype(str)
    if metric.type.scale != 1:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    as_list = values.tolist()
    if any(v is not None and v == v and abs(v) >= INT64_SAFE for v in as_list):
        return values.astype(object)
    if any(v is None or v != v for v in as_list):
        return pd.Series(
            pd.array([None if v != v else v for v in as_list], dtype="Int64"), index=values.index
        )
    return pd.Series(as_list, index=values.index, dtype="int64")


def _in_dependency_order(campaign: Campaign, chosen) -> list[Field]:
    """The chosen metrics, each after the metrics it is computed from."""
    pending = [m for m in campaign.metrics if chosen(m)]
    ordered: list[Field] = []
    while pending:
        ready = [m for m in pending if all(o.key not in {p.key for p in pending} for o in m.kind.operands())]
        ordered += ready or pending  # the loader refuses cycles; never loop forever regardless
        pending = [m for m in pending if m not in ordered]
    return ordered


def figures_by(units: pd.DataFrame, by: pd.Series, campaign: Campaign) -> pd.DataFrame:
    """Every metric's figure per group of `by` (one column per metric), each by its kind, exactly."""
    exact = _exact(units, campaign)
    done: dict[str, pd.Series] = {}
    for m in _in_dependency_order(campaign, lambda m: m.kind.name != "text"):
        done[m.key] = m.kind.totals(m, units, exact, by, done)
    return pd.DataFrame(done)


def group_totals(units: pd.DataFrame, roster: Roster, campaign: Campaign) -> tuple[pd.DataFrame, pd.Series]:
    """Per-group figures in roster order (zeros where nobody reported) and the 合计 row.

    Without a group level, every roster unit is its own row.
    """
    if campaign.has_groups:
        key, order = GROUP, list(roster.groups) + [g for g in units[GROUP].unique() if g not in roster.groups]
        expected = [roster.expected(g) for g in order]
    else:
        key, order = UNIT, [u for _, u in roster.units]
        expected = [1] * len(order)
    reported = units.groupby(key, sort=False)[UNIT].nunique().reindex(order, fill_value=0)
    counts = pd.DataFrame(
        {EXPECTED: expected, REPORTED_COUNT: reported.to_numpy()}, index=order, dtype="int64"
    )
    figures = _filled(figures_by(units, units[key], campaign).reindex(order), campaign)
    groups = pd.concat([counts, figures], axis=1).rename_axis(GROUP).reset_index()
    if not campaign.has_groups:  # each row is a unit: no figure (blank, not 0) where it does not apply
        groups = _blank_where_not_applying(groups, [roster.type_of(p) for p in roster.units], campaign)
        silent = (groups[REPORTED_COUNT] == 0).tolist()  # …nor for a unit that has not reported
        blanks = {m.key: groups[m.key].astype(object).mask(silent, None) for m in campaign.figures}
        groups = groups.assign(**blanks)
    groups = _with_ranks(_with_rates(groups, campaign), campaign)
    whole = pd.Series(TOTAL, index=units.index, dtype=object)
    body = _filled(figures_by(units, whole, campaign).reindex([TOTAL]), campaign).iloc[0]
    values: dict[str, object] = {
        GROUP: TOTAL,
        EXPECTED: int(counts[EXPECTED].sum()),
        REPORTED_COUNT: int(counts[REPORTED_COUNT].sum()),
    }
    values |= {k: _plain(v) for k, v in body.items()}
    for rate in campaign.rates:
        den = values[rate.denominator.key]
        values[rate.key] = float(values[rate.numerator.key]) / float(den) if den else float("nan")  # type: ignore[arg-type]
    for item in campaign.ranking:
        values[rank_column(item.key)] = float("nan")
    return groups, pd.Series(values, dtype=object).reindex(groups.columns)


def _filled(figures: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Groups nobody reported from: 0 for what adds up, blank (NaN) for an average; typed columns."""
    out = figures.copy()
    for m in campaign.figures:
        column = out[m.key] if m.key in out else pd.Series(index=out.index, dtype=object)
        if m.kind.additive:
            column = column.astype(object).where(column.notna(), 0)
            if m.type.scale == 1 and all(abs(int(v)) < INT64_SAFE for v in column.tolist()):
                column = column.astype("int64")
            elif m.type.scale != 1:
                column = column.astype("float64")
        else:
            column = pd.to_numeric(column, errors="coerce").astype("float64")
        out[m.key] = column
    return out


def _plain(value: object) -> object:
    """A numpy scalar as the Python number it is (the 合计 row is a plain object Series)."""
    return value.item() if hasattr(value, "item") else value


def type_totals(units: pd.DataFrame, roster: Roster, campaign: Campaign) -> pd.DataFrame:
    """Per unit type: how many the roster expects, how many reported, and the figures of what applies."""
    names = [t.name for t in campaign.unit_types]
    if not names:
        return pd.DataFrame(columns=[TYPE, EXPECTED, REPORTED_COUNT, *(m.key for m in campaign.figures)])
    expected = [sum(1 for p in roster.units if roster.type_of(p) == n) for n in names]
    reported = units.groupby(TYPE, sort=False)[UNIT].count().reindex(names, fill_value=0)
    counts = pd.DataFrame(
        {EXPECTED: expected, REPORTED_COUNT: reported.to_numpy()}, index=names, dtype="int64"
    )
    figures = _filled(figures_by(units, units[TYPE], campaign).reindex(names), campaign)
    table = pd.concat([counts, figures], axis=1).rename_axis(TYPE).reset_index()
    return _with_rates(_blank_where_not_applying(table, names, campaign), campaign)


def _blank_where_not_applying(table: pd.DataFrame, unit_types: list[str], campaign: Campaign) -> pd.DataFrame:
    """Each metric blank (None) in the rows whose unit type it does not apply to: no figure, not 0."""
    blanks = {
        m.key: table[m.key].astype(object).where([m.applies(t) for t in unit_types], None)
        for m in campaign.figures
        if m.applies_to
    }
    return table.assign(**blanks)


def progress_table(units: pd.DataFrame, roster: Roster, to_correct: Collection[Place] = ()) -> pd.DataFrame:
    """Every roster unit, 已报, 有误待更正 or 未报, with the file that counted."""
    expected = pd.DataFrame(list(roster.units), columns=[GROUP, UNIT], dtype=object)
    files = units[[GROUP, UNIT, FILE]].drop_duplicates([GROUP, UNIT])
    merged = expected.merge(files.astype(object), how="left", on=[GROUP, UNIT], sort=False)
    reported = merged[FILE].notna()
    wrong = set(to_correct)
    places = list(zip(merged[GROUP], merged[UNIT], strict=True))
    returned = [p in wrong for p in places]
    return pd.DataFrame(
        {
            GROUP: merged[GROUP],
            UNIT: merged[UNIT],
            TYPE: [roster.type_of(p) for p in places],
            REPORTED_COUNT: reported.astype(bool),
            STATUS: np.where(reported, REPORTED, np.where(returned, TO_CORRECT, MISSING)),
            FILE: merged[FILE].where(reported, "").astype(str),
        },
        columns=list(PROGRESS_COLUMNS),
    )


def breakdown_table(submissions: Sequence[Submission], campaign: Campaign) -> pd.DataFrame:
    """The groups inside each unit, as its upward submission sent them (each county's 乡镇)."""
    rows = [
        {
            GROUP: s.group,
            UNIT: s.unit,
            NAME: row["_name"],
            **{m.key: row.get(m.key) for m in campaign.figures},
        }
        for s in submissions
        for row in s.breakdown
    ]
    return pd.DataFrame(rows, columns=[GROUP, UNIT, NAME, *(m.key for m in campaign.figures)])


def ledger_table(submissions: Sequence[Submission], campaign: Campaign, as_of: date) -> pd.DataFrame:
    """All accepted ledgers in one table, with where each row came from and whether it is overdue."""
    frame = rows_table(submissions, campaign.ledger, lambda s: s.ledger)
    deadline = pd.to_datetime(frame[campaign.ledger.by_role(DEADLINE).key], errors="coerce")
    open_item = frame[campaign.ledger.by_role(STATUS_ROLE).key] != campaign.solved_status
    frame[OVERDUE] = ((deadline < pd.Timestamp(as_of)) & open_item).astype(bool)
    return frame


def rows_table(submissions: Sequence[Submission], table: TableSpec, rows_of) -> pd.DataFrame:
    """One table's rows from every accepted form, with the group, unit, file and row they came from."""
    per_form = [rows_of(s) for s in submissions]
    rows = list(chain.from_iterable(per_form))

    def per_row(attribute: str) -> list:  # the submission's value, repeated for each of its rows
        return list(
            chain.from_iterable(
                repeat(getattr(s, attribute), len(r)) for s, r in zip(submissions, per_form, strict=True)
            )
        )

    def column(key: str) -> list:
        return [row.get(key) for row in rows]

    data = {
        GROUP: per_row("group"),
        UNIT: per_row("unit"),
        FILE: per_row("file"),
        ROW: column("_row"),
        **{c.key: column(c.key) for c in table.columns},
    }
    frame = _typed_table(pd.DataFrame(data, columns=list(data)), table.columns)
    frame[ROW] = frame[ROW].astype("Int64")
    return frame


def table_stats(rows: pd.DataFrame, table: TableSpec, by: str, order: list[str]) -> pd.DataFrame:
    """Per group: the table's row count, its rows per status and its distinct categories, where it has them."""
    stats = {ROWS: rows.groupby(by, sort=False).size().reindex(order, fill_value=0)}
    if table.has_role(STATUS_ROLE):
        status = table.by_role(STATUS_ROLE)
        for choice in status.choices:
            picked = rows[rows[status.key] == choice]
            stats[choice] = picked.groupby(by, sort=False).size().reindex(order, fill_value=0)
    distinct = {}  # categories are counted per group and over all: one category may span groups
    if table.has_role(CATEGORY):
        category = table.by_role(CATEGORY).key
        filled = rows[rows[category] != ""]
        stats[CATEGORIES] = filled.groupby(by, sort=False)[category].nunique().reindex(order, fill_value=0)
        distinct[CATEGORIES] = int(filled[category].nunique())
    frame = pd.DataFrame(stats).astype("int64")
    per_status = {k: int(frame[k].sum()) for k in frame if k not in (ROWS, CATEGORIES)}
    total = {ROWS: len(rows)} | per_status | distinct
    return pd.concat([frame, pd.DataFrame([total], index=[TOTAL])]).fillna(0).astype("int64")


def category_status_table(ledger: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Ledger counts, category × status in form order, with a 合计 column."""
    category, status = campaign.ledger.by_role(CATEGORY), campaign.ledger.by_role(STATUS_ROLE)
    cats = ledger[category.key].replace("", UNFILLED)
    stats = ledger[status.key].replace("", UNFILLED)
    counts = pd.crosstab(cats, stats) if len(ledger) else pd.DataFrame()
    rows = list(category.choices) + [c for c in counts.index if c not in category.choices]
    cols = list(status.choices) + [c for c in counts.columns if c not in status.choices]
    table = counts.reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    table[TOTAL] = table.sum(axis=1).astype("int64")
    table.index.name, table.columns.name = category.key, status.key
    return table


def highlight_table(submissions: Sequence[Submission], campaign: Campaign) -> pd.DataFrame:
    """All 典型事例 rows, with the group and unit they came from."""
    columns = campaign.highlights.columns
    records = [
        {GROUP: s.group, UNIT: s.unit, FILE: s.file, **{c.key: h.get(c.key) for c in columns}}
        for s in submissions
        for h in s.highlights
    ]
    keys = [GROUP, UNIT, FILE, *(c.key for c in columns)]
    return _typed_table(pd.DataFrame.from_records(records, columns=keys), columns)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as float, NaN where the denominator is 0."""
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    return pd.to_numeric(numerator, errors="coerce").astype("float64") / den.where(den != 0)


def _in_roster_order(submissions: Sequence[Submission], roster: Roster) -> list[Submission]:
    position = {p: i for i, p in enumerate(roster.units)}
    last = len(position)
    return sorted(submissions, key=lambda s: (position.get(s.place, last) if s.place else last, s.file))


def _exact(units: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Each metric as integers of 1/scale of its unit (millionths for decimals), blanks as 0.

    int64 while no sum of the column can wrap; Python integers (exact at any size) beyond.
    """
    out = {}
    for m in campaign.figures:
        column = units[m.key]
        if m.type.scale == 1 and column.dtype != object:
            values = column.fillna(0).astype("int64")
            top = int(values.abs().max()) if len(values) else 0
            safe = top * max(len(values), 1) < INT64_SAFE
            out[m.key] = values if safe else values.astype(object).map(int)
            continue
        floats = pd.to_numeric(column, errors="coerce").astype("float64").fillna(0.0).to_numpy()
        if np.all(np.abs(floats) * m.type.scale < 2**53):
            # below 2^53 a value's shortest decimal form times the scale rounds to the exact integer
            scaled = np.rint(floats * m.type.scale).astype("int64")
            if int(np.abs(scaled).max(initial=0)) * max(len(scaled), 1) < INT64_SAFE:
                out[m.key] = pd.Series(scaled, index=units.index)
                continue
        exact = [0 if _missing(v) else _scaled(v, m.type.scale) for v in column.tolist()]
        out[m.key] = pd.Series(exact, index=units.index, dtype=object)
    return pd.DataFrame(out, index=units.index)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _scaled(value: Any, scale: int) -> int:
    """value × scale as an exact integer: 12.35 × 10^6 → 12350000 (via its shortest decimal form)."""
    from decimal import Decimal

    return int((Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)) * scale)


def _with_rates(frame: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    rates = {r.key: ratio(frame[r.numerator.key], frame[r.denominator.key]) for r in campaign.rates}
    return frame.assign(**rates)


def _with_ranks(groups: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """_rank_<key>: 1 = highest, equal values share a rank; groups without reports come last."""
    ranks = {}
    for item in campaign.ranking:
        values = pd.to_numeric(groups[item.key], errors="coerce").astype("float64")
        eligible = (groups[REPORTED_COUNT] > 0) & values.notna()
        ranked = values.where(eligible).rank(method="min", ascending=False)
        ranks[rank_column(item.key)] = ranked.fillna(int(eligible.sum()) + 1).astype("int64")
    return groups.assign(**ranks)


def _typed_table(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Table columns typed from the definition: text '' when blank, integers nullable; dates stay date/None."""
    out = frame.copy()
    for col in columns:
        output = col.type.output
        if output == "text":
            out[col.key] = out[col.key].fillna("").astype(str)
        elif output == "int":
            out[col.key] = pd.array(out[col.key].tolist(), dtype="Int64")
        elif output == "money":
            out[col.key] = out[col.key].astype("float64")
    return out


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
