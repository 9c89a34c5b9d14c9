"""The 总结's context: its figures and data-driven sentences (rankings, 典型事例, 存在问题, open
items, the 附件 table) under the Chinese names the Word template uses.

Written here rather than in the Word template so the template stays plain text a clerk can edit;
every figure comes from the same Aggregate as the workbook's 合计 row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from .aggregate import MISSING, TO_CORRECT
from .cnformat import cn_date, integer, money, pct

VILLAGE_UNIT = "村（社区）"
TOWNSHIP_UNIT = "乡镇（街道）"
ORDINALS = "一二三四五六七八九十"
TOP_TOWNSHIPS = 3  # named per ranking key in 二
MAX_NAMED = 3  # beyond this many villages or townships, name the first and count the rest
MAX_HIGHLIGHTS = 2
TOP_CATEGORIES = 3


def figure(field, value: Any) -> str:
    """A county figure exactly as the workbook holds it: integers plain, decimals up to two places."""
    return integer(value) if field.type == "integer" else money(value)


def highlights_intro(count: int, quoted: bool) -> str:
    """二's sentence before the quoted 典型事例, or what to say when none was reported."""
    if not quoted:
        return "各村（社区）暂未报送典型事例，下一步将加强发现、总结和宣传。"
    return f"各村（社区）共报送典型事例{count}个，涌现出一批为民办实事的好做法，如："


def join_names(names: list[str], unit: str) -> str:
    """`黄龙村、青山村` when few; `黄龙村等12个村（社区）` when many."""
    if len(names) <= MAX_NAMED:
        return "、".join(names)
    return f"{names[0]}等{len(names)}个{unit}"


def _counted(counts: pd.Series) -> str:
    """`黄龙镇3个、青山乡2个`; with many townships `12个乡镇（街道），其中黄龙镇5个、青山乡4个、石门乡3个较多`."""
    if len(counts) <= MAX_NAMED + 2:
        return "、".join(f"{name}{int(n)}个" for name, n in counts.items())
    top = counts.sort_values(ascending=False, kind="stable").head(MAX_NAMED)
    named = "、".join(f"{name}{int(n)}个" for name, n in top.items())
    return f"{len(counts)}个{TOWNSHIP_UNIT}，其中{named}较多"


def _ranked_label(spec, key: str):
    """The label of a ranking key and how to show a township's value of it."""
    for rate in spec.rates:
        if rate.key == key:
            return rate.label, pct
    field = spec.field(key)
    return field.label, lambda v: figure(field, v) + field.unit


def ranking_text(agg) -> str:
    """二's comparison of townships: the leaders for each ranking key, with their figures."""
    towns = agg.townships[agg.townships["reported"] > 0]
    parts = []
    for key in agg.spec.ranking:
        label, show = _ranked_label(agg.spec, key)
        ranked = towns[towns[key].notna()]
        rank = f"rank_{key}"
        if rank in ranked:
            ranked = ranked.sort_values(rank, kind="stable")
        else:
            ranked = ranked.sort_values(key, ascending=False, kind="stable")
        top = [f"{row['township']}（{show(row[key])}）" for _, row in ranked.head(TOP_TOWNSHIPS).iterrows()]
        if top:
            parts.append(f"{label}居前的是{'、'.join(top)}")
    if not parts:
        return "各乡镇（街道）数据尚未报齐，排名待数据完整后再作比较。"
    return f"从各{TOWNSHIP_UNIT}看，{'；'.join(parts)}。"


def _tidy(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _quote_title(title: str) -> str:
    """A title to stand inside “…”: outer quotes and the full stop dropped, inner quotes made ‘…’."""
    title = title.rstrip("。")
    if title.startswith("“") and title.endswith("”"):
        title = title[1:-1]
    return title.replace("“", "‘").replace("”", "’") or "为民办实事"


def highlight_items(agg) -> list[dict[str, str]]:
    """One or two 典型事例 to quote, each from a different village, whitespace tidied."""
    title_key = agg.spec.highlights.by_role("title").key
    content_key = agg.spec.highlights.by_role("content").key
    items: list[dict[str, str]] = []
    seen: set[str] = set()  # villages, titles and contents already quoted: no two alike
    for _, row in agg.highlights.iterrows():
        content = _tidy(row.get(content_key))
        title = _quote_title(_tidy(row.get(title_key)))
        place = f"{row['township']}{row['village']}"
        if not content or seen & {place, title, content}:
            continue
        seen |= {place, title, content}
        if content[-1] not in "。！？”":
            content += "。"
        items.append({"乡镇": row["township"], "村": row["village"], "标题": title, "内容": content})
        if len(items) == MAX_HIGHLIGHTS:
            break
    return items


def _rounded_pct(value: float) -> float:
    return float(pct(value).rstrip("%"))


def _low_rate_items(agg):
    """Townships whose rate (as printed) is below the county's."""
    towns = agg.townships[agg.townships["reported"] > 0]
    for rate in agg.spec.rates:
        county_rate = agg.county[rate.key]
        if pd.isna(county_rate):
            continue
        values = towns[towns[rate.key].notna()]
        low = values[values[rate.key].map(_rounded_pct) < _rounded_pct(county_rate)]
        if low.empty:
            continue
        low = low.sort_values(rate.key, kind="stable")
        named = "、".join(
            f"{row['township']}（{pct(row[rate.key])}）" for _, row in low.head(MAX_NAMED).iterrows()
        )
        if len(low) > MAX_NAMED:
            named += f"等{len(low)}个{TOWNSHIP_UNIT}"
        yield (
            f"部分{TOWNSHIP_UNIT}{rate.label}偏低。",
            f"{named}的{rate.label}低于全县平均水平（{pct(county_rate)}），工作进度不够平衡。",
        )


def _missing_item(agg):
    progress = agg.progress
    missing = progress[progress["status"] == MISSING]
    returned = progress[progress["status"] == TO_CORRECT]
    if missing.empty and returned.empty:
        return None
    if missing.empty:
        sentence = ""
    elif len(missing) <= MAX_NAMED:
        names = "、".join(f"{t}{v}" for t, v in zip(missing["township"], missing["village"], strict=True))
        sentence = f"截至{cn_date(agg.as_of)}，{names}尚未报送活动情况"
    else:
        names = join_names(list(missing["village"]), VILLAGE_UNIT)
        detail = _counted(missing.groupby("township", sort=False).size())
        sentence = f"截至{cn_date(agg.as_of)}，{names}尚未报送活动情况，涉及{detail}"
    if not returned.empty:
        lead = "另有" if sentence else f"截至{cn_date(agg.as_of)}，"
        sentence += (
            f"{'；' if sentence else ''}{lead}{len(returned)}个{VILLAGE_UNIT}报送的报表有误，已退回更正"
        )
    return (f"部分{VILLAGE_UNIT}未按时报送。", f"{sentence}，全县数据还不完整。")


def _category_counts(agg) -> pd.Series:
    table = agg.category_status.drop(index="合计", errors="ignore")
    return table["合计"] if "合计" in table.columns else table.sum(axis=1)


def _category_item(agg):
    counts = _category_counts(agg)
    total = int(counts.sum())
    if total == 0:
        return None
    top = counts[counts > 0].sort_values(ascending=False, kind="stable").head(TOP_CATEGORIES)
    parts = "；".join(f"{name}类{int(n)}个，占{pct(n / total)}" for name, n in top.items())
    shown_all = len(top) == int((counts > 0).sum())
    tail = "" if len(top) < 2 or shown_all else f"，以上{len(top)}类合计占{pct(top.sum() / total)}"
    return ("问题类别相对集中。", f"台账登记的{total}个问题中，{parts}{tail}，是群众反映较集中的领域。")


def _overdue_item(agg):
    ledger = agg.ledger
    if ledger.empty or "overdue" not in ledger:
        return None
    overdue = ledger[ledger["overdue"].astype(bool)]
    if overdue.empty:
        return None
    by_town = overdue.groupby("township", sort=False).size().sort_values(ascending=False, kind="stable")
    return (
        "部分问题超期未办结。",
        f"有{len(overdue)}个问题已超过办理时限仍未解决，涉及{_counted(by_town)}，需加大督办力度。",
    )


def problem_items(agg) -> list[dict[str, str]]:
    """三's items, each found in the data: low rates, missing villages, categories, overdue items."""
    found = [*_low_rate_items(agg), _missing_item(agg), _category_item(agg), _overdue_item(agg)]
    found = [item for item in found if item]
    if not found:
        found = [
            ("成效还需持续巩固。", "各村（社区）均已报送，暂无超期未办结问题，但群众反映的问题仍需跟踪回访。")
        ]
    return [{"序号": ORDINALS[i], "标题": title, "内容": text} for i, (title, text) in enumerate(found)]


def open_count(agg) -> int | None:
    """Problems not yet solved: the first rate's denominator minus its numerator (梳理问题 − 已解决问题)."""
    if not agg.spec.rates:
        return None
    rate = agg.spec.rates[0]
    return int(agg.county[rate.denominator] - agg.county[rate.numerator])


def open_items_text(agg) -> str:
    """四's opening sentence: what remains open, split by ledger status."""
    remaining = open_count(agg)
    if remaining is None:
        return ""
    if remaining <= 0:
        return "目前全县梳理的问题已全部解决。"
    table = agg.category_status.drop(index="合计", errors="ignore")
    statuses = [s for s in table.columns if s not in ("合计", agg.spec.solved_status)]
    detail = "、".join(f"{s}{int(table[s].sum())}个" for s in statuses if table[s].sum() > 0)
    detail = f"（台账中{detail}）" if detail else ""
    return f"目前全县尚有{remaining}个问题未解决{detail}。"


def _attachment_row(spec, row: pd.Series) -> list[str]:
    figures = [figure(m, row[m.key]) for m in spec.metrics]
    rates = [pct(row[r.key]) for r in spec.rates]
    return [str(row["township"]), integer(row["expected"]), integer(row["reported"]), *figures, *rates]


def attachment_table(agg, first_header: str) -> tuple[list[str], list[list[str]]]:
    """The 附件 table as 全县汇总 has it: one row per township, then 合计; columns from the form."""
    spec = agg.spec
    header = [first_header, "应报村数", "已报村数", *(m.display_label for m in spec.metrics)]
    header += [r.label for r in spec.rates]
    rows = [_attachment_row(spec, row) for _, row in agg.townships.iterrows()]
    return header, rows + [_attachment_row(spec, agg.county)]


def county_figures(agg) -> dict[str, str]:
    """Every metric and rate of the 合计 row under its Chinese label (走访农户 → "12345")."""
    figures = {m.label: figure(m, agg.county[m.key]) for m in agg.spec.metrics}
    figures.update({r.label: pct(agg.county[r.key]) for r in agg.spec.rates})
    return figures


def build_context(agg, settings, report_date: date) -> dict[str, Any]:
    """Everything the template may use, by Chinese name; figures equal the workbook's 合计 row."""
    county = agg.county
    figures = county_figures(agg)
    missing = int((~agg.progress["reported"].astype(bool)).sum())
    highlights = highlight_items(agg)
    header, rows = attachment_table(agg, TOWNSHIP_UNIT)
    context: dict[str, Any] = {
        "县名": settings.county,
        "活动名称": settings.campaign,
        "发文单位": settings.office,
        "活动期间": settings.period,
        "活动时间": settings.period or "活动开展以来",
        "标题": f"{settings.county}“{settings.campaign}”活动工作总结",
        "截止日期": cn_date(agg.as_of),
        "成文日期": cn_date(report_date),
        "乡镇数": str(len(agg.townships)),
        "应报村数": integer(county["expected"]),
        "已报村数": integer(county["reported"]),
        "未报村数": str(missing),
        "指标": figures,
        "乡镇排名说明": ranking_text(agg),
        "典型事例": highlights,
        "典型事例说明": highlights_intro(len(agg.highlights), bool(highlights)),
        "存在问题": problem_items(agg),
        "未办结说明": open_items_text(agg),
        "未解决问题": "" if open_count(agg) is None else str(open_count(agg)),
        "附件表头": header,
        "附件表": rows,
    }
    # Labels that are Python identifiers can be written bare in the template: {{ 走访农户 }}.
    context.update({label: value for label, value in figures.items() if label.isidentifier()})
    return context
