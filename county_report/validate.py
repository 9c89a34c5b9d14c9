"""Interpret a located form: each field's type reads its value, each check of the definition
runs, and every finding in the file is collected; a file with any error is left out of the totals.
"""

from __future__ import annotations

from typing import Any

from .definition import AS_OF, CATEGORY, DESCRIPTION, FILLED_ON, GROUP, UNIT, Campaign, TableSpec
from .findings import Finding, finding
from .manifest import breakdown_rows, is_extract, manifest_findings, other_level_finding
from .model import Place, Submission
from .reader import Cell, RawForm
from .roster import Roster
from .values import is_blank

# In a table, a cell that is not a date only keeps that row out of the overdue count (a warning),
# and a 序号 that is not a number is no problem at all.
_TABLE_CODES = {
    "bad-date": "ledger-bad-date",
    "not-a-number": "",
    "negative-number": "",
    "not-an-integer": "",
}


class _Collector:
    """Findings of one file, each placed at its sheet and cell."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Finding] = []

    def add(self, code: str, cell: Cell | None = None, label: str = "", **details: Any) -> None:
        where = {"sheet": cell.sheet, "cell": cell.address} if cell else {}
        value = details.pop("value", cell.raw if cell else "")
        self.items.append(finding(code, file=self.file, label=label, value=value, **where, **details))


def validate_form(raw: RawForm, campaign: Campaign, roster: Roster) -> Submission:
    """Turn a RawForm into a Submission carrying every finding of its file."""
    out = _Collector(raw.file)
    lower = _lower_level(raw, campaign, out)  # a lower level's form: say that, and only that
    if lower:
        return _lower_form(raw, campaign, roster, out, lower)
    if raw.findings:  # not the standard form: its cells mean nothing, say only that
        other_level = other_level_finding(raw, campaign)  # unless it is another level's 上报表
        out.items.extend([other_level] if other_level else raw.findings)
        return Submission(raw.file, raw.path, raw.mtime, {}, {}, (), (), tuple(out.items))
    if _unfilled(raw, campaign):
        return _blank_form(raw, campaign, roster, out)
    header = _header(raw, campaign, out)
    place = _resolve_place(raw, campaign, roster, header, out)
    unit_type = roster.type_of(place) if place else ""
    metrics = _metrics(raw, campaign, unit_type, out)
    later: list[tuple] = []  # rules over whole rows, reported after every cell
    tables = {t.key: _table(raw.tables.get(t.key, ()), t, out, later) for t in campaign.all_tables}
    ledger, highlights = tables[campaign.ledger.key], tables[campaign.highlights.key]
    extract = is_extract(raw)  # an upward submission sends only its open items up
    if ledger is not None:  # a refused ledger (too many rows) has nothing to check against
        for code, cell, label, details in later:
            out.add(code, cell, label, **details)
        for check in campaign.checks:
            if extract and check.full_ledger:
                continue
            for code, field, details in check.run(metrics, ledger):
                out.add(code, raw.fields[field.key], field.label, **details)
    out.items.extend(manifest_findings(raw, campaign))
    cells = {key: cell.address for key, cell in raw.fields.items()}
    return Submission(
        raw.file,
        raw.path,
        raw.mtime,
        header,
        metrics,
        ledger or (),
        highlights or (),
        tuple(out.items),
        cells,
        place=place,
        unit_type=unit_type,
        as_of=header.get(campaign.role(AS_OF).key),
        filled_on=header.get(campaign.role(FILLED_ON).key),
        tables={t.key: tables[t.key] or () for t in campaign.tables},
        breakdown=breakdown_rows(raw, campaign),
        lower_unit=lower,
    )


def _lower_level(raw: RawForm, campaign: Campaign, out: _Collector) -> str:
    """A form of the level below (村 where this office receives 乡镇 submissions): an error, never counted."""
    for field in campaign.watched:
        cell = raw.fields.get(field.key)
        if cell is not None and not is_blank(cell.raw):
            name = " ".join(str(cell.raw).split())
            unit = campaign.scope.unit.name
            out.add("lower-level-form", cell, field.label, value=name, unit=unit)
            return name
    return ""


def _lower_form(raw: RawForm, campaign: Campaign, roster: Roster, out: _Collector, lower: str) -> Submission:
    """A lower level's form: its one finding, and the unit it names here (to tell double counting)."""
    scratch = _Collector(raw.file)
    place = None
    if not raw.findings:
        place = _resolve_place(raw, campaign, roster, _header(raw, campaign, scratch), scratch)
    items = tuple(out.items)
    return Submission(raw.file, raw.path, raw.mtime, {}, {}, (), (), items, place=place, lower_unit=lower)


def _unfilled(raw: RawForm, campaign: Campaign) -> bool:
    """Nothing typed beyond the place names: no header item, no metric, no table row."""
    places = {f.key for f in (*campaign.place_fields, *campaign.watched)}
    typed = (cell for key, cell in raw.fields.items() if key not in places)
    return not any(raw.tables.values()) and all(is_blank(cell.raw) for cell in typed)


def _blank_form(raw: RawForm, campaign: Campaign, roster: Roster, out: _Collector) -> Submission:
    """One finding, 这是空白表, instead of one per empty cell; a pre-filled form still names its unit."""
    scratch = _Collector(raw.file)  # the place's own findings would only repeat that it is blank
    header = _header(raw, campaign, scratch)
    place = _resolve_place(raw, campaign, roster, header, scratch)
    filled = [f.label for f in campaign.place_fields if not is_blank(raw.fields[f.key].raw)]
    said = f"：只填了{'、'.join(filled)}，其余都没有填写" if filled else "，没有填写任何内容"
    out.add("blank-form", None, reason=said)
    return Submission(raw.file, raw.path, raw.mtime, header, {}, (), (), tuple(out.items), place=place)


def roster_question(raw: RawForm, campaign: Campaign) -> tuple[Any, Any] | None:
    """The names a form asks the roster about (typed group, typed unit), read as validate_form reads
    them; None for a file that is not the standard form (its validation never asks)."""
    if raw.findings:
        return None
    return _typed_place(campaign, _header(raw, campaign, _Collector(raw.file)))


def _typed_place(campaign: Campaign, header: dict[str, Any]) -> tuple[Any, Any]:
    """(typed group, typed unit) as the header read them: the question put to the roster."""
    group = campaign.role(GROUP) if campaign.has_groups else None
    return (header.get(group.key) if group else "", header.get(campaign.role(UNIT).key))


def roster_answer(question: tuple[Any, Any] | None, roster: Roster) -> tuple[str, ...]:
    """All validate_form learns from the roster for this question: how the names resolve (or what is
    closest) and the unit's type. A form validated under an equal answer validates the same."""
    if question is None:
        return ()
    match = roster.resolve(*question)
    place = (match.group, match.unit) if match.unit else None
    unit_type = roster.type_of(place) if place else ""
    return (
        match.group,
        match.unit,
        match.group_suggestion,
        match.unit_suggestion,
        match.unit_elsewhere,
        unit_type,
    )


def _header(raw: RawForm, campaign: Campaign, out: _Collector) -> dict[str, Any]:
    header: dict[str, Any] = {}
    for field in campaign.header_fields:
        cell = raw.fields.get(field.key)
        if cell is None:
            continue
        if is_blank(cell.raw):
            if field.required:
                out.add("missing-field", cell, field.label)
            header[field.key] = field.type.blank()
            continue
        value, problems = field.type.parse(cell.raw, field)
        for code, details in problems:
            out.add(code, cell, field.label, **details)
        header[field.key] = value
    return header


def _resolve_place(
    raw: RawForm, campaign: Campaign, roster: Roster, header: dict, out: _Collector
) -> Place | None:
    """Replace the typed group/unit names by roster names, or report the closest; the place if found."""
    unit_field = campaign.role(UNIT)
    group_field = campaign.role(GROUP) if campaign.has_groups else None
    typed_group, typed_unit = _typed_place(campaign, header)
    if group_field and not typed_group:
        return None
    match = roster.resolve(typed_group, typed_unit)
    if group_field and not match.group:
        suggestion = match.group_suggestion
        out.add("unknown-township", raw.fields[group_field.key], group_field.label, suggestion=suggestion)
        return None
    if group_field:
        header[group_field.key] = match.group
    if not typed_unit:
        return None
    if not match.unit:
        elsewhere = {}
        if match.unit_elsewhere and group_field:
            said = (
                f"名册中「{typed_unit}」属于「{match.unit_elsewhere}」，请核对{group_field.label}后重新报送。"
            )
            elsewhere = {"action": said}
        where = f"「{match.group}」" if match.group else ""
        out.add(
            "unknown-village",
            raw.fields[unit_field.key],
            unit_field.label,
            group=where,
            unit=unit_field.label,
            suggestion=match.unit_suggestion,
            **elsewhere,
        )
        return None
    header[unit_field.key] = match.unit
    return match.group, match.unit


def _metrics(raw: RawForm, campaign: Campaign, unit_type: str, out: _Collector) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for field in campaign.form_metrics:
        cell = raw.fields.get(field.key)
        if cell is None:
            continue
        if field.applies_to and not unit_type:  # the place is unknown, so is its type: whether a
            if is_blank(cell.raw):  # blank was meant cannot be told; what was typed is still read
                metrics[field.key] = None
                continue
        elif not field.applies(unit_type):
            if not is_blank(cell.raw):
                out.add("not-applicable", cell, field.label, reason=unit_type)
            metrics[field.key] = None
            continue
        value, problems = field.type.parse(cell.raw, field)
        for code, details in problems:
            out.add(code, cell, field.label, **details)
        if value is None and not problems:
            code, value = field.kind.blank  # what a blank means to the metric's kind
            if code:
                out.add(code, cell, field.label)
        if value is not None or field.kind.averaged:
            metrics[field.key] = value
    return metrics


def _table(
    rows: tuple[dict[str, Cell], ...], table: TableSpec, out: _Collector, later: list[tuple]
) -> tuple[dict, ...] | None:
    """The table's rows as values; None when it has more rows than the form allows.

    Choices are judged per row after its cells (`later`), as a row: a blank 问题类别 matters
    only when the row describes a problem.
    """
    if len(rows) > table.max_rows:
        out.add("too-many-rows", None, sheet=table.sheet, value=len(rows), reason=table.max_rows)
        return None
    parsed = []
    description = next((c for c in table.columns if c.role == DESCRIPTION), None)
    for cells in rows:
        row: dict[str, Any] = {"_row": next(iter(cells.values())).row}
        not_listed: dict[str, dict] = {}
        for column in table.columns:
            cell = cells.get(column.key)
            if cell is None or is_blank(cell.raw):
                row[column.key] = column.type.blank()
                continue
            value, problems = column.type.parse(cell.raw, column)
            for code, details in problems:
                if code == "bad-choice":
                    not_listed[column.key] = details
                elif code := _TABLE_CODES.get(code, code):
                    out.add(code, cell, column.header, row=row["_row"], **details)
            row[column.key] = value
        parsed.append(row)
        for column in (c for c in table.columns if c.choices):
            cell = cells.get(column.key)
            if column.key in not_listed:
                later.append(("bad-choice", cell, column.header, not_listed[column.key]))
            elif row[column.key]:
                continue
            elif column.role != CATEGORY:
                listed = "、".join(column.choices)
                later.append(("bad-choice", cell, column.header, {"value": "（空）", "reason": listed}))
            elif description is not None and row.get(description.key):
                said = {"row": row["_row"], "described": description.header}
                later.append(("missing-category", cell, column.header, said))
    return tuple(parsed)
