"""The Word report: four parts in order, figures equal to the 合计 row, safe rendering, GB/T 9704 layout."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from jinja2.exceptions import SecurityError

from county_report.aggregate import (
    EXPECTED,
    FILE,
    GROUP,
    OVERDUE,
    REPORTED_COUNT,
    STATUS,
    TYPE,
    UNIT,
    Aggregate,
    rank_column,
)
from county_report.cnformat import styled
from county_report.definition import bind, load_definition
from county_report.errors import ConfigError, TemplateVariableError
from county_report.report import render_report, report_environment
from county_report.report_facts import build_context
from county_report.report_layout import build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "工作总结模板.docx"
SPEC = bind(load_definition(ROOT / "templates" / "form.toml"))
SETTINGS = SimpleNamespace(
    county="示例县",
    campaign="大走访",
    office="中共示例县委办公室",
    period="2026年9月至11月",
    report_title="示例县“大走访”活动工作总结",
)
AS_OF = date(2026, 11, 20)
REPORT_DATE = date(2026, 11, 22)
TRICKY = "修通“连心路”&架起<便民桥>，群众说：“好！”"

# Each township's villages, and a base the figures scale with; the MISSING villages did not report.
VILLAGES = {
    "黄龙镇": (["黄龙一村", "黄龙二村", "黄龙三村", "黄龙村"], 7),
    "青山乡": (["青山1村", "青山2村", "青山村"], 3),
    "石门乡": (["石门村", "石桥村"], 0),
    "白沙镇": (["白沙1村", "白沙2村", "白沙3村"], 5),
}
MISSING = {"黄龙村", "青山村", "石门村", "石桥村"}
TOWNSHIPS = list(VILLAGES)


def _metrics(base: int) -> dict[str, float]:
    values = {m.key: 1000 * base + i for i, m in enumerate(SPEC.metrics)}
    values["visits"] = 9000 * base + 13
    values["problems"], values["solved"] = 20 * base, {7: 126, 3: 36, 5: 85}.get(base, 0)
    values["relief"], values["funds"] = 12345.5 * base, 1.25 * base
    return values


def _township_table() -> pd.DataFrame:
    rows = []
    for name, (villages, base) in VILLAGES.items():
        reported = len([v for v in villages if v not in MISSING])
        values = _metrics(base) if reported else dict.fromkeys(SPEC.metric_keys, 0)
        solve_rate = values["solved"] / values["problems"] if values["problems"] else float("nan")
        rows.append(
            {
                GROUP: name,
                EXPECTED: len(villages),
                REPORTED_COUNT: reported,
                **values,
                "solve_rate": solve_rate,
            }
        )
    table = pd.DataFrame(rows)
    for item in SPEC.ranking:
        ranked = table[item.key].where(table[REPORTED_COUNT] > 0).rank(method="min", ascending=False)
        table[rank_column(item.key)] = ranked
    return table


def _county(townships: pd.DataFrame) -> pd.Series:
    total = {key: townships[key].sum() for key in (EXPECTED, REPORTED_COUNT, *SPEC.metric_keys)}
    total["solve_rate"] = total["solved"] / total["problems"]
    return pd.Series({GROUP: "合计", **total}, dtype=object)


def _progress() -> pd.DataFrame:
    rows = [
        {
            GROUP: t,
            UNIT: v,
            TYPE: "",
            REPORTED_COUNT: v not in MISSING,
            STATUS: "未报" if v in MISSING else "已报",
        }
        for t, (villages, _) in VILLAGES.items()
        for v in villages
    ]
    return pd.DataFrame(rows).assign(**{FILE: ""})


def _ledger() -> pd.DataFrame:
    rows = [("黄龙镇", "基础设施", "办理中", True), ("黄龙镇", "基础设施", "未启动", True)]
    rows += [("白沙镇", "民生保障", "已解决", False), ("白沙镇", "基础设施", "已解决", False)]
    rows += [("青山乡", "环境卫生", "办理中", True), ("青山乡", "民生保障", "办理中", False)]
    return pd.DataFrame(
        [{GROUP: t, UNIT: "某村", "category": c, "status": s, OVERDUE: o} for t, c, s, o in rows]
    )


def _category_status(ledger: pd.DataFrame) -> pd.DataFrame:
    statuses = list(SPEC.ledger.by_role("status").choices)
    categories = list(SPEC.ledger.by_role("category").choices)
    table = pd.crosstab(ledger["category"], ledger["status"]).reindex(
        categories, columns=statuses, fill_value=0
    )
    return table.assign(合计=table.sum(axis=1))


def make_aggregate(highlights: list[tuple[str, str, str, str]] | None = None) -> Aggregate:
    townships = _township_table()
    ledger = _ledger()
    highlight_rows = highlights or [
        ("黄龙镇", "黄龙一村", "修路架桥", TRICKY),
        ("黄龙镇", "黄龙一村", "同村第二例", "同一村的第二个事例不应引用。"),
        ("白沙镇", "白沙1村", "帮办医保", "网格员上门帮助老人办理医保"),
    ]
    return Aggregate(
        campaign=SPEC,
        as_of=AS_OF,
        units=pd.DataFrame(),
        groups=townships,
        body=_county(townships),
        progress=_progress(),
        ledger=ledger,
        category_status=_category_status(ledger),
        highlights=pd.DataFrame(
            [
                {GROUP: t, UNIT: v, "seq": i + 1, "title": a, "content": b}
                for i, (t, v, a, b) in enumerate(highlight_rows)
            ]
        ),
        types=pd.DataFrame(),
    )


@pytest.fixture(scope="module")
def agg() -> Aggregate:
    return make_aggregate()


@pytest.fixture(scope="module")
def report(agg, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / f"{SETTINGS.county}“{SETTINGS.campaign}”活动工作总结.docx"
    written, placeholders = render_report(build_context(agg, SETTINGS, REPORT_DATE), TEMPLATE, out)
    assert written == out and placeholders == 3  # 组织, 宣传, 机制: facts the data cannot know
    return out


def _paragraphs(path: Path) -> list:
    return Document(path).paragraphs


def _part(path: Path, start: str, end: str | None) -> str:
    texts = [p.text for p in _paragraphs(path)]
    first = texts.index(start)
    last = texts.index(end) if end else len(texts)
    return "\n".join(texts[first + 1 : last])


def test_four_parts_in_order_after_title_and_opening(report):
    paragraphs = _paragraphs(report)
    assert paragraphs[0].text == "示例县“大走访”活动工作总结"
    headings = [p.text for p in paragraphs if p.style.style_id == "Heading1"]
    assert headings == ["一、主要做法", "二、取得成效", "三、存在问题", "四、下一步打算"]
    opening = next(p.text for p in paragraphs[1:] if p.text)
    assert opening.startswith("2026年9月至11月，示例县") and "截至2026年11月20日" in opening
    assert opening.endswith("现将有关情况总结如下：")


def test_every_county_figure_in_part_two_equals_the_total_row(report, agg):
    # figures are now written in their 公文 style (4.84万户, 18.52万元); the same style function
    # applied to the 合计 row gives exactly what the report prints
    part_two = _part(report, "二、取得成效", "三、存在问题")
    for m in SPEC.metrics:
        expected = styled(agg.body[m.key], m.style, m.unit)
        assert re.search(rf"(?<![\d.]){re.escape(expected)}", part_two), (m.label, expected)
    rate = agg.body["solve_rate"]
    assert f"办结率{round(rate * 100, 1)}%" in part_two
    assert "发放慰问金18.52万元" in part_two and "投入帮扶资金18.75万元" in part_two


def test_part_two_names_top_townships_and_quotes_highlights_intact(report):
    part_two = _part(report, "二、取得成效", "三、存在问题")
    assert "走访农户居前的是黄龙镇（7001户）、白沙镇（5001户）、青山乡（3001户）" in part_two
    assert TRICKY in part_two  # &, <, > and quotes survive autoescaping
    assert "白沙镇白沙1村“帮办医保”：网格员上门帮助老人办理医保。" in part_two
    assert "同一村的第二个事例" not in part_two


def test_part_three_is_drawn_from_the_data(report, agg):
    # reporting status left 存在问题 for the internal 报送情况说明 (issue 10): no 未报送 item here
    part_three = _part(report, "三、存在问题", "四、下一步打算")
    county_rate = agg.body["solve_rate"]
    assert (
        f"青山乡（60.0%）的办结率低于全县平均水平（{round(county_rate * 100, 1)}%）5个百分点以上"
        in part_three
    )
    assert "黄龙镇" not in part_three.split("办结率低于")[0].split("偏低。")[-1]
    assert "尚未报送" not in part_three and "退回" not in part_three
    assert (
        "台账登记的6个问题中，基础设施类3个、占50.0%；民生保障类2个、占33.3%；环境卫生类1个、占16.7%"
        in part_three
    )
    assert "有3个问题已超过办理时限仍未解决，涉及黄龙镇2个、青山乡1个" in part_three


def test_part_four_states_what_remains_open(report, agg):
    part_four = _part(report, "四、下一步打算", None)
    remaining = int(agg.body["problems"] - agg.body["solved"])
    # 4 villages have not reported: the figures speak for those that did
    assert f"目前已报送的8个村（社区）尚有{remaining}个问题未解决（台账中办理中3个、未启动1个）" in part_four


def test_attachment_table_rows_equal_the_township_totals(report, agg):
    table = Document(report).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    header = ["乡镇（街道）", "应报村数", "已报村数", *(m.display_label for m in SPEC.metrics), "办结率"]
    assert rows[0] == header
    assert [r[0] for r in rows[1:]] == [*TOWNSHIPS, "合计"]
    for row, (_, expected) in zip(rows[1:], [*agg.groups.iterrows(), (0, agg.body)], strict=True):
        assert row[1:3] == [str(int(expected[EXPECTED])), str(int(expected[REPORTED_COUNT]))]
        for cell, m in zip(row[3:-1], SPEC.metrics, strict=True):
            assert float(cell) == pytest.approx(float(expected[m.key]), abs=1e-9)
    assert rows[-1][-1] == f"{round(agg.body['solve_rate'] * 100, 1)}%"
    assert rows[3][-1] == "—"  # 石门乡 reported nothing: no rate


def test_attachment_on_a_landscape_page_after_the_signature(report):
    paragraphs = [p.text for p in _paragraphs(report)]
    office = paragraphs.index("中共示例县委办公室")
    assert paragraphs[office + 1] == "2026年11月22日"
    assert paragraphs[office + 2] == "附件"
    assert "附件：示例县“大走访”活动情况统计表" in paragraphs[:office]
    doc = Document(report)
    assert doc.paragraphs[office].paragraph_format.keep_with_next  # never alone on a page
    sections = doc.sections
    assert len(sections) == 2 and sections[1].page_width > sections[1].page_height


def edited_template(tmp_path, old: str, new: str):
    """The shipped template with one piece of its document text replaced."""
    broken = tmp_path / "模板.docx"
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            dst.writestr(item, data)
    return broken


def test_misspelt_variable_stops_with_a_message_naming_it(tmp_path, agg):
    broken = edited_template(tmp_path, "{{ 走访农户 }}", "{{ 走访农戶 }}")
    out = tmp_path / "out.docx"
    with pytest.raises(TemplateVariableError) as caught:
        render_report(build_context(agg, SETTINGS, REPORT_DATE), broken, out)  # the tuple is never returned
    message = str(caught.value)
    assert message.startswith(
        "模板中的变量「走访农戶」没有对应的数据（是否应为「走访农户」？），请检查模板拼写"
    )
    assert not out.exists() and list(tmp_path.iterdir()) == [broken]


def test_a_broken_tag_is_explained_in_chinese(tmp_path, agg):
    broken = edited_template(tmp_path, "{{ 走访农户 }}", "{{ }}")
    with pytest.raises(ConfigError) as caught:
        render_report(build_context(agg, SETTINGS, REPORT_DATE), broken, tmp_path / "out.docx")
    assert str(caught.value) == (
        "工作总结模板 模板.docx 中的标记有误：{{ }} 里缺少变量名。请检查 {{ }} 和 {% %} 是否成对、完整。"
    )


def test_environment_is_sandboxed_and_escapes():
    env = report_environment()
    assert env.from_string("{{ x }}").render(x="a&b<c>") == "a&amp;b&lt;c&gt;"
    assert (
        env.from_string("{{ n | 万 }}人次，{{ d | 日期 }}").render(n=48800, d=AS_OF)
        == "4.88万人次，2026年11月20日"
    )
    with pytest.raises(SecurityError):
        env.from_string("{{ f.__globals__ }}").render(f=make_aggregate)


def test_context_exposes_metrics_by_label_and_a_new_metric_reaches_the_table(agg):
    context = build_context(agg, SETTINGS, REPORT_DATE)
    # a figure is now an object: it prints in its style, and carries its exact value
    assert context["走访农户"].值 == 15003 and str(context["走访农户"]) == "1.5万户"
    assert context["指标"]["发放慰问金"].值 == pytest.approx(185182.5)
    assert str(context["指标"]["发放慰问金"]) == "18.52万元"
    assert context["附件表头"][-1] == "办结率" and len(context["附件表"]) == len(TOWNSHIPS) + 1


# --- layout, read back from the file ---------------------------------------------------------


def _style(doc, style_id: str):
    return doc.styles.element.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")


def _font_and_size(style) -> tuple[str, int]:
    fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return fonts.get(qn("w:eastAsia")), int(style.find(f"{qn('w:rPr')}/{qn('w:sz')}").get(qn("w:val")))


def test_page_size_and_margins(report):
    section = Document(report).sections[0]
    twips = [round(v / 635) for v in (section.page_width, section.page_height)]
    assert twips == [11906, 16838]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(v / 635) for v in margins] == [2098, 1984, 1587, 1474]


@pytest.mark.parametrize(
    ("style_id", "font", "half_points"),
    [
        ("Normal", "仿宋_GB2312", 32),
        ("Title", "方正小标宋简体", 44),
        ("Heading1", "黑体", 32),
        ("Heading2", "楷体_GB2312", 32),
        ("Heading2Char", "楷体_GB2312", 32),
        ("Footer", "宋体", 28),
    ],
)
def test_east_asian_fonts_and_sizes(report, style_id, font, half_points):
    assert _font_and_size(_style(Document(report), style_id)) == (font, half_points)


def test_no_theme_font_can_override_the_explicit_ones(report):
    with zipfile.ZipFile(report) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert not re.search(r'w:(ascii|hAnsi|eastAsia|cs)[Tt]heme="', styles)


def test_body_line_spacing_is_exact_and_indented_two_characters(report):
    normal = _style(Document(report), "Normal")
    spacing = normal.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    assert normal.find(f"{qn('w:pPr')}/{qn('w:ind')}").get(qn("w:firstLineChars")) == "200"
    title = _style(Document(report), "Title")
    assert title.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "center"


def test_odd_and_even_footers_carry_a_page_field(report):
    doc = Document(report)
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p._p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == align
        assert p.text == "— 1 —"
        assert " PAGE " in [t.text for t in p._p.iter(qn("w:instrText"))]


def test_template_is_reproducible_from_its_script():
    spec = importlib.util.spec_from_file_location(
        "make_word_template", ROOT / "scripts" / "make_word_template.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert build(module.BODY, module.ATTACHMENT, module.COMMENTS) == TEMPLATE.read_bytes()


def test_attachment_headers_wrap_evenly_and_no_column_stacks_one_character_a_line():
    """24 columns on a landscape page: no header takes more than a few lines, and a narrow figure
    column (应报数 "8") still holds two characters a line rather than one."""
    from county_report.report import HALF_CHAR_TWIPS, MIN_COLUMN, column_widths

    header = ["乡镇（街道）", "应报联系点数", "已报联系点数"] + [f"走访农户{i}（户）" for i in range(18)]
    header += ["协调帮扶资金（元）", "办结率", "现场解决占比"]
    rows = [header, ["城关镇", "8", "8"] + ["1105"] * 18 + ["648259.58", "72.1%", "36.3%"]]
    total = 12_700  # twips across a landscape A4 attachment
    widths = column_widths(rows, total)
    assert sum(widths) <= total
    half_chars = [w / HALF_CHAR_TWIPS for w in widths]
    assert min(half_chars) >= MIN_COLUMN  # 应报联系点数 is not a one-character ribbon
    assert half_chars[-3] >= len("648259.58") + 1  # a figure never wraps
    lines = [-(-(2 * len(h)) // int(w)) for h, w in zip(header, half_chars, strict=True)]
    assert max(lines) <= 4  # the header row is a few lines deep, not one column seven lines deep


def test_attachment_headers_take_two_lines_when_the_page_has_room():
    from county_report.report import HALF_CHAR_TWIPS, column_widths

    rows = [["乡镇（街道）", "走访农户（户）", "办结率"], ["城关镇", "1105", "72.1%"]]
    widths = column_widths(rows, 12_700)
    assert all(w / HALF_CHAR_TWIPS >= 2 * len(h) for h, w in zip(rows[0], widths, strict=True))
