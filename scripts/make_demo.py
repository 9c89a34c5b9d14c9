"""Write the demo county 示例县: templates/名册.xlsx and realistic returned forms in inputs/.

Seeded, so running it again gives byte-identical files. About 85% of roster villages report;
a handful make the mistakes villages really make (see `_plan_mistakes`).
Usage: python scripts/make_demo.py [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from demo_fill import (
    COMPLAINANT,
    OFFICE,
    RESULT,
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
from demo_text import COMMUNITY_BASES, HIGHLIGHTS, TOWNSHIPS, VILLAGE_BASES

from county_report.definition import Campaign, bind, load_definition
from county_report.forms import form_title, prefilled_name, save_workbook
from county_report.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]

SEED = 20261120
AS_OF = date(2026, 11, 20)
REPORTING_SHARE = 0.85
MISSPELT = ("城关镇", "东风村", "东凤村")  # township, roster name, what the village typed
ALIASED = {("城关镇", "东风村"): "东风村委会、东风村民委员会"}
# The demo county's 设置 sheet in 名册.xlsx (统计截止日期 left blank: the most common date is used).
DEMO_SETTINGS = {
    "县名": "示例县",
    "活动名称": "大走访",
    "发文单位": "中共示例县委办公室",
    "活动期间": "2026年9月至11月",
}
# the shipped ledger's text columns: who raised the problem, who handles it, what was done
LEDGER_KINDS = {"person": COMPLAINANT, "unit": OFFICE, "result": RESULT}


def demo_roster(rng: random.Random, townships: int | None = None) -> list[tuple[str, str, str]]:
    """(township, village, aliases) rows: ~12 townships of 12–17 villages, a few aliases."""
    rows = []
    for township, count, urban in TOWNSHIPS[:townships]:
        names = [b + "社区" for b in rng.sample(COMMUNITY_BASES, urban)]
        bases = [b for b in VILLAGE_BASES if b != "东风"]
        names += [b + "村" for b in rng.sample(bases, count - urban)]
        if township == MISSPELT[0]:
            names[urban] = MISSPELT[1]
        rows += [(township, v, ALIASED.get((township, v), "")) for v in names]
    for i in rng.sample(range(len(rows)), 4):
        t, v, a = rows[i]
        rows[i] = (t, v, a or (v[:-2] + "居委会" if v.endswith("社区") else v + "委会"))
    return rows


def figures(spec: Campaign, rng: random.Random) -> dict[str, int | float]:
    """Plausible village figures for every metric in the spec (unknown metrics get small numbers)."""
    households = rng.randint(80, 600)
    needy = rng.randint(5, 40)
    known = {
        "cadres": rng.randint(5, 30), "households": households,
        "visits": int(households * rng.uniform(2.0, 3.6)), "enterprises": rng.randint(0, 12),
        "meetings": rng.randint(2, 18), "leaflets": rng.randrange(200, 3000, 10),
        "suggestions": rng.randint(5, 80), "disputes": rng.randint(0, 9),
        "petitions": rng.randint(0, 40), "needy": needy,
        "relief": needy * rng.choice((200, 300, 500)) + rng.choice((0, 0, 0, 0.5)),
        "funds": round(rng.uniform(0.5, 60), rng.choice((1, 2))), "deeds": rng.randint(2, 30),
    }  # fmt: skip
    out: dict[str, int | float] = {}
    for m in spec.metrics:
        default = rng.randint(0, 50) if m.type.name == "integer" else round(rng.uniform(0, 10), 1)
        out[m.key] = known.get(m.key, default)
    return out


def count_metrics(spec: Campaign) -> tuple[str, str]:
    """The metrics the ledger must agree with: (all rows, rows with the solved status)."""
    total = next((c.metric.key for c in spec.checks if c.kind == "ledger-count" and not c.status), "")
    solved = next((c.metric.key for c in spec.checks if c.kind == "ledger-count" and c.status), "")
    return total, solved


def village_report(spec: Campaign, rng: random.Random, township: str, village: str) -> UnitReturn:
    """A clean, consistent return for one village (ledger counts agree with the metrics)."""
    numbers = figures(spec, rng)
    total_key, solved_key = count_metrics(spec)
    count = rng.randint(3, 30)
    solved = min(count, round(count * rng.uniform(0.45, 1.0)))
    if total_key:
        numbers[total_key] = count
    if solved_key:
        numbers[solved_key] = solved
    filled_on = AS_OF + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
    values: dict[str, object] = {
        "reporter": person_name(rng),
        "phone": phone_number(rng),
        "filled_on": typed_date(filled_on, rng),
        "as_of": typed_date(AS_OF, rng, 0.75),
        **numbers,
    }
    if rng.random() < 0.1:
        values["phone"] = rng.choice(("", f"0838-6{rng.randrange(10**6):06d}"))
    highlights = []
    if rng.random() < 0.12:
        for seq, (title, content) in enumerate(rng.sample(HIGHLIGHTS, rng.choice((1, 1, 2))), start=1):
            highlights.append({"seq": seq, "title": title, "content": content.format(v=village)})
    ledger = ledger_rows(spec, rng, count, {spec.solved_status: solved}, AS_OF, kinds=LEDGER_KINDS)
    return UnitReturn(prefilled_name(township, village), township, village, values, ledger, highlights)


def _plan_mistakes(spec: Campaign, rng: random.Random, reports: list[UnitReturn]) -> list[UnitReturn]:
    """Turn a few clean returns into the mistakes villages make; add a duplicate and an alias user."""
    total_key, solved_key = count_metrics(spec)
    out = list(reports)
    picks = rng.sample(range(len(out)), min(len(out), 12))
    for i in picks[:8]:
        out[i] = make_messy(spec, rng, out[i])
    if len(picks) < 12:
        return out
    i_ratio, i_asof, i_blank, i_dup = picks[8:12]
    if total_key and solved_key:
        values = dict(out[i_ratio].values)
        values[solved_key] = int(values[total_key]) + rng.randint(1, 4)
        out[i_ratio] = replace(out[i_ratio], values=values)
    out[i_asof] = replace(out[i_asof], values={**out[i_asof].values, "as_of": AS_OF - timedelta(days=5)})
    blank_key = next((m.key for m in spec.metrics if m.key not in (total_key, solved_key)), "")
    if blank_key:
        out[i_blank] = replace(out[i_blank], values={**out[i_blank].values, blank_key: None})
    first = replace(out[i_dup], values={**out[i_dup].values, "filled_on": AS_OF})
    later_values = {**first.values, "filled_on": f"{AS_OF + timedelta(days=3):%Y年%m月%d日}"}
    later_values[spec.metrics[0].key] = int(first.values[spec.metrics[0].key]) + 2
    out[i_dup] = first
    out.append(
        replace(first, file_name=first.file_name.replace(".xlsx", "（更正）.xlsx"), values=later_values)
    )
    return out


def make_demo(
    inputs_dir: Path, roster_path: Path, seed: int = SEED, townships: int | None = None
) -> list[Path]:
    """Write the roster and the demo returns; same seed, same bytes. Returns the input files written."""
    spec = bind(load_definition(ROOT / "templates" / "form.toml"))
    title = form_title(spec, load_settings(ROOT / "templates"))
    rng = random.Random(seed)
    roster = demo_roster(rng, townships)
    write_roster(spec, roster, roster_path, DEMO_SETTINGS)
    reporting = sorted(rng.sample(range(len(roster)), round(len(roster) * REPORTING_SHARE)))
    reports = [village_report(spec, rng, roster[i][0], roster[i][1]) for i in reporting]
    misspelt = next((r for r in reports if (r.group, r.unit) == MISSPELT[:2]), None)
    reports = [r for r in reports if r is not misspelt]
    aliased = next(((t, v, a) for t, v, a in roster if a and (t, v) != MISSPELT[:2]), None)
    if aliased is not None:  # used the blank form and typed the alias; replaces its own return
        base = village_report(spec, rng, aliased[0], aliased[1])
        alias = aliased[2].split("、")[0]
        reports = [r for r in reports if (r.group, r.unit) != aliased[:2]]
        reports.append(
            replace(base, unit=alias, prefilled=False, file_name=prefilled_name(aliased[0], alias))
        )
    reports = _plan_mistakes(spec, rng, reports)
    if misspelt is not None:  # used the blank form and typed the name wrong
        reports.append(replace(misspelt, unit=MISSPELT[2], prefilled=False,
                               file_name=prefilled_name(MISSPELT[0], MISSPELT[2])))  # fmt: skip
    inputs_dir.mkdir(parents=True, exist_ok=True)
    return [save_workbook(fill_form(spec, r, title), inputs_dir / r.file_name) for r in reports]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例县的名册和演示用村级报表")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs")
    parser.add_argument("--roster", type=Path, default=ROOT / "templates" / "名册.xlsx")
    args = parser.parse_args(argv)
    written = make_demo(args.inputs, args.roster, args.seed)
    report_written(args.roster, args.inputs, written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
