"""One small file per count or size that a reader trusts in the parts it parses (issue 16).

Each builder writes a file that passes the checks of issue 6 (no far cell, no bomb, no
entity) but declares a count the reader believes: python-calamine reserves memory for it,
follows it in a loop, or indexes past its record with it. Several abort the process outright
(SIGABRT), which is why test_hostile_counts.py also reads them all in one process.
COUNTS maps each to (builder, finding code, a phrase of the reason).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import hostile

SHARED_STRINGS = "xl/sharedStrings.xml"
_SST_HEAD = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _xlsx(folder: Path, name: str, edits=None, extra=None, wiring=False) -> Path:
    src = hostile.good_workbook(folder / f"_{name}")
    edits = {**(hostile.SHARED_STRINGS_WIRING if wiring else {}), **(edits or {})}
    path = hostile.patched(src, folder / name, edits, extra)
    src.unlink()
    return path


def sst_unique_count(folder: Path) -> Path:
    """uniqueCount="10^12": calamine reserves 24 TB for the strings and aborts (6 KB on disk)."""
    strings = _SST_HEAD + b' count="1" uniqueCount="1000000000000"><si><t>a</t></si></sst>'
    return _xlsx(folder, "共享字符串声明.xlsx", extra={SHARED_STRINGS: strings}, wiring=True)


def sst_strings(folder: Path) -> Path:
    """200,001 strings, each a String the reader keeps (distinct, so the part is no zip bomb)."""
    strings = (
        _SST_HEAD + b">" + b"".join(b"<si><t>%x</t></si>" % (i * 7919) for i in range(200_001)) + b"</sst>"
    )
    return _xlsx(folder, "共享字符串过多.xlsx", extra={SHARED_STRINGS: strings}, wiring=True)


def sst_under_another_root(folder: Path) -> Path:
    """The declaration inside a part whose root is not <sst>: calamine reads the first <sst> anywhere."""
    strings = b'<?xml version="1.0"?><x><sst uniqueCount="99999999999"><si><t>a</t></si></sst></x>'
    return _xlsx(folder, "共享字符串藏在别处.xlsx", extra={SHARED_STRINGS: strings}, wiring=True)


def _merge_cells(refs: list[str]) -> Callable[[bytes], bytes]:
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs).encode()
    block = b'<mergeCells count="%d">' % len(refs) + cells + b"</mergeCells>"
    return lambda d: d.replace(b"</sheetData>", b"</sheetData>" + block)


def merge_count(folder: Path) -> Path:
    """10,001 merged ranges: the reader fills each one's value into the cells it covers."""
    refs = [f"A{r}:B{r}" for r in range(1, 10_002)]
    return _xlsx(folder, "合并单元格过多.xlsx", {hostile.SHEET: _merge_cells(refs)})


def merge_area(folder: Path) -> Path:
    """One merged range within the caps covering 200,200 cells."""
    return _xlsx(folder, "合并范围过大.xlsx", {hostile.SHEET: _merge_cells(["A1:GR1001"])})


def zip_entry_count(folder: Path) -> Path:
    """The end-of-directory record declares 65,535 members (the real count is 10)."""
    path = hostile.good_workbook(folder / "压缩目录条目数.xlsx")
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 0xFFFF, 0xFFFF)
    path.write_bytes(bytes(data))
    return path


def xlsb_parts(folder: Path) -> Path:
    """A binary workbook part: calamine would read it with its .xlsb reader, which no check covers."""
    return _xlsx(folder, "二进制工作簿.xlsx", extra={"xl/workbook.bin": b"\x83\x01\x00" * 8})


# --- .ods ------------------------------------------------------------------------------------

_VALUE_CELL = (
    '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
)


def ods_rows_repeated(folder: Path) -> Path:
    rows = f'<table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row><table:table-row>{_VALUE_CELL}</table:table-row>'
    return hostile.ods_workbook(folder / "行重复.ods", rows)


def ods_columns_repeated(folder: Path) -> Path:
    cell = '<table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell>'
    return hostile.ods_workbook(folder / "列重复.ods", f"<table:table-row>{cell}</table:table-row>")


def ods_spans(folder: Path) -> Path:
    """10,001 cells each spanning two rows (odsmerge turns every span into a merged range)."""
    cell = '<table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    rows = "".join(
        "<table:table-row>" + "".join(cell.format(r * 7919 + c) for c in range(101)) + "</table:table-row>"
        for r in range(100)
    )
    return hostile.ods_workbook(folder / "合并过多.ods", rows)


# --- .xls: the compound file ------------------------------------------------------------------


def _xls(folder: Path, name: str) -> Path:
    """A two-sheet .xls written by xlwt (基本情况, 问题台账)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for sheet in ("基本情况", "问题台账"):
        book.add_sheet(sheet).write(0, 0, "乡镇（街道）")
    book.save(str(folder / name))
    return folder / name


def _edit_file(path: Path, edit: Callable[[bytearray], None]) -> Path:
    data = bytearray(path.read_bytes())
    edit(data)
    path.write_bytes(bytes(data))
    return path


def _header(offset: int, value: int) -> Callable[[bytearray], None]:
    return lambda data: struct.pack_into("<I", data, offset, value)


def cfb_fat_count(folder: Path) -> Path:
    """The header declares 2^32 − 16 FAT sectors in a 6 KB file."""
    return _edit_file(_xls(folder, "分配表扇区数.xls"), _header(44, 0xFFFFFFF0))


def cfb_mini_fat_count(folder: Path) -> Path:
    return _edit_file(_xls(folder, "小分配表扇区数.xls"), _header(64, 0x00FFFFFF))


def cfb_difat_reserve(folder: Path) -> Path:
    """calamine reads its DIFAT size from header bytes 62–65 (half of two other fields) and reserves it.

    The file is padded to 270 sectors so that the mini-FAT count itself (260) is plausible.
    """
    path = _xls(folder, "分配表索引.xls")
    path.write_bytes(path.read_bytes() + bytes(512 * 260))
    return _edit_file(path, _header(64, 260))


def _fat_sector(data: bytearray) -> int:
    return struct.unpack_from("<I", data, 76)[0]


def cfb_directory_loop(folder: Path) -> Path:
    """The directory's sector chain points back at itself: calamine appends it until memory runs out."""

    def loop(data: bytearray) -> None:
        dir_start = struct.unpack_from("<I", data, 48)[0]
        struct.pack_into("<I", data, 512 + _fat_sector(data) * 512 + 4 * dir_start, dir_start)

    return _edit_file(_xls(folder, "目录循环.xls"), loop)


def cfb_difat_loop(folder: Path) -> Path:
    """The DIFAT chain comes back to its own sector (calamine: "TODO: check if in infinite loop")."""

    def loop(data: bytearray) -> None:
        fat = _fat_sector(data)
        struct.pack_into("<I", data, 512 + fat * 512 + 508, fat)  # its last entry names the next DIFAT sector
        struct.pack_into("<II", data, 68, fat, 1)

    return _edit_file(_xls(folder, "索引循环.xls"), loop)


def cfb_stream_size(folder: Path) -> Path:
    """The Workbook stream's directory entry declares 4 GB."""

    def huge(data: bytearray) -> None:
        at = data.find("Workbook".encode("utf-16-le"))
        struct.pack_into("<I", data, at + 120, 0xFFFFFFF0)

    return _edit_file(_xls(folder, "数据流大小.xls"), huge)


# --- .xls: the BIFF records -------------------------------------------------------------------


def _records(stream: bytes):
    pos = 0
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        yield rtype, pos, size
        pos += 4 + size
        if rtype == size == 0:
            return


def _edit_stream(folder: Path, name: str, edit: Callable[[bytearray], None]) -> Path:
    import olefile

    path = _xls(folder, name)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        edit(stream)
        ole.write_stream("Workbook", bytes(stream))
    return path


def _nth(stream: bytes, rtype: int, n: int = 0) -> tuple[int, int]:
    """(position, size) of the n-th record of a type."""
    return [(pos, size) for t, pos, size in _records(stream) if t == rtype][n]


def biff_dimensions(folder: Path) -> Path:
    """DIMENSIONS of 2^32 rows: calamine reserves 43 TB before reading a cell, and aborts."""

    def far(stream: bytearray) -> None:
        pos, _ = _nth(stream, 0x0200)
        struct.pack_into("<IIHH", stream, pos + 4, 0, 0xFFFFFFF0, 0, 0xFF)

    return _edit_stream(folder, "声明范围.xls", far)


def biff_sheet_position(folder: Path) -> Path:
    """A BOUNDSHEET pointing past the end of the stream (a panic in calamine's slice)."""
    return _edit_stream(
        folder, "工作表位置.xls", lambda s: struct.pack_into("<I", s, _nth(s, 0x85)[0] + 4, 0x7FFFFFFF)
    )


def biff_sheet_overlap(folder: Path) -> Path:
    """Two BOUNDSHEETs at one position: each would be read again (a million of them, forever)."""

    def same(stream: bytearray) -> None:
        first = struct.unpack_from("<I", stream, _nth(stream, 0x85, 0)[0] + 4)[0]
        struct.pack_into("<I", stream, _nth(stream, 0x85, 1)[0] + 4, first)

    return _edit_stream(folder, "工作表重叠.xls", same)


def biff_merge_count(folder: Path) -> Path:
    """A MERGECELLS record declaring 5 ranges in 8 bytes (calamine indexes past it and panics)."""

    def merge(stream: bytearray) -> None:
        pos, size = _nth(stream, 0x0080)  # GUTS, 8 bytes, in the first sheet
        struct.pack_into("<HHH", stream, pos, 0x00E5, size, 5)

    return _edit_stream(folder, "合并记录个数.xls", merge)


def biff_merge_area(folder: Path) -> Path:
    """One merged range over 65,536 × 256 cells (a ROW record turned into MERGECELLS)."""

    def merge(stream: bytearray) -> None:
        pos, size = _nth(stream, 0x0208)
        struct.pack_into("<HHHHHHH", stream, pos, 0x00E5, size, 1, 0, 0xFFFF, 0, 0xFF)

    return _edit_stream(folder, "合并记录范围.xls", merge)


def biff_name_lengths(folder: Path) -> Path:
    """A defined name (Lbl) whose formula length runs past its record (a panic in calamine)."""

    def name(stream: bytearray) -> None:
        pos, size = _nth(stream, 0x0031)  # a FONT record in the globals, 21 bytes
        struct.pack_into("<HH", stream, pos, 0x0018, size)
        struct.pack_into("<BBBBH", stream, pos + 4, 0, 0, 0, 1, 0xFFFF)

    return _edit_stream(folder, "名称记录.xls", name)


COUNTS: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "sst-unique-count": (sst_unique_count, "file-too-large", "共享字符串表声明有 1000000000000 条"),
    "sst-strings": (sst_strings, "file-too-large", "共享字符串表有超过 200000 条"),
    "sst-under-another-root": (sst_under_another_root, "file-too-large", "共享字符串表声明有"),
    "xlsx-dimension": (hostile.far_dimension, "sheet-too-large", "声明的范围"),
    "xlsx-cell-position": (hostile.far_cell, "sheet-too-large", "XFD1048576"),
    "xlsx-merge-count": (merge_count, "sheet-too-large", "合并单元格超过 10000 处"),
    "xlsx-merge-area": (merge_area, "sheet-too-large", "共覆盖超过 200000 个单元格"),
    "zip-entry-count": (zip_entry_count, "file-too-large", "内含 65535 个部件"),
    "xlsb-parts": (xlsb_parts, "wrong-file-type", ".xlsb"),
    "ods-rows-repeated": (ods_rows_repeated, "sheet-too-large", "A1048576"),
    "ods-columns-repeated": (ods_columns_repeated, "sheet-too-large", "XFD1"),
    "ods-spans": (ods_spans, "sheet-too-large", "合并单元格超过 10000 处"),
    "cfb-fat-count": (cfb_fat_count, "file-too-large", "分配表有 4294967280 个扇区"),
    "cfb-mini-fat-count": (cfb_mini_fat_count, "file-too-large", "分配表有 16777215 个扇区"),
    "cfb-difat-reserve": (cfb_difat_reserve, "file-too-large", "分配表索引过大"),
    "cfb-directory-loop": (cfb_directory_loop, "file-corrupt", "扇区链形成了循环"),
    "cfb-difat-loop": (cfb_difat_loop, "file-corrupt", "分配表索引的扇区链形成了循环"),
    "cfb-stream-size": (cfb_stream_size, "file-too-large", "工作簿数据流声明的大小"),
    "biff-dimensions": (biff_dimensions, "sheet-too-large", "声明的范围 A1:IU4294967280"),
    "biff-sheet-position": (biff_sheet_position, "file-corrupt", "工作表目录指向数据流以外"),
    "biff-sheet-overlap": (biff_sheet_overlap, "file-corrupt", "工作表的位置相互重叠"),
    "biff-merge-count": (biff_merge_count, "file-corrupt", "合并单元格记录的个数与内容不符"),
    "biff-merge-area": (biff_merge_area, "sheet-too-large", "合并单元格超过"),
    "biff-name-lengths": (biff_name_lengths, "file-corrupt", "名称记录的长度与内容不符"),
}


def build_counts(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {kind: build(folder) for kind, (build, _, _) in COUNTS.items()}


def members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()
