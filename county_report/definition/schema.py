"""The shape of a campaign definition: every section and key it may hold, with what each means.

One table serves three purposes: loading refuses any section or key not listed here (a typo
must not pass silently), names the expected kind of value, and the README's table of keys is
checked against it. Adding a key is one line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping

from .kinds import KIND_KEYS, KINDS
from .shape import BOOLEAN, INTEGER, NUMBER, TEXT, TEXTS, Key, Problem, Shape
from .tomlpos import Path

STYLE = Shape(
    (
        Key("wan", "从多大起写成“万”（按基本单位计，如元、户），默认 10000；写 0 表示从不", NUMBER),
        Key("yi", "从多大起写成“亿”，默认 100000000；写 0 表示从不", NUMBER),
        Key(
            "digits",
            "写成万、亿时保留几位小数（末尾的 0 省略），默认 2；百分数为小数位数",
            INTEGER,
            minimum=0,
        ),
        Key("plain_digits", "不到万时保留几位小数，默认整数 0、带小数的 2", INTEGER, minimum=0),
        Key("about", "按多少取整并写“余”，如 100 表示 3712 写作 3700余；默认不取整", INTEGER, minimum=0),
        Key("unit", "文中数字后的单位，如表上为“人”、文中写“名”"),
    )
)
_KEY = Key("key", "程序内部名（英文字母、数字、下划线，以字母开头），在本文件中引用该项时使用", required=True)
_LABEL = Key("label", "表上的标签（中文），各单位表格中按它找到填写的格子", required=True)
_UNIT = Key("unit", "单位，如 户、元、万元；印在标签后的括号里，填写时也可以带上")
HEADER_KEYS = (
    _KEY,
    _LABEL,
    _UNIT,
    Key("type", "类型：text 文字、date 日期、integer 整数、decimal 数字（可带小数）、choice 下拉选择"),
    Key("required", "是否必填，true 或 false（默认 true）", BOOLEAN),
    Key("role", "用途：filled_on 填报日期、as_of 统计截止日期（各须有一项）"),
    Key("choices", "type 为 choice 时引用的选项表名（见 [choices]）"),
)
METRIC_KEYS = (
    _KEY,
    _LABEL,
    _UNIT,
    Key("type", "类型：integer 整数（默认）、decimal 数字（可带小数）、percent 百分数、text 文字"),
    Key("kind", f"指标种类：{'、'.join(f'{k.name} {k.title}' for k in KINDS.values())}（默认 sum）"),
    *KIND_KEYS,
    Key("applies_to", '只适用于哪些单位类型（见 [[unit_types]]），如 ["村"]；不写则适用于全部', TEXTS),
    Key("max", "合理的最大值，超过即报错（不写则按默认上限；百分数默认 1 即 100%）", NUMBER),
    Key("style", "文中写法（见 style.* 各项），不写则按公文习惯", "table", shape=STYLE),
    Key("section", "在报告“二、取得成效”中归入哪一段（段名，如 走访覆盖面广）；不写则归入“工作成效”"),
    Key("phrase", "生成报告模板时这项指标的写法，{值} 处填数字和单位，如 走访农户{值}；不写则为“标签{值}”"),
    Key(
        "period",
        "各期之间怎样比：累计（截至统计截止日期的累计数，默认）或 本期（只是本期的数）；"
        "平均数、百分数是时点数，不写。计算指标（derived）跟随它的各项",
    ),
    Key(
        "headline",
        "是否重点指标：报告中写它较上期的变化，各期趋势图画它；true 或 false（默认 false）",
        BOOLEAN,
    ),
)
COLUMN_KEYS = (
    Key("key", "程序内部名（英文）", required=True),
    Key("header", "表头文字，各村表格中按它找到这一列", required=True),
    Key("type", "类型：text、date、integer、decimal、choice"),
    Key("choices", "type 为 choice 时引用的选项表名（见 [choices]）"),
    Key(
        "role",
        "用途：问题台账为 category 类别、description 描述、deadline 时限、status 状态；典型事例为 title 标题、content 内容",
    ),
)


def _table(doc_sheet: str, roles_doc: str, *extra: Key) -> Shape:
    return Shape(
        (
            Key("sheet", f"工作表名称（{doc_sheet}）", required=True),
            Key("columns", f"各列，每列一项（{roles_doc}）", "tables", True, Shape(COLUMN_KEYS)),
            Key("max_rows", "每份表最多多少行，超过即拒收", INTEGER, minimum=1),
            *extra,
        )
    )


def check_keys(item: Mapping) -> tuple[Key, ...]:
    """The keys a [[checks]] item may have besides `kind`: those of its check class."""
    from .checks import CHECKS

    check = CHECKS.get(str(item.get("kind", "")))
    return check.keys if check else ()


SCHEMA = Shape(
    (
        Key(
            "form",
            "活动和表样",
            "table",
            True,
            Shape(
                (
                    Key("name", "活动简称，如 大走访", required=True),
                    Key("title", "表格标题，如 “大走访”活动情况统计表"),
                    Key("version", "表样版本号，写入下发的表格"),
                    Key(
                        "office_level",
                        "默认的本级层级（设置中“本级层级”留空时使用），须是 [[levels]] 中的一级",
                    ),
                )
            ),
        ),
        Key(
            "levels",
            "层级，从下到上各一项，如 村（社区）→ 乡镇（街道）→ 县 → 市",
            "tables",
            True,
            Shape(
                (
                    Key("name", "层级名称，用作表格标签和名册表头，如 村（社区）", required=True),
                    Key("short", "简称，用于“应报村数”“分村明细”等，如 村（不写则取名称括号前的部分）"),
                    Key("whole", "本级称呼，用于“全县汇总”“全县”等，如 全县（不写则为“全”加简称）"),
                )
            ),
        ),
        Key(
            "unit_types",
            "填报单位的类型（可不写），如 村、社区、市直单位；名册“类型”一列填写",
            "tables",
            False,
            Shape((Key("name", "类型名称，如 社区", required=True),)),
        ),
        Key(
            "header",
            "基本信息（填报单位之外的表头项目）",
            "table",
            True,
            Shape(
                (
                    Key("sheet", "基本信息和指标所在的工作表名称", required=True),
                    Key("fields", "各项目，每项一行", "tables", True, Shape(HEADER_KEYS)),
                )
            ),
        ),
        Key(
            "metrics",
            "统计指标",
            "table",
            True,
            Shape(
                (
                    Key("sheet", "指标所在的工作表，须与 [header] 相同", required=True),
                    Key(
                        "fields",
                        "各项指标，每项一行",
                        "tables",
                        True,
                        Shape(METRIC_KEYS),
                    ),
                )
            ),
        ),
        Key(
            "ledger",
            "问题台账",
            "table",
            True,
            _table(
                "问题台账",
                "category、description、deadline、status 必须各有一列",
                Key(
                    "upward",
                    "上报表中附带哪些问题：open 未解决的（默认）、overdue 超期的、all 全部、none 不附带",
                ),
            ),
        ),
        Key("highlights", "典型事例", "table", True, _table("典型事例", "title、content 必须各有一列")),
        Key(
            "tables",
            "其他台账（可不写，可有多个），每个一个 [[tables]]；可有 category、status、description 列",
            "tables",
            False,
            Shape(
                (
                    Key("key", "程序内部名（英文）", required=True),
                    *_table("台账", "").keys,
                    Key("required", "各单位是否必须有这张表，默认 false（没有这张表也不算错）", BOOLEAN),
                )
            ),
        ),
        Key(
            "choices",
            '选项表：每个选项表一行，如 status = ["已解决", "办理中"]',
            "table",
            True,
            Shape((), TEXTS),
        ),
        Key(
            "ledger_status",
            "台账中表示“已解决”的办理状态",
            "table",
            False,
            Shape((Key("solved", "已解决的状态名称，须在办理状态选项中"),)),
        ),
        Key(
            "checks",
            "跨项目校验，每项一个 [[checks]]",
            "tables",
            False,
            Shape((Key("kind", "校验类型：not-greater、ledger-count", required=True),), variant=check_keys),
        ),
        Key(
            "rates",
            "比率，每项一个 [[rates]]",
            "tables",
            False,
            Shape(
                (
                    Key("key", "程序内部名", required=True),
                    Key("label", "名称，如 办结率", required=True),
                    Key("numerator", "分子指标的 key", required=True),
                    Key("denominator", "分母指标的 key", required=True),
                    Key(
                        "meaning",
                        "比率的含义：progress 工作进度（如办结率，低于平均即为滞后）、share 构成占比（如55岁以下占比）；默认 progress",
                    ),
                    Key("digits", "百分数保留几位小数，默认 1", INTEGER, minimum=0),
                    Key("headline", "是否重点指标（同 metrics 的 headline）", BOOLEAN),
                )
            ),
        ),
        Key(
            "report",
            "报告的规则（可不写）",
            "table",
            False,
            Shape(
                (
                    Key("lag_points", "某组的进度类比率低于平均多少个百分点才算“偏低”，默认 5", NUMBER),
                    Key(
                        "placeholders",
                        "数据里没有、要人工补充的内容（如出台的文件、召开的会议），报告中显示为黄底的【请补充：…】",
                        "tables",
                        False,
                        Shape(
                            (
                                Key("key", "程序内部名，模板中写作 {{ 补充.key }}", required=True),
                                Key("label", "要补充什么，如 出台的实施方案名称和文号", required=True),
                                Key(
                                    "title", "生成的报告模板中这一段的小标题，如 加强组织领导（不写则用 key）"
                                ),
                                Key("from", "用哪项文字指标（key）各单位填写的内容代替（可不写）"),
                            )
                        ),
                    ),
                )
            ),
        ),
        Key(
            "ranking",
            "排名",
            "table",
            False,
            Shape((Key("by", "按哪些指标或比率给各组排名（key 列表）", TEXTS),)),
        ),
    )
)

_KIND_OK: dict[str, Callable[[object], bool]] = {
    TEXT: lambda v: isinstance(v, str),
    INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    NUMBER: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    BOOLEAN: lambda v: isinstance(v, bool),
    TEXTS: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "table": lambda v: isinstance(v, dict),
    "tables": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}
_KIND_NAMES = {"table": "一个节（[名称]）", "tables": "若干项（[[名称]] 或 [{…}, {…}]）"}


def shape_problems(raw: Mapping, shape: Shape = SCHEMA, path: Path = ()) -> Iterator[Problem]:
    """Every unknown key, missing key and value of the wrong kind, each at its path."""
    allowed = shape.allowed(raw)
    for name, value in raw.items():
        key = allowed.get(name)
        if key is None and shape.free:
            if not _KIND_OK[shape.free](value):
                yield Problem((*path, name), f'「{name}」应为{shape.free}，如 ["甲", "乙"]')
            continue
        if key is None:
            yield Problem((*path, name), _unknown(name, path, allowed))
            continue
        if not _KIND_OK[key.kind](value):
            yield Problem(
                (*path, name), f"「{_dotted(path, name)}」应为{_KIND_NAMES.get(key.kind, key.kind)}"
            )
            continue
        if key.minimum is not None and value < key.minimum:
            yield Problem((*path, name), f"「{_dotted(path, name)}」不能小于 {key.minimum}（现为 {value}）")
        if key.kind == "table" and key.shape:
            yield from shape_problems(value, key.shape, (*path, name))
        elif key.kind == "tables" and key.shape:
            for i, item in enumerate(value):
                yield from shape_problems(item, key.shape, (*path, name, i))
    for key in allowed.values():
        if key.required and key.name not in raw:
            yield Problem(path, f"缺少必填项「{_dotted(path, key.name)}」")


def _unknown(name: str, path: Path, allowed: Mapping[str, Key]) -> str:
    where = f"「{_dotted(path, '')[:-1]}」中" if path else ""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    hint = f"，是否应为「{close[0]}」？" if close else f"。可以写的有：{'、'.join(allowed)}"
    kind = "项目" if path else "节"
    return f"{where}没有「{name}」这个{kind}{hint}"


def _dotted(path: Path, name: str) -> str:
    parts = [p for p in path if isinstance(p, str)]
    return ".".join([*parts, name]) if name else ".".join(parts) + "."


def key_rows(shape: Shape = SCHEMA, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(`metrics.fields[].unit`, what it means) for every key: the README's table of keys."""
    for key in shape.keys:
        dotted = f"{prefix}{key.name}"
        yield dotted, key.doc
        if key.shape is not None:
            inner = f"{dotted}[]." if key.kind == "tables" and prefix else f"{dotted}."
            yield from key_rows(key.shape, inner)
