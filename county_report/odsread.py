"""Cell values of an .ods file, read with lxml when python-calamine cannot read it.

Gnumeric writes content.xml indented, with whitespace between the cells of a row; calamine stops
at the first such text node ("Expecting 'table-cell'") and cannot tell the format from the bytes
at all. LibreOffice, WPS and Excel open these files, so they are valid spreadsheets, not broken
ones. The guard has already checked content.xml (no DTD, bounded size), so it is parsed here as
a stream, a row at a time; repeated empty rows and cells (a sheet's tail) are never expanded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from .definition import normalize_name

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
MAX_REPEAT = 20_000  # a value repeated further than any form reaches is the sheet's filler


def ods_sheets(source: Path | BinaryIO, sheets: Collection[str]) -> dict[str, list[list[Any]]]:
    """Rows of values (None where blank) per sheet, named as in the file, for the sheets asked
    for (compared as the reader compares names). Raises what zipfile or lxml raise."""
    wanted = {normalize_name(s) for s in sheets}
    found: dict[str, list[list[Any]]] = {}
    with zipfile.ZipFile(source) as package, package.open("content.xml") as content:
        events = etree.iterparse(content, events=("start", "end"), tag=(f"{_TABLE}table", f"{_TABLE}table-row"),
                                 resolve_entities=False, no_network=True, huge_tree=False)  # fmt: skip
        name, blank_rows = None, 0
        rows: list[list[Any]] = []
        for event, element in events:
            if element.tag == f"{_TABLE}table":
                if event == "start":
                    name, rows, blank_rows = element.get(f"{_TABLE}name"), [], 0
                else:
                    if name is not None and normalize_name(name) in wanted:
                        found[name] = rows
                    name = None
                    element.clear()
            elif event == "end":
                if name is not None and normalize_name(name) in wanted:
                    row = _row(element)
                    repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    if row:
                        rows.extend([[] for _ in range(blank_rows)])
                        rows.extend(list(row) for _ in range(min(repeat, MAX_REPEAT)))
                        blank_rows = 0
                    else:
                        blank_rows += repeat
                element.clear()
    return found


def _row(element) -> list[Any]:
    """A row's values from column A; empty cells at its end left out."""
    values: list[Any] = []
    blank = 0
    for cell in element:
        if cell.tag not in _CELLS:
            continue  # whitespace and anything else between the cells
        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
        value = _value(cell)
        if value is None:
            blank += repeat
            continue
        values.extend([None] * blank)
        values.extend([value] * min(repeat, MAX_REPEAT))
        blank = 0
    return values


def _value(cell) -> Any:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{_OFFICE}value"))
    if kind == "date":
        text = cell.get(f"{_OFFICE}date-value", "")
        moment = datetime.fromisoformat(text)
        return moment.date() if len(text) <= 10 else moment
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    paragraphs = [_text(p) for p in cell.iterchildren(f"{_TEXT}p")]
    text = "\n".join(paragraphs)
    return text if text else None


def _text(element) -> str:
    """A paragraph's text: spans followed, <text:s c="3"/> as spaces, tabs and line breaks kept."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{_TEXT}s":
            parts.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif tag == f"{_TEXT}tab":
            parts.append("\t")
        elif tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif isinstance(tag, str):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
