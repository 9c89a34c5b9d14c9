"""How units fill in the standard form, for the seeded demos (make_demo.py, make_example.py): the
styles they type numbers and dates in, ledger rows, the filled workbook, and the roster they are on.

Everything draws from the random generator it is given, in a fixed order, so a seed gives the same
bytes every time; any change here that draws differently changes every committed demo file.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from demo_text import CATEGORY_WEIGHTS, GIVEN, IN_PROGRESS, PROBLEMS, SURNAMES, UNITS
from openpyxl import Workbook

from county_report.definition import GROUP, UNIT, Campaign, Field, TableSpec
from county_report.forms import build_form, form_layout, save_workbook
from county_report.settings_sheet import write_settings_sheet

ALIAS_HEADER = "别名"
TYPE_HEADER = "类型"
CAMPAIGN_DAYS = 41  # ledger items solved in the weeks before the period's end (2026-10-10 … 11-20)


@dataclass
class UnitReturn:
    """One returned form as the unit typed it (values may be text, dates may be strings)."""

    file_name: str
    group: str  # "" when the office has no group level
    unit: str
    values: dict[str, object]  # field key → value as typed; None leaves the cell blank
    ledger: list[dict[str, object]] = field(default_factory=list)
    highlights: list[dict[str, object]] = field(default_factory=list)
    prefilled: bool = True  # False: the unit used the blank form and typed its own names
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # [[tables]] key → rows


@dataclass(frozen=True)
class LedgerText:
    """Word pools for ledger rows: per category (descriptions, results when solved), how often
    each category comes up, what open items say, and who is responsible."""

    problems: Mapping[str, tuple[Sequence[str], Sequence[str]]] = field(default_factory=lambda: PROBLEMS)
    weights: Mapping[str, int] = field(default_factory=lambda: CATEGORY_WEIGHTS)
    in_progress: Sequence[str] = IN_PROGRESS
    offices: Sequence[str] = UNITS

    def for_category(self, category: str) -> tuple[Sequence[str], Sequence[str]]:
        return self.problems.get(category) or self.problems.get("其他") or next(iter(self.problems.values()))


# How a text item or column without a role is filled: a `person`'s name, a `phone` number, the
# `complainant` who raised a problem, the `office` that handles it, the `result` of handling it;
# or a list of texts to pick from. Other text columns stay blank.
PERSON, PHONE, COMPLAINANT, OFFICE, RESULT = "person", "phone", "complainant", "office", "result"
TEXT_KINDS = (PERSON, PHONE, COMPLAINANT, OFFICE, RESULT)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def phone_number(rng: random.Random) -> str:
    return rng.choice(("139", "138", "158", "186", "177")) + f"{rng.randrange(10**8):08d}"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "." else c for c in text)


def typed_number(value: int | float, f: Field, style: str) -> object:
    """A number as a unit might type it: text, full-width, with thousands separator or unit.

    A percentage (held as the fraction a %-formatted cell stores) is typed as text with its sign:
    0.9637 → "96.37%", never the bare "0.9637" a reader would have to guess about.
    """
    if f.type.name == "percent":
        points = f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
        return {"fullwidth": full_width(points), "spaces": f" {points} ", "float": float(value)}.get(
            style, points
        )
    plain = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return {
        "text": plain,
        "fullwidth": full_width(plain),
        "comma": f"{value:,}" if value >= 1000 else plain,
        "unit": f"{plain}{f.unit}",
        "spaces": f" {plain} ",
        "float": float(value),
    }.get(style, value)


def typed_date(d: date, rng: random.Random, real_share: float = 0.6) -> object:
    """A date as units type it: a real date most of the time, otherwise one of the text forms."""
    if rng.random() < real_share:
        return d
    forms = (f"{d:%Y/%m/%d}", f"{d.year}年{d.month}月{d.day}日", d.isoformat(), f"{d:%Y%m%d}")
    return rng.choice(forms)


def make_messy(spec: Campaign, rng: random.Random, report: UnitReturn) -> UnitReturn:
    """Type 2–4 metrics the way units do: "120", "１２０", "1,200", "120户", " 120 ", 120.0."""
    values = dict(report.values)
    typed = [m for m in spec.metrics if isinstance(values.get(m.key), (int, float))]
    for m in rng.sample(typed, min(len(typed), rng.randint(2, 4))):
        style = rng.choice(("text", "fullwidth", "comma", "unit", "spaces", "float"))
        values[m.key] = typed_number(values[m.key], m, style)
    return replace(report, values=values)


def ledger_rows(
    spec: Campaign,
    rng: random.Random,
    count: int,
    fixed: Mapping[str, int],
    as_of: date,
    text: LedgerText = LedgerText(),
    kinds: Mapping[str, str | Sequence[str]] = {},  # noqa: B006 - read only
    table: TableSpec | None = None,
) -> list[dict[str, object]]:
    """`count` rows of `table` (default: the problem ledger), exactly `fixed[status]` of them with
    each fixed status; the others take a free status (the first four times as often): an open one,
    or any when the solved status is not fixed. Open items may be overdue.

    `kinds`: how each text column without a role is filled (column key → one of TEXT_KINDS or a
    list of texts); integer columns without a role get the row's number.
    """
    table = table or spec.ledger
    status_choices = table.by_role("status").choices if table.has_role("status") else ("",)
    solved_status = spec.solved_status if spec.solved_status in status_choices else status_choices[0]
    free = [s for s in status_choices if s not in fixed] or [solved_status]
    still_open = [s for s in free if s != solved_status]
    weights = [4] + [1] * (len(free) - 1)
    categories = list(table.by_role("category").choices) if table.has_role("category") else [""]
    category_weights = [text.weights.get(c, 1) for c in categories]
    slots: list[str | None] = [s for s, n in fixed.items() for _ in range(n)]
    slots += [None] * (count - len(slots))
    rng.shuffle(slots)
    rows = []
    for seq, slot in enumerate(slots, start=1):
        category = rng.choices(categories, category_weights)[0]
        descriptions, results = text.for_category(category)
        fill = {"g": rng.randint(1, 9), "n": rng.choice((3, 5, 8, 120, 350, 800))}
        deadline = _deadline(rng, slot == solved_status, as_of)
        status = slot or rng.choices(free, weights)[0]
        if status == solved_status:
            result = rng.choice(results) if results else ""
        else:
            result = rng.choice(text.in_progress) if still_open and status == still_open[0] else ""
        row: dict[str, object] = {}
        for column in table.columns:
            kind = kinds.get(column.key)
            if column.role == "category":
                row[column.key] = category
            elif column.role == "description":
                row[column.key] = rng.choice(descriptions).format(**fill)
            elif column.role == "deadline":
                row[column.key] = typed_date(deadline, rng, 0.85)
            elif column.role == "status":
                row[column.key] = status
            elif kind == COMPLAINANT:
                row[column.key] = rng.choice(
                    (rng.choice(SURNAMES) + "某某", rng.choice(SURNAMES) + "某", f"{fill['g']}组群众")
                )
            elif kind == OFFICE:
                row[column.key] = rng.choice(text.offices)
            elif kind == RESULT:
                row[column.key] = result.format(**fill)
            elif kind == PERSON:
                row[column.key] = person_name(rng)
            elif kind == PHONE:
                row[column.key] = phone_number(rng)
            elif isinstance(kind, Sequence) and not isinstance(kind, str):
                row[column.key] = rng.choice(kind)
            elif column.type.name == "integer":
                row[column.key] = seq
        rows.append(row)
    return rows


def _deadline(rng: random.Random, is_solved: bool, as_of: date) -> date:
    """Solved items any time in the campaign; about one open item in five already overdue."""
    if is_solved:
        return as_of - timedelta(days=CAMPAIGN_DAYS) + timedelta(days=rng.randint(0, 80))
    if rng.random() < 0.2:
        return as_of - timedelta(days=rng.randint(1, 25))
    return as_of + timedelta(days=rng.randint(0, 45))


def fill_form(spec: Campaign, report: UnitReturn, title: str) -> Workbook:
    """A generated form filled in cell by cell, as the unit would."""
    values = dict(report.values)
    if report.prefilled:
        wb = build_form(spec, title, (report.group, report.unit))
    else:
        wb = build_form(spec, title)
        if spec.has_groups:
            values[spec.role(GROUP).key] = report.group
        values[spec.role(UNIT).key] = report.unit
    layout = form_layout(spec)
    basic = wb[spec.basic_sheet]
    for key, value in values.items():
        if key in layout.fields:
            basic[layout.fields[key].value_cell] = value
    places = [(layout.ledger, report.ledger), (layout.highlights, report.highlights)]
    places += [(layout.tables[key], rows) for key, rows in report.tables.items()]
    for place, rows in places:
        ws = wb[place.sheet]
        for offset, row in enumerate(rows):
            for key, value in row.items():
                if key in place.columns:
                    _type_into(ws, f"{place.columns[key]}{place.first_row + offset}", value)
    return wb


def _type_into(ws, address: str, value: object) -> None:
    """Set a table cell as Excel would when typing: it takes its column's protection and layout."""
    cell = ws[address]
    cell.value = value
    column = ws.column_dimensions[cell.column_letter]
    cell.protection, cell.alignment = copy(column.protection), copy(column.alignment)
    if cell.number_format == "General":
        cell.number_format = column.number_format


def roster_header(spec: Campaign) -> tuple[str, ...]:
    """名册's header: the group level (if the office has one), the unit level, 类型 (if the
    definition has unit types), 别名."""
    places = tuple(spec.role(r).label for r in ((GROUP, UNIT) if spec.has_groups else (UNIT,)))
    return places + ((TYPE_HEADER,) if spec.unit_types else ()) + (ALIAS_HEADER,)


def write_roster(
    spec: Campaign, rows: Sequence[Sequence[str]], path: Path, settings: Mapping[str, object] | None = None
) -> Path:
    """名册.xlsx: header (see `roster_header`), then one row per unit in that column order; and the
    office's 设置 sheet when `settings` (label → value) are given."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    header = roster_header(spec)
    ws.append(header)
    for row in rows:
        ws.append(tuple(row))
    widths = {ALIAS_HEADER: 30, TYPE_HEADER: 12}
    for i, name in enumerate(header):
        ws.column_dimensions["ABCDE"[i]].width = widths.get(name, 16)
    ws.freeze_panes = "A2"
    if settings is not None:
        write_settings_sheet(wb, settings)
    wb.properties.creator = "报表助手"
    return save_workbook(wb, path)


def report_written(roster: Path, inputs: Path, written: Sequence[Path]) -> None:
    """Say what a demo run wrote, and list the other forms in `inputs`: never deleted, they may be real returns."""
    print(f"已写入名册 {roster} 和 {len(written)} 份演示报表到 {inputs}")
    others = sorted(set(inputs.glob("*.xlsx")) - set(written))
    if others:
        print(f"注意：{inputs} 中另有 {len(others)} 个文件不是本次生成的，未删除：")
        print("\n".join(f"  {p.name}" for p in others))
