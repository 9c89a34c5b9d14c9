"""What an upward submission's own sheets tell the office above: whether a figure was edited by
hand after the tool wrote it, whether it was made for another period or definition, and the
sender's figures per group. A hand-filled form, with no 上报清单, is simply a form."""

from __future__ import annotations

from typing import Any

from .definition import Campaign, normalize_label
from .findings import Finding, finding
from .reader import RawForm
from .upward_format import (
    BREAKDOWN_SHEET,
    MANIFEST_KIND,
    MANIFEST_SHEET,
    canonical,
    fingerprint,
    manifest_facts,
)


def is_extract(raw: RawForm) -> bool:
    """An upward submission carries a ledger extract (open items), not every problem of its units."""
    facts, _ = manifest_facts(raw.extra.get(MANIFEST_SHEET, []))
    return facts.get("文件类型") == MANIFEST_KIND


def other_level_finding(raw: RawForm, campaign: Campaign) -> Finding | None:
    """A 上报表 from an office that is not of this office's unit level (a township's at a county that
    receives village forms) is not "not the standard form": it is said as what it is, with the
    setting (报送层级) that would let this office receive it, when that level lies in between."""
    facts, _ = manifest_facts(raw.extra.get(MANIFEST_SHEET, []))
    levels = campaign.definition.levels
    sender = campaign.definition.level(facts.get("本级层级", ""))
    if facts.get("文件类型") != MANIFEST_KIND or sender is None or sender == campaign.scope.unit:
        return None
    between = levels.index(campaign.scope.unit) < levels.index(sender) < levels.index(campaign.scope.body)
    return finding(
        "upward-other-level",
        file=raw.file,
        sheet=MANIFEST_SHEET,
        label=sender.name,
        value=facts.get("本级名称", ""),
        suggestion=sender.name if between else "",
        unit=campaign.scope.unit.name,
    )


def manifest_findings(raw: RawForm, campaign: Campaign) -> list[Finding]:
    """A warning per figure that no longer matches its fingerprint, and one for another definition."""
    rows = raw.extra.get(MANIFEST_SHEET)
    if not rows:
        return []
    facts, prints = manifest_facts(rows)
    if facts.get("文件类型") != MANIFEST_KIND:
        return []
    found = []
    digest = facts.get("定义校验码", "")
    if digest and campaign.definition.digest and digest != campaign.definition.digest:
        version = facts.get("定义版本", "") or "未注明"
        found.append(
            finding(
                "upward-other-definition",
                file=raw.file,
                sheet=MANIFEST_SHEET,
                value=version,
                reason=campaign.definition.version or "未注明",
            )
        )
    by_label = {f.label: f for f in campaign.fields}
    for label, code in prints.items():
        field = by_label.get(label)
        cell = raw.fields.get(field.key) if field else None
        if cell is None or not code:
            continue
        value = _typed(cell.raw, field)
        if fingerprint(label, value) != code:
            found.append(
                finding(
                    "upward-edited",
                    file=raw.file,
                    sheet=cell.sheet,
                    cell=cell.address,
                    label=label,
                    value=canonical(value),
                )
            )
    return found


def _typed(raw: Any, field) -> Any:
    """The cell's value as the writer fingerprinted it (a date cell as a date, a number as a number)."""
    value, problems = field.type.parse(raw, field) if raw is not None else (None, ())
    return raw if problems else value


def breakdown_rows(raw: RawForm, campaign: Campaign) -> tuple[dict[str, Any], ...]:
    """The sender's 分组汇总: its first column (the group, e.g. 城关镇) and every metric found by label."""
    rows = raw.extra.get(BREAKDOWN_SHEET)
    if not rows or len(rows) < 2:
        return ()
    header = [normalize_label(h) for h in rows[0]]
    columns = {m.key: header.index(m.match_label) for m in campaign.figures if m.match_label in header}
    out = []
    for row in rows[1:]:
        if not row or not str(row[0] or "").strip():
            continue
        values = {key: _number(row[i]) if i < len(row) else None for key, i in columns.items()}
        out.append({"_name": str(row[0]).strip(), **values})
    return tuple(out)


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float)) else None
