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
