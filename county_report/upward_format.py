"""The parts of an upward submission (上报表) that are not the standard form: their sheet names,
and how a figure is fingerprinted so the office above can tell a hand-edited cell.

The reader reads these sheets when a file has them and never takes them as form data.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

MANIFEST_SHEET = "上报清单"  # period, definition, every figure with its cell and fingerprint, source files
BREAKDOWN_SHEET = "分组汇总"  # the body's figures per group (per 乡镇), for the office above
MANIFEST_KIND = "报表助手上报表"
FINGERPRINT_LENGTH = 16


def canonical(value: object) -> str:
    """A value as both writer and reader see it: 120 and 120.0 alike, dates as 2026-11-20, text trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        text = format(number.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return " ".join(str(value).split())


def fingerprint(label: str, value: object) -> str:
    """The figure's check code: changes whenever the value under this label changes."""
    digest = hashlib.sha256(f"{label}={canonical(value)}".encode()).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def manifest_facts(rows: list[list]) -> tuple[dict[str, str], dict[str, str]]:
    """A 上报清单 read back: its facts (key → value) and each figure's fingerprint (label → code)."""
    facts: dict[str, str] = {}
    prints: dict[str, str] = {}
    in_figures = False
    for row in rows:
        cells = [canonical(c) for c in row] + ["", "", "", "", ""]
        if cells[0] == "数据项":
            in_figures = True
            continue
        if cells[0] in ("", "来源文件"):
            in_figures = in_figures and cells[0] != "来源文件"
            continue
        if in_figures:
            prints[cells[0]] = cells[4]
        elif cells[1]:
            facts[cells[0]] = cells[1]
    return facts, prints
