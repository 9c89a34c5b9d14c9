"""How a sheet of 汇总表 prints: A4 landscape, text never below 8 pt, the unit's names on every page.

Left to itself a spreadsheet program either shrinks a wide sheet until its text is unreadable
(one page wide at 3 pt) or cuts it into pages of bare numbers. Here the scale and the column
blocks are chosen from the column widths: one page across when the sheet fits at a readable
scale, otherwise blocks of whole columns, each page repeating the header row and the columns
that name the unit (乡镇, 村). Excel, WPS and LibreOffice then print the same pages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

A4 = 9  # the paper code Excel uses
FONT_POINTS = 11  # the workbook's default font size (xlsxwriter: Calibri 11)
MIN_TEXT_POINTS = 8
MIN_SCALE = math.ceil(100 * MIN_TEXT_POINTS / FONT_POINTS)  # 73 %: 8.03 pt
LINE_POINTS = 15  # one row of 11 pt text
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}  # inches; header and footer at 0.3
PAGE_INCHES = 297 / 25.4, 210 / 25.4  # A4 landscape
PIXELS_PER_INCH = 96
# Widths come from Excel's own metric (a digit of Calibri 11 is 7 px); other programs and fonts
# differ by a few per cent, so a page is filled to 95 % of its printable width at most.
FILL = 0.95
PRINTABLE_PIXELS = (PAGE_INCHES[0] - MARGINS["left"] - MARGINS["right"]) * PIXELS_PER_INCH * FILL
PRINTABLE_POINTS = (PAGE_INCHES[1] - MARGINS["top"] - MARGINS["bottom"]) * 72


@dataclass(frozen=True)
class PrintLayout:
    """One sheet's print settings: the scale (percent), or None to fit one page across; the
    columns that start a new block of pages; how many leading columns repeat on every page."""

    scale: int | None
    breaks: tuple[int, ...]
    repeat_columns: int
    repeat_header: bool = True  # the first row on every page (not on a sheet of charts)

    @property
    def blocks(self) -> int:
        return len(self.breaks) + 1


def column_pixels(width: float) -> int:
    """A column's width in pixels as Excel draws it, from its width in characters."""
    return int(width * 7 + 0.5) + 5


def plan(widths: Sequence[float], key_columns: int, rows: int = 1, header_lines: int = 1) -> PrintLayout:
    """The layout for `rows` rows of columns of these widths (characters) whose first
    `key_columns` name the unit.

    One page across when that keeps the scale at MIN_SCALE or more. Otherwise blocks of columns
    at the scale that prints the fewest pages (the largest such scale): a short wide sheet gets
    its blocks at full size, a long one the smaller text that fits more rows on a page.
    """
    pixels = [column_pixels(w) for w in widths]
    if sum(pixels) * MIN_SCALE / 100 <= PRINTABLE_PIXELS:
        return PrintLayout(None, (), key_columns)
    candidates = []
    for scale in range(MIN_SCALE, 101):
        breaks = _breaks(pixels, key_columns, PRINTABLE_PIXELS * 100 / scale)
        candidates.append(((len(breaks) + 1) * _pages_down(rows, header_lines, scale), -scale, breaks))
    _, minus_scale, breaks = min(candidates)
    return PrintLayout(-minus_scale, breaks, key_columns)


def _pages_down(rows: int, header_lines: int, scale: int) -> int:
    per_page = max(1, int((PRINTABLE_POINTS * 100 / scale - header_lines * LINE_POINTS) // LINE_POINTS))
    return max(1, math.ceil(rows / per_page))


def _breaks(pixels: Sequence[int], key_columns: int, page: float) -> tuple[int, ...]:
    """The columns that start a new page when each page after the first repeats the key columns."""
    repeated = sum(pixels[:key_columns])
    breaks: list[int] = []
    used = 0.0
    for c, width in enumerate(pixels):
        if used + width > page and c > key_columns and used > (repeated if breaks else 0):
            breaks.append(c)
            used = repeated
        used += width
    return tuple(breaks)


def apply(ws, layout: PrintLayout, title: str, period: str) -> None:
    """Set an xlsxwriter worksheet's print setup from `layout`."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.set_margins(**MARGINS)
    if layout.repeat_header:
        ws.repeat_rows(0)
    if layout.repeat_columns:
        ws.repeat_columns(0, layout.repeat_columns - 1)
    if layout.scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(layout.scale)
        ws.set_v_pagebreaks(list(layout.breaks))
        ws.print_across()  # a row's blocks on consecutive pages, not all first blocks, then all second
    ws.set_header(f"&L{title}&R{period}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
