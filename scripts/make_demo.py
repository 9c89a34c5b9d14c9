"""Write the demo county 示例县: templates/名册.xlsx and realistic returned forms in inputs/.

Seeded, so running it again gives byte-identical files. About 85% of roster villages report;
a handful make the mistakes villages really make (see `_plan_mistakes`).
Usage: python scripts/make_demo.py [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from demo_text import (  # noqa: E402
    CATEGORY_WEIGHTS,
    COMMUNITY_BASES,
    GIVEN,
    HIGHLIGHTS,
    IN_PROGRESS,
    PROBLEMS,
    SURNAMES,
    TOWNSHIPS,
    UNITS,
    VILLAGE_BASES,
)
from openpyxl import Workbook  # noqa: E402

from county_report.forms import build_form, form_layout, form_title, prefilled_name, save_workbook  # noqa: E402
from county_report.formspec import Field, FormSpec, load_formspec  # noqa: E402
from county_report.settings import load_settings  # noqa: E402
from county_report.settings_sheet import write_settings_sheet  # noqa: E402

SEED = 20261120
AS_OF = date(2026, 11, 20)
REPORTING_SHARE = 0.85
MISSPELT = ("城关镇", "东风村", "东凤村")  # township, roster name, what the village typed
ALIAS_HEADER = "别名"
ALIASED = {("城关镇", "东风村"): "东风村委会、东风村民委员会"}
# The demo county's 设置 sheet in 名册.xlsx (统计截止日期 left blank: the most common date is used).
DEMO_SETTINGS = {
    "县名": "示例县",
    "活动名称": "大走访",
    "发文单位": "中共示例县委办公室",
    "活动期间": "2026年9月至11月",
}


@dataclass
class VillageReport:
    """One returned form as the village typed it (values may be text, dates may be strings)."""

    file_name: str
    township: str
    village: str
    values: dict[str, object]  # field key → value as typed
    ledger: list[dict[str, object]] = field(default_factory=list)
    highlights: list[dict[str, object]] = field(default_factory=list)
    prefilled: bool = True  # False: the village used the blank form and typed its own names


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


def write_roster(spec: FormSpec, rows: list[tuple[str, str, str]], path: Path) -> Path:
    """名册.xlsx: a title, then header 乡镇（街道）| 村（社区）| 别名 and one row per village."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append((spec.role("township").label, spec.role("village").label, ALIAS_HEADER))
    for row in rows:
        ws.append(row)
    for letter, width in zip("ABC", (16, 16, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    write_settings_sheet(wb, DEMO_SETTINGS)
    wb.properties.creator = "报表助手"
    return save_workbook(wb, path)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def figures(spec: FormSpec, rng: random.Random) -> dict[str, int | float]:
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
        default = rng.randint(0, 50) if m.type == "integer" else round(rng.uniform(0, 10), 1)
        out[m.key] = known.get(m.key, default)
    return out


def count_metrics(spec: FormSpec) -> tuple[str, str]:
    """The metrics the ledger must agree with: (all rows, rows with the solved status)."""
    total = next((c.metric for c in spec.checks if c.kind == "ledger-count" and not c.status), "")
    solved = next((c.metric for c in spec.checks if c.kind == "ledger-count" and c.status), "")
    return total, solved


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "." else c for c in text)


def typed_number(value: int | float, f: Field, style: str) -> object:
    """A number as a village might type it: text, full-width, with thousands separator or unit."""
    plain = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return {
        "text": plain,
        "fullwidth": full_width(plain),
        "comma": f"{value:,}" if value >= 1000 else plain,
        "unit": f"{plain}{f.unit}",
        "spaces": f" {plain} ",
        "float": float(value),
    }.get(style, value)


def typed_date(d: date, rng: random.Random, real_share: float = 0.6) -> object:
    """A date as villages type it: a real date most of the time, otherwise one of the text forms."""
    if rng.random() < real_share:
        return d
    forms = (f"{d:%Y/%m/%d}", f"{d.year}年{d.month}月{d.day}日", d.isoformat(), f"{d:%Y%m%d}")
    return rng.choice(forms)


def ledger_rows(spec: FormSpec, rng: random.Random, count: int, solved: int) -> list[dict[str, object]]:
    """`count` problems, exactly `solved` of them with the solved status; open ones may be overdue."""
    status_choices = spec.ledger.by_role("status").choices
    open_statuses = [s for s in status_choices if s != spec.solved_status] or [spec.solved_status]
    categories = list(spec.ledger.by_role("category").choices)
    weights = [CATEGORY_WEIGHTS.get(c, 1) for c in categories]
    flags = [True] * solved + [False] * (count - solved)
    rng.shuffle(flags)
    rows = []
    for seq, is_solved in enumerate(flags, start=1):
        category = rng.choices(categories, weights)[0]
        descriptions, results = PROBLEMS.get(category, PROBLEMS["其他"])
        fill = {"g": rng.randint(1, 9), "n": rng.choice((3, 5, 8, 120, 350, 800))}
        deadline = _deadline(rng, is_solved)
        status = (
            spec.solved_status if is_solved else rng.choices(open_statuses, (4, 1)[: len(open_statuses)])[0]
        )
        result = rng.choice(results) if is_solved else (rng.choice(IN_PROGRESS) if status != "未启动" else "")
        rows.append({
            "seq": seq, "category": category, "description": rng.choice(descriptions).format(**fill),
            "person": rng.choice((rng.choice(SURNAMES) + "某某", rng.choice(SURNAMES) + "某", f"{fill['g']}组群众")),
            "unit": rng.choice(UNITS), "deadline": typed_date(deadline, rng, 0.85), "status": status,
            "result": result.format(**fill),
        })  # fmt: skip
    return rows


def _deadline(rng: random.Random, is_solved: bool) -> date:
    """Solved items any time in the campaign; about one open item in five already overdue."""
    if is_solved:
        return date(2026, 10, 10) + timedelta(days=rng.randint(0, 80))
    if rng.random() < 0.2:
        return AS_OF - timedelta(days=rng.randint(1, 25))
    return AS_OF + timedelta(days=rng.randint(0, 45))


def village_report(spec: FormSpec, rng: random.Random, township: str, village: str) -> VillageReport:
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
        "phone": rng.choice(("139", "138", "158", "186", "177")) + f"{rng.randrange(10**8):08d}",
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
    ledger = ledger_rows(spec, rng, count, solved)
    return VillageReport(prefilled_name(township, village), township, village, values, ledger, highlights)


def make_messy(spec: FormSpec, rng: random.Random, report: VillageReport) -> VillageReport:
    """Type 2–4 metrics the way villages do: "120", "１２０", "1,200", "120户", " 120 ", 120.0."""
    values = dict(report.values)
    for m in rng.sample(spec.metrics, min(len(spec.metrics), rng.randint(2, 4))):
        style = rng.choice(("text", "fullwidth", "comma", "unit", "spaces", "float"))
        values[m.key] = typed_number(values[m.key], m, style)
    return replace(report, values=values)


def _plan_mistakes(spec: FormSpec, rng: random.Random, reports: list[VillageReport]) -> list[VillageReport]:
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


def fill_form(spec: FormSpec, report: VillageReport, title: str) -> Workbook:
    """A generated form filled in cell by cell, as the village would."""
    values = dict(report.values)
    if report.prefilled:
        wb = build_form(spec, title, report.township, report.village)
    else:
        wb = build_form(spec, title)
        values.update({spec.role("township").key: report.township, spec.role("village").key: report.village})
    layout = form_layout(spec)
    basic = wb[spec.basic_sheet]
    for key, value in values.items():
        if key in layout.fields:
            basic[layout.fields[key].value_cell] = value
    for place, rows in ((layout.ledger, report.ledger), (layout.highlights, report.highlights)):
        ws = wb[place.sheet]
        for offset, row in enumerate(rows):
            for key, value in row.items():
                if key in place.columns:
                    _type_into(ws, f"{place.columns[key]}{place.first_row + offset}", value)
    return wb


def _type_into(ws, address: str, value: object) -> None:
    """Set a table cell as Excel would when typing: it takes its column's protection and layout."""
    cell = ws[address]
    cell.value = value
    column = ws.column_dimensions[cell.column_letter]
    cell.protection, cell.alignment = copy(column.protection), copy(column.alignment)
    if cell.number_format == "General":
        cell.number_format = column.number_format


def make_demo(
    inputs_dir: Path, roster_path: Path, seed: int = SEED, townships: int | None = None
) -> list[Path]:
    """Write the roster and the demo returns; same seed, same bytes. Returns the input files written."""
    spec = load_formspec(ROOT / "templates" / "form.toml")
    title = form_title(spec, load_settings(ROOT / "templates"))
    rng = random.Random(seed)
    roster = demo_roster(rng, townships)
    write_roster(spec, roster, roster_path)
    reporting = sorted(rng.sample(range(len(roster)), round(len(roster) * REPORTING_SHARE)))
    reports = [village_report(spec, rng, roster[i][0], roster[i][1]) for i in reporting]
    misspelt = next((r for r in reports if (r.township, r.village) == MISSPELT[:2]), None)
    reports = [r for r in reports if r is not misspelt]
    aliased = next(((t, v, a) for t, v, a in roster if a and (t, v) != MISSPELT[:2]), None)
    if aliased is not None:  # used the blank form and typed the alias; replaces its own return
        base = village_report(spec, rng, aliased[0], aliased[1])
        alias = aliased[2].split("、")[0]
        reports = [r for r in reports if (r.township, r.village) != aliased[:2]]
        reports.append(
            replace(base, village=alias, prefilled=False, file_name=prefilled_name(aliased[0], alias))
        )
    reports = _plan_mistakes(spec, rng, reports)
    if misspelt is not None:  # used the blank form and typed the name wrong
        reports.append(replace(misspelt, village=MISSPELT[2], prefilled=False,
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
    print(f"已写入名册 {args.roster} 和 {len(written)} 份演示报表到 {args.inputs}")
    others = sorted(set(args.inputs.glob("*.xlsx")) - set(written))
    if others:  # never delete: the folder may hold real returns
        print(f"注意：{args.inputs} 中另有 {len(others)} 个文件不是本次生成的，未删除：")
        print("\n".join(f"  {p.name}" for p in others))
    return 0


if __name__ == "__main__":
    sys.exit(main())
