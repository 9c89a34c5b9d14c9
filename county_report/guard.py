"""Cheap checks on every input file before any spreadsheet library opens it.

Why: python-calamine aborts the whole process (an uncatchable Rust allocation failure) on a
5 KB .xlsx holding one cell at XFD1048576, every reader inflates zip bombs, and XML parsers
expand entities. So the bytes are checked here first: the extension and magic number, the zip
directory's sizes, every member inflated to at most its declared size (CRC verified),
every XML prolog, every cell address of every worksheet, and every count or size a reader
trusts before it has read the data (see README, 收到的文件会先做安全检查): a shared-strings
table's declared size, merged ranges, an .xls file's header, sector chains, sheet positions
and declared dimensions. A formula saved without its result, and a form sheet present twice
(a hidden original behind an edited copy), are refused here too, naming sheet and cell.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Collection, Sequence
from pathlib import Path

from . import ooxml
from .biffscan import OLE_MAGIC, WORKBOOK_STREAMS, Malformed, scan_xls
from .findings import SAVE_AS, Finding, finding
from .formsheets import form_sheet_copies
from .oserrors import os_reason
from .sheetscan import (
    CHUNK,
    MAX_COLS,
    MAX_ROWS,
    CountTooLarge,
    FormulaWithoutValue,
    OdsContentScan,
    SheetTooLarge,
    XlsxSheetScan,
    XmlUnsafe,
    formula_without_value,
    scanner_for,
    xml_prolog,
)

__all__ = ["MAX_COLS", "MAX_FILE_BYTES", "MAX_ROWS", "classify", "screen", "screen_file"]

MAX_FILE_BYTES = 20 * 2**20  # a filled form is ~20 KB; 20 MB still allows pasted photos
MAX_MEMBERS = 1000  # a form has ~10 zip members
MAX_MEMBER_BYTES = 50 * 2**20  # inflated size of any one member
MAX_INFLATED_BYTES = 100 * 2**20  # inflated size of all members together
MAX_RATIO = 200  # XML deflates 5–20×, a styled empty grid ~100×; bombs ~1000×
RATIO_FLOOR = 2**20  # the ratio only matters for members over 1 MB

ACCEPTED = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP_MAGIC = b"PK\x03\x04"

NOT_WORD = "请报送 Excel 标准表而不是 Word/PDF 文档。"
NOT_PHOTO = "请报送 Excel 标准表，不要拍照或截图。"
UNZIP = "请解压后报送其中的 Excel 标准表。"
_WRONG_TYPES: dict[str, tuple[str, str]] = {
    **dict.fromkeys([".et", ".ett"], ("WPS 表格（.et）", SAVE_AS)),
    **dict.fromkeys([".csv", ".txt", ".tsv"], ("文本文件", SAVE_AS)),
    **dict.fromkeys([".xlsb", ".xlt", ".xltx", ".xltm", ".ots", ".numbers"], ("非标准的表格格式", SAVE_AS)),
    **dict.fromkeys([".htm", ".html", ".mht", ".mhtml", ".xml"], ("网页或 XML 文件", SAVE_AS)),
    **dict.fromkeys([".doc", ".docx", ".wps", ".rtf", ".odt"], ("Word/WPS 文字文档", NOT_WORD)),
    **dict.fromkeys([".pdf", ".ofd"], ("PDF 文档", NOT_WORD)),
    **dict.fromkeys([".ppt", ".pptx", ".dps"], ("演示文稿", NOT_WORD)),
    **dict.fromkeys(
        [".jpg", ".jpeg", ".png", ".gif", ".bmp", ".heic", ".webp", ".tif", ".tiff"], ("图片", NOT_PHOTO)
    ),
    **dict.fromkeys([".zip", ".rar", ".7z"], ("压缩包", UNZIP)),
}
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}


class _Rejected(Exception):
    """Carries the finding out of nested checks; never escapes this module."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.message)
        self.finding = found


def classify(path: Path) -> str | None:
    """Why this file is skipped without a read (lock, temporary, hidden or system file), or None."""
    name = path.name
    if name.startswith("~$"):
        return "Office 临时锁文件（表格正在打开时自动生成）"
    if name.startswith("~"):
        return "临时文件"
    if name.startswith(".") or _hidden_on_windows(path):
        return "隐藏文件"
    if name.lower() in _SYSTEM_FILES:
        return "系统文件"
    return None  # folders are not classified: intake walks into them


def _hidden_on_windows(path: Path) -> bool:
    if os.name != "nt":
        return False  # the attribute exists only there; elsewhere a hidden file starts with "."
    try:
        attrs = getattr(os.stat(path), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attrs & (stat.FILE_ATTRIBUTE_HIDDEN | stat.FILE_ATTRIBUTE_SYSTEM))


def screen_file(path: Path, display_name: str, sheets: Collection[str] | None = None) -> Finding | None:
    """A rejection finding if the file must not reach a spreadsheet reader, else None.

    `sheets`: the form's worksheets, the only ones the reader opens; the other sheets (such as
    填表说明) are never parsed, so only their sizes in the zip directory are checked; and a form
    sheet present twice is refused. None: every sheet is scanned and none is a form sheet.
    """
    return screen(path, display_name, sheets)[0]


def screen(
    path: Path, display_name: str, sheets: Collection[str] | None = None
) -> tuple[Finding | None, bytes]:
    """screen_file, and the file's bytes as they were checked (b"" when not read whole).

    A reader given these bytes reads exactly what was screened, even if the file on disk
    changes meanwhile, and does not read it a second time.
    """
    try:
        return None, _screen(path, display_name, sheets)
    except _Rejected as rejected:
        return rejected.finding, b""
    except OSError as exc:  # locked, no permission, gone: not a broken file, and said in Chinese
        return finding("file-unreadable", file=display_name, reason=os_reason(exc)), b""


def _screen(path: Path, name: str, sheets: Collection[str] | None) -> bytes:
    suffix = path.suffix.lower()
    if suffix not in ACCEPTED:
        kind, advice = _WRONG_TYPES.get(suffix, (f"“{suffix or '无扩展名'}”", SAVE_AS))
        _reject("wrong-file-type", name, value=f"{kind}", action=advice)
    size, data = _read_regular(path, name)
    if size == 0:
        _reject("file-corrupt", name, reason="文件为空，大小为 0 字节")
    if size > MAX_FILE_BYTES:
        _reject(
            "file-too-large",
            name,
            reason=f"文件大小 {size / 2**20:.1f} MB，超过上限 {MAX_FILE_BYTES // 2**20} MB",
        )
    if data.startswith(_ZIP_MAGIC):
        _screen_zip(data, name, sheets)
        return data
    if data.startswith(OLE_MAGIC):
        _screen_ole(data, name, sheets)
        return data
    _unrecognised(data[:512], name)
    return b""


def _read_regular(path: Path, name: str) -> tuple[int, bytes]:
    """(size, bytes up to the cap) of a regular file; opened without blocking, so a named pipe
    put in place of a listed file cannot stall the run."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            _reject("file-corrupt", name, reason="不是普通文件")
        if info.st_size > MAX_FILE_BYTES:
            return info.st_size, b""
        data = fh.read(MAX_FILE_BYTES + 1)  # at most the cap, even if the file grew since
    return len(data), data


def _reject(code: str, name: str, **details: str) -> None:
    raise _Rejected(finding(code, file=name, **details))


def _unrecognised(head: bytes, name: str) -> None:
    """The file is neither zip nor OLE: say what it is when that is recognisable."""
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"%pdf"):
        _reject("wrong-file-type", name, value="PDF 文档", action=NOT_WORD)
    if low.startswith(b"{\\rtf"):
        _reject("wrong-file-type", name, value="Word 文档（RTF）", action=NOT_WORD)
    if low.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8", b"bm")):
        _reject("wrong-file-type", name, value="图片", action=NOT_PHOTO)
    if low.startswith((b"rar!", b"7z\xbc\xaf")):
        _reject("wrong-file-type", name, value="压缩包", action=UNZIP)
    if low.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"mime-version")):
        _reject("wrong-file-type", name, value="网页或 XML 文件（扩展名虽为 Excel）", action=SAVE_AS)
    if low and _looks_like_text(head):
        _reject("wrong-file-type", name, value="文本文件（扩展名虽为 Excel）", action=SAVE_AS)
    reason = "压缩结构不完整" if head.startswith(b"PK") else "文件内容无法识别，不是 Excel 文件"
    _reject("file-corrupt", name, reason=reason)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\t\r\n" for ch in text[:-4])
    return False


def _screen_zip(data: bytes, name: str, sheets: Collection[str] | None) -> None:
    """Directory caps first (nothing inflated), then each part a reader may parse, in bounded chunks."""
    try:
        package = _Package(data)
        _check_directory(package, name)
        skipped = ooxml.parts_to_skip(package.names, package.read, sheets) if sheets else set()
        tables: list[tuple[str, str]] = []
        try:
            for info in package.infos:
                if info.filename not in skipped:
                    tables += _scan_member(package, info)
        except SheetTooLarge as big:
            sheet = big.sheet or _xlsx_sheet_name(package, big.part)
            _reject("sheet-too-large", name, sheet=sheet, cell=big.cell, reason=big.reason)
        except FormulaWithoutValue as formula:
            sheet = formula.sheet or _xlsx_sheet_name(package, formula.part)
            _reject("formula-without-value", name, sheet=sheet, cell=formula.cell)
        except CountTooLarge as count:
            _reject("file-too-large", name, reason=count.reason)
        if sheets:  # the sheets as xl/workbook.xml lists them, or an .ods file's scanned tables
            book = next((n for n in package.names if ooxml.normalised(n) == "xl/workbook.xml"), None)
            _check_form_sheets(ooxml.sheet_list(package.read(book)) if book else tables, sheets, name)
    except XmlUnsafe as unsafe:
        _reject("xml-unsafe", name, reason=unsafe.reason)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, NotImplementedError, ValueError) as exc:
        _reject("file-corrupt", name, reason=_zip_error_reason(exc))


def _check_form_sheets(listed: Sequence[tuple[str, str]], sheets: Collection[str], name: str) -> None:
    """A form sheet present twice (a hidden original and its edited copy, or a second form)."""
    twice = form_sheet_copies(listed, sheets)
    if twice is not None:
        _reject("form-sheet-twice", name, sheet=twice.form, value=twice.other, reason=twice.note)


class _Package:
    """A zip's bytes (under MAX_FILE_BYTES), its members inflated on demand.

    zipfile opens, seeks and wraps every member in a file object; inflating each member's slice
    of the bytes directly costs ~40% less per form. Each member is inflated to at most its
    declared size + 1 byte, so a member that lies about its size cannot grow past the caps,
    and its length and CRC must then match the directory.
    """

    def __init__(self, blob: bytes):
        self.blob = blob
        with zipfile.ZipFile(io.BytesIO(self.blob)) as zf:  # the central directory only
            self.infos = zf.infolist()
        self.names = {info.filename: info for info in self.infos}
        self.declared = _declared_members(blob)
        self._inflated: dict[str, bytes] = {}

    def read(self, name: str) -> bytes:
        """A member by name (KeyError if there is none), kept for the next call: the catalogue
        is read to choose the parts to scan, then scanned with them."""
        if name not in self._inflated:
            self._inflated[name] = self.inflate(self.names[name])
        return self._inflated[name]

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """One member's bytes (not kept, so only one large member is in memory at a time)."""
        if info.filename in self._inflated:
            return self._inflated[info.filename]
        at = info.header_offset
        if self.blob[at : at + 4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("truncated: no local header")
        name_len, extra_len = struct.unpack_from("<HH", self.blob, at + 26)
        start = at + 30 + name_len + extra_len
        packed = self.blob[start : start + info.compress_size]
        if len(packed) < info.compress_size:
            raise zipfile.BadZipFile("truncated member")
        if info.compress_type == zipfile.ZIP_STORED:
            data = packed
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(packed, info.file_size + 1)
        else:
            raise NotImplementedError("compression method")
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile("Bad CRC-32 or size")
        return data


def _zip_error_reason(exc: Exception) -> str:
    text = str(exc)
    if "CRC" in text:
        return "内部数据校验失败"
    if "not a zip file" in text or "truncated" in text.lower():
        return "压缩结构不完整，可能未完整下载或传输"
    return "压缩数据错误"


def _check_directory(package: _Package, name: str) -> None:
    """Reject from the central directory alone: member count, declared sizes and ratios."""
    infos = package.infos
    if len(infos) > MAX_MEMBERS or package.declared > MAX_MEMBERS:
        count = max(len(infos), package.declared)
        _reject("file-too-large", name, reason=f"内含 {count} 个部件，超过上限 {MAX_MEMBERS}")
    if package.declared != len(infos):
        _reject("file-corrupt", name, reason="压缩目录声明的部件数与实际不符")
    names = {info.filename for info in infos}
    if "word/document.xml" in names:
        _reject("wrong-file-type", name, value="Word 文档（扩展名虽为 Excel）", action=NOT_WORD)
    if "ppt/presentation.xml" in names:
        _reject("wrong-file-type", name, value="演示文稿（扩展名虽为 Excel）", action=NOT_WORD)
    if ooxml.is_binary_workbook(names):
        _reject("wrong-file-type", name, value="Excel 二进制工作簿（.xlsb）", action=SAVE_AS)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            _reject("file-encrypted", name)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            _reject("file-too-large", name, reason=_inflated(info.file_size, info.compress_size))
    if total > MAX_INFLATED_BYTES:
        _reject(
            "file-too-large",
            name,
            reason=f"解压后共 {total / 2**20:.0f} MB，超过上限 {MAX_INFLATED_BYTES // 2**20} MB",
        )


def _declared_members(blob: bytes) -> int:
    """The member count the end-of-directory record declares (ZIP64's if it defers to it)."""
    at = blob.rfind(b"PK\x05\x06", max(0, len(blob) - 65_557))
    if at < 0:
        raise zipfile.BadZipFile("not a zip file")
    declared = struct.unpack_from("<H", blob, at + 10)[0]
    locator = at - 20
    if declared == 0xFFFF and locator >= 0 and blob[locator : locator + 4] == b"PK\x06\x07":
        record = struct.unpack_from("<Q", blob, locator + 8)[0]
        if blob[record : record + 4] == b"PK\x06\x06":
            declared = struct.unpack_from("<Q", blob, record + 32)[0]
    return declared


def _inflated(size: int, packed: int) -> str:
    return f"内部一个部件压缩后 {packed / 2**10:.0f} KB、解压后 {size / 2**20:.0f} MB（压缩炸弹）"


def _scan_member(package: _Package, info: zipfile.ZipInfo) -> list[tuple[str, str]]:
    """Check one member's prolog, feed it to its scanner in CHUNK pieces, then look for formulas
    saved without a value; returns an .ods file's tables (name, visible | hidden)."""
    data = package.inflate(info)
    first = data[:CHUNK]
    root = xml_prolog(first, full=len(data) <= CHUNK)
    scanner = scanner_for(root, info.filename, first, data)
    if scanner is None:
        return []
    for at in range(0, len(data), CHUNK):
        scanner.feed(data[at : at + CHUNK])
    if isinstance(scanner, XlsxSheetScan) and scanner.has_formula:
        cell = formula_without_value(data)
        if cell is not None:
            raise FormulaWithoutValue(info.filename, "", cell)
    if isinstance(scanner, OdsContentScan):
        hidden = scanner.hidden_tables
        return [(table, "hidden" if table in hidden else "visible") for table, _ in scanner.tables]
    return []


def _xlsx_sheet_name(package: _Package, part: str) -> str:
    """The tab name of a worksheet part, or the part name when it cannot be told."""
    try:
        entries = ooxml.sheet_entries(
            package.read("xl/workbook.xml"), package.read("xl/_rels/workbook.xml.rels")
        )
    except (KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError):
        return part
    return next((e.name for e in entries if e.part == ooxml.normalised(part)), part)


def _screen_ole(data: bytes, name: str, sheets: Collection[str] | None) -> None:
    """An OLE container: encrypted OOXML, a Word .doc, or a BIFF .xls whose structure is checked."""
    try:
        book = scan_xls(data)
    except Malformed as bad:
        _reject("file-corrupt", name, reason=f"文件结构已损坏：{bad.reason}")
    except CountTooLarge as count:
        _reject("file-too-large", name, reason=count.reason)
    except SheetTooLarge as big:
        _reject("sheet-too-large", name, sheet=big.sheet, cell=big.cell, reason=big.reason)
    except (struct.error, IndexError, ValueError):
        _reject("file-corrupt", name, reason="文件结构已损坏")
    if book.streams & {"EncryptionInfo", "EncryptedPackage"} or book.encrypted:
        _reject("file-encrypted", name)
    if "WordDocument" in book.streams:
        _reject("wrong-file-type", name, value="Word 文档（扩展名虽为 Excel）", action=NOT_WORD)
    if not book.streams.intersection(WORKBOOK_STREAMS):
        _reject("file-corrupt", name, reason="不是 Excel 文件")
    if sheets:
        _check_form_sheets(book.sheets, sheets, name)
