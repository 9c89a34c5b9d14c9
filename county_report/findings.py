"""One catalogue of finding kinds: a stable code, a severity and a Chinese message template.

Findings are values, never exceptions: every check returns them, the console table, `--json`
and the 校验结果 sheet all print the same list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "错误"
    WARNING = "警告"
    INFO = "提示"


@dataclass(frozen=True)
class Kind:
    """One kind of finding. `title` is its Chinese name (the 校验结果 sheet's 类型 column).

    Every message ends with what to do: `action` fills the template's {action}, or `suggested`
    does when the finding carries a suggestion (the name meant, the number to type).
    """

    code: str
    severity: Severity
    title: str
    template: str
    action: str = ""
    suggested: str = ""


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
RESUBMIT = "请在 Excel 中另存为 .xlsx 后重新报送。"
USE_FORM = "请用标准表重新填报。"
SAVE_AS = "请在 WPS/Excel 中“另存为” .xlsx 格式后重新报送。"  # a file of another type
# a name not on the roster; the second when the closest roster name is known
ROSTER_NAME = "请按名册中的名称填写后重新报送；如确为名册漏列，请先补入名册。"
ROSTER_SUGGESTION = "是否应为「{suggestion}」？请改为名册中的名称后重新报送。"

CATALOGUE: dict[str, Kind] = {
    k.code: k
    for k in [
        # the file as a whole
        Kind("file-corrupt", _E, "文件已损坏", "文件已损坏，无法打开（{reason}）。{action}", RESUBMIT),
        Kind("file-unreadable", _E, "无法读取文件", "无法读取该文件（{reason}）。{action}",
             "请检查文件是否正被其他程序打开、有无读取权限，然后重新运行。"),
        Kind("file-encrypted", _E, "文件已加密", "文件已加密（设有打开密码），无法读取。{action}",
             "请取消密码后重新报送。"),
        Kind("file-too-large", _E, "文件过大", "文件异常：{reason}，远超标准表的正常大小，已拒收。{action}",
             USE_FORM),
        Kind("xml-unsafe", _E, "内容不安全", "文件内部含有不安全的内容（{reason}），已拒收。{action}", USE_FORM),
        Kind("sheet-too-large", _E, "工作表范围异常",
             "工作表「{sheet}」的范围异常（{reason}），远超标准表，已拒收。{action}", USE_FORM),
        Kind("wrong-file-type", _E, "文件类型不对", "文件类型为 {value}，不是 Excel 标准表。{action}",
             SAVE_AS),
        Kind("formula-without-value", _E, "公式没有计算结果",
             "工作表「{sheet}」的单元格 {cell} 是公式，但文件里没有保存公式的计算结果（可能是用其他软件生成的）。{action}",
             "请在 Excel 或 WPS 中打开该文件，保存后重新报送。"),
        Kind("form-sheet-twice", _E, "工作表重复",
             "工作表「{sheet}」有两份：「{sheet}」和「{value}」{reason}，无法判断以哪一份为准。{action}",
             "请只保留正确的一份（隐藏的工作表可在表名上右键“取消隐藏”后删除），然后重新报送。"),
        Kind("not-standard-form", _E, "不是标准表", "不是标准表：{reason}。{action}",
             "请使用下发的标准表填报。"),
        Kind("reader-crashed", _E, "读取异常",
             "读取该文件时程序异常退出（{reason}），已跳过。{action}", RESUBMIT),
        Kind("reader-timeout", _E, "读取超时",
             "读取该文件超过 {reason} 秒仍未完成，已跳过。{action}", RESUBMIT),
        Kind("skipped-file", _I, "已跳过", "{reason}，已跳过。{action}", "无需处理。"),
        Kind("folder-unreadable", _E, "无法读取文件夹",
             "无法读取该文件夹（{reason}），其中如有报表都没有汇总。{action}",
             "请检查文件夹是否还在、有无读取权限，然后重新运行。"),
        Kind("link-not-followed", _W, "快捷方式未读取", "这是一个快捷方式（符号链接），{reason}，没有读取。{action}",
             "如需汇总，请把报表文件本身放进报表文件夹。"),
        Kind("not-a-file", _W, "不是普通文件", "这不是普通文件（{reason}），没有读取。{action}",
             "无需处理；如是报表，请另存为普通的 .xlsx 文件后放进报表文件夹。"),
        Kind("superseded", _W, "被新报表取代",
             "{place}有多份报表，本文件（填报日期 {value}）已被「{reason}」取代，未计入汇总。{action}",
             "无需处理；如应以本文件为准，请把「{reason}」移出报表文件夹后重新运行。"),
        # header fields
        Kind("missing-field", _E, "必填项未填", "必填项「{label}」未填写。{action}", "请补填后重新报送。"),
        Kind("unknown-township", _E, "所属上级不在名册", "{label}「{value}」不在名册中。{action}",
             ROSTER_NAME, ROSTER_SUGGESTION),
        Kind("unknown-village", _E, "单位名称不在名册", "「{value}」不在名册中{group}的{unit}里。{action}",
             ROSTER_NAME, ROSTER_SUGGESTION),
        Kind("bad-date", _E, "日期无效", "「{label}」的值「{value}」不是有效日期。{action}",
             "请填写如 2026年11月20日 或 2026-11-20。"),
        Kind("as-of-mismatch", _W, "统计截止日期不一致",
             "统计截止日期为 {value}，与本次汇总的统计截止日期 {expected} 不一致。{action}",
             "请核实是否填错日期或报错期次；如填错，请改正后重新报送。"),
        # metric fields
        Kind("not-a-number", _E, "不是数字", "「{label}」的值「{value}」不是数字。{action}",
             "请只填阿拉伯数字{in_unit}，没有请填 0。", "请改为 {suggestion}{in_unit}。"),
        Kind("negative-number", _E, "负数", "「{label}」的值「{value}」是负数，应为 0 或正数。{action}",
             "请改为实际数量，没有请填 0。"),
        Kind("not-an-integer", _E, "不是整数", "「{label}」的值「{value}」不是整数。{action}",
             "请填整数{in_unit}。", "请改为整数，如 {suggestion}{in_unit}。"),
        Kind("blank-metric", _W, "指标未填", "「{label}」未填写，按 0 计算。{action}",
             "如实际不为 0，请补填后重新报送。"),
        Kind("number-too-large", _E, "数值超出合理范围", "「{label}」的值「{value}」超出合理范围{expected}。{action}",
             "请核实是否多填了数位或写错了单位，改正后重新报送。"),
        Kind("bad-thousands-separator", _E, "逗号位置不对",
             "「{label}」的值「{value}」中的逗号位置不对：逗号只能用作千位分隔（如 1,200）。{action}",
             "小数点请用“.”，改正后重新报送。"),
        Kind("blank-mean", _W, "指标未填", "「{label}」未填写，不计入平均数。{action}",
             "如有这项数据，请补填后重新报送。"),
        Kind("percent-too-large", _E, "百分数过大", "「{label}」的值「{value}」超过 {reason}。{action}",
             "请填写 0 到 100% 之间的百分数，如 95.5%，改正后重新报送。"),
        Kind("not-applicable", _W, "不适用的指标", "「{label}」不适用于{reason}，所填的值未计入汇总。{action}",
             "无需处理；如该单位的类型有误，请在名册中改正。"),
        Kind("not-greater", _E, "大小关系有误", "「{label}」（{value}）大于{reason}。{action}",
             "请核实这两项，改正后重新报送。"),
        # ledger and highlights
        Kind("missing-category", _E, "未填问题类别", "{sheet}第 {row} 行有{described}但未填{label}。{action}",
             "请从下拉列表中选择{label}后重新报送。"),
        Kind("bad-choice", _E, "不在可选项中", "「{label}」的值「{value}」不在可选项中（可选：{reason}）。{action}",
             "请从下拉列表中选择后重新报送。", "是否应为「{suggestion}」？请从下拉列表中选择后重新报送。"),
        Kind("ledger-bad-date", _W, "台账日期无效",
             "{sheet}第 {row} 行「{label}」的值「{value}」不是有效日期，该问题不参与超期统计。{action}",
             "请填写如 2026-11-20 的日期。"),
        Kind("ledger-count-mismatch", _W, "台账条数不一致",
             "{reason}共 {value} 条，与「{label}」填报的 {expected} 不一致。{action}",
             "请核对台账和「{label}」，改正后重新报送。"),
        Kind("upward-edited", _W, "上报表被改动",
             "「{label}」在上报表生成后被手工改动过（现为 {value}），已按现值汇总。{action}",
             "请与报送单位核实这一项。"),
        Kind("upward-other-definition", _W, "活动定义版本不同",
             "这份上报表按另一版活动定义生成（版本 {value}，本级为 {reason}）。{action}",
             "请核对各项指标的含义是否一致，必要时请报送单位按本级的标准表重新填报。"),
        Kind("lower-level-form", _E, "下级报表报错了层级",
             "这是{label}「{value}」的报表，本级收{unit}的上报表，未计入汇总。{action}",
             "请转给该单位所属的上级汇总，或请其所属上级报送上报表。"),
        Kind("upward-other-level", _E, "上报表不是本级所收的层级",
             "这是{label}「{value}」的上报表，本级收{unit}的报表，未计入汇总。{action}",
             "上报表应交给报送单位的上一级；请把本文件移出报表文件夹。",
             "如本级改收各{suggestion}的上报表，请在名册「设置」工作表中把「报送层级」填为 {suggestion}，"
             "并把这些{suggestion}下各{unit}的报表移出报表文件夹；否则请把本文件移出报表文件夹。"),
        Kind("double-counted", _E, "重复计算",
             "本文件是「{value}」的报表，而{place}已报送上报表「{reason}」，同时计入会重复计算，本文件未计入汇总。{action}",
             "无需处理；请把本文件移出报表文件夹。"),
        Kind("too-many-rows", _E, "行数超过上限", "工作表「{sheet}」有 {value} 行，超过上限 {reason} 行，已拒收。{action}",
             "请删去多余的行后重新报送。"),
        Kind("text-cleaned", _W, "含控制字符", "「{label}」中含有控制字符，已删除。{action}",
             "请核对该项内容是否完整。"),
        Kind("text-truncated", _W, "文字过长", "「{label}」超过 {reason} 个字符，已截断。{action}",
             "请精简后重新报送。"),
        # added with issue 18
        Kind("blank-form", _E, "空白表", "这是空白表{reason}，未计入汇总。{action}",
             "请填写后重新报送。"),
        Kind("unreadable-format", _E, "格式无法读取", "无法读取此格式（{reason}）。{action}",
             "请在 WPS/Excel 中另存为 .xlsx 后重新报送。"),
    ]
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One problem found, and exactly where: file, sheet, cell, label and the value seen.

    `expected` (what the cell should hold) and `suggestion` (the value meant, when it can be
    told) are the structured details `--json` gives beside the sentence.
    """

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    label: str = ""
    value: str = ""
    expected: str = ""
    suggestion: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def title(self) -> str:
        """The kind's Chinese name, e.g. 不是数字."""
        kind = CATALOGUE.get(self.code)
        return kind.title if kind else self.code

    def as_dict(self) -> dict[str, str]:
        d = asdict(self)
        d["severity"] = self.severity.value
        d["title"] = self.title
        return d


def finding(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    label: str = "",
    value: object = "",
    expected: object = "",
    suggestion: object = "",
    **details: object,
) -> Finding:
    """Build a Finding from the catalogue; `details` fill the message template.

    `action` in details replaces the kind's own; `measure` (the field's unit) is said as （单位：户）.
    """
    kind = CATALOGUE[code]
    shown, expected, suggestion = _shown(value), _shown(expected), _shown(suggestion)
    params: dict[str, object] = {
        "label": label,
        "value": shown,
        "sheet": sheet,
        "cell": cell,
        "reason": "",
        "expected": expected,
    }
    params |= {"group": "", "place": "", "unit": "", "row": "", "described": "", "suggestion": suggestion}
    params |= {k: v for k, v in details.items() if k not in ("action", "measure")}
    measure = details.get("measure", "")
    params["in_unit"] = f"（单位：{measure}）" if measure else ""
    action = details.get("action") or (kind.suggested if suggestion and kind.suggested else kind.action)
    params["action"] = str(action).format(**params)
    return Finding(
        code=code,
        severity=kind.severity,
        message=kind.template.format(**params),
        file=file,
        sheet=sheet,
        cell=cell,
        label=label,
        value=shown,
        expected=expected,
        suggestion=suggestion,
    )


def _shown(value: object, limit: int = 60) -> str:
    """The value as a clerk should see it in a message: one line, not too long."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # calamine reads every number as a float: show 120, not 120.0
    s = str(value)
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    return s if len(s) <= limit else s[: limit - 1] + "…"
