"""Names that come from settings or data, made safe to use as a file name or to print.

A 县名 of `../../x`, a village typed with a `/`, or a control character in a file name must not
choose where a file is written, nor reach the console raw. So every file name built from
settings or data goes through `safe_file_name`, and every name shown goes through `printable`.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 180  # most file systems allow 255 bytes a name; room for "(99)" and a suffix
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u2028\u2029]')
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # could make a name read backwards
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_file_name(text: str, fallback: str = "未命名") -> str:
    """`text` as one file name: no separators, no `..`, no control or reserved characters, bounded.

    Characters Windows forbids become `_`; a name that would be empty, a dot name or a
    reserved device name (CON, NUL…) gets `fallback`. The result never leaves its folder.
    """
    name = _BIDI.sub("", _UNSAFE.sub("_", unicodedata.normalize("NFC", str(text))))
    name = name.strip().strip(".").strip()
    if not name or set(name) <= {"_", "."} or name.split(".")[0].lower() in _RESERVED:
        name = fallback
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip(". ") or fallback


def safe_output_name(name: str) -> str:
    """`汇总表.xlsx`-style names built from settings: the part before the extension made safe."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not suffix.isalnum() or len(suffix) > 8:
        return safe_file_name(name)
    return f"{safe_file_name(stem)}.{suffix}"


def printable(name: str) -> str:
    """A file name as the console, a message and a cell may show it: control characters, lone
    surrogates (undecodable bytes in the name) and direction overrides written as `\\x07`."""
    if name.isprintable() and not _BIDI.search(name):
        return name
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte the file system's encoding could not decode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cs") or _BIDI.match(ch):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
