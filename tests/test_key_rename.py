"""Keys are the definition's own business: rename every key in a copy of templates/ (fields,
columns, rates, choice lists, and every reference to them) and the demo's full run gives the same
workbook, cell for cell, and the same report, byte for byte in word/document.xml.

Nothing outside the definition may name a campaign's key; this would catch the first that did.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

from county_report.definition import load_definition
from county_report.model import RunOptions
from county_report.pipeline import run

PREFIX = "k_"
REPORT_DATE = date(2026, 11, 22)
# a key, or a reference to one: key = "households", left = "solved", choices = "status", …
_REFERENCE = re.compile(r'\b(key|left|right|metric|numerator|denominator|choices)(\s*=\s*")([A-Za-z]\w*)"')
_RANKING = re.compile(r"^(by\s*=\s*)\[(.*)\]", re.M)
_SECTION = re.compile(r"^\[{1,2}([^\]]+)\]{1,2}\s*(#.*)?$")
_LIST_NAME = re.compile(r"^([A-Za-z]\w*)(\s*=)", re.M)


def renamed(text: str) -> str:
    """The definition with every key given the prefix, wherever it is declared or referred to."""
    text = _REFERENCE.sub(lambda m: f'{m[1]}{m[2]}{PREFIX}{m[3]}"', text)
    text = _RANKING.sub(lambda m: m[1] + "[" + re.sub(r'"(\w+)"', rf'"{PREFIX}\1"', m[2]) + "]", text)
    lines, section = [], ""
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            section = header[1].strip()
        elif section == "choices":  # the choice lists' names are keys too
            line = _LIST_NAME.sub(rf"{PREFIX}\1\2", line)
        lines.append(line)
    return "".join(lines)


def every_key(definition) -> set[str]:
    fields = (*definition.header_fields, *definition.metrics)
    columns = (*definition.ledger.columns, *definition.highlights.columns)
    return (
        {f.key for f in fields}
        | {c.key for c in columns}
        | {r.key for r in definition.rates}
        | set(definition.choices)
    )


@pytest.fixture(scope="module")
def templates_pair(tmp_path_factory) -> tuple[Path, Path]:
    original = ROOT / "templates"
    copy = tmp_path_factory.mktemp("renamed") / "templates"
    shutil.copytree(original, copy)
    form = original / "form.toml"
    (copy / "form.toml").write_text(renamed(form.read_text(encoding="utf-8")), encoding="utf-8")
    return original, copy


def test_every_key_and_reference_is_renamed_and_nothing_else(templates_pair):
    original, copy = (load_definition(t / "form.toml") for t in templates_pair)
    assert every_key(copy) == {PREFIX + k for k in every_key(original)}
    assert len(every_key(original)) >= 30
    for before, after in zip(original.checks, copy.checks, strict=True):
        assert before.kind == after.kind and before.guide_line() == after.guide_line()
        for name in ("left", "right", "metric"):
            if hasattr(before, name):
                assert getattr(after, name).key == PREFIX + getattr(before, name).key
    assert [(r.label, r.numerator.key) for r in copy.rates] == [
        (r.label, PREFIX + r.numerator.key) for r in original.rates
    ]
    assert [i.key for i in copy.ranking] == [PREFIX + i.key for i in original.ranking]
    labels = lambda d: [f.label for f in (*d.header_fields, *d.metrics)]  # noqa: E731
    assert labels(copy) == labels(original) and copy.choices[PREFIX + "status"] == original.choices["status"]


def _full_run(templates: Path, outputs: Path):
    options = RunOptions(ROOT / "inputs", outputs, templates, workers=0)
    return run(options, report_date=REPORT_DATE)


def _cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def _document_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml")


@pytest.mark.slow
def test_the_demo_run_gives_identical_outputs_with_every_key_renamed(templates_pair, tmp_path):
    original, copy = (_full_run(t, tmp_path / t.parent.name) for t in templates_pair)
    assert original.exit_code == copy.exit_code == 1  # the demo's planned mistakes
    assert original.workbook_path.is_file() and original.report_path.is_file()
    before, after = _cells(original.workbook_path), _cells(copy.workbook_path)
    assert list(after) == list(before)
    for sheet in before:
        assert after[sheet] == before[sheet], sheet
    assert _document_xml(copy.report_path) == _document_xml(original.report_path)
