"""Read a village form with python-calamine and locate every field by its label.

Villages insert rows, move blocks and add notes, so nothing is read by fixed address:
a field's value is the cell right of its label; tables are found by their header texts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .definition import Campaign, TableSpec, normalize_label, normalize_name
from .findings import Finding, finding
from .odsmerge import ods_merges
from .upward_format import BREAKDOWN_SHEET, MANIFEST_SHEET
from .values import cell_address, is_blank

HEADER_SEARCH_ROWS = 30  # a table's header row stands within the first rows of its sheet
MAX_MERGED_ROWS = 500  # a vertical merge taller than any ledger block is not filled down


class Cell(NamedTuple):
    """A value as found: where it stands (zero-based row and column) and what was typed.

    A tuple rather than a dataclass: a form makes a few hundred, and a tuple is built in C.
    """

    sheet: str
    r: int
    c: int
    raw: Any

    @property
    def address(self) -> str:
        """`B5`: computed only when a finding needs it, not for every cell read."""
        return cell_address(self.r, self.c)

    @property
    def row(self) -> int:
        """The 1-based sheet row, as a clerk sees it."""
        return self.r + 1


@dataclass(frozen=True)
class RawForm:
    """Everything located in one file, before any value is interpreted."""

    file: str
    path: Path
    mtime: float
    fields: dict[str, Cell]  # field key → its value cell
    tables: dict[
        str, tuple[dict[str, Cell], ...]
    ]  # table key → rows (column key → cell), blank rows left out
    findings: tuple[Finding, ...]  # structural problems (missing sheet or labels)
    extra: dict[str, list[list[Any]]] = field(default_factory=dict)  # an upward submission's own sheets


class _Grid:
    """A sheet's values from A1, with its merged ranges.

    A cell merged down several rows (one 问题类别 over three ledger rows, as villages do)
    reads as its top cell's value in every row it covers.
    """

    def __init__(self, name: str, rows: list[list[Any]], merged: list | None):
        self.name = name
        self.rows = rows
        self.merged_right = {start: end[1] for start, end in (merged or [])}
        self.merged_down: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in merged or []:
            if c0 == c1 and 0 < r1 - r0 <= MAX_MERGED_ROWS:
                self.merged_down.update({(r, c0): (r0, c0) for r in range(r0 + 1, r1 + 1)})

    def get(self, r: int, c: int) -> Any:
        if self.merged_down:
            r, c = self.merged_down.get((r, c), (r, c))
        try:
            return self.rows[r][c]  # r and c are never negative
        except IndexError:
            return None


def read_form(path: Path, campaign: Campaign, display_name: str, data: bytes = b"") -> RawForm:
    """Open the file and locate fields and table rows; structural problems become findings.

    `data`: the file's bytes as the guard checked them (zip formats); read from `path` if empty.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    mtime = path.stat().st_mtime
    ods_merged = (
        ods_merges(io.BytesIO(data) if data else path, campaign.sheets)
        if path.suffix.lower() == ".ods"
        else {}
    )
    opened = (
        CalamineWorkbook.from_filelike(io.BytesIO(data)) if data else CalamineWorkbook.from_path(str(path))
    )
    with opened as book:
        names = {normalize_name(n): n for n in book.sheet_names}

        def grid(wanted: str) -> _Grid | None:
            name = names.get(normalize_name(wanted))
            if name is None:
                return None
            sheet = book.get_sheet_by_name(name)
            try:
                merged = sheet.merged_cell_ranges
            except Exception:  # noqa: BLE001 - merges are a nicety; .ods/.xls may not report them
                merged = None
            return _Grid(name, sheet.to_python(skip_empty_area=False), merged or ods_merged.get(name))

        basic = grid(campaign.basic_sheet)
        grids = {t.key: grid(t.sheet) for t in campaign.all_tables}
        extra = {name: found.rows for name in (MANIFEST_SHEET, BREAKDOWN_SHEET) if (found := grid(name))}
    absent = [campaign.basic_sheet] if basic is None else []
    absent += [t.sheet for t in campaign.all_tables if t.required and grids[t.key] is None]
    problems = [f"缺少工作表「{'」「'.join(absent)}」"] if absent else []
    fields: dict[str, Cell] = {}
    if basic is not None:
        fields, missing = _locate_fields(basic, campaign)
        if missing:
            problems.append(f"工作表「{basic.name}」中找不到标签「{'」「'.join(missing)}」")
    tables = {}
    for table in campaign.all_tables:
        tables[table.key], problem = _table_rows(grids[table.key], table)
        problems += [problem] if problem else []
    found = tuple(
        finding("not-standard-form", file=display_name, reason="；".join(problems)) for _ in problems[:1]
    )
    return RawForm(display_name, path, mtime, fields, tables, found, extra)


def _locate_fields(grid: _Grid, campaign: Campaign) -> tuple[dict[str, Cell], list[str]]:
    """The value cell right of every label; labels watched but not required (the level below) too."""
    wanted = {f.match_label: f for f in (*campaign.fields, *campaign.watched)}
    fields: dict[str, Cell] = {}
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            field = wanted.get(normalize_label(value))
            if field is None or field.key in fields:
                continue
            vc = grid.merged_right.get((r, c), c) + 1  # a merged label's value is right of the merge
            fields[field.key] = Cell(grid.name, r, vc, grid.get(r, vc))
    missing = [f.display_label for f in campaign.fields if f.key not in fields]
    return fields, missing


def _table_rows(grid: _Grid | None, table: TableSpec) -> tuple[tuple[dict[str, Cell], ...], str]:
    """Rows under the table's header row, by header text; blank rows skipped."""
    if grid is None:
        return (), ""
    header_row, columns = _find_header(grid, table)
    if header_row < 0:
        need = "、".join(c.header for c in table.columns)
        return (), f"工作表「{grid.name}」中找不到表头（应为：{need}）"
    data_keys = [key for key, _ in columns if key != table.columns[0].key] or [k for k, _ in columns]
    data_at = [i for i, (key, _) in enumerate(columns) if key in data_keys]
    rows, get, name = [], grid.get, grid.name
    for r in range(header_row + 1, len(grid.rows)):
        values = [get(r, c) for _, c in columns]
        if all(is_blank(values[i]) for i in data_at):
            continue  # blank, or only a pre-printed 序号
        rows.append({key: Cell(name, r, c, v) for (key, c), v in zip(columns, values, strict=True)})
    return tuple(rows), ""


def _find_header(grid: _Grid, table: TableSpec) -> tuple[int, list[tuple[str, int]]]:
    wanted = {normalize_label(c.header): c.key for c in table.columns}
    for r, row in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        columns = [(wanted[normalize_label(v)], c) for c, v in enumerate(row) if normalize_label(v) in wanted]
        if len(columns) >= max(2, (len(table.columns) + 1) // 2):
            return r, columns
    return -1, []
