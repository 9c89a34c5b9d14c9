"""A small county reporting over several periods: three villages, forms written per period.

Used by the database, audit and incremental-read tests (and by kill_in_record.py in a child)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import make_templates
from fixtures.make_finding_fixtures import write_form

from county_report.model import RunOptions
from county_report.pipeline import run

TOWNSHIP = {"东风村": "城关镇", "黄龙村": "城关镇", "柳树村": "河西乡"}
P1, P2, P3 = date(2026, 11, 6), date(2026, 11, 13), date(2026, 11, 20)
# per period: village → (走访农户, 梳理问题, 已解决问题); 柳树村 misses the second period
PERIODS = {
    P1: {"东风村": (300, 10, 5), "黄龙村": (200, 8, 2), "柳树村": (150, 4, 1)},
    P2: {"东风村": (360, 12, 8), "黄龙村": (260, 10, 6)},
    P3: {"东风村": (420, 14, 12), "黄龙村": (300, 12, 9), "柳树村": (210, 6, 4)},
}


def write_period(inputs: Path, day: date, villages: dict | None = None) -> Path:
    """One form per village for the period `day` (its 统计截止日期 and 填报日期)."""
    inputs.mkdir(parents=True, exist_ok=True)
    for village, (households, problems, solved) in (villages or PERIODS[day]).items():
        ledger = [
            (i + 1, "基础设施", f"问题{i + 1}", "某", "交通局", date(2026, 12, 31),
             "已解决" if i < solved else "办理中", "")
            for i in range(problems)
        ]  # fmt: skip
        header = {"township": TOWNSHIP[village], "village": village, "as_of": day, "filled_on": day}
        metrics = {"households": households, "problems": problems, "solved": solved}
        write_form(inputs / f"{village}.xlsx", header=header, metrics=metrics, ledger=ledger)
    return inputs


class County:
    """templates/, 数据/ and one inputs and outputs folder per period under `root`."""

    def __init__(self, root: Path):
        self.root = root
        self.templates = make_templates(root / "templates")
        self.data = root / "数据"

    def inputs(self, day: date) -> Path:
        folder = self.root / f"inputs-{day}"
        return folder if folder.is_dir() else write_period(folder, day)

    def options(self, day: date, **changes) -> RunOptions:
        values = {"outputs": self.root / f"out-{day}", "workers": 0, "data": self.data} | changes
        return RunOptions(inputs=self.inputs(day), templates=self.templates, **values)

    def run(self, day: date, **changes):
        return run(self.options(day, **changes), report_date=day)
