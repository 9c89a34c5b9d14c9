"""Build macros/报表助手.xlsm, the workbook with the 生成报告 button, and export its VBA as text.

The VBA project is the one xlwings ships for `xlwings quickstart --standalone` (the pinned
version): the xlwings module is embedded, so no add-in is needed, and its macro `SampleCall`
runs `import <workbook name>; <workbook name>.main()` — here macros/报表助手.py. Excel cannot
run on the build machine to compile new VBA, so we use that project unchanged rather than
hand-assemble an untested one. Run again after bumping xlwings: the VBA must match its version.

    python scripts/make_macro_workbook.py
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from county_report import excel_entry as entry  # noqa: E402

WORKBOOK_NAME = "报表助手.xlsm"  # its stem is the Python module the macro imports
BUTTON_MACRO = "SampleCall"  # the macro in xlwings' standalone quickstart project
BUTTON_CAPTION = "生成报告"
CONFIG_SHEET = "xlwings.conf"  # xlwings reads this sheet by name, keys from A1 down to the first blank
BUILD_TIME = datetime(2026, 1, 1)  # fixed document dates keep the build byte-for-byte reproducible

# (key, value, note) read by xlwings' VBA; blank keeps xlwings' default.
CONFIG_ROWS = (
    ("Interpreter_Win", "", "留空：使用系统 PATH 中的 python；否则填 python.exe 的完整路径"),
    ("Interpreter_Mac", "", "苹果电脑用，一般留空"),
    ("PYTHONPATH", "", "留空（macros 文件夹中的 报表助手.py 会自动找到项目文件夹）"),
    ("Conda Path", "", "不用 Anaconda 时留空"),
    ("Conda Env", "", "不用 Anaconda 时留空"),
    ("UDF Modules", "", "本工作簿不用"),
    ("Debug UDFs", False, "本工作簿不用"),
    ("Use UDF Server", False, "保持 FALSE"),
    ("Show Console", False, "改为 TRUE 可在运行时显示黑色命令行窗口，便于排查问题"),
)
CONFIG_NOTES = (
    "说明：",
    "本工作表是 xlwings 的设置，名称必须是 xlwings.conf，设置项必须从 A1 开始、中间不能空行。",
    "一般只需要在 Interpreter_Win 右边填写 python.exe 的完整路径，例如：",
    r"C:\报表助手\.venv\Scripts\python.exe  或  C:\Users\张三\AppData\Local\Programs\Python\Python311\python.exe",
    "不要删除或改名本工作表；不要改动 A 列。",
)


def vba_project_from_xlwings() -> bytes:
    """The vbaProject.bin of xlwings' standalone quickstart workbook, from the installed (pinned) xlwings."""
    import xlwings

    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as archive:
        return archive.read("xl/vbaProject.bin")


def export_vba_sources(vba_project: bytes, target_dir: Path) -> list[Path]:
    """Write each code module of the project as text (CRLF, as the VBA editor exports and imports it)."""
    from oletools.olevba import VBA_Parser

    written = []
    parser = VBA_Parser("vbaProject.bin", data=vba_project)
    try:
        for _, _, name, code in parser.extract_macros():
            lines = code.replace("\r\n", "\n").split("\n")
            if all(not line.strip() or line.startswith("Attribute ") for line in lines):
                continue  # document modules (ThisWorkbook, Sheet1, …) hold no code
            path = target_dir / name
            path.write_bytes("\r\n".join(lines).encode("utf-8"))
            written.append(path)
    finally:
        parser.close()
    return written


def build_workbook(target: Path, vba_project: bytes) -> Path:
    """Write the macro-enabled workbook: main sheet with button, 设置 and 运行结果 areas, xlwings.conf."""
    workbook = xlsxwriter.Workbook(str(target))
    workbook.set_properties({"title": "报表助手", "author": "报表助手", "created": BUILD_TIME})
    workbook.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    workbook.set_vba_name("ThisWorkbook")
    main_sheet = workbook.add_worksheet(entry.MAIN_SHEET)
    main_sheet.set_vba_name("Sheet1")
    config_sheet = workbook.add_worksheet(CONFIG_SHEET)
    config_sheet.set_vba_name("Sheet2")
    _lay_out_main(workbook, main_sheet)
    _lay_out_config(workbook, config_sheet)
    main_sheet.activate()
    workbook.close()
    return target


def _lay_out_main(workbook, sheet) -> None:
    """Title, the button, the 设置 area (yellow cells a clerk may fill), the 运行结果 area."""
    title = workbook.add_format({"bold": True, "font_size": 16})
    section = workbook.add_format({"bold": True, "font_size": 12, "bg_color": "#DDEBF7", "bottom": 1})
    label = workbook.add_format({"bold": True, "valign": "top"})
    hint = workbook.add_format({"font_color": "#7F7F7F", "valign": "top"})
    editable = workbook.add_format({"bg_color": "#FFF2CC", "border": 1, "valign": "top"})
    as_of = workbook.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "yyyy-mm-dd"})
    result = workbook.add_format({"text_wrap": True, "valign": "top"})
    header = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
    sheet.hide_gridlines(2)
    sheet.set_column("A:A", 24)
    sheet.set_column("B:B", 64, result)
    sheet.set_column("C:E", 12)
    sheet.write("A1", "报表助手：村级报表汇总与工作总结", title)
    sheet.write("A2", "第一步：把各村交回的标准表放进 inputs 文件夹；第二步：点击「生成报告」；"
                "第三步：看下方「运行结果」，打开汇总表和工作总结。", hint)  # fmt: skip
    sheet.insert_button("A4", {"macro": BUTTON_MACRO, "caption": BUTTON_CAPTION, "width": 160, "height": 36})
    sheet.write("A6", "按钮只能在微软 Excel 中使用。用 WPS 或没有 Excel 时，请双击项目文件夹中的 生成报告.bat"
                "（Windows）或 生成报告.sh（统信UOS、麒麟）。", hint)  # fmt: skip
    sheet.write("A7", "设置（黄色格子可以修改，留空即用默认值）", section)
    sheet.write_blank("B7", None, section)
    for name, cell, note in entry.SETTINGS:
        row = int(cell[1:])
        sheet.write(f"A{row}", name, label)
        sheet.write_blank(cell, None, as_of if cell == entry.AS_OF_CELL else editable)
        sheet.write(f"C{row}", note, hint)
    sheet.data_validation(entry.AS_OF_CELL, _as_of_validation())
    sheet.write(f"A{entry.OUTCOME_FIRST_ROW - 1}", "运行结果（每次运行后自动更新）", section)
    sheet.write_blank(f"B{entry.OUTCOME_FIRST_ROW - 1}", None, section)
    for name, cell in entry.OUTCOME.items():
        sheet.write(f"A{cell[1:]}", name, label)
    sheet.write(f"A{entry.FINDINGS_TITLE_ROW}", "主要问题", section)
    sheet.write_row(f"A{entry.FINDINGS_FIRST_ROW - 1}", entry.FINDINGS_HEADER, header)


def _as_of_validation() -> dict:
    """Only real dates in 统计截止日期, with the hint shown when the cell is selected."""
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": datetime(2000, 1, 1),
        "maximum": datetime(2100, 12, 31),
        "ignore_blank": True,
        "input_title": "统计截止日期",
        "input_message": "留空：取各村报表中最常见的统计截止日期。\n要指定时填写如 2026-11-20。",
        "error_title": "日期无效",
        "error_message": "请填写日期，如 2026-11-20；不指定时请留空。",
    }


def _lay_out_config(workbook, sheet) -> None:
    """The xlwings settings sheet, with a Chinese note beside each key and below the keys."""
    note = workbook.add_format({"font_color": "#7F7F7F"})
    sheet.set_column("A:A", 18)
    sheet.set_column("B:B", 40)
    sheet.set_column("C:C", 60)
    for row, (key, value, text) in enumerate(CONFIG_ROWS):
        sheet.write_string(row, 0, key)
        if isinstance(value, bool):
            sheet.write_boolean(row, 1, value)
        sheet.write_string(row, 2, text, note)
    first_note_row = len(CONFIG_ROWS) + 2  # one blank row ends the keys xlwings reads
    for offset, text in enumerate(CONFIG_NOTES):
        sheet.write_string(first_note_row + offset, 0, text)


def main(argv: list[str] | None = None) -> int:
    """Build the workbook into macros/ (or --target) and export the VBA modules beside it."""
    parser = argparse.ArgumentParser(description="生成带「生成报告」按钮的宏工作簿")
    parser.add_argument("--target", type=Path, default=ROOT / "macros" / WORKBOOK_NAME)
    parser.add_argument(
        "--vba-project", type=Path, help="另用一个 vbaProject.bin（默认取自已安装的 xlwings）"
    )
    args = parser.parse_args(argv)
    vba = args.vba_project.read_bytes() if args.vba_project else vba_project_from_xlwings()
    args.target.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(args.target, vba)
    sources = export_vba_sources(vba, args.target.parent)
    print(f"已生成 {args.target}；VBA 源码：{', '.join(p.name for p in sources)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
