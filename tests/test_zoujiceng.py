"""The 示例县走基层 example end to end: a full run on its demo forms, read back from the workbook and
the report and compared with figures computed here from the input files themselves (openpyxl on
the forms, the roster and the plan of which files count), never from the product's aggregation.

The kinds it checks are those a sum would get wrong: a percentage each 联系点 types (群众满意度,
weighted by 满意度测评人数; 政策知晓率, a plain mean), a count of 联系点 meeting a condition, a derived
metric, money typed in 元 and written in 万元, and two ledgers.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT
from docx import Document
from test_examples import COUNTY

from county_report.cnformat import styled
from county_report.model import RunOptions
from county_report.pipeline import run
from county_report.templates import load_templates

EXAMPLE = ROOT / "examples" / "示例县走基层"
TEMPLATES, INPUTS = EXAMPLE / "templates", EXAMPLE / "inputs"
SUPERSEDED = [f for f, codes in COUNTY.warnings.items() if "superseded" in codes]
NOT_COUNTED = set(COUNTY.errors) | set(SUPERSEDED)  # rejected, or replaced by a later 更正 form
TOTAL = "合计"


# ---- the oracle: the forms as a person would read them ------------------------------------------
def number(raw: object, percent: bool = False) -> Fraction | None:
    """A cell as units type it ("1,200", "１２０户", " 96.37% ", 0.9637) as an exact fraction;
    a percentage typed above 1 or with a % sign is in points."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, (int, float)):
        value, marked = Fraction(Decimal(repr(raw))), False
    else:
        text = unicodedata.normalize("NFKC", raw).replace(",", "").strip()
        marked = text.endswith("%")
        value = Fraction(Decimal(re.match(r"[0-9.]+", text).group()))
    return value / 100 if percent and (marked or value > 1) else value


def roster_types() -> dict[str, str]:
    """Every name a unit goes by (its own and its 别名) → its type, from 名册.xlsx."""
    ws = openpyxl.load_workbook(TEMPLATES / "名册.xlsx")["名册"]
    header, *rows = ws.iter_rows(values_only=True)
    unit, kind, aliases = (header.index(h) for h in ("联系点", "类型", "别名"))
    types = {}
    for row in rows:
        for name in (row[unit], *(row[aliases] or "").split("、")):
            if name:
                types[name] = row[kind]
    return types


def read_form(path: Path) -> dict:
    """The label/value pairs of 基本情况 (label without its unit) and the filled rows of each table."""
    wb = openpyxl.load_workbook(path, data_only=True)
    values = {}
    for label, value, *_ in wb["基本情况"].iter_rows(values_only=True):
        if isinstance(label, str):
            values[re.sub(r"（.*?）$", "", label.strip())] = value
    tables = {}
    for sheet, described in (("问题台账", "问题描述"), ("民生实事台账", "实事内容")):
        header, *rows = wb[sheet].iter_rows(values_only=True)
        tables[sheet] = [r for r in rows if r[header.index(described)]]
    return {"values": values, "tables": tables}


@pytest.fixture(scope="module")
def counted() -> list[dict]:
    """The forms the plan says count: every input but the rejected and the superseded ones."""
    types = roster_types()
    forms = []
    for path in sorted(INPUTS.glob("*.xlsx")):
        if path.name in NOT_COUNTED:
            continue
        form = read_form(path)
        form["type"] = types[form["values"]["联系点"]]
        forms.append(form)
    assert len(forms) == COUNTY.accepted
    return forms


def column(forms: list[dict], label: str, percent: bool = False, types: tuple[str, ...] = ()) -> list:
    return [number(f["values"][label], percent) for f in forms if not types or f["type"] in types]


@pytest.fixture(scope="module")
def oracle(counted) -> dict:
    satisfaction = column(counted, "群众满意度", percent=True)
    surveyed = column(counted, "满意度测评人数")
    weighted = [(s, n) for s, n in zip(satisfaction, surveyed, strict=True) if s is not None]
    awareness = [a for a in column(counted, "政策知晓率", True, ("村", "社区")) if a is not None]
    problems, solved = sum(column(counted, "收集问题")), sum(column(counted, "解决问题"))
    return {
        "satisfaction": sum(s * n for s, n in weighted) / sum(n for _, n in weighted),
        "satisfaction_summed": sum(s for s in satisfaction if s is not None),
        "awareness": sum(awareness) / len(awareness),
        "satisfied_units": sum(1 for s in satisfaction if s is not None and s >= Fraction(95, 100)),
        "unsolved": problems - solved,
        "funds": sum(column(counted, "协调帮扶资金")),
        "households": sum(h for h in column(counted, "走访农户", types=("村",)) if h is not None),
        "problem_rows": sum(len(f["tables"]["问题台账"]) for f in counted),
        "deed_rows": sum(len(f["tables"]["民生实事台账"]) for f in counted),
    }


# ---- the product: one full run -------------------------------------------------------------------
@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    result = run(RunOptions(INPUTS, tmp_path_factory.mktemp("zjc"), TEMPLATES, workers=0))
    assert result.exit_code == 1 and result.report_path is not None  # planned mistakes: 1, report written
    book = openpyxl.load_workbook(result.workbook_path)
    header, *rows = book["全县汇总"].iter_rows(values_only=True)
    total = dict(zip(header, rows[-1], strict=True))
    assert total["乡镇（街道）"] == TOTAL
    text = "\n".join(p.text for p in Document(result.report_path).paragraphs)
    return book, total, text


def test_the_typed_percentage_is_the_weighted_mean_of_the_counted_forms(outputs, oracle):
    _, total, _ = outputs
    assert total["群众满意度"] == pytest.approx(float(oracle["satisfaction"]), rel=1e-12)
    assert 0.88 < total["群众满意度"] < 1  # a sum of 28 typed percentages would be about 2600%
    assert oracle["satisfaction_summed"] > 25


def test_a_plain_mean_percentage_averages_only_the_types_that_type_it(outputs, oracle):
    _, total, _ = outputs
    assert total["政策知晓率"] == pytest.approx(float(oracle["awareness"]), rel=1e-12)


def test_the_count_derived_and_money_metrics_equal_the_forms(outputs, oracle):
    _, total, _ = outputs
    assert total["满意度达到95%的联系点（个）"] == oracle["satisfied_units"]
    assert total["未解决问题（个）"] == oracle["unsolved"]
    assert (
        Decimal(repr(total["协调帮扶资金（元）"]))
        == Decimal(oracle["funds"].numerator) / oracle["funds"].denominator
    )
    # 锦程电子公司 typed 走访农户, which 企业 do not report: it is not in the total
    assert total["走访农户（户）"] == oracle["households"]


def test_both_ledgers_hold_every_row_of_the_counted_forms(outputs, oracle):
    book, _, _ = outputs
    assert book["问题台账"].max_row - 1 == oracle["problem_rows"]
    assert book["民生实事台账"].max_row - 1 == oracle["deed_rows"]
    header, *rows = book["台账统计"].iter_rows(values_only=True)
    assert dict(zip(header, rows[-1], strict=True))["民生实事台账行数"] == oracle["deed_rows"]


def test_the_report_writes_the_figures_in_their_declared_style(outputs, oracle):
    _, _, text = outputs
    campaign = load_templates(TEMPLATES).campaign
    funds, satisfaction = campaign.field("funds"), campaign.field("satisfaction")
    money = styled(float(oracle["funds"]), funds.style, funds.unit)
    assert re.fullmatch(r"\d+\.\d万元", money)  # 元 typed, 万元 written, one decimal (style digits = 1)
    assert f"协调帮扶资金{money}" in text
    share = styled(float(oracle["satisfaction"]), satisfaction.style)
    assert re.fullmatch(r"\d{2}\.\d{2}%", share)  # two decimals, as the metric's style declares
    assert f"群众满意度{share}" in text
    assert f"满意度达到95%的联系点{oracle['satisfied_units']}个" in text
    assert f"尚有{oracle['unsolved']}个正在办理" in text
    assert f"民生实事台账共登记{oracle['deed_rows']}项" in text
