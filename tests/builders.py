"""Small in-memory county for aggregation and workbook tests: campaign, roster, Submission builder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from county_report.definition import AS_OF as AS_OF_ROLE
from county_report.definition import FILLED_ON, GROUP, UNIT, bind, load_definition
from county_report.model import Submission
from county_report.roster import Roster

CAMPAIGN = bind(load_definition(Path(__file__).resolve().parents[1] / "templates" / "form.toml"))
SPEC = CAMPAIGN  # the tests' older name for the definition as the office uses it
ROSTER = Roster(
    groups=("城关镇", "河西乡", "山北镇"),
    units=(
        ("城关镇", "东风村"),
        ("城关镇", "南街社区"),
        ("河西乡", "柳树村"),
        ("河西乡", "杨家村"),
        ("山北镇", "石门村"),
    ),
)
AS_OF = date(2026, 11, 20)


def submission(group, unit, metrics=None, ledger=(), highlights=(), as_of=AS_OF, file=None, findings=()):
    """A Submission as the reader would return it; metrics not given are 0."""
    values = {m.key: (0.0 if m.type.scale != 1 else 0) for m in CAMPAIGN.metrics} | dict(metrics or {})
    declared = {f.key: f.type.blank() for f in CAMPAIGN.definition.header_fields}
    header = declared | {
        CAMPAIGN.role(GROUP).key: group,
        CAMPAIGN.role(UNIT).key: unit,
        CAMPAIGN.role(FILLED_ON).key: as_of,
        CAMPAIGN.role(AS_OF_ROLE).key: as_of,
    }
    return Submission(
        file=file or f"{unit}.xlsx",
        path=Path(file or f"{unit}.xlsx"),
        mtime=0.0,
        header=header,
        metrics=values,
        ledger=tuple(ledger),
        highlights=tuple(highlights),
        findings=tuple(findings),
        place=(group, unit),
        as_of=as_of,
        filled_on=as_of,
    )
