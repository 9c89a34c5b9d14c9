"""Printed 汇总表: A4 landscape, text ≥ 8 pt, one page across or blocks that repeat the unit's names.

The layout rules are tested on their own; the demo county's workbook is then printed to PDF by
LibreOffice and read back with poppler: page count, what each page shows, the smallest text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import xlsxwriter

from county_report import printing
from county_report.model import RunOptions
from county_report.pipeline import run
from county_report.templates import load_templates

ROOT = Path(__file__).resolve().parents[1]
PRINT_TOOLS = all(shutil.which(t) for t in ("soffice", "pdftotext", "pdfinfo"))
PAGE = printing.PRINTABLE_PIXELS


def test_a_sheet_that_fits_at_a_readable_scale_prints_one_page_across():
    layout = printing.plan([10] * 12, key_columns=1, rows=500)
    assert (layout.scale, layout.breaks, layout.repeat_columns) == (None, (), 1)


def test_a_wide_sheet_prints_in_blocks_of_whole_columns_each_repeating_the_name_columns():
    widths = [9, 12] + [12] * 30
    layout = printing.plan(widths, key_columns=2, rows=14)
    assert layout.scale >= printing.MIN_SCALE and layout.repeat_columns == 2
    pixels = [printing.column_pixels(w) for w in widths]
    starts = [0, *layout.breaks, len(widths)]
    for n, (a, b) in enumerate(zip(starts, starts[1:], strict=False)):
        shown = sum(pixels[a:b]) + (sum(pixels[:2]) if n else 0)
        assert shown * layout.scale / 100 <= PAGE
    # a short sheet: its blocks as large as they can be without one more block
    larger = printing._breaks(pixels, 2, PAGE * 100 / (layout.scale + 1))
    assert layout.scale == 100 or len(larger) > len(layout.breaks)


def test_a_long_wide_sheet_takes_the_smaller_scale_that_prints_fewer_pages():
    layout = printing.plan([9, 12] + [12] * 30, key_columns=2, rows=5000)
    assert layout.scale == printing.MIN_SCALE
    assert 11 * printing.MIN_SCALE / 100 >= 8  # the default 11 pt font, printed at this scale


def _convert(tmp_path: Path, *books: Path) -> None:
    profile = f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}"  # its own profile: no clash
    command = [
        "soffice",
        profile,
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        *map(str, books),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def _pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.check_output(["pdfinfo", str(pdf)], text=True))[1])
    text = subprocess.check_output(["pdftotext", "-layout", str(pdf), "-"], text=True)
    pages = text.split("\f")[:count]
    assert len(pages) == count
    return pages


def _word_heights(pdf: Path) -> list[float]:
    bbox = subprocess.check_output(["pdftotext", "-bbox", str(pdf), "-"], text=True)
    return [
        float(b) - float(a) for a, b in re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"', bbox)
    ]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The demo county's 汇总表 printed to PDF, with a one-cell workbook of 11 pt text at 100 %
    printed beside it: the height of its words is the yardstick for the text sizes."""
    if not PRINT_TOOLS:
        pytest.skip("LibreOffice or poppler not installed")
    out = tmp_path_factory.mktemp("print")
    result = run(RunOptions(ROOT / "inputs", out, ROOT / "templates", workers=2))
    yardstick = out / "yardstick.xlsx"
    book = xlsxwriter.Workbook(yardstick)
    sheet = book.add_worksheet()
    sheet.write(0, 0, "城关镇")
    sheet.write(1, 0, 12345)
    book.close()
    _convert(out, result.workbook_path, yardstick)
    return out / "汇总表.pdf", out / "yardstick.pdf"


def _by_sheet(pages: list[str]) -> dict[str, list[str]]:
    """Pages per sheet, told by the page header (the sheet's name, top left)."""
    sheets = defaultdict(list)
    for page in pages:
        sheets[page.strip().split()[0]].append(page)
    return sheets


def test_the_demo_workbook_prints_in_far_fewer_pages_with_names_on_every_page(printed):
    pdf, _ = printed
    pages = _pages(pdf)
    assert len(pages) <= 120  # 283 before: the ledger in two blocks, the summary at 3 pt
    sheets = _by_sheet(pages)
    groups = load_templates(ROOT / "templates").roster.groups
    assert 1 <= len(sheets["全县汇总"]) <= 2
    for page in sheets["全县汇总"]:  # every block repeats the 乡镇 column and the 合计 row's name
        assert all(g in page for g in groups) and "合计" in page
    for name in ("分村明细", "问题台账", "上报进度"):
        assert len(sheets[name]) > 1
        for page in sheets[name]:  # the header row and the name columns on every page
            assert "乡镇（街" in page and any(g in page for g in groups), name
    # 问题台账: one page across, so every page shows the problem and the file it came from
    assert all("问题描述" in p and "来源文件" in p for p in sheets["问题台账"])
    assert all("文件" in p and "说明" in p and "请" in p for p in sheets["校验结果"])


def test_no_printed_text_is_smaller_than_8_pt(printed):
    pdf, yardstick = printed
    eleven_points = min(_word_heights(yardstick))
    smallest = min(_word_heights(pdf)) / eleven_points * 11
    assert smallest >= 8, f"smallest text {smallest:.1f} pt"


def test_the_charts_render_each_on_its_own_page_with_their_labels(printed):
    pdf, _ = printed
    pages = _by_sheet(_pages(pdf))["图表"]
    assert len(pages) == 2
    assert "各乡镇走访农户和办结率" in pages[0] and "城关镇" in pages[0] and "%" in pages[0]
    assert "问题台账问题分类及办理状态" in pages[1] and "已解决" in pages[1] and "基础设施" in pages[1]
