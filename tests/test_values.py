"""Values as villages really type them (SPEC §2) normalise to one number or date."""

from datetime import date, datetime

import pytest

from county_report.values import MAX_DECIMAL, MAX_INTEGER, cell_address, clean_text, parse_date, parse_number


@pytest.mark.parametrize("raw", [120, "120", "１２０", " 120 ", "120户", 120.0, "120（户）", "１２０ 户"])
def test_integer_forms_all_read_as_120(raw):
    assert parse_number(raw, unit="户") == (120, "")


def test_thousands_separator():
    assert parse_number("1,200", unit="份") == (1200, "")
    assert parse_number("１，２００", unit="份") == (1200, "")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "not-a-number"),
        (-3, "negative-number"),
        ("-3", "negative-number"),
        (12.5, "not-an-integer"),
        ("12.5", "not-an-integer"),
        (True, "not-a-number"),
        (date(2026, 1, 1), "not-a-number"),
        ("约120", "not-a-number"),
        ("120abc", "not-a-number"),
        ("nan", "not-a-number"),
    ],
)
def test_bad_integers_name_their_problem(raw, code):
    assert parse_number(raw, unit="户") == (None, code)


def test_decimal_fields_keep_their_decimals_exactly():
    assert parse_number("12.35", unit="万元", integer=False) == (12.35, "")
    assert parse_number("3,000.50元", unit="元", integer=False) == (3000.5, "")
    assert parse_number(0.1, integer=False) == (0.1, "")


def test_blank_is_no_value_and_no_code():
    assert parse_number(None) == (None, "")
    assert parse_number("   ") == (None, "")


@pytest.mark.parametrize(
    "raw",
    [
        date(2026, 11, 20),
        datetime(2026, 11, 20, 9, 30),
        "2026-11-20",
        "2026/11/20",
        "2026年11月20日",
        "20261120",
        20261120,
        46346,
        46346.0,
        "２０２６年１１月２０日",
        "2026.11.20",
        "2026-11-20 00:00:00",
    ],
)
def test_every_date_form(raw):
    assert parse_date(raw) == date(2026, 11, 20)


@pytest.mark.parametrize("raw", ["2026-13-01", "明天", "2026年2月30日", 12.5, True, "", None, 99999999])
def test_not_dates(raw):
    assert parse_date(raw) is None


def test_clean_text_removes_control_characters_and_cuts_at_excel_limit():
    assert clean_text("a\x00b\x07c") == ("abc", True, False)
    assert clean_text("行一\n行二") == ("行一\n行二", False, False)
    text, had_control, truncated = clean_text("字" * 40000)
    assert (len(text), had_control, truncated) == (32767, False, True)
    assert clean_text(13800000000.0)[0] == "13800000000"


def test_cell_address():
    assert [cell_address(0, 0), cell_address(4, 1), cell_address(9, 26), cell_address(0, 16383)] == [
        "A1",
        "B5",
        "AA10",
        "XFD1",
    ]


@pytest.mark.parametrize(
    ("raw", "unit", "integer"),
    [
        ("2万元", "元", False),
        ("123500元", "万元", False),
        ("3万", "人次", True),
        ("1千", "份", True),
        ("120余", "户", True),
        ("120人", "户", True),
        ("120户户", "户", True),
    ],
)
def test_a_unit_other_than_the_field_s_own_is_not_silently_dropped(raw, unit, integer):
    assert parse_number(raw, unit=unit, integer=integer) == (None, "not-a-number")


def test_the_field_s_own_unit_in_any_bracket_is_accepted():
    assert parse_number("5万元", unit="万元", integer=False) == (5.0, "")
    assert parse_number("5（万元）", unit="万元", integer=False) == (5.0, "")
    assert parse_number("120(人次)", unit="人次") == (120, "")


# --- exact values and their plausible maximum (issue 16) -------------------------------------


@pytest.mark.parametrize(
    ("raw", "integer"),
    [
        ("12345678901234567890", True),  # wrapped to a negative 合计 in int64
        (12345678901234567890.0, True),
        (5e18, True),
        (1e308, True),
        (1e308, False),
        ("1" * 400, True),  # "Python int too large to convert to C long"
        ("1" * 400, False),  # read as inf
        (1e26, False),  # 元: "decimal.InvalidOperation" in the totals
        (float("inf"), True),  # how a reader gives a number typed with 400 digits
        (MAX_INTEGER + 1, True),
        (MAX_DECIMAL + 0.5, False),
    ],
)
def test_a_value_beyond_the_plausible_maximum_is_refused_not_converted(raw, integer):
    assert parse_number(raw, unit="户", integer=integer) == (None, "number-too-large")


def test_the_maximum_itself_is_accepted_exactly_and_a_field_may_set_its_own():
    assert parse_number(MAX_INTEGER) == (MAX_INTEGER, "")
    assert parse_number(float(MAX_INTEGER)) == (MAX_INTEGER, "")
    assert parse_number("99999999.999999", integer=False) == (99999999.999999, "")
    assert parse_number(1001, maximum=1000) == (None, "number-too-large")
    assert parse_number("1000", maximum=1000) == (1000, "")


def test_default_maxima_keep_a_30000_unit_total_exact_in_excel_and_in_millionths():
    assert 30_000 * MAX_INTEGER < 10**15 and 30_000 * MAX_DECIMAL < 10**15
    assert 30_000 * MAX_DECIMAL * 1_000_000 < 2**63 and MAX_DECIMAL * 1_000_000 < 2**53


@pytest.mark.parametrize(
    "raw", ["inf", "-inf", "nan", "Infinity", float("-inf"), float("nan"), "1e5", "1E+308"]
)
def test_infinities_and_exponents_are_not_numbers(raw):
    assert parse_number(raw, integer=False)[1] in ("not-a-number", "negative-number")


@pytest.mark.parametrize("raw", ["1,200", "12,000", "1,234,567", "１，２００", "1,200户"])
def test_a_comma_between_groups_of_three_digits_is_a_thousands_separator(raw):
    assert parse_number(raw, unit="户")[0] in (1200, 12000, 1234567)


@pytest.mark.parametrize("raw", ["1,5", "12,00", "1,2000", ",5", "1,", "1,200,5", "3,5元"])
def test_any_other_comma_is_refused_not_dropped(raw):
    # "1,5" is how a decimal 1.5 is typed in some locales: reading it as 15 would be a wrong total
    assert parse_number(raw, unit="元", integer=False) == (None, "bad-thousands-separator")


@pytest.mark.parametrize(
    "raw",
    [
        datetime(1900, 1, 11, 4, 48),  # 11.2 typed into a date cell, as calamine reads it
        11.2,
        11,
        date(1999, 12, 31),
        date(2100, 1, 1),
        "1999-12-31",
        "2100年1月1日",
        19991231,
        36525,  # the serial of 1999-12-31
        float("nan"),
        1e300,
    ],
)
def test_dates_outside_2000_to_2099_are_not_dates(raw):
    assert parse_date(raw) is None


def test_the_edges_of_the_date_range_are_dates():
    assert parse_date("2000-01-01") == date(2000, 1, 1)
    assert parse_date(36526) == date(2000, 1, 1)
    assert parse_date(73050) == date(2099, 12, 31)
    assert parse_date(20991231) == date(2099, 12, 31)
