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
    code: str
    severity: Severity
    template: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Kind] = {
    k.code: k
    for k in [
        # the file as a whole
        Kind("file-corrupt", _E, "文件已损坏，无法打开（{reason}）。请在 Excel 中另存为 .xlsx 后重新报送。"),
        Kind(
            "file-unreadable",
            _E,
            "无法读取该文件（{reason}）。请检查文件是否正被其他程序打开、有无读取权限，然后重新运行。",
        ),
        Kind("file-encrypted", _E, "文件已加密（设有打开密码），无法读取。请取消密码后重新报送。"),
        Kind("file-too-large", _E, "文件异常：{reason}，远超标准表的正常大小，已拒收。请用标准表重新填报。"),
        Kind("xml-unsafe", _E, "文件内部含有不安全的内容（{reason}），已拒收。请用标准表重新填报。"),
        Kind(
            "sheet-too-large",
            _E,
            "工作表「{sheet}」的范围异常（{reason}），远超标准表，已拒收。请用标准表重新填报。",
        ),
        Kind("wrong-file-type", _E, "文件类型为 {value}，不是 Excel 标准表。{advice}"),
        Kind(
            "formula-without-value",
            _E,
            "工作表「{sheet}」的单元格 {cell} 是公式，但文件里没有保存公式的计算结果（可能是用其他软件生成的）。"
            "请在 Excel 或 WPS 中打开该文件，保存后重新报送。",
        ),
        Kind(
            "form-sheet-twice",
            _E,
            "工作表「{sheet}」有两份：「{sheet}」和「{value}」{reason}，无法判断以哪一份为准。"
            "请只保留正确的一份（隐藏的工作表可在表名上右键“取消隐藏”后删除），然后重新报送。",
        ),
        Kind("not-standard-form", _E, "不是标准表：{reason}。请使用县里下发的标准表填报。"),
        Kind(
            "reader-crashed",
            _E,
            "读取该文件时程序异常退出（{reason}），已跳过。请在 Excel 中另存为 .xlsx 后重新报送。",
        ),
        Kind(
            "reader-timeout",
            _E,
            "读取该文件超过 {reason} 秒仍未完成，已跳过。请在 Excel 中另存为 .xlsx 后重新报送。",
        ),
        Kind("skipped-file", _I, "{reason}，已跳过。"),
        Kind(
            "folder-unreadable",
            _E,
            "无法读取该文件夹（{reason}），其中如有报表都没有汇总。请检查文件夹是否还在、有无读取权限，然后重新运行。",
        ),
        Kind(
            "link-not-followed",
            _W,
            "这是一个快捷方式（符号链接），{reason}，没有读取。如需汇总，请把报表文件本身放进村级报表文件夹。",
        ),
        Kind("not-a-file", _W, "这不是普通文件（{reason}），没有读取。"),
        Kind(
            "superseded",
            _W,
            "{place}有多份报表，本文件（填报日期 {value}）已被「{reason}」取代，未计入汇总。",
        ),
        # header fields
        Kind("missing-field", _E, "必填项「{label}」未填写。"),
        Kind("unknown-township", _E, "{label}「{value}」不在名册中。{suggestion}"),
        Kind("unknown-village", _E, "「{value}」不在名册中{group}的{unit}里。{suggestion}"),
        Kind(
            "bad-date", _E, "「{label}」的值「{value}」不是有效日期，请填写如 2026年11月20日 或 2026-11-20。"
        ),
        Kind("as-of-mismatch", _W, "统计截止日期为 {value}，与本次汇总的统计截止日期 {reason} 不一致。"),
        # metric fields
        Kind("not-a-number", _E, "「{label}」的值「{value}」不是数字。"),
        Kind("negative-number", _E, "「{label}」的值「{value}」是负数，应为 0 或正数。"),
        Kind("not-an-integer", _E, "「{label}」的值「{value}」不是整数。"),
        Kind("blank-metric", _W, "「{label}」未填写，按 0 计算。"),
        Kind(
            "number-too-large",
            _E,
            "「{label}」的值「{value}」超出合理范围{expected}，请核实是否多填了数位或写错了单位。",
        ),
        Kind(
            "bad-thousands-separator",
            _E,
            "「{label}」的值「{value}」中的逗号位置不对：逗号只能用作千位分隔（如 1,200），小数点请用“.”。",
        ),
        Kind("blank-mean", _W, "「{label}」未填写，不计入平均数。"),
        Kind("percent-too-large", _E, "「{label}」的值「{value}」超过 {reason}。"),
        Kind("not-applicable", _W, "「{label}」不适用于{reason}，所填的值未计入汇总。"),
        Kind("not-greater", _E, "「{label}」（{value}）大于{reason}，请核实。"),
        # ledger and highlights
        Kind("missing-category", _E, "问题台账第 {row} 行有问题描述但未填问题类别。"),
        Kind("bad-choice", _E, "「{label}」的值「{value}」不在可选项中（可选：{reason}）。"),
        Kind(
            "ledger-bad-date",
            _W,
            "问题台账第 {row} 行「{label}」的值「{value}」不是有效日期，该问题不参与超期统计。",
        ),
        Kind(
            "ledger-count-mismatch",
            _W,
            "问题台账{reason}共 {value} 条，与「{label}」填报的 {expected} 不一致。",
        ),
        Kind(
            "upward-edited",
            _W,
            "「{label}」在上报表生成后被手工改动过（现为 {value}），已按现值汇总，请与报送单位核实。",
        ),
        Kind(
            "upward-other-definition",
            _W,
            "这份上报表按另一版活动定义生成（版本 {value}，本级为 {reason}），请核对各项指标是否一致。",
        ),
        Kind(
            "lower-level-form",
            _E,
            "这是{label}「{value}」的报表，本级收{unit}的上报表{reason}，未计入汇总。",
        ),
        Kind(
            "double-counted",
            _E,
            "本文件是「{value}」的报表，而{place}已报送上报表「{reason}」，同时计入会重复计算，本文件未计入汇总。",
        ),
        Kind("too-many-rows", _E, "工作表「{sheet}」有 {value} 行，超过上限 {reason} 行，已拒收。"),
        Kind("text-cleaned", _W, "「{label}」中含有控制字符，已删除。"),
        Kind("text-truncated", _W, "「{label}」超过 {reason} 个字符，已截断。"),
    ]
}


@dataclass(frozen=True)
class Finding:
    """One problem found, and exactly where: file, sheet, cell, label and the value seen."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    label: str = ""
    value: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, str]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def finding(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    label: str = "",
    value: object = "",
    **details: object,
) -> Finding:
    """Build a Finding from the catalogue; `details` fill the message template."""
    kind = CATALOGUE[code]
    shown = _shown(value)
    params = {"label": label, "value": shown, "sheet": sheet, "cell": cell, "reason": "", "suggestion": ""}
    params |= {"group": "", "place": "", "unit": "", "advice": "", "row": "", "expected": ""}
    params |= {k: v for k, v in details.items()}
    return Finding(
        code=code,
        severity=kind.severity,
        message=kind.template.format(**params),
        file=file,
        sheet=sheet,
        cell=cell,
        label=label,
        value=shown,
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
