"""How numbers and dates are written in a Chinese official report: 2026年11月20日, 60.3%, 4.88万.

`styled` is the one function that writes a figure in prose by a metric's declared style (万 and
亿 above a threshold, 元 → 万元, "3700余", percentage digits); the report's filters and the tests
that compare the report with the workbook both use it. Rounding is half-up on the decimal value
as written (str of the float), as Excel shows it, so the report and the workbook agree.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from numbers import Integral, Real
from typing import SupportsFloat

Num = SupportsFloat  # int, float, Decimal, numpy numbers: whatever float() takes

MISSING = "—"  # a rate whose denominator is 0, or a value that is absent


def cn_date(d: date) -> str:
    """A date as `2026年11月20日` (Arabic numerals, full year, no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


_DIGITS = "一二三四五六七八九"


def cn_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九: the number in （一）, （十一）."""
    if not 1 <= n <= 99:
        raise ValueError(f"no Chinese ordinal for {n}")  # a caller's bug: headings are never so many
    tens, ones = divmod(n, 10)
    return (
        ("" if tens < 2 else _DIGITS[tens - 1]) + ("十" if tens else "") + (_DIGITS[ones - 1] if ones else "")
    )


def display_width(text: str) -> int:
    """Columns a text takes on screen or in a cell: CJK characters count double."""
    if text.isascii():  # figures, dates, codes: most of what a workbook's columns are measured by
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _decimal(x: Num | None) -> Decimal:
    if x is None:  # callers answer MISSING first; None here is a caller's bug
        raise ValueError("no value")
    return Decimal(str(float(x))) if not isinstance(x, Integral) else Decimal(int(x))


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, Real) and not isinstance(x, Integral) and math.isnan(float(x)))


def _strip(d: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 12.50 → 12.5, 12.00 → 12."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(x: Num | None, digits: int = 1) -> str:
    """A ratio 0..1 as a percentage with one decimal: 0.6025 → `60.3%`; NaN → `—`."""
    if _is_missing(x):
        return MISSING
    value = (_decimal(x) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{value:f}%"


def money(x: Num | None, digits: int = 2) -> str:
    """A decimal amount with at most two decimals, trailing zeros dropped: 128.50 → `128.5`."""
    if _is_missing(x):
        return MISSING
    value = _decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _strip(value)


def integer(x: Num | None) -> str:
    """A count as plain Arabic numerals with no thousands separator: 48800 → `48800`."""
    if _is_missing(x):
        return MISSING
    return str(int(_decimal(x).to_integral_value(rounding=ROUND_HALF_UP)))


def number(x: Num | None) -> str:
    """Any figure exactly: integers as they are, decimals with up to two places."""
    if isinstance(x, Integral) or (isinstance(x, Real) and not _is_missing(x) and float(x).is_integer()):
        return integer(x)
    return money(x)


def wan(x: Num | None) -> str:
    """A large count in 万 with up to two decimals (48800 → `4.88万`); below 10000 as is."""
    if _is_missing(x):
        return MISSING
    exact = _decimal(x)
    if abs(exact) < 10000:
        return number(x)
    value = (exact / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{_strip(value)}万"


class StyleError(ValueError):
    """A figure that cannot be written in prose (negative), or a filter given a bad argument."""


@dataclass(frozen=True)
class Style:
    """How one metric is written in prose; the defaults are the 公文 habits.

    `wan`/`yi`: from this value (in the metric's base unit: 元, 户) on, write it in 万 / 亿;
    `digits`: decimals then (trailing zeros dropped); `plain_digits`: decimals below 万;
    `about`: round down to a multiple of this and add 余 (3712 → 3700余), 0 for exact figures;
    `percent`: a ratio 0..1 written as a percentage with exactly `digits` decimals;
    `unit`: the word after the number in prose (名 where the form says 人); "" keeps the form's.
    """

    wan: float | None = 10_000
    yi: float | None = 100_000_000
    digits: int = 2
    plain_digits: int = 0
    about: int = 0
    percent: bool = False
    unit: str = ""


PERCENT = Style(wan=None, yi=None, digits=1, percent=True)
_MAGNITUDES = (("", 1), ("万", 10_000), ("亿", 100_000_000))  # smallest first


def styled(value: Num | None, style: Style = Style(), unit: str = "") -> str:
    """`value` (in `unit`, e.g. 元 or 万元) written in prose by `style`, unit included:
    48408 户 → `4.84万户`; 1102019.5 元 → `110.2万元`; 12345.6 万元 → `1.23亿元`; 0.7172 → `71.7%`.
    A negative figure is refused: prose says 减少 with the size, never a minus sign."""
    if _is_missing(value):
        return MISSING
    number = _decimal(value)  # type: ignore[arg-type]
    if number < 0:
        raise StyleError(f"文中不能出现负数（{value}）：请改用“减少”等字样表述。")
    if style.percent:
        shown = (number * 100).quantize(Decimal(1).scaleb(-style.digits), rounding=ROUND_HALF_UP)
        return f"{shown:f}%"
    word = style.unit or unit
    scale, bare = _unit_scale(word)
    base = number * scale  # in 元 for 万元, so 万 and 亿 are chosen by the real size
    level = max(i for i, (_, size) in enumerate(_MAGNITUDES) if base >= _threshold(style, i))
    while True:
        name, size = _MAGNITUDES[level]
        digits = style.digits if level else (style.plain_digits or (2 if scale != 1 else 0))
        text = _rounded(base / size, digits, style.about)
        carried = Decimal(text.removesuffix("余")) * size  # 9999.995 rounds to 10000: write 1万
        if level + 1 < len(_MAGNITUDES) and carried >= _threshold(style, level + 1):
            level += 1
            continue
        if not name:
            return text + (word if scale == 1 else bare)
        return (text[:-1] + "余" + name if text.endswith("余") else text + name) + bare


def _threshold(style: Style, level: int) -> Decimal:
    """The smallest base value written at this magnitude (never below the magnitude itself)."""
    if level == 0:
        return Decimal(0)
    limit = style.wan if level == 1 else style.yi
    if limit is None:
        return Decimal("Infinity")
    return max(Decimal(str(limit)), Decimal(_MAGNITUDES[level][1]))


def _unit_scale(unit: str) -> tuple[int, str]:
    """万元 → (10000, 元): figures typed in 万 or 亿 of a unit are written by their real size."""
    for name, size in _MAGNITUDES[1:]:
        if unit.startswith(name) and len(unit) > 1:
            return size, unit[len(name) :]
    return 1, unit


def _rounded(value: Decimal, digits: int, about: int) -> str:
    """Half-up to `digits` decimals, trailing zeros dropped; or down to a multiple of `about` + 余."""
    if about and value >= about:
        floor = (value / about).to_integral_value(rounding=ROUND_DOWN) * about
        return f"{int(floor)}余" if floor != value else str(int(floor))
    return _strip(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _checked_digits(digits: object, name: str) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 4:
        raise StyleError(f"「{name}({digits})」的参数应为 0 到 4 的整数，表示保留几位小数，如 {name}(1)。")
    return digits


def _figure_value(x: object) -> tuple[object, str, Style | None]:
    """A report figure (value, unit and declared style) or a plain number."""
    if hasattr(x, "值") and hasattr(x, "单位"):
        return x.值, x.单位, getattr(x, "样式", None)  # type: ignore[attr-defined]
    return x, "", None


def wan_filter(x: object, digits: int = 2) -> str:
    """`{{ 走访农户 | 万 }}`, `{{ 走访农户 | 万(1) }}`: in 万 from 10000 on, with the figure's unit."""
    value, unit, _ = _figure_value(x)
    return styled(value, Style(digits=_checked_digits(digits, "万")), unit)  # type: ignore[arg-type]


def about_filter(x: object, base: int = 100) -> str:
    """`{{ 参与走访干部 | 余(100) }}` → 3700余名: down to a multiple of `base`, then 余."""
    if isinstance(base, bool) or not isinstance(base, int) or base <= 0:
        raise StyleError(f"「余({base})」的参数应为正整数，如 余(100) 表示按百取整写作“3700余”。")
    value, unit, declared = _figure_value(x)
    style = Style(about=base, unit=declared.unit if declared else "")
    return styled(value, style, unit)  # type: ignore[arg-type]


def pct_filter(x: object, digits: int = 1) -> str:
    """`{{ 办结率 | 百分比 }}` 71.7%, `{{ 办结率 | 百分比(2) }}` 71.72%."""
    value, _, _ = _figure_value(x)
    return styled(value, Style(wan=None, yi=None, digits=_checked_digits(digits, "百分比"), percent=True))  # type: ignore[arg-type]


def declared_filter(x: object) -> str:
    """`{{ 走访农户 | 公文 }}`: the figure in its metric's declared style (what `{{ 走访农户 }}` prints)."""
    value, unit, declared = _figure_value(x)
    return styled(value, declared or Style(), unit)  # type: ignore[arg-type]


# Filters registered in the report's jinja environment, under English and Chinese names,
# so a clerk can write `{{ 截止日期值 | 日期 }}` or `{{ 走访群众数 | 万 }}` in the template.
FILTERS = {
    "cn_date": cn_date,
    "日期": cn_date,
    "pct": pct_filter,
    "百分比": pct_filter,
    "money": money,
    "金额": money,
    "number": number,
    "数字": number,
    "wan": wan_filter,
    "万": wan_filter,
    "余": about_filter,
    "公文": declared_filter,
}
