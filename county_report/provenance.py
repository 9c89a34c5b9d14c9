"""Where a figure comes from: each input file's SHA-256, the program's own source, and the run's id.

A published figure is traced through the run id (in the report's document properties) to the
run's record in the database, and from there to the exact bytes of every file behind it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from datetime import datetime
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHORT = 8  # hex digits of a file's SHA-256 shown in the workbook: 1 in 4 billion to collide
_CHUNK = 1 << 20


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """(size in bytes, SHA-256) of a file as it is on disk now."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def short(sha256: str) -> str:
    """The first digits of a file's SHA-256, as the workbook shows them (文件指纹)."""
    return sha256[:SHORT]


@lru_cache(maxsize=1)
def program_digest() -> str:
    """SHA-256 of the program's own source (every .py of the package, by path) and of what reads the
    files (the Python and python-calamine versions): a read is reused only by the same program."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(sys.version.encode("utf-8"))
    try:
        from importlib.metadata import version

        digest.update(version("python-calamine").encode("utf-8"))
    except Exception:  # noqa: BLE001 - not installed as a distribution: the source alone decides
        pass
    return digest.hexdigest()


def new_run_id(moment: datetime) -> str:
    """`20261122-103015-a1b2c3`: when the run started, and six random hex digits for runs in one second."""
    import secrets  # here: the reading workers import this module too, and never need it

    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def stat_of(path: Path) -> tuple[int, float]:
    """(size, modification time) without reading the file."""
    st = os.stat(path)
    return st.st_size, st.st_mtime
