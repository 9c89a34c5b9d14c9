"""The 总结 template generated from a definition: what a run renders when templates/ holds no
Word template, and what `python run_report.py template` writes for a clerk to tune in Word.

Every sentence is template text over the facts of report_facts: the four parts, a sentence per
metric from the phrase its definition carries (grouped by `section`), rankings, the issues worth
stating, the open items, the 附件 table, the signature and the date.
"""

from __future__ import annotations

from .cnformat import cn_ordinal
from .definition import STATUS, Campaign, TableSpec
from .report_layout import build

COMMENTS = "由报表助手按活动定义生成；可在 Word 中直接修改文字，花括号中的标记请勿改动。"

TITLE = "{{ 本级名称 }}“{{ 活动名称 }}”活动工作总结"
TABLE_TITLE = "{{ 本级名称 }}“{{ 活动名称 }}”活动情况统计表"
GROUPS = "{% if 分组层级 %}{{ 分组层级 }}{% else %}{{ 单位层级 }}{% endif %}"
OPENING = (
    "{{ 活动时间 }}，{{ 本级名称 }}按照上级统一部署，在{{ 本级称呼 }}"
    "{% if 分组层级 %}{{ 组数 }}个{{ 分组层级 }}{% endif %}{{ 应报数 }}个{{ 单位层级 }}"
    "深入开展“{{ 活动名称 }}”活动。截至{{ 截止日期 }}，"
    "{% if 全部报送 %}各{{ 单位层级 }}均已报送活动情况{% else %}已有{{ 已报数 }}个{{ 单位层级 }}报送活动情况{% endif %}"
    "。现将有关情况总结如下："
)
RANKING = (
    "{% for 项 in 排名 %}{{ 项.指标 }}"
    "{% if 项.全部相同 %}各" + GROUPS + "相同（{{ 项.前列[0].值 }}）{% else %}居前的是"
    "{% for 档 in 项.前列 %}{{ 档.单位|join('、') }}（{% if 档.并列 %}并列，{% endif %}{{ 档.值 }}）"
    "{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}"
    "{% if not loop.last %}；{% else %}。{% endif %}{% endfor %}"
)
HIGHLIGHTS_INTRO = (
    "{% if 典型事例 %}各{{ 单位层级 }}共报送典型事例{{ 典型事例数 }}个，如："
    "{% else %}各{{ 单位层级 }}暂未报送典型事例，下一步将加强发现、总结和宣传。{% endif %}"
)
HIGHLIGHT = "{{ 例.单位 }}“{{ 例.标题 }}”：{{ 例.内容 }}"
NOTHING = (
    "{{ 本级称呼 }}“{{ 活动名称 }}”活动总体进展顺利，各" + GROUPS + "工作进度较为均衡，"
    "暂无超期未办结的问题，群众反映的问题仍需持续跟踪回访。"
)
LAGGING = (
    "部分" + GROUPS + "{{ 项.比率 }}偏低。",
    "{% for 组 in 项.单位 %}{{ 组.名称 }}（{{ 组.值 }}）{% if not loop.last %}、{% endif %}{% endfor %}"
    "{% if 项.个数 > 项.单位|length %}等{{ 项.个数 }}个" + GROUPS + "{% endif %}"
    "的{{ 项.比率 }}低于{{ 本级称呼 }}平均水平（{{ 项.平均 }}）{{ 项.门槛 }}以上，工作进度不够平衡。",
)
CONCENTRATED = (
    "问题类别相对集中。",
    "台账登记的{{ 项.总数 }}个问题中，"
    "{% for 档 in 项.前列 %}{{ 档.类别|join('、') }}类{% if 档.并列 %}各{% endif %}{{ 档.个数 }}个、"
    "{% if 档.并列 %}各{% endif %}占{{ 档.占比 }}{% if not loop.last %}；{% endif %}{% endfor %}"
    "，是群众反映较集中的领域。",
)
OVERDUE = (
    "部分问题超期未办结。",
    "有{{ 项.个数 }}个问题已超过办理时限仍未解决，涉及"
    "{% for 组 in 项.分布[:3] %}{{ 组.名称 }}{{ 组.个数 }}个{% if not loop.last %}、{% endif %}{% endfor %}"
    "{% if 项.分布|length > 3 %}等{{ 项.分布|length }}个" + GROUPS + "{% endif %}，需加大督办力度。",
)
# 较上期: each key figure as it stands and how it moved since the previous period on record, worded
# by its nature: a rate in percentage points, a to-date total by its 本期新增, a per-period figure
# against the last period's. Sizes come without a sign; 增加/减少/持平 choose the words.
CHANGE = (
    "{% if 项.比率 %}{{ 项.名称 }}{{ 项.本期 }}，{% if 项.方向 == '持平' %}与上期持平"
    "{% else %}较上期{% if 项.方向 == '增加' %}提高{% else %}降低{% endif %}{{ 项.百分点 }}{% endif %}"
    "{% elif 项.累计 %}累计{{ 项.名称 }}{{ 项.本期 }}，{% if 项.方向 == '持平' %}本期无新增"
    "{% elif 项.方向 == '增加' %}本期新增{{ 项.新增 }}{% if 项.幅度 %}，较上期增长{{ 项.幅度 }}{% endif %}"
    "{% else %}较上期减少{{ 项.新增 }}{% endif %}"
    "{% else %}本期{{ 项.名称 }}{{ 项.本期 }}，{% if 项.方向 == '持平' %}与上期持平"
    "{% else %}较上期{{ 项.方向 }}{{ 项.新增 }}{% if 项.幅度 %}"
    "（{% if 项.方向 == '增加' %}增长{% else %}下降{% endif %}{{ 项.幅度 }}）{% endif %}{% endif %}{% endif %}"
)
CHANGES = (
    "{% if 有上期 and 变化 %}与上期（截至{{ 上期截止日期 }}）相比，"
    "{% for 项 in 变化 %}" + CHANGE + "{% if not loop.last %}；{% else %}。{% endif %}{% endfor %}"
    "{% if not 两期.全部可比 %}（新增数按两期都报送的{{ 两期.可比数 }}个{{ 单位层级 }}计算"
    "{% if 两期.仅本期 %}；{{ 两期.仅本期[:3]|join('、') }}{% if 两期.仅本期数 > 3 %}等{{ 两期.仅本期数 }}个{{ 单位层级 }}{% endif %}上期未报送{% endif %}"
    "{% if 两期.仅上期 %}；{{ 两期.仅上期[:3]|join('、') }}{% if 两期.仅上期数 > 3 %}等{{ 两期.仅上期数 }}个{{ 单位层级 }}{% endif %}本期未报送{% endif %}"
    "。）{% endif %}{% endif %}"
)
OPEN = (
    "{% if 未解决.有 %}目前{{ 范围 }}尚有{{ 未解决.个数 }}个问题未解决"
    "{% if 未解决.状态 %}（台账中{% for 项 in 未解决.状态 %}{{ 项.状态 }}{{ 项.个数 }}个"
    "{% if not loop.last %}、{% endif %}{% endfor %}）{% endif %}。"
    "对未解决的问题逐一明确责任人和完成时限，实行挂牌督办，确保按期办结。"
    "{% else %}目前{{ 范围 }}梳理的问题已全部解决，要做好回访，防止问题反弹。{% endif %}"
)


def problem_paragraphs() -> list[tuple[str, ...]]:
    """三、存在问题: one paragraph per kind of issue, numbered in order; one sentence if none."""
    return [
        ("Normal", "{%p if 无问题 %}"),
        ("Normal", NOTHING),
        ("Normal", "{%p endif %}"),
        ("Normal", "{%p for 项 in 存在问题 %}"),
        ("Normal", "{%p if 项.类型 == '滞后' %}"),
        ("Normal", "（{{ 项.序号 }}）" + LAGGING[0], LAGGING[1]),
        ("Normal", "{%p elif 项.类型 == '集中' %}"),
        ("Normal", "（{{ 项.序号 }}）" + CONCENTRATED[0], CONCENTRATED[1]),
        ("Normal", "{%p else %}"),
        ("Normal", "（{{ 项.序号 }}）" + OVERDUE[0], OVERDUE[1]),
        ("Normal", "{%p endif %}"),
        ("Normal", "{%p endfor %}"),
    ]


def figure_tag(label: str) -> str:
    """`{{ 走访农户 }}` when the label can be written bare, else `{{ 指标['55岁以下占比'] }}`."""
    return f"{{{{ {label} }}}}" if label.isidentifier() else f"{{{{ 指标['{label}'] }}}}"


def table_sentence(table: TableSpec) -> str:
    """A further ledger ([[tables]]) in one sentence: its rows and, when it has a status, each status's rows."""
    facts = f"台账[{table.sheet!r}]"
    sentence = f"{{{{ 范围 }}}}{table.sheet}共登记{{{{ {facts}.行数 }}}}项"
    if table.has_role(STATUS):
        counts = "、".join(f"{s}{{{{ {facts}[{s!r}] }}}}项" for s in table.by_role(STATUS).choices)
        sentence += f"{{% if {facts}.行数 %}}，其中{counts}{{% endif %}}"
    return sentence + "。"


def results_paragraphs(campaign: Campaign) -> list[tuple[str, ...]]:
    """二、取得成效: one paragraph per section of metrics, each metric in its phrase, its rates following;
    then one per further ledger (its rows by status)."""
    sections: dict[str, list[str]] = {}
    for m in campaign.figures:
        phrases = sections.setdefault(m.section, [])
        phrases.append(m.phrase.replace("{值}", figure_tag(m.label)))
        phrases += [f"{r.label}{figure_tag(r.label)}" for r in campaign.rates if r.numerator.key == m.key]
    paragraphs: list[tuple[str, ...]] = [
        ("Normal", "{%p if 有上期 and 变化 %}"),
        ("Normal", CHANGES),
        ("Normal", "{%p endif %}"),
    ]
    for i, (name, phrases) in enumerate(sections.items()):
        lead = "{{ 范围 }}共" if i == 0 else ""
        paragraphs.append(("Normal", f"（{cn_ordinal(i + 1)}）{name}。", lead + "，".join(phrases) + "。"))
    n = len(sections)
    for table in campaign.tables:
        heading = table.sheet.removesuffix("台账") or table.sheet
        paragraphs.append(("Normal", f"（{cn_ordinal(n + 1)}）{heading}。", table_sentence(table)))
        n += 1
    if campaign.ranking:
        breakdown = campaign.scope.breakdown.short
        paragraphs.append(("Normal", f"（{cn_ordinal(n + 1)}）{breakdown}比学赶超。", RANKING))
        n += 1
    paragraphs += [
        ("Normal", f"（{cn_ordinal(n + 1)}）典型引路示范。", HIGHLIGHTS_INTRO),
        ("Normal", "{%p for 例 in 典型事例 %}"),
        ("Normal", HIGHLIGHT),
        ("Normal", "{%p endfor %}"),
    ]
    return paragraphs


def method_paragraphs(campaign: Campaign) -> list[tuple[str, ...]]:
    """一、主要做法: what the data cannot know, as highlighted 【请补充】 placeholders (or unit texts)."""
    return [
        ("Normal", f"（{cn_ordinal(i + 1)}）{p.title}。", f"{{{{ 补充.{p.key} }}}}")
        for i, p in enumerate(campaign.definition.report.placeholders)
    ]


def body(campaign: Campaign) -> list[tuple[str, ...]]:
    return [
        ("Title", TITLE),
        ("Normal", ""),
        ("Normal", OPENING),
        ("Heading1", "一、主要做法"),
        *method_paragraphs(campaign),
        ("Heading1", "二、取得成效"),
        *results_paragraphs(campaign),
        ("Heading1", "三、存在问题"),
        *problem_paragraphs(),
        ("Heading1", "四、下一步打算"),
        ("Normal", "（一）抓好问题销号。", OPEN),
        (
            "Normal",
            "（二）推动工作均衡。",
            "加强对各" + GROUPS + "的督促指导，定期通报工作进度，推动工作均衡开展。",
        ),
        (
            "Normal",
            "（三）建立长效机制。",
            "总结推广典型经验，推动联系服务群众制度化、常态化，持续巩固活动成果。",
        ),
        ("Normal", ""),
        ("Normal", "附件：" + TABLE_TITLE),
        ("Normal", ""),
        ("Signature", "{{ 发文单位 }}"),
        ("SignatureDate", "{{ 成文日期 }}"),
    ]


ATTACHMENT = [
    ("Attachment", "附件"),
    ("Normal", ""),
    ("Title", TABLE_TITLE),
    ("Subtitle", "（截至{{ 截止日期 }}）"),
]


def generated_template(campaign: Campaign) -> bytes:
    """The .docx template for this campaign, laid out per GB/T 9704 (same bytes for the same definition)."""
    return build(body(campaign), ATTACHMENT, COMMENTS)
