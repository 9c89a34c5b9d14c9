"""Which parts of an .xlsx/.xlsm package the reader parses, told the way python-calamine tells it.

calamine finds the workbook through `_rels/.rels`, looks parts up case-insensitively (`\\` read
as `/`), takes the last of a duplicated attribute, and tries other formats when a package is
not a plain workbook. So the guard skips a part (the 填表说明 sheet, which the reader never
opens; ~35% of the guard's time) only when the catalogue is plain: one workbook in `xl/`, every
sheet and relationship written once, no comments. Anything unusual means every part is scanned.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from .definition import normalize_name

_ATTR = re.compile(r"""([^\s=<>/"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?sheet(\s[^<>]*)?/?>")
_ANY_SHEET_TAG = re.compile(r"<(?:[^\s<>/!?:]+:)?sheet[\s/>]")
_REL_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Relationship(\s[^<>]*)?/?>")
_ANY_REL_TAG = re.compile(r"<(?:[^\s<>/!?:]+:)?Relationship[\s/>]")
_OFFICE_DOCUMENT = "/relationships/officedocument"
# parts no reader used here ever parses (document properties, colour themes): not scanned
_NEVER_PARSED = ("docprops/", "xl/theme/")
# what only an .xlsb has: calamine would read it with its binary reader, which the guard cannot check
BINARY_WORKBOOK_PARTS = {"xl/workbook.bin", "xl/sharedstrings.bin", "xl/styles.bin"}


@dataclass(frozen=True)
class SheetEntry:
    """One `<sheet>` of xl/workbook.xml: its tab name, visibility and part (lower case)."""

    name: str
    state: str  # visible | hidden | veryHidden
    part: str
    plain_name: bool  # written without entities, so it reads the same to every parser


def normalised(name: str) -> str:
    """A part name as calamine looks it up."""
    return name.replace("\\", "/").lower()


def is_binary_workbook(names: Collection[str]) -> bool:
    return any(normalised(n) in BINARY_WORKBOOK_PARTS for n in names)


def parts_to_skip(names: Collection[str], read: Callable[[str], bytes], wanted: Collection[str]) -> set[str]:
    """Members that are sheets other than `wanted`, which the reader never parses; empty: scan all.

    `read(name)` returns a member's bytes (KeyError if absent). A part is skipped only if it
    belongs to unwanted sheets alone: any doubt about the catalogue keeps it in the scan.
    """
    members = {normalised(n): n for n in names}
    if len(members) != len(names) or "_rels/.rels" not in members or "xl/workbook.xml" not in members:
        return set()
    if not _workbook_in_xl(read(members["_rels/.rels"])):
        return set()
    try:
        book, rels = read(members["xl/workbook.xml"]), read(members["xl/_rels/workbook.xml.rels"])
    except KeyError:
        return set()
    entries = sheet_entries(book, rels)
    if not entries:
        return set()
    unwanted = _unwanted_parts(book, rels, tuple(wanted))
    sheets = {part for e in entries for part in (e.part, e.part.removeprefix("xl/"))}
    never = {
        name for lower, name in members.items() if lower.startswith(_NEVER_PARSED) and lower not in sheets
    }
    return {members[part] for part in unwanted if part in members} | never


@lru_cache(maxsize=64)
def _unwanted_parts(book_xml: bytes, rels_xml: bytes, wanted: tuple[str, ...]) -> frozenset[str]:
    """Parts (lower case) that only sheets other than `wanted` resolve to; empty unless plain."""
    entries = sheet_entries(book_xml, rels_xml)
    keep = {normalize_name(w) for w in wanted}
    needed, unwanted = set(), set()
    for entry in entries:
        if entry.plain_name and normalize_name(entry.name) not in keep:
            unwanted.add(entry.part)
        else:
            needed |= {entry.part, entry.part.removeprefix("xl/")}  # either way a target may resolve
    return frozenset(unwanted - needed)


@lru_cache(maxsize=64)  # forms made from one template share these parts byte for byte
def sheet_entries(book_xml: bytes, rels_xml: bytes) -> tuple[SheetEntry, ...]:
    """Every sheet of the workbook with its part, in tab order; () unless the catalogue is plain."""
    book, rels = book_xml[: 2**20].decode("utf-8", "replace"), rels_xml[: 2**20].decode("utf-8", "replace")
    if _has_hidden_markup(book) or _has_hidden_markup(rels):
        return ()
    targets = _relationship_targets(rels)
    tags = _SHEET_TAG.findall(book)
    if targets is None or len(tags) != len(_ANY_SHEET_TAG.findall(book)):
        return ()
    entries = []
    for body in tags:
        attrs = _attributes(body)
        ids = [value for key, value in (attrs or {}).items() if key.rpartition(":")[2] == "id"]
        if attrs is None or "name" not in attrs or len(ids) != 1 or ids[0] not in targets:
            return ()
        raw = attrs["name"]
        state = attrs.get("state", "visible")
        entries.append(SheetEntry(html.unescape(raw), state, _resolve(targets[ids[0]]), "&" not in raw))
    return tuple(entries)


@lru_cache(maxsize=64)
def sheet_list(book_xml: bytes) -> tuple[tuple[str, str], ...]:
    """(name, state) of every `<sheet>` in xl/workbook.xml, plain or not, for the form-sheet check."""
    book = book_xml[: 2**20].decode("utf-8", "replace")
    listed = []
    for body in _SHEET_TAG.findall(book):
        attrs = {key: double or single for key, double, single in _ATTR.findall(body or "")}
        if "name" in attrs:
            listed.append((html.unescape(attrs["name"]), attrs.get("state", "visible")))
    return tuple(listed)


@lru_cache(maxsize=64)
def _workbook_in_xl(package_rels: bytes) -> bool:
    """`_rels/.rels` names xl/workbook.xml as the document (calamine's default when it names none)."""
    text = package_rels[: 2**20].decode("utf-8", "replace")
    if _has_hidden_markup(text):
        return False
    tags = _REL_TAG.findall(text)
    if len(tags) != len(_ANY_REL_TAG.findall(text)):
        return False
    for body in tags:
        attrs = _attributes(body)
        if attrs is None:
            return False
        document = attrs.get("Type", "").lower().endswith(_OFFICE_DOCUMENT)
        if document and normalised(attrs.get("Target", "")).lstrip("/") != "xl/workbook.xml":
            return False
    return True


def _relationship_targets(rels: str) -> dict[str, str] | None:
    tags = _REL_TAG.findall(rels)
    if len(tags) != len(_ANY_REL_TAG.findall(rels)):
        return None
    targets: dict[str, str] = {}
    for body in tags:
        attrs = _attributes(body)
        if attrs is None or "Id" not in attrs or attrs["Id"] in targets:
            return None
        targets[attrs["Id"]] = attrs.get("Target", "")
    return targets


def _resolve(target: str) -> str:
    """The part calamine opens for a worksheet target: absolute, or relative to xl/."""
    return normalised(target[1:] if target.startswith("/") else "xl/" + target)


def _attributes(body: str) -> dict[str, str] | None:
    """A tag's attributes; None if one is written twice (parsers differ on which one counts)."""
    found: dict[str, str] = {}
    for key, double, single in _ATTR.findall(body or ""):
        if key in found:
            return None
        found[key] = double if double or not single else single
    return found


def _has_hidden_markup(text: str) -> bool:
    """Comments and CDATA can hide a tag from a regex that a parser skips, or the reverse."""
    return "<!--" in text or "<![CDATA[" in text
