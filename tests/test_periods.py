"""Periods (issue 14): a cumulative figure's 本期新增 over the units in both periods, rates in 百分点,
no percentage where the last value was 0, units in one period only named, and the report's words.

Each case is a small in-memory county aggregated twice (two periods) and compared by periods.compare,
then rendered through the template generated from the definition."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from builders import CAMPAIGN, ROSTER, submission
from conftest import ROOT
from docx import Document
from test_report_rules import DAY, SETTINGS, TEMPLATE, text

from county_report.aggregate import aggregate
from county_report.definition import CUMULATIVE, PER_PERIOD, key_metrics, load_campaign
from county_report.errors import ConfigError
from county_report.periods import FALL, FLAT, RISE, compare, previous_of, snapshot
from county_report.report import render_report
from county_report.report_facts import build_context

BEFORE, NOW, LATER = date(2026, 11, 13), date(2026, 11, 20), date(2026, 11, 27)
FORM = (ROOT / "templates" / "form.toml").read_text(encoding="utf-8")


def figures(period: date, units: dict, campaign=CAMPAIGN):
    """One period's figures from {(group, unit): metrics}."""
    subs = [submission(g, u, m, as_of=period) for (g, u), m in units.items()]
    return snapshot(aggregate(subs, ROSTER, campaign, period), run_id=str(period))


def words(tmp_path, now: dict, before: dict) -> str:
    """The generated report's text for `now` compared with `before`."""
    agg = aggregate([submission(g, u, m, as_of=NOW) for (g, u), m in now.items()], ROSTER, CAMPAIGN, NOW)
    comparison = compare(CAMPAIGN, snapshot(agg), figures(BEFORE, before))
    context = build_context(agg, SETTINGS, DAY, comparison)
    written, _ = render_report(context, tmp_path / "无此模板.docx", tmp_path / "r.docx", TEMPLATE)
    return text(Document(written))


EAST, SOUTH, WILLOW = ("城关镇", "东风村"), ("城关镇", "南街社区"), ("河西乡", "柳树村")


def test_a_cumulative_figure_gains_what_its_units_added_since_the_last_period():
    before = figures(BEFORE, {EAST: {"households": 1000}, SOUTH: {"households": 2000}})
    now = figures(NOW, {EAST: {"households": 1300}, SOUTH: {"households": 2600}})
    change = compare(CAMPAIGN, now, before).changes["households"]
    assert (change.current, change.previous, change.delta, change.base) == (3900, 3000, 900, 3000)
    assert change.ratio == pytest.approx(0.3) and change.direction == RISE
    assert change.cumulative and not change.percent and change.comparable == 2


def test_three_periods_each_compares_with_the_one_before_it_and_a_rerun_with_its_predecessor():
    one = figures(BEFORE, {EAST: {"households": 100}})
    two = figures(NOW, {EAST: {"households": 150}})
    three = figures(LATER, {EAST: {"households": 180}})
    history = [one, two, three]
    assert previous_of(history, LATER) is two and previous_of(history, NOW) is one  # a re-run of NOW
    assert previous_of(history, BEFORE) is None
    assert compare(CAMPAIGN, three, two).changes["households"].delta == 30
    assert compare(CAMPAIGN, two, one).changes["households"].delta == 50


def test_a_rate_moves_in_percentage_points_judged_as_written():
    before = figures(BEFORE, {EAST: {"problems": 40, "solved": 27}})  # 67.5%
    now = figures(NOW, {EAST: {"problems": 46, "solved": 33}})  # 71.7%
    rate = compare(CAMPAIGN, now, before).changes["solve_rate"]
    assert (
        rate.percent and rate.points == pytest.approx(4.2) and rate.direction == RISE and rate.ratio is None
    )
    same = figures(NOW, {EAST: {"problems": 10000, "solved": 6751}})  # 67.51%: written 67.5%, as before
    assert compare(CAMPAIGN, same, before).changes["solve_rate"].direction == FLAT


def test_no_percentage_where_the_last_value_was_zero(tmp_path):
    change = compare(
        CAMPAIGN, figures(NOW, {EAST: {"households": 120}}), figures(BEFORE, {EAST: {"households": 0}})
    ).changes["households"]
    assert change.delta == 120 and change.ratio is None and change.direction == RISE
    said = words(tmp_path, {EAST: {"households": 120}}, {EAST: {"households": 0}})
    assert "累计走访农户120户，本期新增120户；" in said  # and no 较上期增长…%


def test_a_unit_missing_now_never_makes_a_total_seem_to_fall(tmp_path):
    before = {EAST: {"households": 1000}, SOUTH: {"households": 2000}, WILLOW: {"households": 500}}
    now = {EAST: {"households": 1100}, SOUTH: {"households": 2100}}  # 柳树村 did not report this time
    comparison = compare(CAMPAIGN, figures(NOW, now), figures(BEFORE, before))
    change = comparison.changes["households"]
    assert change.current < change.previous  # 3200 published now against 3500 then…
    assert (change.delta, change.direction) == (
        200,
        RISE,
    )  # …yet the units that reported both times gained 200
    assert comparison.only_before == (WILLOW,) and comparison.only_now == ()
    said = words(tmp_path, now, before)
    assert "本期新增200户，较上期增长6.7%" in said  # 200 / 3000
    assert "新增数按两期都报送的2个村（社区）计算；柳树村本期未报送。" in said
    assert "减少" not in said


def test_a_unit_reporting_only_now_is_named_and_left_out_of_the_gain(tmp_path):
    before = {EAST: {"households": 1000}}
    now = {EAST: {"households": 1000}, WILLOW: {"households": 400}}
    change = compare(CAMPAIGN, figures(NOW, now), figures(BEFORE, before)).changes["households"]
    assert (change.current, change.delta, change.direction) == (1400, 0, FLAT)
    said = words(tmp_path, now, before)
    assert "累计走访农户1400户，本期无新增" in said and "柳树村上期未报送" in said


def test_the_report_words_each_change_by_its_nature_without_a_minus_sign(tmp_path):
    before = {EAST: {"households": 45280, "problems": 40, "solved": 27}}
    now = {EAST: {"households": 48400, "problems": 46, "solved": 33}}
    said = words(tmp_path, now, before)
    sentence = next(line for line in said.splitlines() if line.startswith("与上期"))
    assert sentence.startswith(
        "与上期（截至2026年11月13日）相比，累计走访农户4.84万户，本期新增3120户，较上期增长6.9%；"
    )
    assert "办结率71.7%，较上期提高4.2个百分点。" in sentence
    falling = words(tmp_path, {EAST: {"problems": 40, "solved": 20}}, {EAST: {"problems": 40, "solved": 30}})
    assert "办结率50.0%，较上期降低25个百分点" in falling and "累计已解决问题20个，较上期减少10个" in falling
    assert not re.search(r"(?<![\d年月])-\d", said + falling)  # no minus sign before any figure


def test_without_a_previous_period_the_report_says_nothing_of_changes(tmp_path):
    agg = aggregate([submission(*EAST, {"households": 10})], ROSTER, CAMPAIGN, NOW)
    context = build_context(agg, SETTINGS, DAY)
    assert context["有上期"] is False and context["变化"] == [] and context["较上期"] == {}
    written, _ = render_report(context, tmp_path / "无此模板.docx", tmp_path / "r.docx", TEMPLATE)
    assert "上期" not in text(Document(written))


def test_the_shipped_template_words_the_changes_too(tmp_path):
    agg = aggregate([submission(*EAST, {"households": 1500})], ROSTER, CAMPAIGN, NOW)
    comparison = compare(CAMPAIGN, snapshot(agg), figures(BEFORE, {EAST: {"households": 1000}}))
    shipped = ROOT / "templates" / "工作总结模板.docx"
    written, _ = render_report(build_context(agg, SETTINGS, DAY, comparison), shipped, tmp_path / "r.docx")
    assert "累计走访农户1500户，本期新增500户，较上期增长50.0%" in text(Document(written))


# --- the definition's keys ---------------------------------------------------------------------


def edited(tmp_path: Path, old: str, new: str):
    assert old in FORM, old
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace(old, new, 1), encoding="utf-8")
    return load_campaign(path)


HOUSEHOLDS = '{ key = "households", label = "走访农户", unit = "户", type = "integer"'
VISITS = '{ key = "visits", label = "走访群众", unit = "人次", type = "integer"'


def test_sums_are_cumulative_unless_the_definition_says_per_period(tmp_path):
    assert CAMPAIGN.field("households").period == CUMULATIVE
    campaign = edited(tmp_path, HOUSEHOLDS, HOUSEHOLDS + ', period = "本期"')
    assert campaign.field("households").period == PER_PERIOD
    before = figures(BEFORE, {EAST: {"households": 100}}, campaign)
    change = compare(campaign, figures(NOW, {EAST: {"households": 80}}, campaign), before).changes[
        "households"
    ]
    assert not change.cumulative and (change.delta, change.direction) == (-20, FALL)


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (HOUSEHOLDS, HOUSEHOLDS + ', period = "每周"', "period「每周」无效（可选：累计、本期）"),
        (HOUSEHOLDS, HOUSEHOLDS + ', kind = "mean", period = "累计"', "是平均，是时点数，不分累计和本期"),
        (VISITS, VISITS + ", headline = 1", "「metrics.fields.headline」应为true 或 false"),
    ],
)
def test_a_wrong_period_or_headline_key_is_refused_at_its_line(tmp_path, old, new, said):
    with pytest.raises(ConfigError) as raised:
        edited(tmp_path, old, new)
    assert said in str(raised.value) and "第 " in str(raised.value)


def test_key_metrics_are_those_marked_headline_metrics_first():
    assert [m.key for m in key_metrics(CAMPAIGN)] == ["households", "problems", "solved", "solve_rate"]


def test_without_headline_keys_the_ranking_items_lead_then_the_first_metrics(tmp_path):
    text_ = FORM.replace(", headline = true", "")
    text_ = re.sub(r"\nheadline = true[^\n]*", "", text_)
    path = tmp_path / "form.toml"
    path.write_text(text_, encoding="utf-8")
    campaign = load_campaign(path)
    assert [m.key for m in key_metrics(campaign)] == ["households", "solve_rate", "cadres", "visits"]
