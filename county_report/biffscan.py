"""Checks on an .xls file, walked the way python-calamine walks it, before calamine opens it.

An .xls is a Compound File (a small FAT file system) holding a BIFF workbook stream. calamine
trusts the compound file's header counts, follows sector chains without looking for loops
(a directory chain pointing at itself grows until memory runs out), reads each sheet from the
position its BOUNDSHEET record names, and reserves memory for a sheet's declared DIMENSIONS
before reading a cell. In a file of a few KB, each can make it allocate gigabytes, which
aborts the whole process. So the container is walked here with every chain bounded, the
workbook stream calamine would pick is taken the same way, and each sheet is read from where
calamine starts it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .sheetscan import (
    MAX_COLS,
    MAX_MERGED_CELLS,
    MAX_MERGES,
    MAX_ROWS,
    CountTooLarge,
    Refused,
    SheetTooLarge,
    a1,
    beyond_caps,
    check_cell,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN, _DIFSECT, _RESERVED = 0xFFFFFFFE, 0xFFFFFFFC, 0xFFFFFFFA
MAX_DIFAT_RESERVE = 2**24  # entries calamine reserves from its reading of header bytes 62..65
MAX_SHEETS = 1024
WORKBOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # calamine's order of preference
_CELL_RECORDS = {0x00FD, 0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x0006}  # LABELSST NUMBER LABEL …
_BOF, _EOF, _CONTINUE, _FILEPASS, _BOUNDSHEET = 0x0809, 0x000A, 0x003C, 0x002F, 0x0085
_DIMENSIONS, _MERGECELLS, _MULRK, _LBL = 0x0200, 0x00E5, 0x00BD, 0x0018
_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


class Malformed(Refused):
    """The container or stream is built so that a reader would crash or loop."""


@dataclass
class XlsBook:
    """What the guard needs to know of an .xls: its streams, protection and sheets in tab order."""

    streams: set[str] = field(default_factory=set)
    encrypted: bool = False
    sheets: list[tuple[str, str]] = field(default_factory=list)  # (name, visible | hidden | veryHidden)


def scan_xls(data: bytes) -> XlsBook:
    """Walk the compound file and its workbook stream; raise Malformed, CountTooLarge or SheetTooLarge."""
    cfb = _Compound(data)
    book = XlsBook(streams={entry.name for entry in cfb.entries})
    if book.streams & {"EncryptionInfo", "EncryptedPackage", "WordDocument"}:
        return book  # an encrypted .xlsx or a Word file: the guard says so, nothing more is read
    stream = cfb.workbook_stream()
    if stream is None:
        return book
    book.encrypted, positions = _globals(stream, book.sheets)
    _sheets(stream, positions, book.sheets)
    return book


@dataclass(frozen=True)
class _Entry:
    name: str
    start: int
    size: int


class _Compound:
    """A compound file's header, FAT and directory, read as calamine's cfb.rs reads them."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise Malformed("文件头不完整")
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise Malformed("文件头中的扇区大小无效")
        self.data, self.size = data, 1 << shift
        self.header = 512 if shift == 9 else 4096
        self.max_id = len(data) // self.size  # calamine's bound on a sector number
        fat_len, self.dir_start = struct.unpack_from("<II", data, 44)
        self.mini_fat_start, mini_fat_len, difat_start = struct.unpack_from("<III", data, 60)
        sectors = self.max_id + 1
        if fat_len > sectors or mini_fat_len > sectors:
            raise CountTooLarge(
                f"文件头声明的分配表有 {max(fat_len, mini_fat_len)} 个扇区，而整个文件只有 {sectors} 个"
            )
        if struct.unpack_from("<I", data, 62)[0] > MAX_DIFAT_RESERVE:  # calamine reads its DIFAT size here
            raise CountTooLarge("文件头声明的分配表索引过大")
        self.fat = self._fat(difat_start)
        self.entries = self._directory()
        self.mini_fat_len = mini_fat_len

    def sector(self, sid: int) -> bytes:
        if sid > self.max_id:
            raise Malformed("扇区编号超出文件末尾")
        at = self.header + sid * self.size
        return self.data[at : at + self.size]

    def _fat(self, difat_start: int) -> list[int]:
        """FAT sector numbers from the header and the DIFAT chain, then the FAT itself; each bounded."""
        ids = list(struct.unpack_from("<109I", self.data, 76))
        seen: set[int] = set()
        sid = difat_start
        while sid < _RESERVED:
            if sid in seen:
                raise Malformed("分配表索引的扇区链形成了循环")
            seen.add(sid)
            ids += _u32s(self.sector(sid))
            sid = ids.pop() if ids else _ENDOFCHAIN
        fat_sectors = [sid for sid in ids if sid < _DIFSECT]
        if len(fat_sectors) > self.max_id + 1 or len(set(fat_sectors)) != len(fat_sectors):
            raise CountTooLarge("分配表列出的扇区多于文件本身的扇区")
        return [entry for sid in fat_sectors for entry in _u32s(self.sector(sid))]

    def chain(self, start: int, fat: list[int], read, limit: int | None) -> bytes:
        """The bytes of a chain, as calamine's get_chain: to `limit` bytes, or to its end (no limit).

        A chain that comes back to a sector is refused: calamine would follow it until memory
        runs out (no limit), or forever when the sector lies past the end of the file.
        """
        out, seen, sid = bytearray(), set(), start
        while sid != _ENDOFCHAIN:
            if sid in seen:
                raise Malformed("扇区链形成了循环")
            seen.add(sid)
            piece = read(sid)
            out += piece[: len(piece) if limit is None else limit - len(out)]
            if limit is not None and len(out) >= limit:
                break
            if sid >= len(fat):
                raise Malformed("扇区链指向分配表以外")
            sid = fat[sid]
        return bytes(out)

    def _directory(self) -> list[_Entry]:
        raw = self.chain(self.dir_start, self.fat, self.sector, None)
        entries = []
        for at in range(0, len(raw) - 127, 128):
            name = raw[at : at + 64].decode("utf-16-le", "replace").split("\x00")[0]
            start = struct.unpack_from("<I", raw, at + 116)[0]
            fmt = "<I" if self.size == 512 else "<Q"
            entries.append(_Entry(name, start, struct.unpack_from(fmt, raw, at + 120)[0]))
        if not entries:
            raise Malformed("目录为空")
        return entries

    def workbook_stream(self) -> bytes | None:
        """The first stream calamine accepts among Workbook, Book, WORKBOOK, BOOK; None if none."""
        for name in WORKBOOK_STREAMS:
            entry = next((e for e in self.entries if e.name == name), None)
            if entry is None:
                continue
            if entry.size > len(self.data):  # with a looping chain calamine would fill all of it
                raise CountTooLarge(f"工作簿数据流声明的大小 {entry.size} 字节超过了整个文件")
            if entry.size < 4096:
                return self._mini_stream(entry)
            return self.chain(entry.start, self.fat, self.sector, entry.size)
        return None

    def _mini_stream(self, entry: _Entry) -> bytes:
        root = self.entries[0]
        if root.size > len(self.data):
            raise CountTooLarge(f"小数据流声明的大小 {root.size} 字节超过了整个文件")
        mini = self.chain(root.start, self.fat, self.sector, root.size) if self.mini_fat_len else b""
        fat_bytes = self.chain(self.mini_fat_start, self.fat, self.sector, self.mini_fat_len * self.size)
        mini_fat = list(_u32s(fat_bytes))
        return self.chain(entry.start, mini_fat, lambda sid: mini[sid * 64 : sid * 64 + 64], entry.size)


def _u32s(block: bytes) -> tuple[int, ...]:
    return struct.unpack_from(f"<{len(block) // 4}I", block)


def _records(stream: bytes, pos: int):
    """(type, body, position) of each record from `pos`, CONTINUE records joined as calamine joins them."""
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            return  # calamine stops with an error here: nothing further is read
        body, start, pos = stream[pos + 4 : pos + 4 + size], pos, pos + 4 + size
        while pos + 4 < len(stream) and struct.unpack_from("<H", stream, pos)[0] == _CONTINUE:
            size = struct.unpack_from("<H", stream, pos + 2)[0]
            if pos + 4 + size > len(stream):
                return
            body += stream[pos + 4 : pos + 4 + size]
            pos += 4 + size
        yield rtype, body, start, pos


def _globals(stream: bytes, sheets: list[tuple[str, str]]) -> tuple[bool, list[int]]:
    """The workbook globals up to their EOF: protection, and each sheet's name, state and position."""
    encrypted, positions, end = False, [], len(stream)
    for rtype, body, _, after in _records(stream, 0):
        if rtype == _FILEPASS:
            encrypted = True
        elif rtype == _BOUNDSHEET:
            if len(body) < 8:
                raise Malformed("工作表目录记录不完整")
            position = struct.unpack_from("<I", body)[0]
            if position >= len(stream):
                raise Malformed("工作表目录指向数据流以外")
            positions.append(position)
            sheets.append((_sheet_name(body), _STATES.get(body[4] & 0x3F, "hidden")))
        elif rtype == _LBL:
            _check_name_record(body)
        elif rtype == _EOF:
            end = after
            break
    if len(positions) > MAX_SHEETS:
        raise CountTooLarge(f"工作表多于 {MAX_SHEETS} 张")
    if len(set(positions)) != len(positions) or any(p < end for p in positions):
        raise Malformed("工作表的位置相互重叠")
    return encrypted, positions


def _check_name_record(body: bytes) -> None:
    """A defined name (Lbl) whose lengths run past its record makes calamine panic."""
    if len(body) < 15:
        raise Malformed("名称记录不完整")
    cch, cce = body[3], struct.unpack_from("<H", body, 4)[0]
    if 15 + cch > len(body) or cce > len(body):
        raise Malformed("名称记录的长度与内容不符")


def _sheets(stream: bytes, positions: list[int], names: list[tuple[str, str]]) -> None:
    """Each sheet from its own position to its EOF, nested substreams (charts) skipped, as calamine."""
    order = sorted(range(len(positions)), key=positions.__getitem__)
    for rank, index in enumerate(order):
        limit = positions[order[rank + 1]] if rank + 1 < len(order) else len(stream)
        sheet = _SheetScan(names[index][0])
        for rtype, body, start, _ in _records(stream, positions[index]):
            if start >= limit:
                raise Malformed("工作表的位置相互重叠")
            if sheet.record(rtype, body):
                break
        if sheet.declared is not None:  # a far cell, if any, was named first: it says more
            raise sheet.declared


class _SheetScan:
    """One sheet substream: declared dimensions, cell positions and merged ranges within the caps."""

    def __init__(self, name: str):
        self.name, self.seen_bof, self.depth = name, False, 0
        self.merges = self.merged_cells = 0
        self.declared: SheetTooLarge | None = None  # DIMENSIONS beyond the caps

    def record(self, rtype: int, body: bytes) -> bool:
        """Check one record; True at the sheet's own EOF."""
        if self.depth:
            self.depth += {_BOF: 1, _EOF: -1}.get(rtype, 0)
            return False
        if rtype == _BOF:
            self.depth, self.seen_bof = (1, True) if self.seen_bof else (0, True)
        elif rtype == _EOF:
            return True
        elif rtype == _DIMENSIONS:
            self._dimensions(body)
        elif rtype == _MERGECELLS:
            self._merges(body)
        elif (rtype in _CELL_RECORDS or rtype == _MULRK) and len(body) >= 6:
            row, col = struct.unpack_from("<HH", body)
            if rtype == _MULRK:
                col = struct.unpack_from("<H", body, len(body) - 2)[0]
            check_cell("", self.name, row + 1, col + 1, a1(row + 1, col + 1))
        return False

    def _dimensions(self, body: bytes) -> None:
        """calamine reserves rows × columns cells from this record before reading any cell."""
        if len(body) == 10:
            rf, rl, cf, cl = struct.unpack_from("<HHHH", body)
        elif len(body) == 14:
            rf, rl, cf, cl = struct.unpack_from("<IIHH", body)
        else:
            return  # calamine refuses the record: nothing is reserved
        if cf > 0xFF or cl < cf:
            cf = 0
        if rl < 1 or cl < 1:
            return  # calamine reserves one cell
        rows, cols = (rl - rf) % 2**32, (cl - cf) % 2**32  # calamine's u32 arithmetic, wrapping
        if rl > MAX_ROWS or cl > MAX_COLS or rows * cols > MAX_ROWS * MAX_COLS:
            where = f"{a1(rf + 1, cf + 1)}:{a1(rl, cl)}"
            self.declared = SheetTooLarge("", self.name, where[:40], beyond_caps("声明的范围", where))

    def _merges(self, body: bytes) -> None:
        count = struct.unpack_from("<H", body)[0] if len(body) >= 2 else 0
        if 2 + 8 * count > len(body):
            raise Malformed("合并单元格记录的个数与内容不符")
        for i in range(count):
            rf, rl, cf, cl = struct.unpack_from("<HHHH", body, 2 + 8 * i)
            self.merges += 1
            self.merged_cells += (abs(rl - rf) + 1) * (abs(cl - cf) + 1)
        if self.merges > MAX_MERGES or self.merged_cells > MAX_MERGED_CELLS:
            reason = f"合并单元格超过 {MAX_MERGES} 处或共覆盖超过 {MAX_MERGED_CELLS} 个单元格"
            raise SheetTooLarge("", self.name, "", reason)


def _sheet_name(body: bytes) -> str:
    length, flags = body[6], body[7]
    raw = body[8 : 8 + length * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace").replace("\x00", "")
