"""报送情况说明: a short internal note of who has reported, who has not, and whose form must be
corrected. Reporting status is the office's business, not a 存在问题 of the campaign, so it is
kept out of the 总结 and written here, for internal use; it states facts, never actions taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .aggregate import GROUP, MISSING, STATUS, TO_CORRECT, UNIT, Aggregate
from .atomic import atomic_write
from .cnformat import cn_date, pct
from .findings import Finding
from .report_layout import declare_fallbacks, official_document


def status_note_name(settings) -> str:
    return f"{settings.county}“{settings.campaign}”报送情况说明.docx"


def write_status_note(
    agg: Aggregate, findings: Sequence[Finding], files: dict, settings, out_path: Path
) -> Path:
    """Write the note atomically; `files` maps each place to correct to the file that was rejected."""
    document = _document(note_paragraphs(agg, findings, files, settings))
    return atomic_write(Path(out_path), document.save)


def note_paragraphs(
    agg: Aggregate, findings: Sequence[Finding], files: dict, settings
) -> list[tuple[str, ...]]:
    scope = agg.campaign.scope
    unit = scope.unit.name
    progress = agg.progress
    expected = len(progress)
    missing = progress[progress[STATUS] == MISSING]
    wrong = progress[progress[STATUS] == TO_CORRECT]
    reported = expected - len(missing) - len(wrong)
    share = pct(reported / expected) if expected else "—"
    paragraphs: list[tuple[str, ...]] = [
        ("Title", f"{settings.county}“{settings.campaign}”活动报送情况说明"),
        ("Subtitle", f"（内部参考，截至{cn_date(agg.as_of)}）"),
        ("Normal", ""),
        (
            "Normal",
            f"应报{expected}个{unit}，已报送并通过校验{reported}个（{share}），"
            f"未报送{len(missing)}个，报表有误待更正{len(wrong)}个。",
        ),
    ]
    if missing.empty and wrong.empty:
        paragraphs.append(("Normal", f"各{unit}均已报送，报表均已通过校验。"))
        return paragraphs
    if not missing.empty:
        paragraphs.append(("Heading1", f"一、未报送的{unit}"))
        paragraphs += [("Normal", line) for line in _by_group(missing, scope)]
    if not wrong.empty:
        paragraphs.append(("Heading1", f"{'二' if not missing.empty else '一'}、报表有误待更正的{unit}"))
        first_error = {}
        for f in findings:
            if f.is_error and f.file not in first_error:
                first_error[f.file] = f.message
        for group, name in zip(wrong[GROUP], wrong[UNIT], strict=True):
            file = files.get((group, name), "")
            reason = first_error.get(file, "")
            paragraphs.append(("Normal", f"{group}{name}（{file}）：{reason}" if file else f"{group}{name}"))
    return paragraphs


def _by_group(rows, scope) -> list[str]:
    if scope.group is None:
        return ["、".join(rows[UNIT].tolist()) + "。"]
    lines = []
    for group, part in rows.groupby(GROUP, sort=False):
        lines.append(f"{group}（{len(part)}个）：{'、'.join(part[UNIT].tolist())}。")
    return lines


def _document(paragraphs: list[tuple[str, ...]]):
    document = official_document(paragraphs)
    declare_fallbacks(document)
    return document
