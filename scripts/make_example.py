"""Write an example office's seeded demo from its campaign definition: templates/名册.xlsx and the
returned forms in inputs/, filled in as units fill them, with the mistakes its demo.toml plans.

Usage: python scripts/make_example.py [examples/示例市大走访 ...]   (no folder: every example, nested ones too)

Nothing here knows a campaign: the roster, figure ranges (by metric key), word pools and planned
mistakes come from the example's demo.toml; the forms are the ones `run_report.py forms` hands
out; every check of the definition is met by asking the check objects what they compare. Same
demo.toml, same bytes.

demo.toml, beside the example's templates/:
  seed, as_of                   the random seed; the period's end (统计截止日期)
  [[roster]]                    a block of roster units sharing `group` (only when the office has a
                                group level) and `type` (only when the definition has unit types)
  [aliases]                     unit = ["别名", …], the names a unit also goes by
  [figures]                     metric key = [low, high] per unit, or { of = "key", share = [a, b] }
                                for a multiple of another figure; `step` rounds to a multiple;
                                [figures_by_type."类型"] overrides for one unit type; metrics without
                                a range get small numbers, metrics that do not apply stay blank; a
                                percentage's range is in points ([88, 99.5]), typed as the fraction a
                                %-formatted cell holds; computed metrics (count, derived) are not typed
  ledger_rows = [low, high]     ledger rows when no ledger-count check (without status) fixes them
  [text]                        how text items, text metrics and columns without a role are filled:
                                person, phone, complainant, office, result, or a list of texts ("" in
                                the list: left blank); a text metric not named here stays blank
  [ledger]                      offices, in_progress, weights, [ledger.problems."类别"] descriptions and
                                results ({g}, {n} filled in); default: the village pools of demo_text.py
  [tables."key"]                a further ledger ([[tables]]): rows = [low, high] per unit (default
                                [0, 3]) and word pools as in [ledger]
  [[highlights]], highlight_share   典型事例 (title, content with {unit}) and the share of units sending one
  [mistakes]                    missing = [units]; misspelt = {unit, typed}; not_greater = unit;
                                blank_metric = {unit, key}; not_applicable = {unit, key, value};
                                as_of = {unit, days}; duplicate = unit; alias = unit; messy = count
"""

from __future__ import annotations

import argparse
import random
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from demo_fill import (
    PERSON,
    PHONE,
    TEXT_KINDS,
    LedgerText,
    UnitReturn,
    fill_form,
    ledger_rows,
    make_messy,
    person_name,
    phone_number,
    report_written,
    typed_date,
    write_roster,
)
from demo_text import HIGHLIGHTS

from county_report.definition import AS_OF, FILLED_ON, Campaign, Field, bind, load_definition
from county_report.errors import ConfigError
from county_report.forms import form_title, prefilled_name, save_workbook
from county_report.settings import FORM_FILE, ROSTER_FILE, load_settings
from county_report.settings_sheet import settings_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PROFILE_FILE = "demo.toml"
FILLED_AFTER = (0, 0, 1, 1, 2, 3)  # days after the period's end on which units fill in their forms
BLANK_OPTIONAL = 0.1  # share of optional header items left blank
PROFILE_KEYS = {
    "seed", "as_of", "highlight_share", "ledger_rows", "roster", "aliases", "figures",
    "figures_by_type", "text", "ledger", "tables", "highlights", "mistakes",
}  # fmt: skip
TABLE_KEYS = {"rows", "offices", "in_progress", "weights", "problems"}
TABLE_ROWS = (0, 3)  # rows per unit of a further ledger demo.toml says nothing about
MISTAKES = {
    "missing", "misspelt", "not_greater", "blank_metric", "not_applicable", "duplicate", "alias",
    "as_of", "messy",
}  # fmt: skip


class ProfileError(Exception):
    """demo.toml asks for something the definition or the roster does not have."""


@dataclass(frozen=True)
class Member:
    """One roster row: the unit, its group (or ""), its type (or "") and the names it also goes by."""

    group: str
    unit: str
    type: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """An example's demo.toml, checked against its definition."""

    seed: int
    as_of: date
    roster: tuple[Member, ...]
    figures: Mapping[str, Mapping[str, Any]]  # unit type ("" for every type) → metric key → range
    text: Mapping[str, Any]  # field or column key → TEXT_KINDS item or a list of texts
    ledger_text: LedgerText
    ledger_rows: tuple[int, int]  # when no ledger-count check fixes the number of rows
    tables: Mapping[str, tuple[tuple[int, int], LedgerText]]  # [[tables]] key → rows per unit, words
    highlights: tuple[tuple[str, str], ...]
    highlight_share: float
    mistakes: Mapping[str, Any]

    def member(self, name: str) -> Member:
        """The roster unit named `name` (or `group/unit` where names repeat across groups)."""
        found = [m for m in self.roster if name in (m.unit, f"{m.group}/{m.unit}")]
        if len(found) != 1:
            raise ProfileError(
                f"{PROFILE_FILE} 的 [mistakes] 中「{name}」在名册中{'不存在' if not found else '重名'}"
            )
        return found[0]


def load_profile(path: Path, campaign: Campaign) -> Profile:
    """Read demo.toml; every key it names (metric, type, column, unit) must exist."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    _known(raw, PROFILE_KEYS, path.name)
    _known(raw.get("mistakes", {}), MISTAKES, f"{path.name} 的 [mistakes]")
    figures = {"": raw.get("figures", {}), **raw.get("figures_by_type", {})}
    types = {t.name for t in campaign.unit_types}
    for unit_type, ranges in figures.items():
        if unit_type and unit_type not in types:
            raise ProfileError(f"{path.name}：[figures_by_type] 中的类型「{unit_type}」不在活动定义中")
        _known(ranges, set(campaign.metric_keys), f"{path.name} 的 figures（应为指标的 key）")
    _check_text(raw.get("text", {}), campaign, path.name)
    highlights = tuple((h["title"], h["content"]) for h in raw.get("highlights", ())) or HIGHLIGHTS
    return Profile(
        seed=int(raw["seed"]),
        as_of=raw["as_of"],
        roster=_roster(raw, campaign),
        figures=figures,
        text=raw.get("text", {}),
        ledger_text=_ledger_text(raw.get("ledger", {})),
        ledger_rows=tuple(raw.get("ledger_rows", (3, 12))),
        tables=_tables(raw.get("tables", {}), campaign, path.name),
        highlights=highlights,
        highlight_share=float(raw.get("highlight_share", 0.12)),
        mistakes=raw.get("mistakes", {}),
    )


def _check_text(text: Mapping[str, Any], campaign: Campaign, where: str) -> None:
    keys = {f.key for f in (*campaign.definition.header_fields, *campaign.texts)}
    keys |= {c.key for t in campaign.all_tables for c in t.columns}
    _known(text, keys, f"{where} 的 [text]")
    for key, kind in text.items():
        if not isinstance(kind, list) and kind not in TEXT_KINDS:
            raise ProfileError(
                f"{where} 的 [text] 中 {key} = 「{kind}」应为 {'、'.join(TEXT_KINDS)} 或文字列表"
            )


def _tables(
    raw: Mapping[str, Any], campaign: Campaign, where: str
) -> dict[str, tuple[tuple[int, int], LedgerText]]:
    """Each further ledger's rows per unit and word pools; every [[tables]] key gets one."""
    _known(raw, {t.key for t in campaign.tables}, f"{where} 的 [tables]（应为 [[tables]] 的 key）")
    plans = {}
    for table in campaign.tables:
        words = raw.get(table.key, {})
        _known(words, TABLE_KEYS, f"{where} 的 [tables.{table.key}]")
        plans[table.key] = (tuple(words.get("rows", TABLE_ROWS)), _ledger_text(words))
    return plans


def _ledger_text(words: Mapping[str, Any]) -> LedgerText:
    """The example's own word pools for ledger rows; the village pools of demo_text.py where it has none."""
    problems = {
        c: (tuple(p["descriptions"]), tuple(p.get("results", ())))
        for c, p in words.get("problems", {}).items()
    }
    defaults = LedgerText()
    return LedgerText(
        problems or defaults.problems,
        words.get("weights", {} if problems else defaults.weights),
        tuple(words.get("in_progress", defaults.in_progress)),
        tuple(words.get("offices", defaults.offices)),
    )


def _known(raw: Mapping, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ProfileError(f"{where}中没有这些项：{'、'.join(unknown)}")


def _roster(raw: Mapping, campaign: Campaign) -> tuple[Member, ...]:
    aliases = raw.get("aliases", {})
    types = {t.name for t in campaign.unit_types}
    members = []
    for block in raw.get("roster", ()):
        group, unit_type = block.get("group", ""), block.get("type", "")
        if bool(group) != campaign.has_groups:
            raise ProfileError(
                f"{PROFILE_FILE} 的 [[roster]]：本级{'有' if campaign.has_groups else '没有'}中间层级，group {'必须' if campaign.has_groups else '不能'}填写"
            )
        if bool(types) != bool(unit_type) or (types and unit_type not in types):
            raise ProfileError(
                f"{PROFILE_FILE} 的 [[roster]]：type「{unit_type}」应为 {'、'.join(types) or '空'}"
            )
        members += [Member(group, u, unit_type, tuple(aliases.get(u, ()))) for u in block["units"]]
    return tuple(members)


# ---- one unit's return -------------------------------------------------------------------------
def figures(campaign: Campaign, profile: Profile, rng: random.Random, unit_type: str) -> dict[str, Any]:
    """Every metric's figure for a unit of `unit_type` (None where the metric does not apply).

    A range is `[low, high]`, or `{ of = "key", share = [a, b] }` for a multiple of another
    figure; `step` rounds to a multiple. Metrics without a range get small numbers.
    """
    ranges = {**profile.figures[""], **profile.figures.get(unit_type, {})}
    values: dict[str, Any] = {}
    typed = [m for m in campaign.form_metrics if m.type.numeric]

    def value(metric: Field, seen: tuple[str, ...] = ()) -> Any:
        if metric.key in values:
            return values[metric.key]
        if metric.key in seen:
            raise ProfileError(f"{PROFILE_FILE} 的 figures 中 {' → '.join((*seen, metric.key))} 循环引用")
        spec = ranges.get(metric.key)
        if not metric.applies(unit_type):
            number = None
        elif spec is None:
            number = rng.randint(0, 50) if metric.type.scale == 1 else rng.uniform(0, 10)
            if metric.type.name == "percent":
                number /= 10
        elif isinstance(spec, list):
            low, high = spec
            number = rng.randint(low, high) if metric.type.scale == 1 else rng.uniform(low, high)
            if metric.type.name == "percent":  # the range is in points; the cell holds the fraction
                number /= 100
        else:
            base = value(campaign.field(spec["of"]), (*seen, metric.key))
            if base is None:
                raise ProfileError(
                    f"{PROFILE_FILE}：{metric.key} 取自 {spec['of']}，但后者不适用于「{unit_type}」"
                )
            number = base * rng.uniform(*spec["share"])
        values[metric.key] = _rounded(number, metric, spec)
        return values[metric.key]

    for metric in typed:
        value(metric)
    return values


def _rounded(number: Any, metric: Field, spec: Any) -> Any:
    if number is None:
        return None
    step = spec.get("step") if isinstance(spec, dict) else None
    if step:
        number = round(number / step) * step
    if metric.type.name == "percent":
        return round(float(number), 4)  # 96.37%: two decimals of a percentage
    return int(round(number)) if metric.type.scale == 1 else round(float(number), 2)


def ledger_plan(
    campaign: Campaign, profile: Profile, rng: random.Random, numbers: dict[str, Any]
) -> tuple[int, dict[str, int], set[str]]:
    """How many ledger rows, how many of them have each counted status, and which metrics must
    equal those counts (the ledger-count checks); the metrics are set to agree."""
    counts = [
        c for c in campaign.checks if c.kind == "ledger-count" and numbers.get(c.metric.key) is not None
    ]
    total = next((c.metric.key for c in counts if not c.status), "")
    rows = numbers[total] if total else rng.randint(*profile.ledger_rows)
    fixed: dict[str, int] = {}
    for check in counts:
        key = check.metric.key
        if not check.status:
            numbers[key] = rows
        elif check.status in fixed:
            numbers[key] = fixed[check.status]
        else:
            numbers[key] = fixed[check.status] = min(numbers[key], rows - sum(fixed.values()))
    return rows, fixed, {c.metric.key for c in counts}


def meet_not_greater(campaign: Campaign, numbers: dict[str, Any], bound: set[str]) -> None:
    """Lower (or, when it is tied to the ledger, raise the other side) until no left > right."""
    checks = [c for c in campaign.checks if c.kind == "not-greater"]
    for _ in range(len(checks) + 1):
        broken = [
            c
            for c in checks
            if None not in (numbers[c.left.key], numbers[c.right.key])
            and numbers[c.left.key] > numbers[c.right.key]
        ]
        if not broken:
            return
        for check in broken:
            left, right = check.left.key, check.right.key
            if left not in bound:
                numbers[left] = numbers[right]
            elif right not in bound:
                numbers[right] = numbers[left]
            else:
                raise ProfileError(f"{left} 和 {right} 都由台账行数决定，无法满足 {left} ≤ {right}")
    raise ProfileError("figures 的范围无法同时满足活动定义中的 not-greater 校验")


def header_values(campaign: Campaign, profile: Profile, rng: random.Random) -> dict[str, Any]:
    """The declared header items as a unit types them (places are the form's own)."""
    filled_on = profile.as_of + timedelta(days=rng.choice(FILLED_AFTER))
    values: dict[str, Any] = {}
    for f in campaign.definition.header_fields:
        if f.role == FILLED_ON:
            values[f.key] = typed_date(filled_on, rng)
        elif f.role == AS_OF:
            values[f.key] = typed_date(profile.as_of, rng, 0.75)
        elif not f.required and rng.random() < BLANK_OPTIONAL:
            values[f.key] = None
        else:
            values[f.key] = _typed_text(f, profile, rng)
    return values


def text_values(campaign: Campaign, profile: Profile, rng: random.Random, unit_type: str) -> dict[str, Any]:
    """The text metrics [text] names, as a unit writes them ("" in its list: left blank)."""
    named = [m for m in campaign.texts if m.on_form and m.key in profile.text and m.applies(unit_type)]
    return {m.key: _typed_text(m, profile, rng) or None for m in named}


def _typed_text(f: Field, profile: Profile, rng: random.Random) -> Any:
    kind = profile.text.get(f.key, PERSON if f.type.name == "text" else "")
    if isinstance(kind, list):
        return rng.choice(kind)
    if kind == PHONE:
        return phone_number(rng)
    if kind == PERSON:
        return person_name(rng)
    if f.choices:
        return rng.choice(f.choices)
    if f.type.name == "date":
        return typed_date(profile.as_of, rng)
    return rng.randint(0, 100) if f.type.numeric else ""


def highlight_rows(campaign: Campaign, profile: Profile, rng: random.Random, unit: str) -> list[dict]:
    if rng.random() >= profile.highlight_share:
        return []
    picked = rng.sample(profile.highlights, min(len(profile.highlights), rng.choice((1, 1, 2))))
    rows = []
    for seq, (title, content) in enumerate(picked, start=1):
        row: dict[str, Any] = {}
        for column in campaign.highlights.columns:
            if column.role == "title":
                row[column.key] = title
            elif column.role == "content":
                row[column.key] = content.format(unit=unit, v=unit)
            elif column.type.name == "integer":
                row[column.key] = seq
        rows.append(row)
    return rows


def unit_return(campaign: Campaign, profile: Profile, rng: random.Random, member: Member) -> UnitReturn:
    """A clean, consistent return for one unit: every check of the definition met."""
    numbers = figures(campaign, profile, rng, member.type)
    rows, fixed, bound = ledger_plan(campaign, profile, rng, numbers)
    meet_not_greater(campaign, numbers, bound)
    values = {**header_values(campaign, profile, rng), **numbers}
    values |= text_values(campaign, profile, rng, member.type)
    ledger = ledger_rows(campaign, rng, rows, fixed, profile.as_of, profile.ledger_text, profile.text)
    highlights = highlight_rows(campaign, profile, rng, member.unit)
    tables = {}
    for table in campaign.tables:
        count, words = profile.tables[table.key]
        tables[table.key] = ledger_rows(
            campaign, rng, rng.randint(*count), {}, profile.as_of, words, profile.text, table
        )
    name = prefilled_name(member.group, member.unit)
    return UnitReturn(name, member.group, member.unit, values, ledger, highlights, tables=tables)


# ---- the planned mistakes ------------------------------------------------------------------------
def plan_mistakes(
    campaign: Campaign, profile: Profile, rng: random.Random, returns: list[UnitReturn]
) -> list[UnitReturn]:
    """Turn the returns demo.toml names into the mistakes units make; mess up the typing of a few others."""
    plan = profile.mistakes
    out = list(returns)
    index = {(r.group, r.unit): i for i, r in enumerate(out)}

    def at(name: str) -> int:
        member = profile.member(name)
        if (member.group, member.unit) not in index:
            raise ProfileError(f"[mistakes] 中的「{name}」也列在 missing 中，没有报表可改")
        return index[(member.group, member.unit)]

    def edit(name: str, **values: Any) -> None:
        i = at(name)
        out[i] = replace(out[i], values={**out[i].values, **values})

    named = [v if isinstance(v, str) else v["unit"] for k, v in plan.items() if k not in ("missing", "messy")]
    planned = {at(n) for n in named}
    calm = [i for i in range(len(out)) if i not in planned]
    for i in rng.sample(calm, min(len(calm), int(plan.get("messy", 0)))):
        out[i] = make_messy(campaign, rng, out[i])
    if "not_greater" in plan:  # the first check that applies, one whose left the ledger does not count if any
        values = out[at(plan["not_greater"])].values
        counted = {c.metric.key for c in campaign.checks if c.kind == "ledger-count"}
        applying = [
            c
            for c in campaign.checks
            if c.kind == "not-greater" and None not in (values[c.left.key], values[c.right.key])
        ]
        check = min(applying, key=lambda c: c.left.key in counted)
        edit(plan["not_greater"], **{check.left.key: values[check.right.key] + rng.randint(1, 4)})
    if "blank_metric" in plan:
        edit(plan["blank_metric"]["unit"], **{_applying(campaign, profile, plan["blank_metric"], True): None})
    if "not_applicable" in plan:
        wrong = plan["not_applicable"]
        edit(wrong["unit"], **{_applying(campaign, profile, wrong, False): wrong["value"]})
    if "as_of" in plan:
        late = plan["as_of"]
        edit(late["unit"], **{campaign.role(AS_OF).key: profile.as_of - timedelta(days=late["days"])})
    if "duplicate" in plan:
        out.append(_second_return(campaign, profile, out, at(plan["duplicate"])))
    for kind in ("alias", "misspelt"):  # used the blank form and typed another name
        if kind in plan:
            i = at(plan[kind] if kind == "alias" else plan[kind]["unit"])
            member = profile.member(plan[kind] if kind == "alias" else plan[kind]["unit"])
            typed = member.aliases[0] if kind == "alias" else plan[kind]["typed"]
            out[i] = replace(
                out[i], unit=typed, prefilled=False, file_name=prefilled_name(member.group, typed)
            )
    return out


def _applying(campaign: Campaign, profile: Profile, plan: Mapping[str, Any], applies: bool) -> str:
    member, metric = profile.member(plan["unit"]), campaign.field(plan["key"])
    if metric.applies(member.type) != applies:
        raise ProfileError(
            f"[mistakes]：{metric.key} {'不' if applies else ''}适用于「{member.unit}」（{member.type}）"
        )
    return metric.key


def _second_return(campaign: Campaign, profile: Profile, out: list[UnitReturn], i: int) -> UnitReturn:
    """A corrected form sent three days later: the first is then superseded."""
    filled_on = campaign.role(FILLED_ON).key
    out[i] = first = replace(out[i], values={**out[i].values, filled_on: profile.as_of})
    later = {**first.values, filled_on: f"{profile.as_of + timedelta(days=3):%Y年%m月%d日}"}
    checked = {k for c in campaign.checks for k in _check_keys(c)}
    free = next(
        k for k, v in later.items() if k in campaign.metric_keys and k not in checked and isinstance(v, int)
    )
    later[free] += 2
    return replace(first, file_name=first.file_name.replace(".xlsx", "（更正）.xlsx"), values=later)


def _check_keys(check: Any) -> tuple[str, ...]:
    fields = (getattr(check, name, None) for name in ("left", "right", "metric"))
    return tuple(f.key for f in fields if isinstance(f, Field))


# ---- the whole example ---------------------------------------------------------------------------
def make_example(folder: Path, inputs: Path | None = None, roster_path: Path | None = None) -> list[Path]:
    """Write the example's roster and demo returns; same demo.toml, same bytes. Returns the forms written."""
    templates = Path(folder) / "templates"
    settings = load_settings(templates)
    campaign = bind(load_definition(templates / FORM_FILE), settings.level, settings.unit_level)
    profile = load_profile(Path(folder) / PROFILE_FILE, campaign)
    inputs = inputs or Path(folder) / "inputs"
    rows = [_roster_row(campaign, m) for m in profile.roster]
    write_roster(campaign, rows, roster_path or templates / ROSTER_FILE, settings_rows(settings))
    rng = random.Random(profile.seed)
    missing = {(m.group, m.unit) for m in map(profile.member, profile.mistakes.get("missing", ()))}
    reporting = [m for m in profile.roster if (m.group, m.unit) not in missing]
    returns = plan_mistakes(
        campaign, profile, rng, [unit_return(campaign, profile, rng, m) for m in reporting]
    )
    title = form_title(campaign, settings)
    inputs.mkdir(parents=True, exist_ok=True)
    return [save_workbook(fill_form(campaign, r, title), inputs / r.file_name) for r in returns]


def _roster_row(campaign: Campaign, member: Member) -> Sequence[str]:
    places = (member.group, member.unit) if campaign.has_groups else (member.unit,)
    return (*places, *((member.type,) if campaign.unit_types else ()), "、".join(member.aliases))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="按示例的活动定义和 demo.toml 生成名册和演示用报表")
    parser.add_argument("folders", nargs="*", type=Path, help="示例文件夹（不写则为 examples/ 下全部）")
    args = parser.parse_args(argv)
    folders = args.folders or sorted(p.parent for p in EXAMPLES.rglob(PROFILE_FILE))  # 三县汇总/丰乐县 too
    for folder in folders:
        try:
            written = make_example(folder)
        except (ProfileError, ConfigError) as exc:
            print(f"{folder}：{exc}", file=sys.stderr)
            return 2
        report_written(folder / "templates" / ROSTER_FILE, folder / "inputs", written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
