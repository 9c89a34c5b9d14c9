"""Small in-memory county for aggregation and workbook tests: spec, roster, Submission builder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from county_report.formspec import load_formspec
from county_report.model import Submission
from county_report.roster import Roster

SPEC = load_formspec(Path(__file__).resolve().parents[1] / "templates" / "form.toml")
ROSTER = Roster(
    townships=("城关镇", "河西乡", "山北镇"),
    villages=(
        ("城关镇", "东风村"),
        ("城关镇", "南街社区"),
        ("河西乡", "柳树村"),
        ("河西乡", "杨家村"),
        ("山北镇", "石门村"),
    ),
)
AS_OF = date(2026, 11, 20)


def submission(
    township, village, metrics=None, ledger=(), highlights=(), as_of=AS_OF, file=None, findings=()
):
    """A Submission as the reader would return it; metrics not given are 0."""
    values = {m.key: (0.0 if m.type == "decimal" else 0) for m in SPEC.metrics} | dict(metrics or {})
    header = {
        "township": township,
        "village": village,
        "reporter": "张三",
        "phone": "",
        "filled_on": as_of,
        "as_of": as_of,
    }
    return Submission(
        file=file or f"{village}.xlsx",
        path=Path(file or f"{village}.xlsx"),
        mtime=0.0,
        header=header,
        metrics=values,
        ledger=tuple(ledger),
        highlights=tuple(highlights),
        findings=tuple(findings),
    )
