"""Unit types: a metric that does not apply to a unit's type is blank (never 0) in every table,
its blank cell is no finding, and a form whose unit is unknown is judged without a type.

The campaign is the city example's: 县（市、区） and 市直单位, no group level.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, read_submission

from county_report.aggregate import aggregate
from county_report.definition import AS_OF, FILLED_ON, UNIT, bind, load_definition
from county_report.forms import build_form, form_layout
from county_report.model import Submission
from county_report.roster import Roster

CITY = bind(load_definition(ROOT / "examples" / "示例市大走访" / "templates" / "form.toml"), "市", "填报单位")
ROSTER = Roster(
    groups=("",),
    units=(("", "青川县"), ("", "东湖区"), ("", "市教育局")),
    types={("", "青川县"): "县", ("", "东湖区"): "区", ("", "市教育局"): "市直单位"},
)
DAY = date(2026, 11, 20)
COUNTY_ONLY = [m for m in CITY.metrics if m.applies_to]


def submission(unit: str, unit_type: str, value: int) -> Submission:
    """A unit's form as read: `value` in every metric that applies to its type, None in the others."""
    metrics = {m.key: (value if m.applies(unit_type) else None) for m in CITY.metrics}
    header = {CITY.role(UNIT).key: unit, CITY.role(FILLED_ON).key: DAY, CITY.role(AS_OF).key: DAY}
    return Submission(
        f"{unit}.xlsx",
        Path(f"{unit}.xlsx"),
        0.0,
        header,
        metrics,
        (),
        (),
        (),
        place=("", unit),
        unit_type=unit_type,
    )


@pytest.fixture(scope="module")
def agg():
    subs = [submission("青川县", "县", 7), submission("市教育局", "市直单位", 3)]
    return aggregate(subs, ROSTER, CITY, DAY)


def test_the_definition_marks_the_county_only_metrics():
    assert {m.label for m in COUNTY_ONLY} == {
        "走访农户",
        "走访群众",
        "化解矛盾纠纷",
        "慰问困难群众",
        "发放慰问金",
    }


def test_a_metric_that_does_not_apply_is_blank_in_the_unit_rows_and_counts_nothing_in_the_total(agg):
    rows = agg.groups.set_index("_group")
    for m in COUNTY_ONLY:
        assert pd.isna(agg.units.set_index("_unit").loc["市教育局", m.key]), m.label
        assert rows.loc["市教育局", m.key] is None, m.label  # blank, not 0: it does not apply
        assert rows.loc["东湖区", m.key] == 0, m.label  # applies, nothing reported yet
        assert agg.body[m.key] == 7
    assert agg.body["cadres"] == 7 + 3 and rows.loc["市教育局", "cadres"] == 3


def test_per_type_totals_leave_blank_what_does_not_apply(agg):
    types = agg.types.set_index("_type")
    assert list(types.index) == ["区", "县", "县级市", "市直单位"]
    assert types.loc["市直单位", "households"] is None and types.loc["县", "households"] == 7
    assert list(types["_expected"]) == [1, 1, 0, 1] and list(types["_reported"]) == [0, 1, 0, 1]


def _form_for(unit: str, tmp_path: Path, households: object) -> Path:
    """The blank form as a 市直单位 fills it, typing `unit` as its name: 1 in every metric that
    applies to it, the others blank, and `households` (走访农户, county only) as given."""
    wb = build_form(CITY)
    layout = form_layout(CITY)
    ws = wb[CITY.basic_sheet]
    values = {CITY.role(UNIT).key: unit, "reporter": "王芳", "filled_on": DAY, "as_of": DAY}
    values |= {m.key: 1 for m in CITY.metrics if m.applies("市直单位")}
    values |= {"escalated": 0, "escalated_solved": 0, "households": households}  # no ledger rows
    for key, value in values.items():
        ws[layout.fields[key].value_cell] = value
    path = tmp_path / f"{unit}.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("households", [None, 120])
def test_a_form_from_an_unknown_unit_is_judged_without_a_type(tmp_path, households):
    """Regression: with no roster unit there is no type, yet a typed 走访农户 was said not to apply
    to「」; now what was typed is read, and a blank is no finding (whether it applies is unknown)."""
    path = _form_for("市教育委员会", tmp_path, households)
    sub = read_submission(path, CITY, ROSTER, path.name)
    assert [f.code for f in sub.findings] == ["unknown-village"]
    assert sub.metrics["households"] == households


def test_a_known_unit_is_warned_when_it_fills_what_does_not_apply(tmp_path):
    path = _form_for("市教育局", tmp_path, 120)
    sub = read_submission(path, CITY, ROSTER, path.name)
    [warning] = sub.findings
    assert (warning.code, warning.cell, warning.message) == (
        "not-applicable",
        form_layout(CITY).fields["households"].value_cell,
        "「走访农户」不适用于市直单位，所填的值未计入汇总。",
    )
    assert sub.accepted and sub.metrics["households"] is None


def test_blanks_that_do_not_apply_are_no_finding(tmp_path):
    path = _form_for("市教育局", tmp_path, None)
    sub = read_submission(path, CITY, ROSTER, path.name)
    assert sub.findings == () and sub.accepted
    assert {m.key for m in COUNTY_ONLY} == {k for k, v in sub.metrics.items() if v is None}
