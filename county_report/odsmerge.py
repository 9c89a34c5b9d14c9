"""Merged cells of an .ods file, which python-calamine does not report (it does for .xlsx/.xls).

Without them a label merged across two columns in LibreOffice or WPS would have its value read
from the wrong cell. The guard has already checked content.xml (no DTD, bounded size), so it is
parsed here as a stream, one row at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .definition import normalize_name

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_T = f"{{{_TABLE}}}"
Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col)), 0-based


def ods_merges(source: Path | BinaryIO, sheets: Collection[str]) -> dict[str, list[Merge]]:
    """Merged ranges per sheet name (as written in the file) for the sheets asked for, compared
    as the reader compares them; {} when none can be read. `source`: the file, or its bytes."""
    try:
        with zipfile.ZipFile(source) as zf, zf.open("content.xml") as content:
            return _merges(content, {normalize_name(s) for s in sheets})
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}


def _merges(content, sheets: set[str]) -> dict[str, list[Merge]]:
    found: dict[str, list[Merge]] = {}
    parser = etree.iterparse(content, events=("start", "end"), tag=(f"{_T}table", f"{_T}table-row"),
                             resolve_entities=False, no_network=True, huge_tree=False)  # fmt: skip
    name, row = None, 0
    for event, element in parser:
        if element.tag == f"{_T}table":
            name, row = (element.get(f"{_T}name"), 0) if event == "start" else (None, 0)
            if event == "end":
                element.clear()
        elif event == "end":
            if name is not None and normalize_name(name) in sheets:
                found.setdefault(name, []).extend(_row_merges(element, row))
            row += int(element.get(f"{_T}number-rows-repeated", "1"))
            element.clear()
    return found


def _row_merges(row_element, row: int) -> list[Merge]:
    merges, col = [], 0
    for cell in row_element:
        spans = (
            int(cell.get(f"{_T}number-rows-spanned", "1")),
            int(cell.get(f"{_T}number-columns-spanned", "1")),
        )
        if spans != (1, 1):
            merges.append(((row, col), (row + spans[0] - 1, col + spans[1] - 1)))
        col += int(cell.get(f"{_T}number-columns-repeated", "1"))
    return merges
