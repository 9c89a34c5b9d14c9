"""Interpret a located form: normalise every value and collect every finding in the file.

Never stops at the first problem; a file with any error is left out of the totals.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .findings import Finding, finding
from .formspec import Field, FormSpec, TableSpec
from .model import Submission
from .reader import Cell, RawForm
from .roster import Roster
from .values import EXCEL_TEXT_LIMIT, clean_text, is_blank, parse_date, parse_number


class _Collector:
    """Findings of one file, each placed at its sheet and cell."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Finding] = []

    def add(self, code: str, cell: Cell | None = None, label: str = "", **details: Any) -> None:
        where = {"sheet": cell.sheet, "cell": cell.address} if cell else {}
        value = details.pop("value", cell.raw if cell else "")
        self.items.append(finding(code, file=self.file, label=label, value=value, **where, **details))

    def text(self, cell: Cell | None, label: str) -> str:
        if cell is None:
            return ""
        text, had_control, truncated = clean_text(cell.raw)
        if had_control:
            self.add("text-cleaned", cell, label, value=text)
        if truncated:
            self.add("text-truncated", cell, label, value=text, reason=EXCEL_TEXT_LIMIT)
        return text


def validate_form(raw: RawForm, spec: FormSpec, roster: Roster) -> Submission:
    """Turn a RawForm into a Submission carrying every finding of its file."""
    out = _Collector(raw.file)
    out.items.extend(raw.findings)
    if raw.findings:  # not the standard form: its cells mean nothing, say only that
        return Submission(raw.file, raw.path, raw.mtime, {}, {}, (), (), tuple(out.items))
    header = _header(raw, spec, roster, out)
    metrics = _metrics(raw, spec, out)
    ledger = _table(raw.ledger, spec.ledger, out)
    highlights = _table(raw.highlights, spec.highlights, out)
    if ledger is not None:  # a refused ledger (too many rows) has nothing to check against
        _cross_checks(raw, spec, metrics, ledger, out)
    cells = {key: cell.address for key, cell in raw.fields.items()}
    ledger, highlights = ledger or (), highlights or ()
    return Submission(
        raw.file, raw.path, raw.mtime, header, metrics, ledger, highlights, tuple(out.items), cells
    )


def _header(raw: RawForm, spec: FormSpec, roster: Roster, out: _Collector) -> dict[str, Any]:
    header: dict[str, Any] = {}
    for field in spec.header_fields:
        cell = raw.fields.get(field.key)
        if cell is None:
            continue
        if is_blank(cell.raw):
            if field.required:
                out.add("missing-field", cell, field.label)
            header[field.key] = None if field.type == "date" else ""
        elif field.type == "date":
            header[field.key] = parse_date(cell.raw)
            if header[field.key] is None:
                out.add("bad-date", cell, field.label)
        else:
            header[field.key] = out.text(cell, field.label)
    _resolve_place(raw, spec, roster, header, out)
    return header


def _resolve_place(raw: RawForm, spec: FormSpec, roster: Roster, header: dict, out: _Collector) -> None:
    """Replace typed township/village names by roster names, or report the closest."""
    t_field, v_field = spec.role("township"), spec.role("village")
    typed_t, typed_v = header.get(t_field.key), header.get(v_field.key)
    if not typed_t:
        return
    match = roster.resolve(typed_t, typed_v)
    if not match.township:
        hint = f"是否应为「{match.township_suggestion}」？" if match.township_suggestion else "请核对名册。"
        out.add("unknown-township", raw.fields[t_field.key], t_field.label, suggestion=hint)
        return
    header[t_field.key] = match.township
    if not typed_v:
        return
    if not match.village:
        hint = f"是否应为「{match.village_suggestion}」？" if match.village_suggestion else "请核对名册。"
        if match.village_elsewhere:
            hint = f"名册中「{typed_v}」属于「{match.village_elsewhere}」，请核对{t_field.label}。"
        cell = raw.fields[v_field.key]
        out.add("unknown-village", cell, v_field.label, township=f"「{match.township}」", suggestion=hint)
        return
    header[v_field.key] = match.village


def _metrics(raw: RawForm, spec: FormSpec, out: _Collector) -> dict[str, int | float]:
    metrics: dict[str, int | float] = {}
    for field in spec.metrics:
        cell = raw.fields.get(field.key)
        if cell is None:
            continue
        value, code = parse_number(cell.raw, field.unit, integer=field.type == "integer")
        if code:
            out.add(code, cell, field.label)
        elif value is None:
            out.add("blank-metric", cell, field.label)
            value = 0
        if value is not None:
            metrics[field.key] = value
    return metrics


def _table(rows: tuple[dict[str, Cell], ...], table: TableSpec, out: _Collector) -> tuple[dict, ...] | None:
    """The table's rows as values; None when it has more rows than the form allows."""
    if len(rows) > table.max_rows:
        out.add("too-many-rows", None, sheet=table.sheet, value=len(rows), reason=table.max_rows)
        return None
    parsed = []
    for cells in rows:
        row: dict[str, Any] = {"_row": next(iter(cells.values())).row}
        for column in table.columns:
            cell = cells.get(column.key)
            row[column.key] = _column_value(cell, column, out)
        parsed.append(row)
    return tuple(parsed)


def _column_value(cell: Cell | None, column, out: _Collector) -> Any:
    if cell is None:
        return None if column.type in ("date", "integer", "decimal") else ""
    if column.type == "date":
        when = parse_date(cell.raw)
        if when is None and not is_blank(cell.raw):
            out.add("ledger-bad-date", cell, column.header, row=cell.row)
        return when
    if column.type in ("integer", "decimal"):
        return parse_number(cell.raw, integer=column.type == "integer")[0]
    text = out.text(cell, column.header)
    if column.type == "choice":
        return "".join(unicodedata.normalize("NFKC", text).split())
    return text


def _cross_checks(
    raw: RawForm, spec: FormSpec, metrics: dict, ledger: tuple[dict, ...], out: _Collector
) -> None:
    _check_choices(raw, spec.ledger, ledger, out)
    for check in spec.checks:
        if check.kind == "not-greater":
            left, right = spec.field(check.left), spec.field(check.right)
            if (
                check.left in metrics
                and check.right in metrics
                and metrics[check.left] > metrics[check.right]
            ):
                shown = f"「{right.label}」（{_num(metrics[check.right])}）"
                out.add(
                    "not-greater",
                    raw.fields[check.left],
                    left.label,
                    value=_num(metrics[check.left]),
                    reason=shown,
                )
        elif check.kind == "ledger-count" and check.metric in metrics:
            _ledger_count(raw, spec, check, metrics, ledger, out)


def _ledger_count(
    raw, spec: FormSpec, check, metrics: dict, ledger: tuple[dict, ...], out: _Collector
) -> None:
    field: Field = spec.field(check.metric)
    status_key = spec.ledger.by_role("status").key
    rows = [r for r in ledger if not check.status or r.get(status_key) == check.status]
    if len(rows) != metrics[check.metric]:
        scope = f"中状态为「{check.status}」的问题" if check.status else "中的问题"
        out.add(
            "ledger-count-mismatch",
            raw.fields[check.metric],
            field.label,
            value=len(rows),
            reason=scope,
            expected=_num(metrics[check.metric]),
        )


def _check_choices(raw: RawForm, table: TableSpec, rows: tuple[dict, ...], out: _Collector) -> None:
    category = table.by_role("category").key
    description = table.by_role("description").key
    for cells, row in zip(raw.ledger, rows, strict=True):
        for column in table.columns:
            if column.type != "choice":
                continue
            value, cell = row.get(column.key, ""), cells.get(column.key)
            if not value and column.key == category:
                if row.get(description):
                    out.add("missing-category", cell, column.header, row=row["_row"])
            elif value not in column.choices:
                out.add(
                    "bad-choice",
                    cell,
                    column.header,
                    value=value or "（空）",
                    reason="、".join(column.choices),
                )


def _num(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
