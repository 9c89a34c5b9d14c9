"""Aggregation: township and county totals, rates, ranks, progress, ledger, category counts."""

from __future__ import annotations

import math
from datetime import date

import pytest
from builders import AS_OF, ROSTER, SPEC, submission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from county_report.aggregate import MISSING, REPORTED, TOTAL, UNFILLED, aggregate, default_as_of
from county_report.findings import finding


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
    t = agg.townships.set_index("township")
    assert list(agg.townships["township"]) == ["城关镇", "河西乡", "山北镇"]
    assert list(agg.villages["village"]) == ["东风村", "南街社区", "柳树村"]
    assert t.loc["城关镇", "households"] == 15 and t.loc["山北镇", "households"] == 0
    assert t.loc[:, "expected"].tolist() == [2, 2, 1]
    assert t.loc[:, "reported"].tolist() == [2, 1, 0]
    assert agg.county["township"] == TOTAL
    assert agg.county["households"] == 45 and agg.county["expected"] == 5 and agg.county["reported"] == 3
    assert agg.county["relief"] == 100.35  # exact: no 0.1 + 0.2 float drift
    assert t.loc["城关镇", "relief"] == 100.25
    assert str(agg.villages["households"].dtype) == "int64"
    assert str(agg.townships["households"].dtype) == "int64"


def test_rates_are_recomputed_from_totals_and_nan_without_denominator():
    subs = [
        submission("城关镇", "东风村", {"problems": 4, "solved": 1}),
        submission("城关镇", "南街社区", {"problems": 0, "solved": 0}),
        submission("河西乡", "柳树村", {"problems": 1, "solved": 1}),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    v = agg.villages.set_index("village")["solve_rate"]
    t = agg.townships.set_index("township")["solve_rate"]
    assert v["东风村"] == 0.25 and math.isnan(v["南街社区"])
    assert t["城关镇"] == 0.25 and t["河西乡"] == 1.0 and math.isnan(t["山北镇"])
    assert agg.county["solve_rate"] == pytest.approx(2 / 5)  # not the mean of the township rates


def test_ranks_highest_first_ties_share_and_silent_townships_last():
    subs = [
        submission("城关镇", "东风村", {"households": 50, "problems": 2, "solved": 1}),
        submission("河西乡", "柳树村", {"households": 50, "problems": 2, "solved": 2}),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    t = agg.townships.set_index("township")
    assert t["rank_households"].tolist() == [1, 1, 3]
    assert t["rank_solve_rate"].tolist() == [2, 1, 3]
    assert str(t["rank_households"].dtype) == "int64"


def test_progress_lists_every_roster_village_and_missing_ones():
    agg = aggregate([submission("河西乡", "杨家村", file="杨家村-改.xlsx")], ROSTER, SPEC, AS_OF)
    p = agg.progress
    assert list(zip(p["township"], p["village"], strict=True)) == list(ROSTER.villages)
    assert p.set_index("village").loc["杨家村", ["status", "file"]].tolist() == [REPORTED, "杨家村-改.xlsx"]
    assert (p["status"] == MISSING).sum() == 4
    assert p["reported"].tolist() == [False, False, False, True, False]


def test_rejected_village_counts_as_not_reported():
    bad = finding("not-a-number", label="走访农户", value="abc")
    subs = [
        submission("城关镇", "东风村", {"households": 7}),
        submission("河西乡", "柳树村", {"households": 9}, findings=[bad]),
    ]
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    assert agg.progress.set_index("village").loc["柳树村", "status"] == MISSING
    assert agg.county["households"] == 7 and agg.county["reported"] == 1


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
    assert led["village"].tolist() == ["东风村", "东风村", "柳树村", "柳树村"]
    assert led["row"].tolist() == [4, 5, 2, 3]
    assert led["overdue"].tolist() == [False, False, True, False]
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
    assert agg.highlights[["township", "village", "title"]].values.tolist() == [
        ["山北镇", "石门村", "修通断头路"]
    ]


def test_no_submissions_gives_zeros_and_all_missing():
    agg = aggregate([], ROSTER, SPEC, AS_OF)
    assert agg.townships["reported"].tolist() == [0, 0, 0]
    assert agg.county["households"] == 0 and math.isnan(agg.county["solve_rate"])
    assert (agg.progress["status"] == MISSING).all()
    assert agg.ledger.empty and int(agg.category_status[TOTAL].sum()) == 0


def test_default_as_of_most_common_then_latest_among_accepted():
    bad = finding("not-a-number", label="走访农户", value="abc")
    subs = [
        submission("城关镇", "东风村", as_of=date(2026, 11, 20)),
        submission("城关镇", "南街社区", as_of=date(2026, 11, 30)),
        submission("河西乡", "柳树村", as_of=date(2026, 11, 30), findings=[bad]),
        submission("河西乡", "杨家村", as_of=date(2026, 11, 30), findings=[bad]),
    ]
    assert default_as_of(subs) == date(2026, 11, 30)  # a 1–1 tie among accepted: the later date
    assert default_as_of(subs + [submission("山北镇", "石门村", as_of=date(2026, 11, 20))]) == date(
        2026, 11, 20
    )
    assert default_as_of([]) is None


def test_huge_decimal_values_still_sum_exactly():
    subs = [
        submission("城关镇", "东风村", {"relief": 1e13 + 0.5}),
        submission("河西乡", "柳树村", {"relief": 0.25}),
    ]
    assert aggregate(subs, ROSTER, SPEC, AS_OF).county["relief"] == 1e13 + 0.75


money = st.decimals(min_value=0, max_value=10**7, places=2).map(float)


@st.composite
def villages(draw):
    chosen = draw(st.lists(st.sampled_from(ROSTER.villages), unique=True, max_size=len(ROSTER.villages)))
    subs = []
    for township, village in chosen:
        metrics = {m.key: draw(money if m.type == "decimal" else st.integers(0, 10**9)) for m in SPEC.metrics}
        subs.append(submission(township, village, metrics))
    return subs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(villages())
def test_county_row_equals_sum_over_accepted_villages(subs):
    agg = aggregate(subs, ROSTER, SPEC, AS_OF)
    for m in SPEC.metrics:
        if m.type == "integer":
            expected = sum(s.metrics[m.key] for s in subs)
            assert agg.county[m.key] == expected == agg.townships[m.key].sum()
        else:
            cents = sum(round(s.metrics[m.key] * 100) for s in subs)
            assert agg.county[m.key] == cents / 100
            assert round(agg.townships[m.key].sum() * 100) == cents
    assert agg.county["reported"] == len(subs)
