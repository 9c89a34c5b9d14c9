"""Random valid definitions, end to end: levels, unit types, metrics, checks, tables and an office
level are drawn; the definition is written as TOML and loaded; its forms are generated, filled
with drawn values and read back; and every aggregate is compared with sums this test computes
from the values it typed, never with the product's own aggregation.

Which files must be rejected (a not-greater check broken) and which warned (a ledger count that
differs, a figure where the metric does not apply) is worked out here too, from the same values.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from county_report.aggregate import aggregate
from county_report.definition import bind, load_definition
from county_report.forms import build_form, form_layout
from county_report.intake import read_one
from county_report.roster import load_roster

AS_OF = date(2026, 11, 20)
LEVELS = ("网格", "村（社区）", "乡镇（街道）", "县", "市", "省")
UNIT_TYPES = ("甲类", "乙类", "丙类")
# labels are drawn from characters no fixed text of the form uses (headings, hints, places, names)
LABEL_CHARS = "农户企业走访干部群众会议资项目问题服务培训调解宣传资料帮扶慰安全隐患排查整改水利道路医疗教育文化体育环境治理"
UNITS = ("户", "人", "人次", "家", "场", "个", "元", "万元", "")
EXTRA_HEADER = (("审核人", "text"), ("联系电话", "text"), ("开展日期", "date"))
CATEGORIES, STATUSES = ("甲项", "乙项", "丙项", "丁项"), ("已办结", "办理中", "未启动")
GROUPS = ("东片", "西片", "南片")
UNIT_NAMES = ("青松", "翠柏", "红枫", "白杨", "丹桂", "紫藤", "绿竹", "银杏", "海棠")
PERSON = "王芳"
# the largest figures drawn: below the plausible maxima a value may have when the definition gives
# none (10^10 for counts, 10^8 for decimals), which are findings of their own
LARGEST_INTEGER, LARGEST_DECIMAL = 10**10 - 1, Decimal("99999999.99")

# lower case only, so the fixed header keys (FilledOn, AsOf, Reporter) never collide with one
keys = st.from_regex(r"[a-z][a-z0-9_]{2,9}", fullmatch=True)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    decimal: bool
    applies_to: tuple[str, ...]

    def applies(self, unit_type: str) -> bool:
        return not self.applies_to or unit_type in self.applies_to


@dataclass(frozen=True)
class Spec:
    """A drawn definition, as this test knows it (the product learns it from the TOML text)."""

    levels: tuple[str, ...]
    body: int  # index into levels: the office
    unit_level: int  # index into levels: who fills the forms
    types: tuple[str, ...]
    metrics: tuple[Metric, ...]
    extra_header: tuple[tuple[str, str, str, bool], ...]  # key, label, type, required
    not_greater: tuple[tuple[str, str], ...]  # left key, right key
    ledger_counts: tuple[tuple[str, str], ...]  # metric key, status ("" for every row)
    categories: tuple[str, ...]
    statuses: tuple[str, ...]
    solved: str
    rates: tuple[tuple[str, str, str, str], ...]  # key, label, numerator, denominator
    ranking: tuple[str, ...]
    table_keys: tuple[str, ...]  # ledger: seq, category, description, deadline, status; then list names

    @property
    def has_groups(self) -> bool:
        return self.body - self.unit_level == 2

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)


@dataclass(frozen=True)
class Return:
    """One unit's form as this test fills it."""

    group: str
    unit: str
    type: str
    values: dict  # metric key → int | Decimal | None (None: left blank)
    ledger: tuple[tuple[str, str], ...]  # (category, status) per row
    highlight: bool
    reports: bool  # False: the unit sent nothing


@st.composite
def specs(draw) -> Spec:
    # sampled_from rather than integers or lists: an even spread, not the smallest cases mostly
    grouped = draw(st.booleans())  # a group level between the office and its units
    count = draw(st.sampled_from((3, 4) if grouped else (2, 3, 4)))
    levels = tuple(LEVELS[i] for i in sorted(draw(st.permutations(range(len(LEVELS))))[:count]))
    body = draw(st.sampled_from(range(2 if grouped else 1, count)))
    unit_level = body - 2 if grouped else body - 1
    types = tuple(draw(st.permutations(UNIT_TYPES))[: draw(st.sampled_from((0, 1, 2, 3)))])
    n = draw(st.integers(1, 8))
    all_keys = draw(st.lists(keys, min_size=n + 12, max_size=n + 12, unique=True))
    labels = draw(st.lists(st.text(LABEL_CHARS, min_size=2, max_size=6), min_size=n, max_size=n, unique=True))
    metrics = []
    for key, label in zip(all_keys[:n], labels, strict=True):
        applies = ()
        if types and draw(st.booleans()):
            applies = tuple(draw(st.lists(st.sampled_from(types), min_size=1, unique=True)))
        metrics.append(Metric(key, label, draw(st.sampled_from(UNITS)), draw(st.booleans()), applies))
    extras = draw(st.lists(st.sampled_from(EXTRA_HEADER), max_size=2, unique=True))
    extra_header = tuple(
        (all_keys[n + i], label, kind, draw(st.booleans())) for i, (label, kind) in enumerate(extras)
    )
    metric_keys = [m.key for m in metrics]
    integer_keys = [m.key for m in metrics if not m.decimal]
    pairs = [(a, b) for a in metric_keys for b in metric_keys if a != b]
    not_greater = tuple(draw(st.lists(st.sampled_from(pairs), max_size=2))) if pairs else ()
    statuses = tuple(draw(st.lists(st.sampled_from(STATUSES), min_size=1, unique=True)))
    counted = st.tuples(st.sampled_from(integer_keys), st.sampled_from(("", *statuses)))
    ledger_counts = tuple(draw(st.lists(counted, max_size=2))) if integer_keys else ()
    rate_pairs = draw(st.lists(st.sampled_from(pairs), max_size=2)) if pairs else []
    rates = tuple((all_keys[n + 3 + i], f"比率{i + 1}", a, b) for i, (a, b) in enumerate(rate_pairs))
    rankable = metric_keys + [r[0] for r in rates]
    return Spec(
        levels=levels,
        body=body,
        unit_level=unit_level,
        types=types,
        metrics=tuple(metrics),
        extra_header=extra_header,
        not_greater=not_greater,
        ledger_counts=ledger_counts,
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))),
        statuses=statuses,
        solved=draw(st.sampled_from(("", *statuses))),
        rates=rates,
        ranking=tuple(draw(st.lists(st.sampled_from(rankable), max_size=2, unique=True))),
        table_keys=tuple(all_keys[n + 5 : n + 12]),
    )


def toml(spec: Spec) -> str:
    """The drawn definition as an administrator would write it."""
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 - a TOML basic string
    seq, cat, desc, deadline, status, cat_list, status_list = spec.table_keys
    lines = ["[form]", 'name = "随机活动"', f"office_level = {q(spec.levels[spec.body])}"]
    for level in spec.levels:
        lines += ["[[levels]]", f"name = {q(level)}"]
    for name in spec.types:
        lines += ["[[unit_types]]", f"name = {q(name)}"]
    header = [
        '{ key = "FilledOn", label = "填报日期", type = "date", role = "filled_on" }',
        '{ key = "AsOf", label = "统计截止日期", type = "date", role = "as_of" }',
        '{ key = "Reporter", label = "填报人", type = "text" }',
    ]
    header += [
        f"{{ key = {q(k)}, label = {q(label)}, type = {q(kind)}, required = {str(req).lower()} }}"
        for k, label, kind, req in spec.extra_header
    ]
    lines += ["[header]", 'sheet = "基本情况"', "fields = [", *(f"  {h}," for h in header), "]"]
    lines += ["[metrics]", 'sheet = "基本情况"', "fields = ["]
    for m in spec.metrics:
        applies = f", applies_to = {q(list(m.applies_to))}" if m.applies_to else ""
        kind = "decimal" if m.decimal else "integer"
        lines.append(
            f"  {{ key = {q(m.key)}, label = {q(m.label)}, unit = {q(m.unit)}, type = {q(kind)}{applies} }},"
        )
    lines += ["]", "[ledger]", 'sheet = "问题台账"', "columns = ["]
    lines += [
        f'  {{ key = {q(seq)}, header = "序号", type = "integer" }},',
        f'  {{ key = {q(cat)}, header = "问题类别", type = "choice", choices = {q(cat_list)}, role = "category" }},',
        f'  {{ key = {q(desc)}, header = "问题描述", role = "description" }},',
        f'  {{ key = {q(deadline)}, header = "办理时限", type = "date", role = "deadline" }},',
        f'  {{ key = {q(status)}, header = "办理状态", type = "choice", choices = {q(status_list)}, role = "status" }},',
        "]",
        "[highlights]",
        'sheet = "典型事例"',
        'columns = [{ key = "title", header = "标题", role = "title" }, { key = "content", header = "内容", role = "content" }]',
        "[choices]",
        f"{cat_list} = {q(list(spec.categories))}",
        f"{status_list} = {q(list(spec.statuses))}",
    ]
    if spec.solved:
        lines += ["[ledger_status]", f"solved = {q(spec.solved)}"]
    for left, right in spec.not_greater:
        lines += ["[[checks]]", 'kind = "not-greater"', f"left = {q(left)}", f"right = {q(right)}"]
    for metric, status in spec.ledger_counts:
        lines += ["[[checks]]", 'kind = "ledger-count"', f"metric = {q(metric)}"]
        lines += [f"status = {q(status)}"] if status else []
    for key, label, numerator, denominator in spec.rates:
        lines += ["[[rates]]", f"key = {q(key)}", f"label = {q(label)}"]
        lines += [f"numerator = {q(numerator)}", f"denominator = {q(denominator)}"]
    if spec.ranking:
        lines += ["[ranking]", f"by = {q(list(spec.ranking))}"]
    return "\n".join(lines) + "\n"


def values_for(draw, spec: Spec, unit_type: str) -> dict:
    values = {}
    for m in spec.metrics:
        if not m.applies(unit_type):
            values[m.key] = None
        elif m.decimal:
            values[m.key] = draw(st.decimals(min_value=0, max_value=LARGEST_DECIMAL, places=2))
        else:
            values[m.key] = draw(st.one_of(st.integers(0, 50), st.integers(0, LARGEST_INTEGER)))
    return values


@st.composite
def returns(draw, spec: Spec) -> list[Return]:
    """The roster's units (in groups only when the office has them), each with its form or none."""
    groups = [""]
    if spec.has_groups:
        groups = draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=3, unique=True))
    names = iter(draw(st.permutations(UNIT_NAMES)))
    rows = st.lists(st.tuples(st.sampled_from(spec.categories), st.sampled_from(spec.statuses)), max_size=5)
    out = []
    for group in groups:
        for _ in range(draw(st.sampled_from(range(1, 4 if spec.has_groups else 6)))):
            unit_type = draw(st.sampled_from(spec.types)) if spec.types else ""
            values = values_for(draw, spec, unit_type)
            ledger = tuple(draw(rows))
            for metric, status in spec.ledger_counts:  # agree with the ledger, as a careful unit would
                if values[metric] is not None:
                    values[metric] = sum(1 for _, s in ledger if not status or s == status)
            if draw(st.booleans()):  # obey the not-greater checks (a later one may undo an earlier)
                for left, right in spec.not_greater:
                    if None not in (values[left], values[right]) and values[left] > values[right]:
                        values[left] = values[right] if spec.metric(left).decimal else int(values[right])
            stray = [m for m in spec.metrics if values[m.key] is None]
            if stray and draw(st.booleans()):  # a figure where the metric does not apply: not counted
                values[stray[0].key] = 7
            reports = draw(st.sampled_from((True, True, True, False)))
            out.append(Return(group, next(names), unit_type, values, ledger, draw(st.booleans()), reports))
    if not any(r.reports for r in out):
        out[0] = replace(out[0], reports=True)
    return out


def write_roster(path: Path, campaign, spec: Spec, units: list[Return]) -> None:
    wb = Workbook()
    ws = wb.active
    levels = [lv.name for lv in (campaign.scope.group, campaign.scope.unit) if lv is not None]
    ws.append([*levels, *(["类型"] if spec.types else [])])
    for r in units:
        ws.append([*([r.group] if spec.has_groups else []), r.unit, *([r.type] if spec.types else [])])
    wb.save(path)


def fill(path: Path, campaign, spec: Spec, r: Return) -> None:
    wb = build_form(campaign, "随机活动统计表", (r.group, r.unit))
    layout = form_layout(campaign)
    basic = wb[campaign.basic_sheet]
    typed = {"FilledOn": AS_OF, "AsOf": AS_OF, "Reporter": PERSON}
    typed |= {k: (AS_OF if kind == "date" else PERSON) for k, _, kind, _ in spec.extra_header}
    typed |= {k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.values.items()}
    for key, value in typed.items():
        basic[layout.fields[key].value_cell] = value
    seq, cat, desc, deadline, status, *_ = spec.table_keys
    ledger, cols = wb[layout.ledger.sheet], layout.ledger.columns
    for i, (category, state) in enumerate(r.ledger):
        row = layout.ledger.first_row + i
        cells = {
            seq: i + 1,
            cat: category,
            desc: f"问题{i + 1}",
            deadline: AS_OF + timedelta(days=i - 2),
            status: state,
        }
        for key, value in cells.items():
            ledger[f"{cols[key]}{row}"] = value
    if r.highlight:
        high, hcols = wb[layout.highlights.sheet], layout.highlights.columns
        high[f"{hcols['title']}2"], high[f"{hcols['content']}2"] = "好做法", "群众满意。"
    wb.save(path)


def read_as_counted(spec: Spec, r: Return) -> dict:
    """What the office counts from a unit's values: nothing where the metric does not apply."""
    return {m.key: (r.values[m.key] if m.applies(r.type) else None) for m in spec.metrics}


def expected_codes(spec: Spec, r: Return) -> Counter:
    counted = read_as_counted(spec, r)
    codes = Counter()
    for m in spec.metrics:
        if not m.applies(r.type) and r.values[m.key] is not None:
            codes["not-applicable"] += 1
    for left, right in spec.not_greater:
        if None not in (counted[left], counted[right]) and counted[left] > counted[right]:
            codes["not-greater"] += 1
    for metric, status in spec.ledger_counts:
        rows = sum(1 for _, s in r.ledger if not status or s == status)
        if counted[metric] is not None and rows != counted[metric]:
            codes["ledger-count-mismatch"] += 1
    return codes


def total(values) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def same(product_value, plain: Decimal | None) -> bool:
    """The product's figure (int, float or blank) equals the plain sum exactly."""
    if plain is None:
        return product_value is None or pd.isna(product_value)
    if isinstance(product_value, (float, np.floating)):
        return Decimal(repr(float(product_value))) == plain
    return Decimal(int(product_value)) == plain


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.data())
def test_random_definitions_add_up_to_the_plain_sums_of_what_was_typed(data):
    spec = data.draw(specs(), label="spec")
    units = data.draw(returns(spec), label="units")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "form.toml").write_text(toml(spec), encoding="utf-8")
        campaign = bind(
            load_definition(folder / "form.toml"), spec.levels[spec.body], spec.levels[spec.unit_level]
        )
        assert campaign.has_groups == spec.has_groups
        write_roster(folder / "名册.xlsx", campaign, spec, units)
        roster = load_roster(folder / "名册.xlsx", campaign)
        accepted, subs = [], []
        for i, r in enumerate(units):
            if not r.reports:
                continue
            path = folder / f"{i}.xlsx"
            fill(path, campaign, spec, r)
            sub = read_one(path, path.name, campaign, roster)
            assert Counter(f.code for f in sub.findings) == expected_codes(spec, r), (r, sub.findings)
            assert sub.accepted == (expected_codes(spec, r)["not-greater"] == 0)
            subs.append(sub)
            if sub.accepted:
                accepted.append(r)
        agg = aggregate(subs, roster, campaign, AS_OF)
    event("office with groups" if spec.has_groups else "units directly under the office")
    event("unit types" if spec.types else "no unit types")
    event(f"{len(subs) - len(accepted)} rejected, {len(accepted)} accepted")
    event(
        "a figure where it does not apply"
        if any(expected_codes(spec, r)["not-applicable"] for r in units if r.reports)
        else "no stray figure"
    )
    check_totals(spec, units, accepted, agg)


def check_totals(spec: Spec, units: list[Return], accepted: list[Return], agg) -> None:
    counted = {(r.group, r.unit): read_as_counted(spec, r) for r in accepted}
    for m in spec.metrics:
        plain = total(c[m.key] for c in counted.values())
        assert same(agg.body[m.key], plain), (m, agg.body[m.key], plain)
    groups = agg.groups.set_index("_group")
    for name in dict.fromkeys(r.group if spec.has_groups else r.unit for r in units):
        members = [r for r in units if (r.group if spec.has_groups else r.unit) == name]
        mine = [counted[(r.group, r.unit)] for r in members if (r.group, r.unit) in counted]
        assert groups.loc[name, "_reported"] == len(mine)
        for m in spec.metrics:
            applies = spec.has_groups or m.applies(members[0].type)
            known = spec.has_groups or bool(mine)  # a unit's own row is blank until it reports
            plain = total(c[m.key] for c in mine) if applies and known else None
            assert same(groups.loc[name, m.key], plain), (name, m, groups.loc[name, m.key], plain)
    types = agg.types.set_index("_type") if spec.types else None
    for name in spec.types:
        mine = [counted[(r.group, r.unit)] for r in accepted if r.type == name]
        assert types.loc[name, "_expected"] == sum(1 for r in units if r.type == name)
        assert types.loc[name, "_reported"] == len(mine)
        for m in spec.metrics:
            plain = total(c[m.key] for c in mine) if m.applies(name) else None
            assert same(types.loc[name, m.key], plain), (name, m)
    for key, _, numerator, denominator in spec.rates:
        den = total(c[denominator] for c in counted.values())
        num = total(c[numerator] for c in counted.values())
        rate = agg.body[key]
        assert (
            pd.isna(rate)
            if den == 0
            else abs(Decimal(repr(rate)) - num / den) <= abs(num / den) * Decimal("1e-12")
        )
    cells = Counter(row for r in accepted for row in r.ledger)
    table = agg.category_status
    for category in spec.categories:
        for status in spec.statuses:
            assert table.loc[category, status] == cells[(category, status)]
    assert len(agg.highlights) == sum(r.highlight for r in accepted)
