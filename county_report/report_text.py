"""The 总结's context: its figures and data-driven sentences (rankings, 典型事例, 存在问题, open
items, the 附件 table) under the Chinese names the Word template uses.

Written here rather than in the Word template so the template stays plain text a clerk can edit;
every figure comes from the same Aggregate as the workbook's 合计 row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from .aggregate import (
    EXPECTED,
    GROUP,
    MISSING,
    OVERDUE,
    REPORTED_COUNT,
    STATUS,
    TO_CORRECT,
    TOTAL,
    TYPE,
    UNIT,
    rank_column,
)
from .cnformat import cn_date, integer, pct

ORDINALS = "一二三四五六七八九十"
TOP_TOWNSHIPS = 3  # named per ranking key in 二
MAX_NAMED = 3  # beyond this many villages or townships, name the first and count the rest
MAX_HIGHLIGHTS = 2
TOP_CATEGORIES = 3


def figure(field, value: Any) -> str:
    """A body figure exactly as the workbook holds it: integers plain, decimals up to two places."""
    return field.type.show(value)


def highlights_intro(count: int, quoted: bool, unit_name: str) -> str:
    """二's sentence before the quoted 典型事例, or what to say when none was reported."""
    if not quoted:
        return f"各{unit_name}暂未报送典型事例，下一步将加强发现、总结和宣传。"
    return f"各{unit_name}共报送典型事例{count}个，涌现出一批为民办实事的好做法，如："


def join_names(names: list[str], unit: str) -> str:
    """`黄龙村、青山村` when few; `黄龙村等12个村（社区）` when many."""
    if len(names) <= MAX_NAMED:
        return "、".join(names)
    return f"{names[0]}等{len(names)}个{unit}"


def _counted(counts: pd.Series, group_name: str) -> str:
    """`黄龙镇3个、青山乡2个`; with many townships `12个乡镇（街道），其中黄龙镇5个、青山乡4个、石门乡3个较多`."""
    if len(counts) <= MAX_NAMED + 2:
        return "、".join(f"{name}{int(n)}个" for name, n in counts.items())
    top = counts.sort_values(ascending=False, kind="stable").head(MAX_NAMED)
    named = "、".join(f"{name}{int(n)}个" for name, n in top.items())
    return f"{len(counts)}个{group_name}，其中{named}较多"


def _ranked_label(campaign, item):
    """The label of a ranking item and how to show a group's value of it."""
    if item in campaign.rates:
        return item.label, pct
    return item.label, lambda v: figure(item, v) + item.unit


def ranking_text(agg) -> str:
    """二's comparison of groups: the leaders for each ranking item, with their figures."""
    breakdown = agg.campaign.scope.breakdown.name
    towns = agg.groups[agg.groups[REPORTED_COUNT] > 0]
    parts = []
    for item in agg.campaign.ranking:
        label, show = _ranked_label(agg.campaign, item)
        ranked = towns[towns[item.key].notna()]
        ranked = ranked.sort_values(rank_column(item.key), kind="stable")
        top = [f"{row[GROUP]}（{show(row[item.key])}）" for _, row in ranked.head(TOP_TOWNSHIPS).iterrows()]
        if top:
            parts.append(f"{label}居前的是{'、'.join(top)}")
    if not parts:
        return f"各{breakdown}数据尚未报齐，排名待数据完整后再作比较。"
    return f"从各{breakdown}看，{'；'.join(parts)}。"


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
    title_key = agg.campaign.highlights.by_role("title").key
    content_key = agg.campaign.highlights.by_role("content").key
    items: list[dict[str, str]] = []
    seen: set[str] = set()  # villages, titles and contents already quoted: no two alike
    for _, row in agg.highlights.iterrows():
        content = _tidy(row.get(content_key))
        title = _quote_title(_tidy(row.get(title_key)))
        place = f"{row[GROUP]}{row[UNIT]}"
        if not content or seen & {place, title, content}:
            continue
        seen |= {place, title, content}
        if content[-1] not in "。！？”":
            content += "。"
        items.append({"乡镇": row[GROUP], "村": row[UNIT], "标题": title, "内容": content})
        if len(items) == MAX_HIGHLIGHTS:
            break
    return items


def _rounded_pct(value: float) -> float:
    return float(pct(value).rstrip("%"))


def _low_rate_items(agg):
    """Groups whose rate (as printed) is below the body's."""
    scope = agg.campaign.scope
    towns = agg.groups[agg.groups[REPORTED_COUNT] > 0]
    for rate in agg.campaign.rates:
        county_rate = agg.body[rate.key]
        if pd.isna(county_rate):
            continue
        values = towns[towns[rate.key].notna()]
        low = values[values[rate.key].map(_rounded_pct) < _rounded_pct(county_rate)]
        if low.empty:
            continue
        low = low.sort_values(rate.key, kind="stable")
        named = "、".join(
            f"{row[GROUP]}（{pct(row[rate.key])}）" for _, row in low.head(MAX_NAMED).iterrows()
        )
        if len(low) > MAX_NAMED:
            named += f"等{len(low)}个{scope.breakdown.name}"
        yield (
            f"部分{scope.breakdown.name}{rate.label}偏低。",
            f"{named}的{rate.label}低于{scope.body.whole}平均水平（{pct(county_rate)}），工作进度不够平衡。",
        )


def _missing_item(agg):
    scope, progress = agg.campaign.scope, agg.progress
    unit_name = scope.unit.name
    missing = progress[progress[STATUS] == MISSING]
    returned = progress[progress[STATUS] == TO_CORRECT]
    if missing.empty and returned.empty:
        return None
    if missing.empty:
        sentence = ""
    elif len(missing) <= MAX_NAMED:
        names = "、".join(f"{t}{v}" for t, v in zip(missing[GROUP], missing[UNIT], strict=True))
        sentence = f"截至{cn_date(agg.as_of)}，{names}尚未报送活动情况"
    else:
        names = join_names(list(missing[UNIT]), unit_name)
        detail = (
            _counted(missing.groupby(GROUP, sort=False).size(), scope.breakdown.name) if scope.group else ""
        )
        sentence = f"截至{cn_date(agg.as_of)}，{names}尚未报送活动情况" + (
            f"，涉及{detail}" if detail else ""
        )
    if not returned.empty:
        lead = "另有" if sentence else f"截至{cn_date(agg.as_of)}，"
        sentence += f"{'；' if sentence else ''}{lead}{len(returned)}个{unit_name}报送的报表有误，已退回更正"
    return (f"部分{unit_name}未按时报送。", f"{sentence}，{scope.body.whole}数据还不完整。")


def _category_counts(agg) -> pd.Series:
    table = agg.category_status.drop(index=TOTAL, errors="ignore")
    return table[TOTAL] if TOTAL in table.columns else table.sum(axis=1)


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
    if ledger.empty or OVERDUE not in ledger:
        return None
    overdue = ledger[ledger[OVERDUE].astype(bool)]
    if overdue.empty:
        return None
    scope = agg.campaign.scope
    by_town = overdue.groupby(GROUP if scope.group else UNIT, sort=False).size()
    by_town = by_town.sort_values(ascending=False, kind="stable")
    return (
        "部分问题超期未办结。",
        f"有{len(overdue)}个问题已超过办理时限仍未解决，涉及{_counted(by_town, scope.breakdown.name)}，需加大督办力度。",
    )


def problem_items(agg) -> list[dict[str, str]]:
    """三's items, each found in the data: low rates, missing villages, categories, overdue items."""
    found = [*_low_rate_items(agg), _missing_item(agg), _category_item(agg), _overdue_item(agg)]
    found = [item for item in found if item]
    if not found:
        unit_name = agg.campaign.scope.unit.name
        found = [
            (
                "成效还需持续巩固。",
                f"各{unit_name}均已报送，暂无超期未办结问题，但群众反映的问题仍需跟踪回访。",
            )
        ]
    return [{"序号": ORDINALS[i], "标题": title, "内容": text} for i, (title, text) in enumerate(found)]


def open_count(agg) -> int | None:
    """Problems not yet solved: the first rate's denominator minus its numerator (梳理问题 − 已解决问题)."""
    if not agg.campaign.rates:
        return None
    rate = agg.campaign.rates[0]
    return int(agg.body[rate.denominator.key] - agg.body[rate.numerator.key])


def open_items_text(agg) -> str:
    """四's opening sentence: what remains open, split by ledger status."""
    remaining = open_count(agg)
    if remaining is None:
        return ""
    whole = agg.campaign.scope.body.whole
    if remaining <= 0:
        return f"目前{whole}梳理的问题已全部解决。"
    table = agg.category_status.drop(index=TOTAL, errors="ignore")
    statuses = [s for s in table.columns if s not in (TOTAL, agg.campaign.solved_status)]
    detail = "、".join(f"{s}{int(table[s].sum())}个" for s in statuses if table[s].sum() > 0)
    detail = f"（台账中{detail}）" if detail else ""
    return f"目前{whole}尚有{remaining}个问题未解决{detail}。"


def _attachment_row(campaign, row: pd.Series, total: bool) -> list[str]:
    figures = [figure(m, row[m.key]) for m in campaign.metrics]
    rates = [pct(row[r.key]) for r in campaign.rates]
    if campaign.has_groups:
        counts = [integer(row[EXPECTED]), integer(row[REPORTED_COUNT])]
    else:
        counts = [integer(row[REPORTED_COUNT]) if total else ("已报" if row[REPORTED_COUNT] else "未报")]
    return [str(row[GROUP]), *counts, *figures, *rates]


def attachment_table(agg) -> tuple[list[str], list[list[str]]]:
    """The 附件 table as the summary sheet has it: one row per group, then 合计; columns from the definition."""
    campaign, scope = agg.campaign, agg.campaign.scope
    counts = [scope.expected_header, scope.reported_header] if campaign.has_groups else ["上报情况"]
    header = [scope.breakdown.name, *counts, *(m.display_label for m in campaign.metrics)]
    header += [r.label for r in campaign.rates]
    rows = [_attachment_row(campaign, row, False) for _, row in agg.groups.iterrows()]
    return header, rows + [_attachment_row(campaign, agg.body, True)]


def body_figures(agg) -> dict[str, str]:
    """Every metric and rate of the 合计 row under its Chinese label (走访农户 → "12345")."""
    figures = {m.label: figure(m, agg.body[m.key]) for m in agg.campaign.metrics}
    figures.update({r.label: pct(agg.body[r.key]) for r in agg.campaign.rates})
    return figures


def build_context(agg, settings, report_date: date) -> dict[str, Any]:
    """Everything the template may use, by Chinese name; figures equal the workbook's 合计 row.

    Count names take the office's nouns (应报村数 for a county over villages, 应报单位数 …);
    the same counts are also given under names that fit every office (应报数, 已报数, 未报数).
    """
    scope, body = agg.campaign.scope, agg.body
    figures = body_figures(agg)
    missing = int((~agg.progress[REPORTED_COUNT].astype(bool)).sum())
    highlights = highlight_items(agg)
    header, rows = attachment_table(agg)
    counts = {
        "组数": str(len(agg.groups)) if scope.group else "",
        "应报数": integer(body[EXPECTED]),
        "已报数": integer(body[REPORTED_COUNT]),
        "未报数": str(missing),
    }
    context: dict[str, Any] = {
        "县名": settings.county,
        "本级名称": settings.county,
        "活动名称": settings.campaign,
        "发文单位": settings.office,
        "活动期间": settings.period,
        "活动时间": settings.period or "活动开展以来",
        "标题": f"{settings.county}“{settings.campaign}”活动工作总结",
        "截止日期": cn_date(agg.as_of),
        "成文日期": cn_date(report_date),
        "本级称呼": scope.body.whole,
        "分组层级": scope.group.name if scope.group else "",
        "单位层级": scope.unit.name,
        **counts,
        f"{scope.group.short}数" if scope.group else "组数": counts["组数"],
        f"应报{scope.unit.short}数": counts["应报数"],
        f"已报{scope.unit.short}数": counts["已报数"],
        f"未报{scope.unit.short}数": counts["未报数"],
        "类型统计": type_counts(agg),
        "指标": figures,
        "乡镇排名说明": ranking_text(agg),
        "排名说明": ranking_text(agg),
        "典型事例": highlights,
        "典型事例说明": highlights_intro(len(agg.highlights), bool(highlights), scope.unit.name),
        "存在问题": problem_items(agg),
        "未办结说明": open_items_text(agg),
        "未解决问题": "" if open_count(agg) is None else str(open_count(agg)),
        "附件表头": header,
        "附件表": rows,
    }
    # Labels that are Python identifiers can be written bare in the template: {{ 走访农户 }}.
    context.update({label: value for label, value in figures.items() if label.isidentifier()})
    return context


def type_counts(agg) -> list[dict[str, str]]:
    """Per unit type, how many are expected and have reported: 37个村、1个居委会."""
    return [
        {"类型": str(row[TYPE]), "应报数": integer(row[EXPECTED]), "已报数": integer(row[REPORTED_COUNT])}
        for _, row in agg.types.iterrows()
    ]
