"""各期趋势 renders in LibreOffice: every key figure's line drawn in its own explicit colour.

The workbook of three periods is converted to PDF by LibreOffice, the chart page rasterised by
poppler, and the pixels of each series' colour counted (a chart LibreOffice could not read, or a
series drawn in a default palette, has none of them)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from periods_county import P1, P2, P3, County

from county_report.period_sheets import PALETTE

TOOLS = all(shutil.which(tool) for tool in ("soffice", "pdftoppm", "pdftotext"))


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _pixels(ppm: bytes) -> list[tuple[int, int, int]]:
    """The pixels of a binary PPM (P6, maxval 255), as pdftoppm writes it."""
    fields, at = [], 0
    while len(fields) < 4:
        while ppm[at : at + 1].isspace():
            at += 1
        end = at
        while not ppm[end : end + 1].isspace():
            end += 1
        fields.append(ppm[at:end])
        at = end
    body = ppm[at + 1 :]
    return [tuple(body[i : i + 3]) for i in range(0, len(body) - 2, 3)]  # type: ignore[misc]


@pytest.mark.slow
@pytest.mark.skipif(not TOOLS, reason="LibreOffice or poppler not installed")
def test_the_trend_charts_render_in_libreoffice_with_their_colours(tmp_path):
    county = County(tmp_path)
    for day in (P1, P2, P3):
        result = county.run(day)
    book = tmp_path / "book.xlsx"
    shutil.copy(result.workbook_path, book)
    profile = f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}"  # its own profile: no clash with others
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "book.pdf"
    page = next(
        n
        for n in range(1, 40)
        if "全县走访农户（2026年各期）"
        in subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True
        ).stdout.replace(" ", "")
    )
    shown = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "60", str(pdf)], capture_output=True, check=True
    ).stdout
    pixels = _pixels(shown)
    for colour in PALETTE[:4]:  # 走访农户, 梳理问题, 已解决问题, 办结率
        r, g, b = _rgb(colour)
        near = sum(1 for p in pixels if abs(p[0] - r) + abs(p[1] - g) + abs(p[2] - b) < 40)
        assert near > 40, f"{colour}: {near} pixels"
