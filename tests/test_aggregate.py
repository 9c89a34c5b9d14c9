"""Aggregation: group (township) and body (county) totals, rates, ranks, progress, ledger, category counts."""

from __future__ import annotations

import math
from datetime import date

import pytest
from builders import AS_OF, ROSTER, SPEC, submission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from county_report.aggregate import (
    EXPECTED,
    FILE,
    GROUP,
    MISSING,
    OVERDUE,
    REPORTED,
    REPORTED_COUNT,
    ROW,
    STATUS,
    TOTAL,
    UNFILLED,
    UNIT,
    aggregate,
    rank_column,
)
from county_report.findings import finding
from county_report.selection import default_period


def ledger_row(row, category="基础设施", status="办理中", deadline=None, description="道路破损"):
    return {"_row": row, "seq": row - 1, "category": category, "description": description, "person": "李四",
            "unit": "交通局", "deadline": deadline, "status": status, "result": ""}  # fmt: skip


def test_township_and_county_totals_follow_roster_and_add_up():
    subs = [
        submission("河西乡", "柳树村", {"households": 30, "problems": 4, "solved": 1, "relief": 0.1}),
        submission("城关镇", "东风村", {"households": 10, "problems": 2, "solved": 2, "relief": 0.2}),
        submission("城关镇", "南街社区", {"households": 5, "problems": 0, "solved": 0, "relief": 100.05}),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    t = agg.groups.set_index(GROUP)
    assert list(agg.groups[GROUP]) == ["城关镇", "河西乡", "山北镇"]
    assert list(agg.units[UNIT]) == ["东风村", "南街社区", "柳树村"]
    assert t.loc["城关镇", "households"] == 15 and t.loc["山北镇", "households"] == 0
    assert t.loc[:, EXPECTED].tolist() == [2, 2, 1]
    assert t.loc[:, REPORTED_COUNT].tolist() == [2, 1, 0]
    assert agg.body[GROUP] == TOTAL
    assert agg.body["households"] == 45 and agg.body[EXPECTED] == 5 and agg.body[REPORTED_COUNT] == 3
    assert agg.body["relief"] == 100.35  # exact: no 0.1 + 0.2 float drift
    assert t.loc["城关镇", "relief"] == 100.25
    assert str(agg.units["households"].dtype) == "int64"
    assert str(agg.groups["households"].dtype) == "int64"


def test_rates_are_recomputed_from_totals_and_nan_without_denominator():
    subs = [
        submission("城关镇", "东风村", {"problems": 4, "solved": 1}),
        submission("城关镇", "南街社区", {"problems": 0, "solved": 0}),
        submission("河西乡", "柳树村", {"problems": 1, "solved": 1}),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    v = agg.units.set_index(UNIT)["solve_rate"]
    t = agg.groups.set_index(GROUP)["solve_rate"]
    assert v["东风村"] == 0.25 and math.isnan(v["南街社区"])
    assert t["城关镇"] == 0.25 and t["河西乡"] == 1.0 and math.isnan(t["山北镇"])
    assert agg.body["solve_rate"] == pytest.approx(2 / 5)  # not the mean of the township rates


def test_ranks_highest_first_ties_share_and_silent_townships_last():
    subs = [
        submission("城关镇", "东风村", {"households": 50, "problems": 2, "solved": 1}),
        submission("河西乡", "柳树村", {"households": 50, "problems": 2, "solved": 2}),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    t = agg.groups.set_index(GROUP)
    assert t[rank_column("households")].tolist() == [1, 1, 3]
    assert t[rank_column("solve_rate")].tolist() == [2, 1, 3]
    assert str(t[rank_column("households")].dtype) == "int64"


def test_progress_lists_every_roster_village_and_missing_ones():
    agg = aggregate([submission("河西乡", "杨家村", file="杨家村-改.xlsx")], ROSTER, SPEC, AS_OF)
    p = agg.progress
    assert list(zip(p[GROUP], p[UNIT], strict=True)) == list(ROSTER.units)
    assert p.set_index(UNIT).loc["杨家村", [STATUS, FILE]].tolist() == [REPORTED, "杨家村-改.xlsx"]
    assert (p[STATUS] == MISSING).sum() == 4
    assert p[REPORTED_COUNT].tolist() == [False, False, False, True, False]


def test_rejected_village_counts_as_not_reported():
    bad = finding("not-a-number", label="走访农户", value="abc")
    subs = [
        submission("城关镇", "东风村", {"households": 7}),
        submission("河西乡", "柳树村", {"households": 9}, findings=[bad]),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    assert agg.progress.set_index(UNIT).loc["柳树村", STATUS] == MISSING
    assert agg.body["households"] == 7 and agg.body[REPORTED_COUNT] == 1


def test_ledger_merged_with_overdue_and_category_counts():
    rows = [
        ledger_row(2, "基础设施", "办理中", date(2026, 11, 1)),  # overdue
        ledger_row(3, "基础设施", "已解决", date(2026, 11, 1)),  # solved: never overdue
        ledger_row(4, "民生保障", "未启动", date(2026, 11, 20)),  # due today: not overdue
        ledger_row(5, "其他", "办理中", None),
    ]
    subs = [submission("河西乡", "柳树村", ledger=rows[:2]), submission("城关镇", "东风村", ledger=rows[2:])]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    led = agg.ledger
    assert led[UNIT].tolist() == ["东风村", "东风村", "柳树村", "柳树村"]
    assert led[ROW].tolist() == [4, 5, 2, 3]
    assert led[OVERDUE].tolist() == [False, False, True, False]
    cs = agg.category_status
    assert list(cs.index) == list(SPEC.choices["category"])
    assert list(cs.columns) == [*SPEC.choices["status"], TOTAL]
    assert cs.loc["基础设施", "办理中"] == 1 and cs.loc["基础设施", TOTAL] == 2
    assert int(cs[TOTAL].sum()) == len(led)


def test_blank_category_is_counted_not_dropped():
    subs = [submission("城关镇", "东风村", ledger=[ledger_row(2, category="", description="")])]
    cs = aggregate(subs, ROSTER, SPEC, AS_OF).category_status
    assert cs.loc[UNFILLED, TOTAL] == 1


def test_highlights_carry_township_and_village():
    h = {"seq": 1, "title": "修通断头路", "content": "村里筹资修路。"}
    agg = aggregate([submission("山北镇", "石门村", highlights=[h])], ROSTER, SPEC, AS_OF)
    assert agg.highlights[[GROUP, UNIT, "title"]].values.tolist() == [["山北镇", "石门村", "修通断头路"]]


def test_no_submissions_gives_zeros_and_all_missing():
    agg = aggregate([], ROSTER, SPEC, AS_OF)
    assert agg.groups[REPORTED_COUNT].tolist() == [0, 0, 0]
    assert agg.body["households"] == 0 and math.isnan(agg.body["solve_rate"])
    assert (agg.progress[STATUS] == MISSING).all()
    assert agg.ledger.empty and int(agg.category_status[TOTAL].sum()) == 0


def test_default_period_most_common_then_latest_among_accepted():
    # moved with the rule from aggregate to selection, which is given the counted (accepted) files
    bad = finding("not-a-number", label="走访农户", value="abc")
    subs = [
        submission("城关镇", "东风村", as_of=date(2026, 11, 20)),
        submission("城关镇", "南街社区", as_of=date(2026, 11, 30)),
        submission("河西乡", "柳树村", as_of=date(2026, 11, 30), findings=[bad]),
        submission("河西乡", "杨家村", as_of=date(2026, 11, 30), findings=[bad]),
    ]

    def accepted(subs):
        return [s for s in subs if s.accepted]

    assert default_period(accepted(subs)) == date(2026, 11, 30)  # a 1–1 tie among accepted: the later date
    later = subs + [submission("山北镇", "石门村", as_of=date(2026, 11, 20))]
    assert default_period(accepted(later)) == date(2026, 11, 20)
    assert default_period([]) is None


def test_huge_decimal_values_still_sum_exactly():
    subs = [
        submission("城关镇", "东风村", {"relief": 1e13 + 0.5}),
        submission("河西乡", "柳树村", {"relief": 0.25}),
    ]
    assert aggregate(subs, ROSTER, SPEC, AS_OF).body["relief"] == 1e13 + 0.75


money = st.decimals(min_value=0, max_value=10**7, places=2).map(float)


@st.composite
def villages(draw):
    chosen = draw(st.lists(st.sampled_from(ROSTER.units), unique=True, max_size=len(ROSTER.units)))
    subs = []
    for group, unit in chosen:
        metrics = {
            m.key: draw(money if m.type.name == "decimal" else st.integers(0, 10**9)) for m in SPEC.metrics
        }
        subs.append(submission(group, unit, metrics))
    return subs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(villages())
def test_county_row_equals_sum_over_accepted_villages(subs):
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    for m in SPEC.metrics:
        if m.type.name == "integer":
            expected = sum(s.metrics[m.key] for s in subs)
            assert agg.body[m.key] == expected == agg.groups[m.key].sum()
        else:
            cents = sum(round(s.metrics[m.key] * 100) for s in subs)
            assert agg.body[m.key] == cents / 100
            assert round(agg.groups[m.key].sum() * 100) == cents
    assert agg.body[REPORTED_COUNT] == len(subs)
