"""Save an openpyxl workbook with the same bytes every run, atomically.

openpyxl stamps the current time into docProps/core.xml and into every zip entry; generated
forms, the demo inputs and the test fixtures are committed, so both are fixed here.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from .atomic import atomic_write

FIXED_TIME = datetime(2026, 1, 1, 8, 0, 0)  # document properties and zip entries


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Save with fixed timestamps (same bytes every run), atomically; returns the path written."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps properties.modified as set
    data = _fixed_zip(buffer.getvalue())
    return atomic_write(
        Path(path), lambda temp: temp.write_bytes(data), durable=False
    )  # forms are regenerable


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the zip with one fixed timestamp and attributes for every entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
