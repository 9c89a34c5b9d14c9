"""The one function that writes a figure in prose (issue 9): table-driven, every rule at its edge."""

from __future__ import annotations

import pytest

from county_report.cnformat import FILTERS, PERCENT, Style, StyleError, styled
from county_report.report import report_environment

COUNT = Style()  # the 公文 default for a count: plain below 1万, then 万 with up to 2 decimals
MONEY = Style(plain_digits=2)


@pytest.mark.parametrize(
    ("value", "style", "unit", "text"),
    [
        (0, COUNT, "户", "0户"),
        (9999, COUNT, "户", "9999户"),  # just below the 万 threshold
        (10000, COUNT, "户", "1万户"),  # at it
        (10001, COUNT, "户", "1万户"),
        (48408, COUNT, "户", "4.84万户"),
        (261500, COUNT, "户", "26.15万户"),  # 泸县: 26.15万户
        (203870, COUNT, "份", "20.39万份"),
        (9999.995, MONEY, "元", "1万元"),  # rounding carries into 万
        (99_999_500, Style(digits=1), "元", "1亿元"),  # 9999.95万 rounds to 10000.0万: written 1亿
        (99_994_999, Style(digits=1), "元", "9999.5万元"),
        (1102019.5, MONEY, "元", "110.2万元"),  # 元 → 万元
        (4329.3, MONEY, "万元", "4329.3万元"),  # typed in 万元 stays in 万元
        (12345.6, MONEY, "万元", "1.23亿元"),  # 1.23亿, never 1.23万万元
        (0.35, MONEY, "万元", "3500元"),  # below 1万元: in 元
        (3712, Style(about=100, unit="名"), "人", "3700余名"),  # 泸县: 3700余名
        (3700, Style(about=100, unit="名"), "人", "3700名"),  # an exact multiple has no 余
        (35, Style(about=100), "人", "35人"),  # below the base: as it is
        (13_625_000, Style(about=1), "元", "1362余万元"),  # 泸县: 1362余万元
        (13_620_000, Style(about=1), "元", "1362万元"),
        (0.7172, PERCENT, "", "71.7%"),
        (0.821, Style(wan=None, yi=None, digits=2, percent=True), "", "82.10%"),  # 泸县: 82.10%
        (1, PERCENT, "", "100.0%"),
        (50000, Style(wan=None), "人", "50000人"),  # 万 switched off
        (float("nan"), COUNT, "户", "—"),
        (None, PERCENT, "", "—"),
    ],
)
def test_styled(value, style, unit, text):
    assert styled(value, style, unit) == text


def test_negative_figures_are_refused_in_prose():
    with pytest.raises(StyleError, match="文中不能出现负数"):
        styled(-3, COUNT, "户")


def test_filters_check_their_arguments_in_chinese():
    env = report_environment()
    assert env.from_string("{{ n | 万(1) }}").render(n=48408) == "4.8万"
    assert env.from_string("{{ n | 余(100) }}").render(n=3712) == "3700余"
    assert env.from_string("{{ r | 百分比(2) }}").render(r=0.821) == "82.10%"
    for bad, said in (
        ("万('x')", "「万(x)」的参数应为 0 到 4 的整数"),
        ("余(0)", "「余(0)」的参数应为正整数"),
    ):
        with pytest.raises(StyleError, match=said.replace("(", r"\(").replace(")", r"\)")):
            env.from_string(f"{{{{ n | {bad} }}}}").render(n=1)
    assert set(FILTERS) >= {"万", "余", "百分比", "公文", "日期"}
