"""Write templates/工作总结模板.docx: the shipped 大走访 county's hand-tuned 总结 template.

It is the example of a template tuned by hand: the same facts as the template generated from any
definition (county_report.report_template), worded for the 大走访 campaign. The layout (GB/T
9704-2012 styles, page, page numbers, 附件 table) comes from county_report.report_layout, so
running `python scripts/make_word_template.py` gives the same bytes every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from county_report.report_layout import build
from county_report.report_template import (
    ATTACHMENT,
    CHANGES,
    HIGHLIGHT,
    HIGHLIGHTS_INTRO,
    OPEN,
    RANKING,
    TABLE_TITLE,
    problem_paragraphs,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "工作总结模板.docx"
COMMENTS = "由 scripts/make_word_template.py 生成；可在 Word 中直接修改文字，双花括号中的变量名请勿改动。"

# The report, paragraph by paragraph: (style id, text) or (style id, inline 楷体 heading, text).
TITLE = "{{ 县名 }}“{{ 活动名称 }}”活动工作总结"
BODY = [
    ("Title", TITLE),
    ("Normal", ""),
    (
        "Normal",
        "{{ 活动时间 }}，{{ 县名 }}按照上级统一部署，在全县{{ 乡镇数 }}个乡镇（街道）{{ 应报村数 }}个村（社区）"
        "深入开展“{{ 活动名称 }}”活动，组织广大干部走村入户、察民情、解民忧、办实事。截至{{ 截止日期 }}，"
        "{% if 全部报送 %}各村（社区）均已报送活动情况{% else %}已有{{ 已报村数 }}个村（社区）报送活动情况{% endif %}。"
        "现将有关情况总结如下：",
    ),
    ("Heading1", "一、主要做法"),
    (
        "Normal",
        "（一）加强组织领导。",
        "县委、县政府把“{{ 活动名称 }}”活动作为密切党群干群关系的重要举措，{{ 补充.组织 }}，"
        "推动各级干部下沉一线，做到走访有计划、过程有记录、问题有台账。",
    ),
    (
        "Normal",
        "（二）广泛宣传发动。",
        "各乡镇（街道）通过院坝会、座谈会、入户宣讲等方式宣传政策、听取意见，{{ 补充.宣传 }}，"
        "营造了干部主动走、群众愿意谈的良好氛围。",
    ),
    (
        "Normal",
        "（三）健全工作机制。",
        "对走访中收集的问题逐一登记台账，明确责任单位和办理时限，{{ 补充.机制 }}，确保件件有着落、事事有回音。",
    ),
    ("Heading1", "二、取得成效"),
    ("Normal", "{%p if 有上期 and 变化 %}"),
    ("Normal", CHANGES),
    ("Normal", "{%p endif %}"),
    (
        "Normal",
        "（一）走访覆盖面广。",
        "{{ 范围 }}共组织{{ 参与走访干部 }}干部参与走访，走访农户{{ 走访农户 }}、群众{{ 走访群众 }}、"
        "企业{{ 走访企业 }}，召开院坝会座谈会{{ 召开院坝会座谈会 }}，发放宣传资料{{ 发放宣传资料 }}，"
        "收集意见建议{{ 收集意见建议 }}。",
    ),
    (
        "Normal",
        "（二）问题解决有力。",
        "共梳理问题{{ 梳理问题 }}，已解决{{ 已解决问题 }}，办结率{{ 办结率 }}；"
        "化解矛盾纠纷{{ 化解矛盾纠纷 }}，接待群众来访{{ 接待群众来访 }}。",
    ),
    (
        "Normal",
        "（三）惠民实事见效。",
        "慰问困难群众{{ 慰问困难群众 }}，发放慰问金{{ 发放慰问金 }}，"
        "投入帮扶资金{{ 投入帮扶资金 }}，办实事好事{{ 办实事好事 }}。",
    ),
    ("Normal", "（四）乡镇比学赶超。", "从各乡镇（街道）看，" + RANKING),
    ("Normal", "（五）典型引路示范。", HIGHLIGHTS_INTRO),
    ("Normal", "{%p for 例 in 典型事例 %}"),
    ("Normal", HIGHLIGHT),
    ("Normal", "{%p endfor %}"),
    ("Heading1", "三、存在问题"),
    *problem_paragraphs(),
    ("Heading1", "四、下一步打算"),
    ("Normal", "（一）抓好问题销号。", OPEN),
    (
        "Normal",
        "（二）推动工作均衡。",
        "加强对{% if 滞后 %}办结率偏低乡镇（街道）{% else %}各乡镇（街道）{% endif %}的督促指导，定期通报工作进度。",
    ),
    (
        "Normal",
        "（三）建立长效机制。",
        "总结推广典型经验，推动走访联系群众制度化、常态化，持续巩固活动成果。",
    ),
    ("Normal", ""),
    ("Normal", "附件：" + TABLE_TITLE),
    ("Normal", ""),
    ("Signature", "{{ 发文单位 }}"),
    ("SignatureDate", "{{ 成文日期 }}"),
]


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else OUT
    target.write_bytes(build(BODY, ATTACHMENT, COMMENTS))
    print(f"已生成模板：{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
