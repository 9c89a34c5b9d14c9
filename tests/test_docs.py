"""The README documents what an administrator may write (sqlite-utils' test_docs.py, for the
campaign definition): every key of the schema and of every check kind has its row in 编写活动定义,
every row names a key that exists, every check kind is explained, and every example is shown
with the command that runs it.

A key added to the schema fails here until its row is written: intended.
"""

from __future__ import annotations

import re

from conftest import ROOT

from county_report.definition import CHECKS
from county_report.definition.schema import key_rows

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(heading: str, text: str = README) -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", text[start:], re.M)]
    return text[start : start + ends[0]] if ends else text[start:]


def first_cells(text: str) -> list[str]:
    """The first cell of every row of the tables in `text` (header and rule rows left out)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [row.split("|")[1].strip() for row in rows[2:] if not set(row) <= set("|-: ")]


def documented_keys() -> set[str]:
    rows = first_cells(section("### 各项一览", section("## 编写活动定义")))
    return {key for cell in rows for key in re.findall(r"`([^`]+)`", cell)}


def schema_keys() -> set[str]:
    checks = {f"checks.{key.name}" for check in CHECKS.values() for key in check.keys}
    return {dotted for dotted, _ in key_rows()} | checks


def test_every_key_a_definition_may_have_has_its_row():
    missing = sorted(schema_keys() - documented_keys())
    assert not missing, f"README 编写活动定义 / 各项一览 lacks a row for: {missing}"


def test_every_documented_key_exists():
    stale = sorted(documented_keys() - schema_keys())
    assert not stale, f"README 编写活动定义 documents keys the schema no longer has: {stale}"


def test_the_table_has_a_row_for_the_nested_keys_of_each_list():
    documented = documented_keys()
    assert {"metrics.fields[].applies_to", "ledger.columns[].role", "checks.status"} <= documented


def test_every_check_kind_is_explained():
    kinds = first_cells(section("### 校验、比率和排名", section("## 编写活动定义")))
    assert sorted(k.strip("`") for k in kinds) == sorted(CHECKS)


def test_every_example_is_shown_with_the_command_that_checks_it():
    examples = sorted(p.parent.parent.name for p in (ROOT / "examples").glob("*/templates/form.toml"))
    shown = section("## 更多示例（examples/）")
    assert len(examples) >= 2
    for name in examples:
        command = f"python run_report.py check --templates examples/{name}/templates --inputs examples/{name}/inputs"
        assert command in shown, name
