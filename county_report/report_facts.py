"""The 总结's facts, under the Chinese names the Word template uses: figures, rankings, the issues
worth stating, the open items, highlights and what is still to be filled in by hand.

Python supplies facts (figures, lists, shares, gaps, ties, flags), never sentences: every
sentence stands in the Word template, where a clerk can reword it. Every figure comes from the
same Aggregate as the workbook, and is written by the one style function (cnformat.styled).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
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
from .cnformat import PERCENT, Style, cn_date, cn_ordinal, integer, money, pct, styled
from .definition import CONTENT, TITLE, key_metrics
from .report import PLACEHOLDER_END, PLACEHOLDER_START

TOP_NAMED = 3  # groups named per ranking, categories per 存在问题 item
MAX_NAMED = 3  # beyond this many places, name the first and count the rest
MAX_HIGHLIGHTS = 2
ENDERS = "。！？!?…"  # a quoted 典型事例 that ends in one of these is a whole sentence
CLOSERS = "”’\"'」』）)"  # closing quotes and brackets a sentence may end inside
POINTS = Style(wan=None, yi=None, plain_digits=1, unit="个百分点")
CONCENTRATED_SHARE = 0.6  # the leading categories together hold at least this share…
CONCENTRATED_GAP = 0.1  # …and the first stands this far (in share) above the average of the rest
PLACEHOLDER = PLACEHOLDER_START + "{}" + PLACEHOLDER_END  # what report.py finds and highlights


@dataclass(frozen=True)
class Figure:
    """A figure as the report writes it: `{{ 走访农户 }}` prints 4.84万户; `.值` is the exact value."""

    名称: str
    值: Any
    单位: str
    样式: Style

    def __str__(self) -> str:
        return styled(self.值, self.样式, self.单位)

    @property
    def 文(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Placeholder:
    """A fact the data cannot know (文件, 会议, 领导): printed 【请补充：…】 and highlighted in Word."""

    内容: str

    def __str__(self) -> str:
        return PLACEHOLDER.format(self.内容)


def figure(metric, value: Any) -> Figure:
    return Figure(metric.label, _plain(value), metric.unit, metric.style)


def rate_figure(rate, value: Any) -> Figure:
    return Figure(rate.label, _plain(value), "", rate.style)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


class Names:
    """How places are named in prose: a unit whose name recurs under another group carries its group
    (城关镇春晖社区), so no sentence is ambiguous."""

    def __init__(self, progress: pd.DataFrame):
        counts = Counter(progress[UNIT].tolist())
        self.repeated = {name for name, n in counts.items() if n > 1}

    def unit(self, group: str, unit: str) -> str:
        return f"{group}{unit}" if unit in self.repeated and group else unit

    def place(self, group: str, unit: str) -> str:
        """Always with its group: 城关镇东风村."""
        return f"{group}{unit}"


def build_context(agg, settings, report_date: date, comparison=None) -> dict[str, Any]:
    """Everything the template may use, by Chinese name; figures equal the workbook's 合计 row.

    `comparison` (periods.Comparison): this period against the previous one on record, if any."""
    campaign, scope, body = agg.campaign, agg.campaign.scope, agg.body
    names = Names(agg.progress)
    figures = {m.label: figure(m, body[m.key]) for m in campaign.figures}
    figures |= {r.label: rate_figure(r, body[r.key]) for r in campaign.rates}
    written = texts(agg, names)
    header, table = attachment_table(agg)
    missing = int((agg.progress[STATUS] == MISSING).sum())
    to_correct = int((agg.progress[STATUS] == TO_CORRECT).sum())
    context: dict[str, Any] = {
        "本级名称": settings.county,
        "县名": settings.county,
        "活动名称": settings.campaign,
        "发文单位": settings.office,
        "活动期间": settings.period,
        "活动时间": settings.period or "活动开展以来",
        "标题": settings.report_title,
        "截止日期": cn_date(agg.as_of),
        "成文日期": cn_date(report_date),
        "本级称呼": scope.body.whole,
        "本级层级": scope.body.name,
        "分组层级": scope.group.name if scope.group else "",
        "单位层级": scope.unit.name,
        "单位简称": scope.unit.short,
        "组数": len(agg.groups) if scope.group else 0,
        "应报数": int(body[EXPECTED]),
        "已报数": int(body[REPORTED_COUNT]),
        "未报数": missing,
        "有误数": to_correct,
        "全部报送": missing == 0 and to_correct == 0,
        "类型统计": type_counts(agg),
        "指标": figures,
        "指标分组": metric_sections(agg),
        "文字": written,
        "排名": rankings(agg),
        "典型事例": highlight_items(agg, names),
        "典型事例数": len(agg.highlights),
        "滞后": lagging(agg),
        "类别": categories(agg),
        "超期": overdue(agg),
        "台账": ledger_facts(agg),
        "未解决": open_items(agg),
        "补充": {p.key: filled(p, written) for p in campaign.definition.report.placeholders},
        "附件表头": header,
        "附件表": table,
    }
    context |= period_facts(agg, comparison, names)
    context["范围"] = scope_phrase(context)
    context["存在问题"] = issues(context)
    context["无问题"] = not context["存在问题"]
    # the noun-named counts a hand-made template may use: 乡镇数, 应报村数, 已报村数, 未报村数
    if scope.group:
        context[f"{scope.group.short}数"] = context["组数"]
    for word, key in (("应报", "应报数"), ("已报", "已报数"), ("未报", "未报数")):
        context[f"{word}{scope.unit.short}数"] = context[key]
    # labels that are Python identifiers can be written bare in the template: {{ 走访农户 }}
    context.update({label: value for label, value in figures.items() if label.isidentifier()})
    return context


def scope_phrase(context: dict[str, Any]) -> str:
    """Whom the figures speak for: 全县 when every unit reported, else 已报送的144个村（社区）."""
    if context["全部报送"]:
        return context["本级称呼"]
    return f"已报送的{context['已报数']}个{context['单位层级']}"


def issues(context: dict[str, Any]) -> list[dict[str, Any]]:
    """三、存在问题 in order, each a fact with its kind (滞后, 集中, 超期) and its number （一）."""
    found = [{"类型": "滞后", **item} for item in context["滞后"]]
    if context["类别"]["集中"]:
        found.append({"类型": "集中", **context["类别"]})
    if context["超期"]["个数"]:
        found.append({"类型": "超期", **context["超期"]})
    return [{**item, "序号": cn_ordinal(i + 1)} for i, item in enumerate(found)]


def filled(placeholder, written: dict[str, list[dict[str, str]]]) -> Any:
    """A placeholder's content: what units wrote in its text metric (`written`, from texts), else
    【请补充：…】."""
    if placeholder.source is not None:
        rows = written.get(placeholder.source.label, [])
        if rows:
            return "；".join(f"{r['单位']}{r['内容'].rstrip('。；')}" for r in rows) + "。"
    return Placeholder(placeholder.label)


def type_counts(agg) -> list[dict[str, Any]]:
    """Per unit type: how many are expected and have reported (37个村、1个居委会)."""
    return [
        {"类型": str(row[TYPE]), "应报数": int(row[EXPECTED]), "已报数": int(row[REPORTED_COUNT])}
        for _, row in agg.types.iterrows()
    ]


def metric_sections(agg) -> list[dict[str, Any]]:
    """The metrics as the definition groups them for 二、取得成效 (its `section` key), in order."""
    sections: dict[str, list] = {}
    for m in agg.campaign.figures:
        sections.setdefault(m.section, []).append(figure(m, agg.body[m.key]))
    return [{"名称": name, "指标": items} for name, items in sections.items()]


def texts(agg, names: Names) -> dict[str, list[dict[str, str]]]:
    """What each unit wrote in a text metric (主要做法…), by the metric's label."""
    out = {}
    for m in agg.campaign.texts:
        rows = agg.units[[GROUP, UNIT, m.key]]
        out[m.label] = [
            {"单位": names.unit(g, u), "内容": _tidy(t)}
            for g, u, t in rows.itertuples(index=False)
            if _tidy(t)
        ]
    return out


def rankings(agg) -> list[dict[str, Any]]:
    """Per ranking item, the leading groups in tiers: equal figures share a tier (并列)."""
    campaign = agg.campaign
    reporting = agg.groups[agg.groups[REPORTED_COUNT] > 0]
    out = []
    for item in campaign.ranking:
        ranked = reporting[reporting[item.key].notna()].sort_values(rank_column(item.key), kind="stable")
        make = rate_figure if item in campaign.rates else figure
        tiers: list[dict[str, Any]] = []
        named = 0
        for rank, rows in ranked.groupby(rank_column(item.key), sort=True):
            if named >= TOP_NAMED:
                break
            groups = rows[GROUP].tolist()
            tiers.append(
                {
                    "名次": int(rank),
                    "单位": groups,
                    "值": make(item, rows[item.key].iloc[0]),
                    "并列": len(groups) > 1,
                }
            )
            named += len(groups)
        everyone = len(tiers) == 1 and len(tiers[0]["单位"]) == len(ranked) > 1
        out.append({"指标": item.label, "前列": tiers, "全部相同": everyone})
    return [r for r in out if r["前列"]]


def highlight_items(agg, names: Names) -> list[dict[str, str]]:
    """One or two 典型事例 to quote, each from a different unit, whitespace tidied."""
    table = agg.campaign.highlights
    title_key, content_key = table.by_role(TITLE).key, table.by_role(CONTENT).key
    items: list[dict[str, str]] = []
    seen: set[str] = set()  # places, titles and contents already quoted: no two alike
    for _, row in agg.highlights.iterrows():
        content = _tidy(row.get(content_key))
        title = _quote_title(_tidy(row.get(title_key)))
        place = names.place(row[GROUP], row[UNIT])
        if not content or seen & {place, title, content}:
            continue
        seen |= {place, title, content}
        if not _ends_a_sentence(content):
            content += "。"
        items.append({"单位": place, "乡镇": row[GROUP], "村": row[UNIT], "标题": title, "内容": content})
        if len(items) == MAX_HIGHLIGHTS:
            break
    return items


def _ends_a_sentence(text: str) -> bool:
    """Ends in 。！？ or …, inside closing quotes or brackets too (说："路通了。" needs no 。 after)."""
    return text.rstrip(CLOSERS)[-1:] in ENDERS


def _tidy(value: Any) -> str:
    """Whitespace collapsed, and straight double quotes typed in pairs made Chinese “…”."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())
    if text.count('"') % 2 == 0:
        parts = text.split('"')
        text = "".join(part + ("“" if i % 2 == 0 else "”") for i, part in enumerate(parts[:-1])) + parts[-1]
    return text


def _quote_title(title: str) -> str:
    """A title to stand inside “…”: outer quotes and the full stop dropped, inner quotes made ‘…’."""
    title = title.rstrip("。")
    if title.startswith("“") and title.endswith("”"):
        title = title[1:-1]
    return title.replace("“", "‘").replace("”", "’") or "为民办实事"


def lagging(agg) -> list[dict[str, Any]]:
    """Per progress rate: the groups whose figure trails the body's by at least the definition's
    rule (lag_points, in percentage points); a composition share never lags."""
    campaign = agg.campaign
    points = campaign.definition.report.lag_points / 100
    reporting = agg.groups[agg.groups[REPORTED_COUNT] > 0]
    out = []
    for rate in (r for r in campaign.rates if r.is_progress):
        average = agg.body[rate.key]
        if average is None or pd.isna(average):
            continue
        behind = reporting[reporting[rate.key].notna() & (reporting[rate.key] <= average - points)]
        behind = behind.sort_values(rate.key, kind="stable")
        if behind.empty:
            continue
        rows = [
            {
                "名称": g,
                "值": rate_figure(rate, v),
                "差": Figure("差距", round((average - v) * 100, 1), "", POINTS),
            }
            for g, v in zip(behind[GROUP], behind[rate.key], strict=True)
        ]
        out.append(
            {
                "比率": rate.label,
                "平均": rate_figure(rate, average),
                "门槛": Figure("门槛", campaign.definition.report.lag_points, "", POINTS),
                "单位": rows[:MAX_NAMED],
                "个数": len(rows),
            }
        )
    return out


def categories(agg) -> dict[str, Any]:
    """The ledger's problems by category: shares, the leading ones (ties together), and whether
    they really concentrate (`集中`): the leaders hold most problems and stand clearly above the rest."""
    table = agg.category_status.drop(index=TOTAL, errors="ignore")
    counts = (table[TOTAL] if TOTAL in table.columns else table.sum(axis=1)).astype(int)
    total = int(counts.sum())
    nonzero = counts[counts > 0].sort_values(ascending=False, kind="stable")
    if total == 0:
        return {"总数": 0, "集中": False, "前列": [], "前列占比": rate_like(None), "类别数": 0}
    tiers: list[dict[str, Any]] = []
    named = 0
    for n, rows in nonzero.groupby(nonzero, sort=False):
        if named >= TOP_NAMED:
            break
        tiers.append(
            {"类别": list(rows.index), "个数": int(n), "占比": rate_like(n / total), "并列": len(rows) > 1}
        )
        named += len(rows)
    tiers.sort(key=lambda t: -t["个数"])
    leading = sum(t["个数"] * len(t["类别"]) for t in tiers)
    others = [int(v) for v in nonzero.iloc[named:].tolist()]
    first_share = tiers[0]["个数"] / total
    rest = (
        (total - tiers[0]["个数"] * len(tiers[0]["类别"]))
        / max(len(nonzero) - len(tiers[0]["类别"]), 1)
        / total
    )
    concentrated = (
        len(nonzero) > 1
        and len(tiers[0]["类别"]) < len(nonzero)
        and leading / total >= CONCENTRATED_SHARE
        and first_share - rest >= CONCENTRATED_GAP
    ) or len(nonzero) == 1
    return {
        "总数": total,
        "集中": bool(concentrated),
        "前列": tiers,
        "前列占比": rate_like(leading / total),
        "类别数": int(len(nonzero)),
        "其余类别数": len(others),
    }


def rate_like(value: Any) -> Figure:
    return Figure("占比", value, "", PERCENT)


def overdue(agg) -> dict[str, Any]:
    """Ledger items past their 办理时限 and not solved, by group."""
    ledger = agg.ledger
    if ledger.empty or OVERDUE not in ledger:
        return {"个数": 0, "分布": []}
    late = ledger[ledger[OVERDUE].astype(bool)]
    by = GROUP if agg.campaign.has_groups else "_unit"
    counts = late.groupby(by, sort=False).size().sort_values(ascending=False, kind="stable")
    return {"个数": len(late), "分布": [{"名称": n, "个数": int(c)} for n, c in counts.items()]}


def open_items(agg) -> dict[str, Any]:
    """What remains open: a progress rate's denominator minus its numerator and, when the ledger is
    the list of that denominator's items (a ledger-count check ties them), its open items by status."""
    rates = [r for r in agg.campaign.rates if r.is_progress]
    if not rates:
        return {"有": False, "个数": 0, "状态": []}
    counted = {c.metric.key for c in agg.campaign.checks if getattr(c, "full_ledger", False) and not c.status}
    rate = next((r for r in rates if r.denominator.key in counted), rates[0])
    remaining = int(agg.body[rate.denominator.key] - agg.body[rate.numerator.key])
    by_status = []
    if rate.denominator.key in counted:
        table = agg.category_status.drop(index=TOTAL, errors="ignore")
        statuses = [s for s in table.columns if s not in (TOTAL, agg.campaign.solved_status)]
        by_status = [{"状态": s, "个数": int(table[s].sum())} for s in statuses if int(table[s].sum()) > 0]
    return {"有": remaining > 0, "个数": remaining, "指标": rate.denominator.label, "状态": by_status}


def ledger_facts(agg) -> dict[str, dict[str, Any]]:
    """Each further ledger's rows, rows per status and distinct categories, for the whole body."""
    out = {}
    for table in agg.campaign.tables:
        stats = agg.table_stats[table.key].loc[TOTAL]
        out[table.sheet] = {str(k): int(v) for k, v in stats.items()}
    return out


def attachment_table(agg) -> tuple[list[str], list[list[str]]]:
    """The 附件 table as the summary sheet has it: one row per group, then 合计; exact figures."""
    campaign, scope = agg.campaign, agg.campaign.scope
    counts = [scope.expected_header, scope.reported_header] if campaign.has_groups else ["上报情况"]
    header = [scope.breakdown.name, *counts, *(m.display_label for m in campaign.figures)]
    header += [r.label for r in campaign.rates]
    rows = [_attachment_row(campaign, row, False) for _, row in agg.groups.iterrows()]
    return header, rows + [_attachment_row(campaign, agg.body, True)]


def _attachment_row(campaign, row: pd.Series, total: bool) -> list[str]:
    figures = [_exact(m, row[m.key]) for m in campaign.figures]
    rates = [pct(row[r.key], r.style.digits) for r in campaign.rates]
    if campaign.has_groups:
        counts = [integer(row[EXPECTED]), integer(row[REPORTED_COUNT])]
    else:
        counts = [integer(row[REPORTED_COUNT]) if total else ("已报" if row[REPORTED_COUNT] else "未报")]
    return [str(row[GROUP]), *counts, *figures, *rates]


def _exact(metric, value: Any) -> str:
    """A figure exactly as the workbook holds it (the 附件 is a statistical table)."""
    if metric.style.percent:
        return pct(value, metric.style.digits)
    return integer(value) if metric.type.scale == 1 and metric.kind.additive else money(value)


def period_facts(agg, comparison, names: Names) -> dict[str, Any]:
    """有上期, 上期截止日期, 较上期 (every figure's change, by name), 变化 (the key figures' changes, in
    order) and 两期 (who reported in both periods, who in one only). Sizes are written without a
    sign: the direction (增加, 减少, 持平) is a fact of its own, for the template to word."""
    campaign = agg.campaign
    if comparison is None:
        both = {"可比数": 0, "仅本期": [], "仅本期数": 0, "仅上期": [], "仅上期数": 0, "全部可比": True}
        return {"有上期": False, "上期截止日期": "", "较上期": {}, "变化": [], "两期": both}
    items = {item.key: item for item in (*campaign.figures, *campaign.rates)}
    changes = {key: change_fact(items[key], c) for key, c in comparison.changes.items()}
    now = [names.unit(g, u) for g, u in comparison.only_now]
    before = [names.unit(g, u) for g, u in comparison.only_before]
    return {
        "有上期": True,
        "上期截止日期": cn_date(comparison.previous.period),
        "较上期": {changes[key]["名称"]: fact for key, fact in changes.items()},
        "变化": [changes[m.key] for m in key_metrics(campaign) if m.key in changes],
        "两期": {
            "可比数": len(comparison.comparable),
            "仅本期": now,
            "仅本期数": len(now),
            "仅上期": before,
            "仅上期数": len(before),
            "全部可比": not now and not before,
        },
    }


def change_fact(item, change) -> dict[str, Any]:
    """One figure against the previous period, as the template words it."""
    make = rate_figure if not hasattr(item, "kind") else figure
    percent = change.percent
    size = None if percent else Figure(item.label, abs(change.delta), getattr(item, "unit", ""), item.style)
    points = None
    if percent:
        style = Style(wan=None, yi=None, plain_digits=item.style.digits, unit="个百分点")
        points = Figure("百分点", abs(change.points), "", style)
    ratio = None if change.ratio is None else Figure("幅度", abs(change.ratio), "", PERCENT)
    return {
        "名称": item.label,
        "本期": make(item, change.current),
        "上期": make(item, change.previous),
        "新增": size,
        "方向": change.direction,
        "幅度": ratio,
        "百分点": points,
        "累计": change.cumulative,
        "比率": percent,
        "可比数": change.comparable,
    }
