"""Streaming checks on a file's inner parts: XML prologs, the extent of every worksheet, and
every count a reader trusts before it has seen the data (a shared-strings table's declared size,
merged ranges), plus formulas saved without their value.

Used by guard.py on bytes inflated in bounded chunks, so nothing here builds a tree or a grid:
regexes over tags, a running cell position, and a stop at the first address beyond the caps.
"""

from __future__ import annotations

import codecs
import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

MAX_ROWS = 20_000  # the ledger is the longest sheet; no village has 20,000 problems
MAX_COLS = 200  # the widest sheet has 8 columns; 200 leaves room for notes (column GR)
CHUNK = 64 * 2**10  # bytes inflated at a time; also the longest XML prolog accepted
# calamine reserves memory for a shared-strings table's declared `uniqueCount` before reading it
# (10^12 declared in a 6 KB file: an allocation failure that aborts the process). A full ledger
# of 20,000 rows × 8 columns of distinct text has 160,000 strings.
MAX_SHARED_STRINGS = 200_000
# The reader fills a merged range's value into every cell it covers: merges are bounded in number
# and in cells covered (a form has a few dozen; a ledger merging its category column, 20,000).
MAX_MERGES = 10_000
MAX_MERGED_CELLS = 200_000
_EXCEL_ROWS, _EXCEL_COLS = 1_048_576, 16_384
_ENCODINGS = {
    "utf-8",
    "utf8",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "us-ascii",
    "ascii",
    "gbk",
    "gb2312",
    "gb18030",
}
_SHEET_ROOTS = {"worksheet", "dialogsheet", "macrosheet"}


class Refused(Exception):
    """A file a reader must not be given, and why; `reason` is Chinese, for the clerk's finding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class XmlUnsafe(Refused):
    """An XML part declares a DTD or entities, or hides its prolog."""


@dataclass
class SheetTooLarge(Exception):
    """A worksheet reaches beyond MAX_ROWS × MAX_COLS; `sheet` may be empty (then see `part`)."""

    part: str
    sheet: str
    cell: str
    reason: str


class CountTooLarge(Refused):
    """A part declares or holds more of something than any form could."""


@dataclass
class FormulaWithoutValue(Exception):
    """A formula cell saved without its result, which every reader would take for blank."""

    part: str
    sheet: str
    cell: str


def beyond_caps(what: str, where: str) -> str:
    """Why a cell or a declared range is refused: `单元格 XFD1 超出上限：…`."""
    return f"{what} {where} 超出上限：最多 {MAX_ROWS} 行、{MAX_COLS} 列"


def check_cell(part: str, sheet: str, row: int, col: int, where: str, what: str = "单元格") -> None:
    """Raise SheetTooLarge for a position (1-based) outside MAX_ROWS × MAX_COLS."""
    if not (0 < row <= MAX_ROWS and 0 < col <= MAX_COLS):
        raise SheetTooLarge(part, sheet, where[:40], beyond_caps(what, where))


def _decoder(first: bytes) -> Callable[[bytes], str]:
    """Bytes → text that keeps ASCII markup intact: UTF-16/32 decoded, anything else as latin-1."""
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in first[:4]:
        order = "utf-16-be" if first[:1] == b"\x00" or first[:2] == b"\xfe\xff" else "utf-16-le"
        incremental = codecs.getincrementaldecoder(order)("replace")
        return lambda chunk: incremental.decode(chunk).replace("\x00", "").replace("\ufeff", "")
    return lambda chunk: chunk.decode("latin-1")


def xml_prolog(first: bytes, *, full: bool) -> str | None:
    """The root element's local name if `first` starts an XML part, None if it is not XML.

    Raises XmlUnsafe on <!DOCTYPE>/<!ENTITY> (entity bombs, external entities), on an encoding
    that could disguise them, and on a prolog longer than one chunk. `full`: the whole part.
    """
    text = _decoder(first)(first).lstrip("\ufeff \t\r\n")
    if not text.startswith("<"):
        return None
    at = 0
    while (at := text.find("<", at)) >= 0:
        if text.startswith("<?", at):
            _check_declaration(text, at)
            at = text.find("?>", at)
            end = 2
        elif text.startswith("<!--", at):
            at, end = text.find("-->", at), 3
        elif text.startswith("<!", at):
            raise XmlUnsafe("含有 DOCTYPE/ENTITY 实体声明")
        else:
            name = re.match(r"[^\s/>]*", text[at + 1 : at + 200])
            assert name is not None  # a starred pattern always matches
            return name.group(0).rpartition(":")[2]
        if at < 0:
            break
        at += end
    if not full:
        raise XmlUnsafe("XML 文件头过长")
    return None


def _check_declaration(text: str, at: int) -> None:
    if not text.startswith("<?xml", at):
        return
    found = re.match(r"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']", text[at : at + 400])
    if found and found.group(1).strip().lower() not in _ENCODINGS:
        raise XmlUnsafe(f"使用了不支持的字符编码 {found.group(1)[:20]}")


def scanner_for(root: str | None, part: str, first: bytes, data: bytes = b"") -> _TagScan | None:
    """The scanner for a part the reader may parse as shared strings, a worksheet or .ods content.

    Chosen by the part's name as well as its root element: calamine reads a part named
    sharedStrings.xml from its first `<sst>` wherever it stands, and any part that a workbook
    names as a sheet from its `<sheetData>`, whatever the root.
    """
    lower = part.replace("\\", "/").lower()
    if root == "sst" or lower.endswith("sharedstrings.xml"):
        return SharedStringsScan(part, _decoder(first))
    if root == "document-content" or part == "content.xml":
        return OdsContentScan(part, _decoder(first))
    if root in _SHEET_ROOTS or b"sheetData" in data or "sheetData".encode("utf-16-le") in data:
        return XlsxSheetScan(part, _decoder(first))
    return None


_ATTRS = r"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"  # attribute values may legally contain '>'


class _TagScan:
    """Feeds chunks, runs `tag()` on each complete start tag matching TAG, keeps the rest."""

    TAG: re.Pattern[str]

    def __init__(self, part: str, decode: Callable[[bytes], str]) -> None:
        self.part, self.decode, self.carry = part, decode, ""
        self.row = self.col = 0
        self.sheet = ""

    def feed(self, chunk: bytes) -> None:
        text = self.carry + self.decode(chunk)
        lt = text.rfind("<")
        cut = lt if lt > text.rfind(">") else len(text)
        self.scan(text, cut)
        self.carry = text[cut:]

    def scan(self, text: str, end: int) -> None:
        for match in self.TAG.finditer(text, 0, end):
            self.tag(match.group(1), match.group(2))

    def tag(self, name: str, attrs: str) -> None:
        """Update the position from one start tag; raise SheetTooLarge beyond the caps."""

    def check(self, row: int, col: int, where: str, what: str = "单元格") -> None:
        check_cell(self.part, self.sheet, row, col, where, what)

    merges = merged_cells = 0

    def merged(self, count: int, cells: int, where: str) -> None:
        """Count merged ranges (`count` of them covering `cells`); beyond the caps the sheet is refused."""
        self.merges += count
        self.merged_cells += cells
        if self.merges > MAX_MERGES:
            reason = f"合并单元格超过 {MAX_MERGES} 处"
        elif self.merged_cells > MAX_MERGED_CELLS:
            reason = f"合并单元格共覆盖超过 {MAX_MERGED_CELLS} 个单元格"
        else:
            return
        raise SheetTooLarge(self.part, self.sheet, where[:40], reason)


def _attr(attrs: str, name: str) -> str | None:
    if len(re.findall(rf"(?:^|\s){name}\s*=", attrs)) > 1:
        return "?"  # a duplicated attribute: readers differ on which wins, so neither is trusted
    found = re.search(rf"(?:^|\s){name}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", attrs)
    if found is None:
        return None
    value = found.group(1) if found.group(1) is not None else found.group(2)
    return _unescape_refs(value).strip()


def _unescape_refs(value: str) -> str:
    """Numeric character references in an attribute (&#88;FD1 is XFD1 to a parser)."""
    if "&" not in value:
        return value

    def char(m: re.Match[str]) -> str:
        code = int(m.group(2), 16) if m.group(1) else int(m.group(2))
        return chr(code) if code < 0x110000 else "?"

    return re.sub(r"&#(x?)([0-9a-fA-F]{1,8});", char, value)


def _cell_ref(ref: str) -> tuple[int | None, int | None]:
    """(row, col) of an A1 reference, None for a missing part; letters counted as calamine does."""
    found = re.fullmatch(r"\$?([A-Za-z]{0,4})\$?(\d{0,8})", ref)
    if found is None:
        return _EXCEL_ROWS * 10, _EXCEL_COLS * 10  # unparseable: treat as out of range
    col = 0
    for ch in found.group(1):
        col = col * 26 + ord(ch) - 64  # lower case counts larger, as in a byte-wise parser
    return (int(found.group(2)) if found.group(2) else None), (col or None)


_P = r"<(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix on a tag
# The plain forms Excel, WPS, LibreOffice and openpyxl write: `r` (or `ref`) first, no prefix,
# then only double-quoted attributes whose names cannot be `r`, up to the tag's end; and only
# addresses within the caps (rows 1–20000, columns A–GR), so that a match is in range by itself.
_IN_ROWS = r"(?:[1-9]\d{0,3}|1\d{4}|20000)"
_IN_COLS = r"(?:[A-Z]|[A-F][A-Z]|G[A-R])"
_MORE_ATTRS = r'(?: (?:[\w.-]+:)?[a-qs-zA-Z][\w.-]*="[^"<]*")*\s*/?>'
_C_PLAIN = re.compile(rf'<c r="({_IN_COLS})({_IN_ROWS})"' + _MORE_ATTRS)
_ROW_PLAIN = re.compile(rf'<row r="({_IN_ROWS})"' + _MORE_ATTRS)
_RANGE_PLAIN = re.compile(
    rf'<(?:dimension|mergeCell) ref="{_IN_COLS}{_IN_ROWS}(?::{_IN_COLS}{_IN_ROWS})?"' + _MORE_ATTRS
)
_NAMED = re.compile(r"<([\w.-]+:)?(c|row|dimension|mergeCell|hyperlink|f)(?=[\s/>])")
_MERGE_REF = re.compile(r'<mergeCell ref="([^"]*)"')


def _area(ref: str) -> int:
    """Cells covered by an A1 range (its ends already checked to lie within the caps)."""
    ends = [_cell_ref(end) for end in ref.split(":")[:2]]
    (r0, c0), (r1, c1) = ends[0], ends[-1]
    return (abs((r1 or 0) - (r0 or 0)) + 1) * (abs((c1 or 0) - (c0 or 0)) + 1)


class XlsxSheetScan(_TagScan):
    """Tracks the position of every cell (explicit `r` or implied) and every range reference."""

    TAG = re.compile(_P + r"(row|c|dimension|mergeCell|hyperlink|f)(?=[\s/>])" + _ATTRS + ">")
    has_formula = False  # a `<f>` was seen: guard.py then looks for one saved without its value

    def scan(self, text: str, end: int) -> None:
        """Four searches when the chunk is plainly written and in range; else tag by tag."""
        text = text[:end]
        if not self._plain_and_small(text):
            super().scan(text, len(text))

    def _plain_and_small(self, text: str) -> bool:
        """True when every cell, row and range in `text` is written plainly and lies within the caps.

        Proven by counting: every `<c`, `<row`, `<dimension` and `<mergeCell` start tag must be
        matched whole by its plain pattern, which allows one in-range `r`/`ref` and nothing that
        could hide a second. Anything else — a prefix, single quotes, a character reference, an
        implied position, a hyperlink, a far address — sends the chunk to the tag-by-tag path,
        which is always safe. Four searches with literal prefixes and no Python loop: a form's
        three sheets cost ~0.4 ms here against ~0.9 ms tag by tag.
        """
        named = _NAMED.findall(text)
        counts = Counter(map(itemgetter(1), named))
        self.has_formula = self.has_formula or bool(counts["f"])
        if counts["hyperlink"] or any(map(itemgetter(0), named)):
            return False
        if len(_C_PLAIN.findall(text)) != counts["c"] or len(_ROW_PLAIN.findall(text)) != counts["row"]:
            return False
        if len(_RANGE_PLAIN.findall(text)) != counts["dimension"] + counts["mergeCell"]:
            return False
        if counts["mergeCell"]:
            for ref in _MERGE_REF.findall(text):
                self.merged(1, _area(ref), ref)
        self._carry_position(text)
        return True

    def _carry_position(self, text: str) -> None:
        """Leave the last cell's position for a next chunk whose cells may not say where they are."""
        at_cell, at_row = text.rfind("<c r="), text.rfind("<row r=")
        if at_cell > at_row:
            cell = _C_PLAIN.match(text, at_cell)
            assert cell is not None  # only called on a chunk whose every tag matched the plain patterns
            self.row, self.col = int(cell.group(2)), _cell_ref(cell.group(1))[1] or 0
        elif at_row >= 0:
            row = _ROW_PLAIN.match(text, at_row)
            assert row is not None
            self.row, self.col = int(row.group(1)), 0

    def tag(self, name: str, attrs: str) -> None:
        if name == "f":
            self.has_formula = True
            return
        r = _attr(attrs, "r")
        if name == "row":
            row, _ = _cell_ref(r) if r else (self.row + 1, None)
            self.row, self.col = row if row is not None else _EXCEL_ROWS * 10, 0
        elif name == "c":
            row, col = _cell_ref(r) if r else (None, self.col + 1)
            self.row = row if row is not None else self.row
            self.col = col if col is not None else _EXCEL_COLS * 10
            if not attrs.rstrip().endswith("/"):  # an empty styled cell holds no value
                self.check(self.row, self.col, r or a1(self.row, self.col))
        else:
            ref = _attr(attrs, "ref") or ""
            for end in ref.split(":")[:2] if ref else []:
                row, col = _cell_ref(end)
                self.check(row or _EXCEL_ROWS, col or _EXCEL_COLS, ref, what="声明的范围")
            if name == "mergeCell":
                self.merged(1, _area(ref), ref)


class SharedStringsScan(_TagScan):
    """Every `<sst>` tag's declared counts, and the strings themselves, within MAX_SHARED_STRINGS."""

    TAG = re.compile(_P + r"(sst|si)(?=[\s/>])" + _ATTRS + ">")
    strings = 0

    def tag(self, name: str, attrs: str) -> None:
        if name == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise CountTooLarge(f"共享字符串表有超过 {MAX_SHARED_STRINGS} 条文字")
            return
        for key in ("uniqueCount", "count"):
            for value in re.findall(rf"(?:^|\s){key}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", attrs):
                declared = max((int(run) for run in re.findall(r"\d+", "".join(value))), default=0)
                if declared > MAX_SHARED_STRINGS:
                    raise CountTooLarge(
                        f"共享字符串表声明有 {declared} 条文字，超过上限 {MAX_SHARED_STRINGS} 条"
                    )


_FORMULA_TAG = re.compile(r"<(?:[\w.-]+:)?f[\s/>]")
_NOT_A_CELL_EDGE = r"(?:(?!</(?:[\w.-]+:)?c>|<(?:[\w.-]+:)?c[\s/>]).)"  # stays inside one cell
_CELL_WITH_FORMULA = re.compile(
    rf"<(?:[\w.-]+:)?c(\s[^>]*)?(?<!/)>({_NOT_A_CELL_EDGE}*?<(?:[\w.-]+:)?f[\s/>]{_NOT_A_CELL_EDGE}*)</(?:[\w.-]+:)?c>",
    re.S,
)
_VALUE = re.compile(r"<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*[^<\s]", re.S)


def formula_without_value(data: bytes) -> str | None:
    """The address of the first cell holding a formula but no saved result, else None.

    Excel and WPS save each formula's last result beside it (`<v>`), and every reader uses that.
    A file written by a tool that stores no results would read as blank cells, counted as 0:
    such a file must be opened and saved again. An empty text result (t="str") is a result.
    """
    text = _decoder(data[:4])(data)
    if not _FORMULA_TAG.search(text):
        return None
    for cell in _CELL_WITH_FORMULA.finditer(text):
        attrs, body = cell.group(1) or "", cell.group(2)
        if _VALUE.search(body) or re.search(r"""\st\s*=\s*["'](str|inlineStr)["']""", attrs):
            continue
        return _attr(attrs, "r") or "（位置未标注）"
    return None


def a1(row: int, col: int) -> str:
    """An A1-style address for a message (large values stay readable)."""
    letters = ""
    while col > 0 and len(letters) < 6:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _text(raw: str) -> str:
    """A name from latin-1-decoded UTF-8 bytes back to text, entities resolved."""
    try:
        raw = raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # already real text (the part was UTF-16)
        pass
    return html.unescape(raw)


def _count(attrs: str, name: str) -> int:
    value = _attr(attrs, name)
    return int(value) if value and value.isdigit() and len(value) < 9 else (1 if not value else 10**9)


_ODS_VALUES = (
    "office:value",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
)


def _has_cached_value(attrs: str) -> bool:
    """A formula cell carries its result as a value attribute, or as text for a string result."""
    return (
        any(_attr(attrs, key) is not None for key in _ODS_VALUES)
        or _attr(attrs, "office:value-type") == "string"
    )


class OdsContentScan(_TagScan):
    """Rows and cells with their repeat counts; only non-empty cells extend a sheet (as in calamine).

    Also counts merged ranges (number-rows/columns-spanned), stops at a formula saved without its
    value, and keeps each table's name and whether its style hides it, for the form-sheet check.
    """

    TAG = re.compile(
        r"<(?:[A-Za-z_][\w.-]*:)?(table|table-row|table-cell|covered-table-cell|style|table-properties)(?=[\s/>])"
        + _ATTRS
        + ">"
    )

    def __init__(self, part: str, decode: Callable[[bytes], str]) -> None:
        super().__init__(part, decode)
        self.tables: list[tuple[str, str]] = []  # (name, style name)
        self.hidden_styles: set[str] = set()
        self._style = ""

    def tag(self, name: str, attrs: str) -> None:
        if name == "table":
            self.sheet, self.row = _text(_attr(attrs, "table:name") or ""), 0
            self.tables.append((self.sheet, _attr(attrs, "table:style-name") or ""))
        elif name == "table-row":
            self.first_row = self.row + 1
            self.row += _count(attrs, "table:number-rows-repeated")
            self.col = 0
        elif name == "style":
            self._style = _attr(attrs, "style:name") or ""
        elif name == "table-properties":
            if (_attr(attrs, "table:display") or "").lower() == "false":
                self.hidden_styles.add(self._style)
        else:
            self._cell(attrs)

    def _cell(self, attrs: str) -> None:
        repeats = _count(attrs, "table:number-columns-repeated")
        self.col += repeats
        empty = attrs.rstrip().endswith("/") and "value-type" not in attrs
        if not empty:
            self.check(self.row, self.col, a1(self.row, self.col))
        rows, cols = _count(attrs, "table:number-rows-spanned"), _count(attrs, "table:number-columns-spanned")
        if rows > 1 or cols > 1:
            self.merged(repeats, repeats * rows * cols, a1(self.row, self.col))
        if "table:formula" in attrs and not _has_cached_value(attrs):
            raise FormulaWithoutValue(self.part, self.sheet, a1(self.row, self.col))

    @property
    def hidden_tables(self) -> set[str]:
        return {name for name, style in self.tables if style and style in self.hidden_styles}
