"""Hostile variants of real village forms, so a file that slipped through would count for a village.

tests/hostile.py builds each hostile kind from a tiny workbook that is not the standard form;
here the same attacks are made on a filled form of one roster village, so the test can assert
that village stays out of the totals. Below them: the county folder tests/test_hostile.py runs.
"""

from __future__ import annotations

import re
import shutil
import zipfile
import zlib
from datetime import date
from pathlib import Path

import hostile
from fixtures.make_finding_fixtures import GOOD_LEDGER, write_form

BASIC_SHEET = "xl/worksheets/sheet1.xml"  # 基本情况, the first sheet of a generated form
_ENTITY_ROW = b'<row r="999"><c r="A999" t="inlineStr"><is><t>&%s;</t></is></c></row>'
_XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _patch_sheet(form: Path, dst: Path, edit: hostile.Patch) -> Path:
    return hostile.patched(form, dst, {BASIC_SHEET: edit})


def truncated(form: Path, dst: Path) -> Path:
    data = form.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def encrypted(form: Path, dst: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with form.open("rb") as fin, dst.open("wb") as fout:
        OOXMLFile(fin).encrypt("1234", fout)
    return dst


def far_cell(form: Path, dst: Path) -> Path:
    cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return _patch_sheet(form, dst, lambda d: hostile._append_cell(d, cell))


def far_dimension(form: Path, dst: Path) -> Path:
    return _patch_sheet(
        form, dst, lambda d: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d)
    )


def entity_bomb(form: Path, dst: Path) -> Path:
    return _patch_sheet(form, dst, lambda d: hostile._LAUGHS + hostile._append_cell(d, _ENTITY_ROW % b"lol9"))


def external_entity(form: Path, dst: Path) -> Path:
    return _patch_sheet(form, dst, lambda d: _XXE + hostile._append_cell(d, _ENTITY_ROW % b"xxe"))


def zip_bomb(form: Path, dst: Path) -> Path:
    """The form's own members plus one unreferenced part that inflates to 1 GiB."""
    members = []
    with zipfile.ZipFile(form) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, [comp.compress(data) + comp.flush()], zlib.crc32(data), len(data)))
    _, chunks, crc, size = hostile._huge_string_member()
    return hostile._zip_raw(dst, [*members, ("customXml/item1.xml", chunks, crc, size)])


def copy(form: Path, dst: Path) -> Path:
    """A byte copy under another name (an Office lock file, a hidden file, a hidden folder)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(form, dst)
    return dst


# --- the county folder of tests/test_hostile.py ---------------------------------------------

FORMULA = '=HYPERLINK("http://example.com","点我")'
CONTROL, CONTROL_CLEANED = "张\x07三\x1b", "张三"
LONG = "很长" * 20_000  # 40,000 characters; a cell holds 32,767
HIGHLIGHT_TITLE = "张&三<李四>\"王五\"'赵六'"
HIGHLIGHT_CONTENT = "张&三 <李四> \"王五\" '赵六' 一起修好了村道 a&b<c>d"
SIGNED_LEDGER = [  # text starting with + - @ must stay text in the merged ledger
    (1, "基础设施", "-1 号桥护栏松动", "+86 138 0000 0000", "交通局", date(2026, 12, 31), "已解决", "@所有人 已修复"),
    *GOOD_LEDGER[1:],
]  # fmt: skip

# Forms that are read and counted: the good ones and the ones with hostile text or a macro.
ACCEPTED = {
    "xml-specials": ("城关镇", "东风村"),  # first in the roster, so the report quotes its highlight
    "good-1": ("城关镇", "黄龙村"),
    "good-2": ("河西乡", "柳树村"),
    "good-3": ("河西乡", "石桥村"),
    "formula-text": ("城关镇", "青山村"),
    "control-chars": ("城关镇", "白鹤村"),
    "long-text": ("河西乡", "金竹村"),
    "xlsm-form": ("河西乡", "团结村"),
}
# Hostile variants of a real form: each would count for its village if it slipped through.
FORM_VARIANTS = {
    "form-truncated": ("城关镇", "红星村", truncated, "{}.xlsx"),
    "form-encrypted": ("城关镇", "新华村", encrypted, "{}.xlsx"),
    "form-zip-bomb": ("城关镇", "马鞍村", zip_bomb, "{}.xlsx"),
    "form-entity": ("城关镇", "龙泉村", entity_bomb, "{}.xlsx"),
    "form-external-entity": ("河西乡", "桂花村", external_entity, "{}.xlsx"),
    "form-far-cell": ("河西乡", "凤凰村", far_cell, "{}.xlsx"),
    "form-far-dimension": ("河西乡", "太平村", far_dimension, "{}.xlsx"),
    "form-lock": ("河西乡", "永丰村", copy, "~${}.xlsx"),
    "form-hidden": ("河西乡", "建设村", copy, ".{}.xlsx"),
    "form-hidden-folder": ("河西乡", "胜利村", copy, ".备份/{}.xlsx"),
}
READER_ERROR_VILLAGE = ("河西乡", "团山村")
ROSTER = [
    *((t, v, "") for t, v in ACCEPTED.values()),
    *((t, v, "") for t, v, *_ in FORM_VARIANTS.values()),
    (*READER_ERROR_VILLAGE, ""),
]


def village_form(folder: Path, township: str, village: str, i: int, **extra) -> Path:
    """A clean filled form for one village, with figures of its own so totals tell villages apart."""
    metrics = {"households": 300 + i, "visits": 800 + 7 * i, "leaflets": 1000 + 13 * i, "relief": 1000.5 + i}
    return write_form(
        folder / f"{township}-{village}.xlsx", {"township": township, "village": village}, metrics, **extra
    )


def place_county(inputs: Path, forms: Path) -> tuple[dict[str, Path], list[Path]]:
    """Every hostile file into `inputs`; returns {kind: path} and the files that should be counted."""
    made = {kind: village_form(forms, t, v, i) for i, (kind, (t, v)) in enumerate(ACCEPTED.items())}
    made["xml-specials"] = village_form(
        forms,
        *ACCEPTED["xml-specials"],
        0,
        ledger=SIGNED_LEDGER,
        highlights=[(1, HIGHLIGHT_TITLE, HIGHLIGHT_CONTENT)],
    )
    good = [
        shutil.copy2(made[k], inputs / made[k].name) for k in ("xml-specials", "good-1", "good-2", "good-3")
    ]
    texts = {
        "formula-text": ("填报人", FORMULA),
        "control-chars": ("填报人", CONTROL),
        "long-text": ("填报人", LONG),
    }
    for kind, (label, text) in texts.items():
        good.append(hostile.hostile_text(inputs, made[kind], label, text, made[kind].name))
    good.append(hostile.xlsm_with_macro(inputs, made["xlsm-form"]))
    corpus = hostile.build_corpus(inputs)
    for n, (kind, (t, v, build, pattern)) in enumerate(FORM_VARIANTS.items(), start=len(ACCEPTED)):
        target = inputs / pattern.format(f"{t}-{v}")
        corpus[kind] = build(village_form(forms, t, v, n), target)
    bad_strings = b'<row r="999"><c r="A999" t="s"><v>5</v></c></row>'  # no shared-strings table at all
    corpus["form-reader-error"] = hostile.patched(
        village_form(forms, *READER_ERROR_VILLAGE, 99),
        inputs / "{}-{}.xlsx".format(*READER_ERROR_VILLAGE),
        {BASIC_SHEET: lambda d: hostile._append_cell(d, bad_strings)},
    )
    return corpus, good
