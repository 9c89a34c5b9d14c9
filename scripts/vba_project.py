"""Replace one module's source in a VBA project (vbaProject.bin), without Excel.

The button's macros must call a fixed Python module, so the workbook needs VBA source of our own.
Excel cannot run here to compile it, so we write what MS-OVBA specifies and Excel compiles on
open: the module stream holds only the compressed source (MODULEOFFSET 0 in the `dir` stream),
as xlwings' own `xlwings` module already does in the project we start from, whose
`_VBA_PROJECT` stream (version 0xFFFF, no performance cache) makes Excel recompile every module.
The other streams are copied unchanged. The compound file is written by a small CFB writer.

References: [MS-OVBA] 2.3.4.2 (dir stream), 2.4.1 (compression); [MS-CFB] 2.2–2.6.
"""

from __future__ import annotations

import io
import struct

import olefile

MODULE_OFFSET_RECORD = 0x0031
MODULE_NAME_RECORD = 0x0019
PROJECT_VERSION_RECORD = 0x0009  # its size field says 4 but 6 bytes follow ([MS-OVBA] 2.3.4.2.1.11)


def replace_module_source(project: bytes, module: str, source: str) -> bytes:
    """The project with `module`'s source replaced by `source` (ASCII, CRLF line ends)."""
    if not source.isascii():
        raise ValueError("VBA source must be ASCII: the project's code page is not ours to choose")
    with olefile.OleFileIO(io.BytesIO(project)) as ole:
        streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    from oletools.olevba import decompress_stream

    records = parse_dir(bytes(decompress_stream(bytearray(streams["VBA/dir"]))))
    names = [data.decode("latin-1") for rid, data in records if rid == MODULE_NAME_RECORD]
    if module not in names:
        raise KeyError(f"no module {module} in the project (has {', '.join(names)})")
    records = set_module_offset(records, names.index(module), 0)
    streams["VBA/dir"] = compress(serialize_dir(records))
    streams[f"VBA/{module}"] = compress(source.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii"))
    return write_cfb(streams)


# ---- the dir stream --------------------------------------------------------------------------


def parse_dir(data: bytes) -> list[tuple[int, bytes]]:
    """(record id, payload) for every record; each is id (2 bytes), size (4), payload."""
    records, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rid == PROJECT_VERSION_RECORD:
            size = 6
        records.append((rid, data[pos : pos + size]))
        pos += size
    return records


def serialize_dir(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        size = 4 if rid == PROJECT_VERSION_RECORD else len(payload)
        out += struct.pack("<HI", rid, size) + payload
    return bytes(out)


def set_module_offset(records: list[tuple[int, bytes]], index: int, offset: int) -> list[tuple[int, bytes]]:
    """Set MODULEOFFSET of the `index`-th module (records come in module order)."""
    seen, out = -1, []
    for rid, payload in records:
        if rid == MODULE_NAME_RECORD:
            seen += 1
        if rid == MODULE_OFFSET_RECORD and seen == index:
            payload = struct.pack("<I", offset)
        out.append((rid, payload))
    return out


# ---- MS-OVBA compression ----------------------------------------------------------------------


def compress(data: bytes) -> bytes:
    """A CompressedContainer: signature 0x01, then one chunk per 4096 bytes of input."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(data[start : start + 4096])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    tokens, pos, seen = bytearray(), 0, {}
    while pos < len(chunk):
        flag_at, flags = len(tokens), 0
        tokens.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos, seen)
            step = length if length else 1
            if length:
                tokens += struct.pack("<H", _copy_token(pos, offset, length))
                flags |= 1 << bit
            else:
                tokens.append(chunk[pos])
            for p in range(pos, pos + step):
                seen.setdefault(chunk[p : p + 3], []).append(p)
            pos += step
        tokens[flag_at] = flags
    if len(tokens) > 4096:  # would grow: a raw chunk, which must hold exactly 4096 bytes
        if len(chunk) != 4096:
            raise ValueError("incompressible final chunk")
        return struct.pack("<H", 0x3FFF) + chunk
    return struct.pack("<H", 0xB000 | (len(tokens) + 2 - 3)) + tokens


def _bit_count(position: int) -> int:
    """Offset bits of a copy token at `position` in its chunk: ceil(log2(position)), at least 4."""
    return max((position - 1).bit_length(), 4)


def _longest_match(chunk: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier match of at least 3 bytes, nearest on ties; (0, 0) if none."""
    maximum = (0xFFFF >> _bit_count(pos)) + 3
    best_length, best_offset = 0, 0
    for candidate in reversed(seen.get(chunk[pos : pos + 3], ())):
        length = 0
        while (
            pos + length < len(chunk)
            and length < maximum
            and chunk[candidate + length] == chunk[pos + length]
        ):
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - candidate
    return (best_offset, best_length) if best_length >= 3 else (0, 0)


def _copy_token(pos: int, offset: int, length: int) -> int:
    return ((offset - 1) << (16 - _bit_count(pos))) | (length - 3)


# ---- a compound file (CFB version 3) ---------------------------------------------------------

_SECTOR, _MINI, _CUTOFF = 512, 64, 4096
_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        self.name, self.kind, self.data = name, kind, data  # kind: 1 storage, 2 stream, 5 root
        self.children: list[int] = []
        self.left = self.right = self.child = _NONE
        self.start, self.size = 0, 0

    def pack(self) -> bytes:
        name = (self.name + "\0").encode("utf-16-le")
        return struct.pack(
            "<64sHBBIII16sIQQIQ", name, len(name), self.kind, 1, self.left, self.right, self.child,
            b"\0" * 16, 0, 0, 0, self.start, self.size,
        )  # fmt: skip


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` ("VBA/dir" → bytes); storages are made from the paths."""
    entries = [_Entry("Root Entry", 5)]
    storages = {"": 0}
    for path in sorted(streams):
        parent = 0
        *folders, name = path.split("/")
        for depth in range(len(folders)):
            key = "/".join(folders[: depth + 1])
            if key not in storages:
                storages[key] = len(entries)
                entries.append(_Entry(folders[depth], 1))
                entries[parent].children.append(storages[key])
            parent = storages[key]
        entries.append(_Entry(name, 2, streams[path]))
        entries[parent].children.append(len(entries) - 1)
    for entry in entries:
        entry.child = _tree(entries, entry.children)

    sectors, fat = bytearray(), []

    def place(data: bytes) -> int:
        if not data:
            return _END
        first, count = len(fat), -(-len(data) // _SECTOR)
        fat.extend(range(first + 1, first + count))
        fat.append(_END)
        sectors.extend(data.ljust(count * _SECTOR, b"\0"))
        return first

    mini, minifat = bytearray(), []
    for entry in entries:
        if entry.kind == 2:
            entry.size = len(entry.data)
            if entry.size < _CUTOFF:
                entry.start = len(mini) // _MINI if entry.data else _END
                count = -(-entry.size // _MINI)
                minifat.extend(range(entry.start + 1, entry.start + count))
                minifat.extend([_END] if count else [])
                mini.extend(entry.data.ljust(count * _MINI, b"\0"))
    entries[0].start, entries[0].size = place(bytes(mini)), len(mini)
    for entry in entries:
        if entry.kind == 2 and entry.size >= _CUTOFF:
            entry.start = place(entry.data)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_start = place(minifat_bytes.ljust(-(-len(minifat_bytes) // _SECTOR) * _SECTOR, b"\xff"))
    unused = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NONE, _NONE, _NONE) + b"\0" * 48
    directory = b"".join(e.pack() for e in entries)
    directory += unused * (-len(entries) % 4)
    directory_start = place(directory)
    fat_count = 1
    while fat_count * 128 < len(fat) + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("too large for a header-only DIFAT")
    fat_sectors = list(range(len(fat), len(fat) + fat_count))
    fat += [_FAT] * fat_count
    fat += [_FREE] * (fat_count * 128 - len(fat))
    sectors += b"".join(struct.pack("<I", v) for v in fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
        b"\0" * 6, 0, fat_count, directory_start, 0, _CUTOFF, minifat_start,
        -(-len(minifat_bytes) // _SECTOR), _END, 0,
    )  # fmt: skip
    header += b"".join(struct.pack("<I", s) for s in fat_sectors + [_FREE] * (109 - fat_count))
    return header + bytes(sectors)


def _tree(entries: list[_Entry], children: list[int]) -> int:
    """A balanced binary tree of siblings, in CFB order (shorter names first, then by upper case)."""
    ordered = sorted(children, key=lambda i: (len(entries[i].name), entries[i].name.upper()))

    def build(items: list[int]) -> int:
        if not items:
            return _NONE
        middle = len(items) // 2
        node = entries[items[middle]]
        node.left, node.right = build(items[:middle]), build(items[middle + 1 :])
        return items[middle]

    return build(ordered)
