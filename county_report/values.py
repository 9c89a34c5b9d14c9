"""Values as villages really type them: `"１２０"`, `"1,200"`, `"120户"`, `2026年11月20日`, serials.

Each parser returns the normalised value, or a finding code saying why it could not.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

EXCEL_TEXT_LIMIT = 32_767
# A value's plausible maximum unless the definition gives one. 30,000 units × the maximum stays
# below 10^15, where Excel's doubles are still exact integers, so no total can wrap or round:
# 10^10 for counts; 10^8 for decimals, which are also summed as integer millionths (10^8 × 10^6 ×
# 30,000 < 2^63) and keep six exact decimal places as doubles (10^8 × 10^6 < 2^53).
MAX_INTEGER = 10**10
MAX_DECIMAL = 10**8
_MAX_DIGITS = 30  # more integer digits than this is too large without building the number
FIRST_YEAR, LAST_YEAR = 2000, 2099  # a 填报日期 or 统计截止日期 outside these is a typing slip
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?!\d)")  # 1,200 and 1,234,567.5
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TIME_OF_DAY = re.compile(r"[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
# C0/C1 controls, lone surrogates and non-characters: invalid in a cell's XML. Tab and newlines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_number(
    raw: object, unit: str = "", integer: bool = True, maximum: int | float | None = None
) -> tuple[int | float | None, str]:
    """Return (value, "") or (None, finding code). Blank is (None, "") — the caller decides.

    The value is exact: an int for integer fields; a float for decimal ones, exact to the
    millionth below `maximum`. A value above `maximum` (default MAX_INTEGER or MAX_DECIMAL) is
    refused, never converted, so no total can wrap or lose precision.
    """
    if is_blank(raw):
        return None, ""
    if isinstance(raw, (bool, date, datetime, timedelta)):
        return None, "not-a-number"
    if isinstance(raw, float) and raw in (
        float("inf"),
        float("-inf"),
    ):  # a typed number past a double's range
        return None, "number-too-large" if raw > 0 else "negative-number"
    if isinstance(raw, (int, float)):
        number = Decimal(repr(float(raw))) if isinstance(raw, float) else Decimal(raw)
    else:
        from_text, code = _number_from_text(str(raw), unit)
        if from_text is None:
            return None, code
        number = from_text
    if not number.is_finite():
        return None, "not-a-number"
    if number < 0:
        return None, "negative-number"
    limit = (MAX_INTEGER if integer else MAX_DECIMAL) if maximum is None else maximum
    if number > limit:
        return None, "number-too-large"
    if integer:
        if number != number.to_integral_value():
            return None, "not-an-integer"
        return int(number), ""
    return float(number), ""


def _number_from_text(text: str, unit: str) -> tuple[Decimal | None, str]:
    s = "".join(unicodedata.normalize("NFKC", text).split())
    if "," in s:
        grouped = _GROUPED.match(s)
        if grouped is None or "," in s[grouped.end() :]:
            return None, "bad-thousands-separator"  # `1,5`: a decimal comma would read as 15
        s = s.replace(",", "")
    match = _NUMBER.match(s)
    if not match:
        return None, "not-a-number"
    sign, digits, rest = match.groups()
    if rest and not _is_unit(rest, unit):
        return None, "not-a-number"
    if len(digits.partition(".")[0].lstrip("0")) > _MAX_DIGITS:
        return None, "negative-number" if sign == "-" else "number-too-large"
    try:
        return Decimal(sign + digits), ""
    except InvalidOperation:
        return None, "not-a-number"


def _is_unit(rest: str, unit: str) -> bool:
    """Only the field's own unit may follow the number: `120户`, `120（户）`, `5万元` in a 万元 field.

    Anything else (`2万元` in a 元 field, `3万`, `120人` in a 户 field, `120余`) changes or blurs
    the figure, so it is not silently dropped.
    """
    bare = rest.strip("()（）")
    return bool(unit) and bare == unicodedata.normalize("NFKC", unit) and rest in (bare, f"({bare})")


# What villages type for "none" in a number cell
_NONE_WORDS = frozenset({"无", "没有", "暂无", "空", "/", "-", "—", "——", "－", "null", "na", "n/a"})
_CN_DIGITS = {
    ch: n
    for n, chars in enumerate(["零〇", "一", "二两", "三", "四", "五", "六", "七", "八", "九"])
    for ch in chars
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000}
_SCALED = re.compile(r"^(\d+(?:\.\d+)?)([十百千万亿]*)(.*)$")


def suggest_number(raw: object, unit: str = "", integer: bool = True) -> str:
    """The number a village most likely meant by text that is not one, in the field's unit, or "".

    `无` → 0; `2万` or `2万元` in a 元 field → 20000; `20000元` in a 万元 field → 2; `三百户` → 300.
    Nothing is guessed where the text blurs the figure (`120余`, `一千二`): "" then.
    """
    if not isinstance(raw, str):
        return ""
    s = "".join(unicodedata.normalize("NFKC", raw).split()).replace(",", "").rstrip("。.")
    if s.lower() in _NONE_WORDS:
        return "0"
    field_scale, field_base = _unit_scale(unicodedata.normalize("NFKC", unit))
    match = _SCALED.match(s)
    if match:
        number, prefix, rest = Decimal(match.group(1)), _multiplier(match.group(2)), match.group(3)
    else:
        head = re.match(r"^[零〇一二两三四五六七八九十百千万亿]+", s)
        cn = _cn_number(head.group(0)) if head else None
        if head is None or cn is None:
            return ""
        number, prefix, rest = Decimal(cn), 1, s[head.end() :]
    rest_scale, rest_base = _unit_scale(rest.strip("()（）"))
    if rest_base not in ("", field_base):
        return ""
    value = number * prefix * rest_scale / field_scale
    if value < 0 or (integer and value != value.to_integral_value()):
        return ""
    return f"{value.normalize():f}"


def _unit_scale(unit: str) -> tuple[int, str]:
    """万元 → (10000, 元); 户 → (1, 户); "" → (1, "")."""
    if len(unit) > 1 and unit[0] in "十百千万亿":
        return _multiplier(unit[0]), unit[1:]
    return 1, unit


def _multiplier(prefix: str) -> int:
    scale = 1
    for ch in prefix:
        scale *= {**_CN_SMALL, **_CN_LARGE}[ch]
    return scale


def _cn_number(text: str) -> int | None:
    """三百 → 300, 十二 → 12, 一万二千 → 12000; None where colloquial and unclear (一千二)."""
    total = section = 0
    digit: int | None = None
    last_unit = 1
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            if digit == 0:
                last_unit = 1
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit, last_unit = None, _CN_SMALL[ch]
        else:
            total = (total + section + (digit or 0)) * _CN_LARGE[ch]
            section, digit, last_unit = 0, None, _CN_LARGE[ch]
    if digit is not None and last_unit > 10:
        return None  # 一千二 means 1200 to some and 1002 to others
    return total + section + (digit or 0)


def parse_date(raw: object) -> date | None:
    """A date in 2000–2099 from a real date, `2026-11-20`, `2026/11/20`, `2026年11月20日`,
    `20261120` or an Excel serial; None for anything else.

    The years are bounded because a number typed into a date cell reads as a date: 11.2 is
    1900-01-11 to Excel, and such a date would also decide which of a village's files wins.
    """
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw if FIRST_YEAR <= raw.year <= LAST_YEAR else None
    if isinstance(raw, bool) or is_blank(raw):
        return None
    if isinstance(raw, (int, float)):
        return _from_number(raw)
    s = _TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", str(raw)).strip())
    s = "".join(s.split())
    for pattern in _DATE_PATTERNS:
        match = pattern.match(s)
        if match:
            return _safe_date(*(int(g) for g in match.groups()[:3]))
    if re.fullmatch(r"\d{1,8}(\.0+)?", s):
        return _from_number(float(s))
    return None


def _from_number(value: float) -> date | None:
    if value != value or value in (float("inf"), float("-inf")) or value != int(value):
        return None
    n = int(value)
    if 10_000_000 <= n <= 99_999_999:
        return _safe_date(n // 10000, n // 100 % 100, n % 100)
    if 1 <= n <= 80_000:  # an Excel serial (only those in 2000–2099 are kept)
        when = _EXCEL_EPOCH + timedelta(days=n)
        return when if FIRST_YEAR <= when.year <= LAST_YEAR else None
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if FIRST_YEAR <= year <= LAST_YEAR else None
    except ValueError:
        return None


def clean_text(raw: object) -> tuple[str, bool, bool]:
    """Text as stored: control characters removed, cut to Excel's cell limit.

    Returns (text, had_control_chars, was_truncated).
    """
    if raw is None:
        return "", False, False
    if isinstance(raw, float) and raw == int(raw):
        raw = int(raw)  # a phone number typed as a number reads back as 13800000000.0
    if isinstance(raw, datetime):
        raw = raw.date()
    s = str(raw)
    cleaned = strip_control(s)
    had_control = cleaned != s
    cleaned = cleaned.strip()
    truncated = len(cleaned) > EXCEL_TEXT_LIMIT
    return cleaned[:EXCEL_TEXT_LIMIT], had_control, truncated


def strip_control(text: str) -> str:
    """Text without the characters no spreadsheet cell may hold (tab and newlines kept)."""
    return _CONTROL.sub("", text)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """Zero-based (row, col) → `B5`."""
    return f"{column_letter(col)}{row + 1}"
