"""Build the round-trip fixtures in tests/fixtures/ from code, never by hand.

`python tests/make_fixtures.py` rewrites roundtrip_filled.xlsx, moved_blocks.xlsx and
roundtrip_expected.json; the LibreOffice conversions are made from roundtrip_filled.xlsx with
the commands in tests/fixtures/README.md.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from county_report.definition import Campaign, bind, load_definition
from county_report.forms import build_form, form_layout, form_title, save_workbook
from county_report.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

TOWNSHIP, VILLAGE = "城关镇", "东风村"

# what the village typed → what the reader must see; messy the way villages really are
TYPED_METRICS = {
    "cadres": (" 12 ", 12),
    "households": ("３２６", 326),
    "visits": ("1,105", 1105),
    "enterprises": ("6家", 6),
    "meetings": (9.0, 9),
    "leaflets": (1200, 1200),
    "suggestions": ("47", 47),
    "problems": (6, 6),
    "solved": ("４", 4),
    "disputes": (3, 3),
    "petitions": ("18人次", 18),
    "needy": (21, 21),
    "relief": ("6,300.50", 6300.5),
    "funds": (12.35, 12.35),
    "deeds": ("15件", 15),
}
TYPED_HEADER = {
    "reporter": ("王建国", "王建国"),
    "phone": ("13908381234", "13908381234"),
    "filled_on": ("2026年11月21日", "2026-11-21"),
    "as_of": (date(2026, 11, 20), "2026-11-20"),
}
LEDGER = (  # category, description, person, unit, deadline as typed, deadline, status, result
    ("基础设施", "3组通组公路约350米路面破损，雨天积水", "李某某", "县交通运输局", date(2026, 10, 30), "2026-10-30", "已解决", "已修复路面并增设排水沟"),
    ("民生保障", "5组独居老人无人照料，申请纳入特困供养", "张某", "镇民政办", "2026/11/10", "2026-11-10", "已解决", "已纳入特困供养"),
    ("环境卫生", "2组垃圾收集点清运不及时", "2组群众", "镇综合执法队", "2026年11月5日", "2026-11-05", "已解决", "已增加清运频次"),
    ("经济发展", "柑橘滞销，请求帮助联系销路", "陈某某", "镇农业服务中心", date(2026, 11, 15), "2026-11-15", "办理中", "已上报镇里协调解决"),
    ("信访维稳", "两户村民因宅基地界址发生纠纷", "刘某", "镇司法所", "20261210", "2026-12-10", "未启动", ""),
    ("基础设施", "7组路灯损坏5盏", "周某某", "村委会", date(2026, 11, 18), "2026-11-18", "已解决", "已更换路灯"),
)  # fmt: skip
HIGHLIGHTS = (
    ("党员联户 & 网格服务全覆盖", "按“1名党员联系10户”划分网格，小事不出组、大事不出村。"),
    ("办结时限<7天的“马上办”机制", '群众说："事情办得快，心里亮堂了。"回访满意率>95%。'),
)


def load_script(name: str):
    """scripts/<name>.py as a module (scripts/ is not a package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def load_demo_module():
    """scripts/make_demo.py as a module."""
    return load_script("make_demo")


def zip_members(path: Path) -> dict[str, bytes]:
    """An .xlsx by its uncompressed parts: equal across zlib builds, unlike the compressed bytes."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def demo_spec() -> Campaign:
    return bind(load_definition(ROOT / "templates" / "form.toml"))


def make_roundtrip_filled(path: Path, spec: Campaign) -> Path:
    """A pre-filled demo form filled in the way a village would, messy values included."""
    wb = build_form(spec, form_title(spec, load_settings(ROOT / "templates")), (TOWNSHIP, VILLAGE))
    layout = form_layout(spec)
    basic = wb[spec.basic_sheet]
    for key, (typed, _) in {**TYPED_HEADER, **TYPED_METRICS}.items():
        basic[layout.fields[key].value_cell] = typed
    ledger, cols = wb[layout.ledger.sheet], layout.ledger.columns
    keys = ("category", "description", "person", "unit", "deadline", None, "status", "result")
    for i, row in enumerate(LEDGER):
        r = layout.ledger.first_row + i
        ledger[f"{cols['seq']}{r}"] = i + 1
        for key, value in zip(keys, row, strict=True):
            if key:
                ledger[f"{cols[key]}{r}"] = value
    high, hcols = wb[layout.highlights.sheet], layout.highlights.columns
    for i, (title, content) in enumerate(HIGHLIGHTS):
        r = layout.highlights.first_row + i
        high[f"{hcols['seq']}{r}"], high[f"{hcols['title']}{r}"], high[f"{hcols['content']}{r}"] = (
            i + 1,
            title,
            content,
        )
    return save_workbook(wb, path)


def make_moved_blocks(src: Path, dst: Path, spec: Campaign) -> Path:
    """The filled form as villages rearrange it: rows inserted above, labels in other columns, notes."""
    wb = load_workbook(src)
    layout = form_layout(spec)
    basic = wb[spec.basic_sheet]
    for merged in list(basic.merged_cells.ranges):
        basic.unmerge_cells(str(merged))
    first_metric = layout.fields[spec.metrics[0].key].row
    basic.insert_rows(first_metric, 2)  # a note row (and a blank one) between the two blocks
    basic.cell(first_metric, 1, "注：以下数据由村“两委”会议审定，单位见括号。")
    last = basic.max_row
    basic.move_range(f"A{first_metric + 2}:C{last}", cols=3)  # metrics block now in columns D–F
    basic.insert_rows(1, 3)
    basic["A1"], basic["A2"] = "填报单位（盖章）：", "审核人：　　　　　　　联系电话："
    for sheet, extra_cols in ((layout.ledger.sheet, 0), (layout.highlights.sheet, 1)):
        ws = wb[sheet]
        ws.freeze_panes = None
        ws.insert_rows(1, 2)
        if extra_cols:
            ws.insert_cols(1, extra_cols)
        ws["A1"] = f"{VILLAGE}{sheet}"
    return save_workbook(wb, dst)


def expected_values() -> dict:
    """What every copy of the round-trip form must read back as."""
    return {
        "header": {"township": TOWNSHIP, "village": VILLAGE, **{k: v for k, (_, v) in TYPED_HEADER.items()}},
        "metrics": {k: v for k, (_, v) in TYPED_METRICS.items()},
        "ledger_rows": len(LEDGER),
        "ledger": [{"category": r[0], "description": r[1], "deadline": r[5], "status": r[6]} for r in LEDGER],
        "highlights": [{"title": t, "content": c} for t, c in HIGHLIGHTS],
    }


def main() -> int:
    spec = demo_spec()
    filled = make_roundtrip_filled(FIXTURES / "roundtrip_filled.xlsx", spec)
    make_moved_blocks(filled, FIXTURES / "moved_blocks.xlsx", spec)
    text = json.dumps(expected_values(), ensure_ascii=False, indent=2) + "\n"
    (FIXTURES / "roundtrip_expected.json").write_text(text, encoding="utf-8")
    print(f"已写入 {FIXTURES}；LibreOffice 转换命令见 tests/fixtures/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
