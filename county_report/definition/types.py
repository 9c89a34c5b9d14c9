"""Field types as classes: each reads a typed value from a cell, says how the form asks for it,
how the totals add it up and how it is shown. Registered once, in TYPES.

Adding a type is one class here plus its test; no other module switches on a type's name.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, NamedTuple

from ..cnformat import cn_date, integer, money
from ..values import (
    EXCEL_TEXT_LIMIT,
    MAX_DECIMAL,
    MAX_INTEGER,
    clean_text,
    is_blank,
    parse_date,
    parse_number,
    suggest_number,
)


class Parsed(NamedTuple):
    """A cell's typed value and the problems found reading it: (finding code, template details)."""

    value: Any
    problems: tuple[tuple[str, dict[str, Any]], ...] = ()


EXCEL_LIST_LIMIT = 255  # Excel's limit for data validation lists, prompts and messages
MICRO = 1_000_000  # decimal amounts are added up as integer millionths: exact, and fast in int64


class FieldType:
    """What every type answers. `name` is the word used in the definition's `type = …`."""

    name: ClassVar[str]
    title: ClassVar[str]  # 填表说明: 整数, 日期…
    numeric: ClassVar[bool] = False
    output: ClassVar[str] = "text"  # how the summary workbook shows it: text | int | money | date
    excel_format: ClassVar[str] = "@"  # the value cell's number format on the generated form
    scale: ClassVar[int] = 1  # totals are exact integers of 1/scale of the unit

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __eq__(self, other: object) -> bool:  # a copy unpickled in a worker equals the original
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.name)

    def parse(self, raw: Any, field: Any) -> Parsed:
        raise NotImplementedError

    def blank(self) -> Any:
        """The value of a blank optional cell."""
        return ""

    def hint(self, field: Any) -> str:
        """Column C of the form, beside the value cell."""
        return "填文字"

    def guide_note(self, field: Any) -> str:
        """The 说明 column of 填表说明."""
        return ""

    def validation(self, field: Any) -> Any:
        """The generated form's data validation (openpyxl DataValidation) for its cells, or None."""
        return None

    def show(self, value: Any) -> str:
        """The value in a sentence of the report."""
        return "" if value is None else str(value)


class Text(FieldType):
    name, title = "text", "文字"

    def parse(self, raw: Any, field: Any) -> Parsed:
        text, had_control, truncated = clean_text(raw)
        if not had_control and not truncated:
            return Parsed(text)
        problems: list[tuple[str, dict[str, Any]]] = []
        if had_control:
            problems.append(("text-cleaned", {"value": text}))
        if truncated:
            problems.append(("text-truncated", {"value": text, "reason": EXCEL_TEXT_LIMIT}))
        return Parsed(text, tuple(problems))


class Choice(Text):
    """Text from a fixed list (a dropdown on the form); compared without spaces, width-folded."""

    name, title = "choice", "下拉选择"

    def parse(self, raw: Any, field: Any) -> Parsed:
        text, problems = super().parse(raw, field)
        value = "".join(unicodedata.normalize("NFKC", text).split())
        if value and value not in field.choices:
            listed = "、".join(field.choices)
            close = difflib.get_close_matches(value, field.choices, n=1, cutoff=0.5)
            details = {"value": value, "reason": listed, "expected": listed, "suggestion": "".join(close)}
            problems = (*problems, ("bad-choice", details))
        return Parsed(value, problems)

    def guide_note(self, field: Any) -> str:
        return "可选：" + "、".join(field.choices)

    def validation(self, field: Any) -> Any:
        from openpyxl.worksheet.datavalidation import DataValidation

        listed = "、".join(field.choices)
        inline = '"' + ",".join(field.choices) + '"'
        if len(inline) > EXCEL_LIST_LIMIT:  # Excel rejects longer inline lists; keep the prompt only
            return DataValidation(
                showInputMessage=True, promptTitle=field.label[:32], prompt=_cut("可填写：" + listed)
            )
        return DataValidation(
            type="list", formula1=inline, allow_blank=True,
            showInputMessage=True, promptTitle=field.label[:32], prompt=_cut("请从下拉列表中选择：" + listed),
            showErrorMessage=True, errorStyle="stop", errorTitle="选项有误",
            error=_cut(f"「{field.label}」只能填写：" + listed),
        )  # fmt: skip


class Date(FieldType):
    name, title, output, excel_format = "date", "日期", "date", "yyyy-mm-dd"

    def parse(self, raw: Any, field: Any) -> Parsed:
        if is_blank(raw):
            return Parsed(None)
        when = parse_date(raw)
        return Parsed(when) if when is not None else Parsed(None, (("bad-date", {"expected": "日期"}),))

    def blank(self) -> Any:
        return None

    def hint(self, field: Any) -> str:
        return "填日期，如 2026-11-20"

    def guide_note(self, field: Any) -> str:
        return "如 2026-11-20"

    def validation(self, field: Any) -> Any:
        from openpyxl.worksheet.datavalidation import DataValidation

        # 36526 = 2000-01-01, 73050 = 2099-12-31 as Excel serial numbers
        return DataValidation(
            type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True,
            showInputMessage=True, promptTitle=field.label[:32], prompt="请填写日期，如 2026-11-20。",
            showErrorMessage=True, errorStyle="stop", errorTitle="日期有误",
            error=f"「{field.label}」应为 2000 年至 2099 年之间的日期，如 2026-11-20。",
        )  # fmt: skip

    def show(self, value: Any) -> str:
        return cn_date(value) if isinstance(value, date) else ""


class Integer(FieldType):
    name, title, numeric, output, excel_format = "integer", "整数", True, "int", "0"
    integer = True
    word = "整数"  # as the prompts say it

    def parse(self, raw: Any, field: Any) -> Parsed:
        value, code = parse_number(raw, field.unit, integer=self.integer, maximum=field.maximum)
        if not code:
            return Parsed(value)
        details: dict[str, Any] = {"expected": self.expected(field), "measure": field.unit}
        if code == "number-too-large":
            limit = (
                field.maximum if field.maximum is not None else (MAX_INTEGER if self.integer else MAX_DECIMAL)
            )
            details["expected"] = f"（上限 {limit:,g}{field.unit}）"
        if code == "not-a-number" and (meant := suggest_number(raw, field.unit, self.integer)):
            details["suggestion"] = meant
            if meant == "0":
                details["action"] = "没有请填 0。"
        return Parsed(None, ((code, details),))

    def expected(self, field: Any) -> str:
        """What the cell should hold, as the findings' structured `expected` says it."""
        return f"大于或等于 0 的{self.word}" + (f"（单位：{field.unit}）" if field.unit else "")

    def blank(self) -> Any:
        return None

    def hint(self, field: Any) -> str:
        return f"填{self.word}（单位：{field.unit}），没有填 0" if field.unit else f"填{self.word}，没有填 0"

    def guide_note(self, field: Any) -> str:
        return f"大于或等于 0 的{self.word}"

    def validation(self, field: Any) -> Any:
        """Whole/decimal ≥ 0, with a Chinese input prompt and error message."""
        from openpyxl.worksheet.datavalidation import DataValidation

        return DataValidation(
            type="whole" if self.integer else "decimal", operator="greaterThanOrEqual", formula1="0",
            allow_blank=True, showInputMessage=True, promptTitle=field.label[:32],
            prompt=f"请填写{self.word}{f'，单位：{field.unit}' if field.unit else ''}。只填阿拉伯数字，不带单位；没有请填 0。",
            showErrorMessage=True, errorStyle="stop", errorTitle="数值有误",
            error=f"「{field.label}」应为大于或等于 0 的{self.word}。",
        )  # fmt: skip

    def show(self, value: Any) -> str:
        return integer(value)


class Decimal(Integer):
    name, title, output, excel_format = "decimal", "数字（可带小数）", "money", "0.00"
    integer = False
    word = "数字（可带小数）"
    scale = MICRO

    def hint(self, field: Any) -> str:
        return (
            f"填数字，可带小数（单位：{field.unit}），没有填 0"
            if field.unit
            else "填数字，可带小数，没有填 0"
        )

    def guide_note(self, field: Any) -> str:
        return "大于或等于 0，可带小数"

    def show(self, value: Any) -> str:
        return money(value)


def _cut(text: str) -> str:
    """Excel refuses prompts and messages longer than 255 characters."""
    return text if len(text) <= EXCEL_LIST_LIMIT else text[: EXCEL_LIST_LIMIT - 1] + "…"


class Percent(Integer):
    """A rate each unit types: `95.5%`, `95.5` or a %-formatted cell (0.955) all read as 0.955.

    A plain number above 1 is taken as percentage points; up to 1, as the fraction Excel stores
    for a %-formatted cell. Above 100% is refused unless the metric declares a larger `max`.
    """

    name, title, output, excel_format = "percent", "百分数", "rate", "0.0%"
    integer = False
    word = "百分数"
    scale = MICRO

    def parse(self, raw: Any, field: Any) -> Parsed:
        text = raw if isinstance(raw, str) else ""
        marked = "%" in text or "％" in text
        cleaned = text.replace("%", "").replace("％", "") if marked else raw
        value, code = parse_number(cleaned, "", integer=False)
        if code:
            return Parsed(None, ((code, {}),))
        if value is None:
            return Parsed(None)
        fraction = value / 100 if (marked or value > 1) else value
        limit = field.maximum if field.maximum is not None else 1
        if fraction > limit:
            shown = f"{float(limit) * 100:g}%"
            return Parsed(None, (("percent-too-large", {"reason": shown}),))
        return Parsed(fraction)

    def hint(self, field: Any) -> str:
        return "填百分数，如 95.5%（或 95.5），没有填 0"

    def guide_note(self, field: Any) -> str:
        return "0 到 100% 之间，如 95.5%"

    def validation(self, field: Any) -> Any:
        return None  # a typed "95.5%" or 95.5 must stay possible: the reader checks it

    def show(self, value: Any) -> str:
        from ..cnformat import pct

        return pct(value)


TYPES: Mapping[str, FieldType] = {
    t.name: t for t in (Text(), Choice(), Date(), Integer(), Decimal(), Percent())
}
