"""Chinese number and date writing: exact figures, half-up rounding as Excel shows it, 万 for large counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from county_report.cnformat import FILTERS, MISSING, cn_date, display_width, integer, money, number, pct, wan


def test_date_has_full_year_and_no_leading_zeros():
    assert cn_date(date(2026, 11, 20)) == "2026年11月20日"
    assert cn_date(date(2026, 3, 5)) == "2026年3月5日"


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(0.603, "60.3%"), (0.6025, "60.3%"), (0.60249, "60.2%"), (1, "100.0%"), (0, "0.0%"), (2 / 3, "66.7%")],
)
def test_percentage_has_one_decimal_rounded_half_up(ratio, text):
    assert pct(ratio) == text


@pytest.mark.parametrize("missing", [float("nan"), None, np.float64("nan")])
def test_missing_values_show_a_dash(missing):
    assert pct(missing) == money(missing) == integer(missing) == wan(missing) == MISSING


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (48800, "4.88万"),
        (48850, "4.89万"),
        (50000, "5万"),
        (45000, "4.5万"),
        (9999, "9999"),
        (123456789, "12345.68万"),
    ],
)
def test_wan_for_large_counts(value, text):
    assert wan(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(128.5, "128.5"), (0.1 + 0.2, "0.3"), (12345.675, "12345.68"), (3.0, "3"), (1e7 + 0.25, "10000000.25")],
)
def test_money_keeps_up_to_two_decimals(value, text):
    assert money(value) == text


def test_counts_are_plain_numerals_without_separators():
    assert integer(np.int64(1234567)) == "1234567"
    assert integer(48800) == "48800"
    assert number(np.int64(15)) == "15" and number(15.0) == "15" and number(15.25) == "15.25"


def test_filters_are_registered_under_chinese_names():
    # 万 and 百分比 now take an argument (万(1), 百分比(2)) and write through the one style function
    assert FILTERS["万"](48800) == wan(48800) == "4.88万" and FILTERS["日期"] is cn_date
    assert FILTERS["百分比"](0.6025) == pct(0.6025) == "60.3%" and FILTERS["金额"] is money


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("1,234.50", 8),
        ("2026-11-20", 10),
        ("柳林镇", 6),
        ("东风村A组", 9),
        ("（95.54%）", 10),
        ("Ｆ", 2),
    ],
)
def test_display_width_counts_wide_characters_double(text, width):
    assert display_width(text) == width


def test_ordinals_go_past_ten_as_headings_do():
    from county_report.cnformat import cn_ordinal

    assert [cn_ordinal(n) for n in (1, 9, 10, 11, 19, 20, 21, 99)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "九十九"
    ]  # fmt: skip
