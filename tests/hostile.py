"""Builders for hostile and broken input files, written at test time (no committed binaries).

Each builder writes one file into `folder` and returns its path. Bombs are built from a
precomputed deflate block, so a 1 GiB zip bomb costs ~1 MB of disk and milliseconds.
"""

from __future__ import annotations

import functools
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl

Patch = Callable[[bytes], bytes]
SHEET = "xl/worksheets/sheet1.xml"
_GIB_OF_ZEROS_CRC = 0x5B64C2B0  # zlib.crc32 of 2**30 zero bytes, computed once (takes ~0.7 s)


def good_workbook(path: Path, sheet: str = "基本情况") -> Path:
    """A tiny valid workbook with a few labelled cells and a shared-strings part."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row, (label, value) in enumerate(
        [("乡镇（街道）", "城关镇"), ("村（社区）", "东村"), ("走访农户（户）", 120)], 1
    ):
        ws.cell(row, 1, label)
        ws.cell(row, 2, value)
    wb.create_sheet("问题台账").append(["序号", "问题类别", "问题描述"])
    wb.save(path)
    return path


def patched(
    src: Path, dst: Path, edits: dict[str, Patch] | None = None, extra: dict[str, bytes] | None = None
) -> Path:
    """Copy a zip member by member, applying `edits` to named members and adding `extra` ones."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, (edits or {}).get(info.filename, lambda d: d)(data))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _append_cell(xml: bytes, cell: bytes) -> bytes:
    return xml.replace(b"</sheetData>", cell + b"</sheetData>")


# --- broken files -------------------------------------------------------------------------


def empty_file(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def truncated_zip(folder: Path) -> Path:
    data = good_workbook(folder / "_full.xlsx").read_bytes()
    (folder / "_full.xlsx").unlink()
    path = folder / "下载中断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "乱码.xlsx"
    path.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(4096)))
    return path


def encrypted_ooxml(folder: Path) -> Path:
    """A password-protected workbook as Excel saves it: an OLE container, not a zip."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = good_workbook(folder / "_plain.xlsx")
    path = folder / "有密码.xlsx"
    with plain.open("rb") as fin, path.open("wb") as fout:
        OOXMLFile(fin).encrypt("1234", fout)
    plain.unlink()
    return path


# --- bombs --------------------------------------------------------------------------------


def _deflated_zeros(mib: int) -> list[bytes]:
    """A raw deflate stream of `mib` MiB of zeros: one full-flushed block repeated, then the end."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(2**20)) + comp.flush(zlib.Z_FULL_FLUSH)
    return [block] * mib + [comp.flush()]


def _zip_raw(path: Path, members: list[tuple[str, list[bytes], int, int]]) -> Path:
    """Write a zip from pre-deflated members: (name, deflate chunks, crc, declared size)."""
    central, offset = [], 0
    with path.open("wb") as fh:
        for name, chunks, crc, size in members:
            raw, packed = name.encode("utf-8"), sum(map(len, chunks))
            fields = (20, 0x800, 8, 0, 0, crc, packed, size, len(raw), 0)
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + raw)
            for chunk in chunks:
                fh.write(chunk)
            central.append(
                struct.pack("<IH", 0x02014B50, 20)
                + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, offset)
                + raw
            )
            offset += 30 + len(raw) + packed
        directory = b"".join(central)
        fh.write(directory)
        fh.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
        )
    return path


def _base_members(
    folder: Path, edits: dict[str, Patch] | None = None
) -> list[tuple[str, list[bytes], int, int]]:
    members = []
    with zipfile.ZipFile(good_workbook(folder / "_base.xlsx")) as zf:
        for info in zf.infolist():
            data = (edits or {}).get(info.filename, lambda d: d)(zf.read(info))
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, [comp.compress(data) + comp.flush()], zlib.crc32(data), len(data)))
    (folder / "_base.xlsx").unlink()
    return members


_SST_CT = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
_SST_REL = b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
SHARED_STRINGS_WIRING: dict[str, Patch] = {
    "[Content_Types].xml": lambda d: d.replace(b"</Types>", _SST_CT + b"</Types>"),
    "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", _SST_REL + b"</Relationships>"),
    SHEET: lambda d: _append_cell(d, b'<row r="9"><c r="A9" t="s"><v>0</v></c></row>'),
}


@functools.cache
def _huge_string_member(gib: int = 1) -> tuple[str, list[bytes], int, int]:
    """sharedStrings.xml whose one string is `gib` GiB of 'a': every reader would build it."""
    head = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    )
    tail, filler = b"</t></si></sst>", b"a" * 2**20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(filler) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.compress(tail) + comp.flush()
    crc = zlib.crc32(head)
    for _ in range(gib * 1024):
        crc = zlib.crc32(filler, crc)
    size = len(head) + gib * 2**30 + len(tail)
    return "xl/sharedStrings.xml", [first, *[block] * (gib * 1024), last], zlib.crc32(tail, crc), size


def zip_bomb(folder: Path) -> Path:
    """~1 MB on disk, 1 GiB inflated: a shared string the sheet uses, sizes declared honestly."""
    return _zip_raw(
        folder / "压缩炸弹.xlsx", [*_base_members(folder, SHARED_STRINGS_WIRING), _huge_string_member()]
    )


def lying_zip_bomb(folder: Path) -> Path:
    """The same bomb, but the directory claims 4 KB: only a bounded inflate catches it."""
    bomb = ("xl/sharedStrings.xml", _deflated_zeros(1024), _GIB_OF_ZEROS_CRC, 4096)
    return _zip_raw(folder / "伪装压缩炸弹.xlsx", [*_base_members(folder), bomb])


_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def _sheet_with_prolog(folder: Path, name: str, prolog: bytes, entity: bytes) -> Path:
    """The base workbook whose sheet starts with `prolog` and has a cell using `&entity;`."""
    src = good_workbook(folder / "_base.xlsx")
    cell = b'<row r="9"><c r="A9" t="inlineStr"><is><t>&' + entity + b";</t></is></c></row>"
    path = patched(src, folder / name, {SHEET: lambda d: prolog + _append_cell(d, cell)})
    src.unlink()
    return path


def entity_bomb_sheet(folder: Path) -> Path:
    """Billion laughs in the worksheet part."""
    return _sheet_with_prolog(folder, "实体炸弹.xlsx", _LAUGHS, b"lol9")


def entity_bomb_shared_strings(folder: Path) -> Path:
    """Billion laughs in sharedStrings.xml, wired into the workbook and used by a cell."""
    src = good_workbook(folder / "_base.xlsx")
    strings = (
        _LAUGHS
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    )
    path = patched(
        src, folder / "共享字符串炸弹.xlsx", SHARED_STRINGS_WIRING, {"xl/sharedStrings.xml": strings}
    )
    src.unlink()
    return path


def external_entity(folder: Path) -> Path:
    prolog = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _sheet_with_prolog(folder, "外部实体.xlsx", prolog, b"xxe")


def far_cell(folder: Path, ref: str = "XFD1048576") -> Path:
    """One cell at the last address Excel allows: python-calamine aborts allocating the grid."""
    src = good_workbook(folder / "_base.xlsx")
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
    path = patched(src, folder / "超远单元格.xlsx", {SHEET: lambda d: _append_cell(d, cell)})
    src.unlink()
    return path


def far_dimension(folder: Path) -> Path:
    src = good_workbook(folder / "_base.xlsx")
    edit = {SHEET: lambda d: d.replace(b'<dimension ref="A1:B3"/>', b'<dimension ref="A1:XFD1048576"/>')}
    path = patched(src, folder / "超大范围.xlsx", edit)
    src.unlink()
    return path


def not_standard_form(folder: Path) -> Path:
    """A perfectly valid workbook that is not the form (no 基本情况 sheet, no labels)."""
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(folder / "别的表.xlsx")
    return folder / "别的表.xlsx"


# --- wrong types, skipped files, macros ----------------------------------------------------


def wrong_types(folder: Path) -> list[Path]:
    """.et, .csv, .docx and .pdf files dropped in by mistake."""
    et = folder / "东村.et"
    et.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    csv = folder / "东村.csv"
    csv.write_text("乡镇（街道）,城关镇\n村（社区）,东村\n", encoding="utf-8")
    docx = folder / "东村情况说明.docx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    pdf = folder / "东村.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return [et, csv, docx, pdf]


def lock_and_hidden(folder: Path, source: Path | None = None) -> list[Path]:
    """An Office lock file and a hidden dot-file, both of which must be skipped, not read."""
    lock = folder / "~$东村.xlsx"
    lock.write_bytes(b"\x06Admin" + bytes(155))
    hidden = folder / ".东村.xlsx"
    hidden.write_bytes(source.read_bytes() if source else good_workbook(hidden).read_bytes())
    return [lock, hidden]


_VBA_CT = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
_XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def xlsm_with_macro(folder: Path, source: Path | None = None) -> Path:
    """A macro-enabled copy of `source` (or a tiny workbook) carrying a vbaProject.bin."""
    src = source or good_workbook(folder / "_base.xlsx")
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)  # an (empty) OLE blob; never executed
    rels = (
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
        b' Target="vbaProject.bin"/></Relationships>'
    )
    edits = {
        "[Content_Types].xml": lambda d: d.replace(_XLSX_MAIN, _XLSM_MAIN).replace(
            b"</Types>", _VBA_CT + b"</Types>"
        ),
        "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", rels),
    }
    path = patched(
        src,
        folder / ("宏表.xlsm" if source is None else f"{src.stem}_宏.xlsm"),
        edits,
        {"xl/vbaProject.bin": vba},
    )
    if source is None:
        src.unlink()
    return path


def hostile_text(folder: Path, source: Path, label: str, text: str, name: str) -> Path:
    """A copy of form `source` whose value right of `label` is `text`, stored as a string.

    Control characters, which openpyxl refuses, are written as OOXML escapes (_x0007_), the way
    Excel stores them.
    """
    placeholder = "HOSTILE_TEXT_PLACEHOLDER"
    wb = openpyxl.load_workbook(source)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip().startswith(label):
                    target = ws.cell(cell.row, cell.column + 1)
                    target.value = placeholder
                    target.data_type = "s"  # keep '=HYPERLINK(…)' a string, as a village types it
    plain = folder / f"_{name}"
    wb.save(plain)
    escaped = "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n\r" else ch for ch in text)
    encoded = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")
    with zipfile.ZipFile(plain) as zf:
        edits = {
            n: (lambda d: d.replace(placeholder.encode(), encoded))
            for n in zf.namelist()
            if n.endswith(".xml")
        }
    path = patched(plain, folder / name, edits)
    plain.unlink()
    return path


def build_corpus(folder: Path) -> dict[str, Path]:
    """Every file-level hostile kind, keyed by kind, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = {
        "empty": empty_file(folder),
        "truncated": truncated_zip(folder),
        "random": random_bytes(folder),
        "encrypted": encrypted_ooxml(folder),
        "zip-bomb": zip_bomb(folder),
        "lying-zip-bomb": lying_zip_bomb(folder),
        "entity-sheet": entity_bomb_sheet(folder),
        "entity-strings": entity_bomb_shared_strings(folder),
        "external-entity": external_entity(folder),
        "far-cell": far_cell(folder),
        "far-dimension": far_dimension(folder),
        "not-standard": not_standard_form(folder),
        "xlsm": xlsm_with_macro(folder),
    }
    for path in wrong_types(folder):
        corpus[f"wrong-{path.suffix}"] = path
    corpus["lock"], corpus["hidden"] = lock_and_hidden(folder)
    return corpus


if __name__ == "__main__":  # python tests/hostile.py DIR: write the corpus for a manual look
    import sys

    for kind, path in build_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else os.curdir)).items():
        print(f"{kind:16} {path.name}  {path.stat().st_size} B")


# --- other containers: .ods (hand-built) and .xls (xlwt, dev only) ---------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_GOOD_ROWS = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>乡镇（街道）</text:p></table:table-cell>'
    '<table:table-cell office:value-type="string"><text:p>城关镇</text:p></table:table-cell>'
    '<table:table-cell table:number-columns-repeated="1022"/></table:table-row>'
    '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/>'
    "</table:table-row>"
)  # the trailing empty repeats are what LibreOffice really writes


def ods_workbook(path: Path, rows: str = ODS_GOOD_ROWS, sheet: str = "基本情况") -> Path:
    """A minimal OpenDocument spreadsheet with one table whose rows are `rows` (content.xml markup)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def xls_workbook(path: Path, far: tuple[int, int] | None = None) -> Path:
    """A BIFF8 .xls written by xlwt; `far` adds one number at that 0-based (row, col)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("基本情况")
    ws.write(0, 0, "乡镇（街道）")
    ws.write(0, 1, "城关镇")
    if far:
        ws.write(*far, 1)
    book.save(str(path))
    return path


def xls_with_filepass(path: Path) -> Path:
    """A .xls whose globals carry a FILEPASS record, as an open password leaves (bodies untouched)."""
    import olefile

    xls_workbook(path)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        bof_size = struct.unpack_from("<H", data, 2)[0]
        struct.pack_into("<H", data, 4 + bof_size, 0x002F)  # the record after BOF becomes FILEPASS
        ole.write_stream("Workbook", bytes(data))
    return path


def col_letters(col: int) -> str:
    """Column number → letters (1 → A, 200 → GR)."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
