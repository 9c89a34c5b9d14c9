"""Worksheet cell XML built column by column, spliced into the package xlsxwriter wrote.

Writing a cell through any Python spreadsheet library costs ~20 µs (a 500,000-row 问题台账 took
100+ s). Here each column's values become XML fragments through one dict per column (each
distinct text is cleaned and escaped once) and each row is one call of a compiled f-string;
the sheet is streamed in chunks into the zip, deflated in a second thread, so memory stays
flat however many rows there are.
"""

from __future__ import annotations

import io
import math
import numbers
import operator
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from itertools import repeat
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from .values import EXCEL_TEXT_LIMIT, strip_control

MAX_TEXT = EXCEL_TEXT_LIMIT
MAX_ROWS = 1_048_576  # Excel's limit for one sheet, header included
NO_RATE = "—"  # shown where a rate has no denominator
CHUNK_ROWS = 20_000  # rows built and compressed at a time (~15 MB of XML)
MEMO_LIMIT = 200_000  # distinct values remembered per column before the memo is emptied
COMPRESS_LEVEL = 3  # deflate runs beside the XML building; 6 (the default) takes longer than building
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")  # Excel would decode these, so escape the "_"
_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*</sheetData>", re.DOTALL)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
BLANK = "/>"
LINE_POINTS = 15  # Excel's default row height: one line of Calibri 11
WRAPPED_LINE_POINTS = 16  # each further line: CJK fonts (Noto, 等线) need a little more than Calibri
_EPOCH = datetime(1899, 12, 31)  # Excel's day 0 (day 1 is 1900-01-01)
NUMBER = (numbers.Real, Decimal)  # numbers.Real includes numpy's; bool is an int, shown as 1 or 0


@dataclass(frozen=True)
class Grid:
    """One worksheet's cells, column by column, and the style (xf index, 0 = none) of each."""

    header: Sequence[str]
    kinds: Sequence[str]  # per column: text | long | int | money | rate | date
    values: Sequence[list]  # per column, one value per data row (None = blank)
    styles: Sequence[str]  # per data row, a key of `xf`; empty = every row ""
    header_xf: int
    xf: Mapping[str, Sequence[int]]  # row style → xf index per column
    header_lines: int = 1  # a header row of wrapped headers is set this many lines tall
    row_lines: Sequence[int] | None = None  # per data row, lines of wrapped text (None: all one line)

    @property
    def rows(self) -> int:
        """Data rows written: all of them, up to what one Excel sheet can hold."""
        return min(len(self.values[0]) if self.values else 0, MAX_ROWS - 1)


def clean_text(value: object) -> str:
    """Text as a cell can hold it: no control characters (tab and newline kept), at most 32,767 chars."""
    return strip_control(str(value))[:MAX_TEXT]


def text_cell(value: object) -> str:
    """The rest of a `<c r=".." s=".."` element holding `value` as an inline string (never a formula)."""
    text = "" if value is None else clean_text(value)
    if not text:
        return BLANK
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def number_cell(value: object) -> str:
    """A number as xlsxwriter writes it (16 significant digits); anything else shown as text."""
    if value is None or value == "":
        return BLANK
    if not isinstance(value, NUMBER):
        return text_cell(value)
    return f"><v>{value:.16G}</v></c>" if math.isfinite(value) else BLANK


def rate_cell(value: object) -> str:
    """A ratio; "—" where it has none (no denominator)."""
    if isinstance(value, NUMBER) and math.isfinite(value):
        return number_cell(value)
    return text_cell(NO_RATE) if value is None or isinstance(value, float) else text_cell(value)


def date_cell(value: object) -> str:
    """A real Excel date serial; a value that is not a date is shown as typed, never dropped."""
    if isinstance(value, date):  # datetime is a date too
        return number_cell(excel_serial(value))
    return BLANK if value is None or value == "" else text_cell(value)


def excel_serial(value: date) -> float:
    """Days since Excel's epoch, with the time of day as a fraction; as Excel and xlsxwriter count them."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment.replace(tzinfo=None) - _EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86_400
    return serial + 1 if serial > 59 else serial  # Excel counts 1900-02-29, a day that never was


ENCODERS: dict[str, Callable[[object], str]] = {
    "text": text_cell,
    "long": text_cell,
    "int": number_cell,
    "money": number_cell,
    "rate": rate_cell,
    "percent": number_cell,  # blank, not "—", where a unit type has no such figure
    "date": date_cell,
}


def sheet_data(grid: Grid, chunk: int = CHUNK_ROWS) -> Iterator[str]:
    """The `<sheetData>` element, header row first, in pieces of at most `chunk` rows."""
    header = f' s="{grid.header_xf}"' if grid.header_xf else ""
    cells = "".join(f'<c r="{xl_col_to_name(c)}1"{header}{text_cell(h)}' for c, h in enumerate(grid.header))
    yield f'<sheetData><row r="1"{row_height(grid.header_lines)}>{cells}</row>'
    builders = {style: row_builder(xfs) for style, xfs in grid.xf.items()}
    memos: list[dict] = [{} for _ in grid.values]
    for start in range(0, grid.rows, chunk):
        stop = min(start + chunk, grid.rows)
        bodies = [
            _encode(column[start:stop], ENCODERS[kind], memo)
            for kind, column, memo in zip(grid.kinds, grid.values, memos, strict=True)
        ]
        numbers = map(str, range(start + 2, stop + 2))
        heights = map(row_height, grid.row_lines[start:stop]) if grid.row_lines else repeat("")
        if grid.styles:
            rows = map(
                operator.call, map(builders.__getitem__, grid.styles[start:stop]), numbers, heights, *bodies
            )
        else:
            rows = map(builders[""], numbers, heights, *bodies)
        yield "".join(rows)
    yield "</sheetData>"


@cache
def row_height(lines: int) -> str:
    """The `<row>` attributes of a row `lines` lines tall ("" for one line: the default height)."""
    if lines <= 1:
        return ""
    return f' ht="{LINE_POINTS + WRAPPED_LINE_POINTS * (lines - 1)}" customHeight="1"'


def row_builder(xfs: Sequence[int]) -> Callable[..., str]:
    """f(row_number, height, cell_1, …) → `<row r="7"><c r="A7" s="3"…</row>`, for rows whose cells
    have these styles; `height` is row_height()'s attributes.

    Compiled from an f-string: about twice as fast as str.format, which re-parses its template
    for every row. The source holds only column letters and style numbers, never cell text.
    """
    names = [f"v{c}" for c in range(len(xfs))]
    cells = "".join(
        f'<c r="{xl_col_to_name(c)}{{r}}"' + (f' s="{int(xf)}"' if xf else "") + f"{{{name}}}"
        for c, (xf, name) in enumerate(zip(xfs, names, strict=True))
    )
    return eval(f"lambda r, h, {', '.join(names)}: f'<row r=\"{{r}}\"{{h}}>{cells}</row>'")


def _encode(values: list, encode: Callable[[object], str], memo: dict) -> list[str]:
    """Each value's cell XML; every distinct value is encoded once (the memo outlives the chunk)."""
    try:
        return list(map(memo.__getitem__, values))  # after the first chunk, usually all are known
    except (KeyError, TypeError):
        pass
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # an unhashable value: encode one by one
        return [encode(v) for v in values]
    if encode is text_cell and any(type(v) is not str and v is not None for v in distinct):
        return [encode(v) for v in values]  # 1 == 1.0 == True as keys, but not as text
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    for value in distinct:
        if value not in memo:
            memo[value] = encode(value)
    return list(map(memo.__getitem__, values))


def dimension(grid: Grid) -> str:
    """The used range, e.g. `A1:M50762`."""
    return f"A1:{xl_col_to_name(max(len(grid.header), 1) - 1)}{grid.rows + 1}"


def repack(package: bytes, target: Path, grids: Mapping[str, Grid]) -> None:
    """Copy the xlsxwriter package to `target`, streaming each listed worksheet's cells into it."""
    with (
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, info.date_time)  # xlsxwriter's fixed 1980-01-01
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]  # no public per-entry level
            data = src.read(info)
            if info.filename not in grids:
                dst.writestr(entry, data)
                continue
            with dst.open(entry, "w") as stream:
                _write_behind(stream.write, _spliced(data.decode("utf-8"), grids[info.filename]))


def _write_behind(write: Callable[[bytes], object], pieces: Iterator[str]) -> None:
    """Deflate each piece in a second thread while the next is built: zlib and crc32 release the GIL."""
    with ThreadPoolExecutor(max_workers=1) as deflater:
        pending = None
        for piece in pieces:
            data = piece.encode("utf-8")
            if pending is not None:
                pending.result()  # in order, and at most two pieces in memory
            pending = deflater.submit(write, data)
        if pending is not None:
            pending.result()


def _spliced(sheet_xml: str, grid: Grid) -> Iterator[str]:
    """xlsxwriter's worksheet XML with our rows in place of its `<sheetData>` and the right dimension."""
    found = _SHEET_DATA.search(sheet_xml)
    if found is None:
        raise ValueError("worksheet XML without <sheetData>")
    yield _DIMENSION.sub(f'<dimension ref="{dimension(grid)}"/>', sheet_xml[: found.start()], count=1)
    yield from sheet_data(grid, CHUNK_ROWS)
    yield sheet_xml[found.end() :]
