"""How numbers and dates are written in a Chinese official report: 2026年11月20日, 60.3%, 4.88万.

Rounding is half-up on the decimal value as written (str of the float), as Excel shows it,
so the report and the workbook agree digit for digit.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral, Real

MISSING = "—"  # a rate whose denominator is 0, or a value that is absent


def cn_date(d: date) -> str:
    """A date as `2026年11月20日` (Arabic numerals, full year, no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def display_width(text: str) -> int:
    """Columns a text takes on screen or in a cell: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _decimal(x: Real) -> Decimal:
    return Decimal(str(float(x))) if not isinstance(x, Integral) else Decimal(int(x))


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, Real) and not isinstance(x, Integral) and math.isnan(float(x)))


def _strip(d: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 12.50 → 12.5, 12.00 → 12."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(x: Real | None, digits: int = 1) -> str:
    """A ratio 0..1 as a percentage with one decimal: 0.6025 → `60.3%`; NaN → `—`."""
    if _is_missing(x):
        return MISSING
    value = (_decimal(x) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{value:f}%"


def money(x: Real | None, digits: int = 2) -> str:
    """A decimal amount with at most two decimals, trailing zeros dropped: 128.50 → `128.5`."""
    if _is_missing(x):
        return MISSING
    value = _decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _strip(value)


def integer(x: Real | None) -> str:
    """A count as plain Arabic numerals with no thousands separator: 48800 → `48800`."""
    if _is_missing(x):
        return MISSING
    return str(int(_decimal(x).to_integral_value(rounding=ROUND_HALF_UP)))


def number(x: Real | None) -> str:
    """Any figure exactly: integers as they are, decimals with up to two places."""
    if isinstance(x, Integral) or (isinstance(x, Real) and not _is_missing(x) and float(x).is_integer()):
        return integer(x)
    return money(x)


def wan(x: Real | None) -> str:
    """A large count in 万 with up to two decimals (48800 → `4.88万`); below 10000 as is."""
    if _is_missing(x):
        return MISSING
    if abs(float(x)) < 10000:
        return number(x)
    value = (_decimal(x) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{_strip(value)}万"


# Filters registered in the report's jinja environment, under English and Chinese names,
# so a clerk can write `{{ 截止日期值 | 日期 }}` or `{{ 走访群众数 | 万 }}` in the template.
FILTERS = {
    "cn_date": cn_date,
    "日期": cn_date,
    "pct": pct,
    "百分比": pct,
    "money": money,
    "金额": money,
    "number": number,
    "数字": number,
    "wan": wan,
    "万": wan,
}
