"""The report's wording rules (issue 10), each on a small hand-made county rendered through the
template generated from the definition: ties, equal shares, same-named units, scope, editing."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from builders import AS_OF, CAMPAIGN, ROSTER, submission
from docx import Document

from county_report.aggregate import aggregate
from county_report.cnformat import styled
from county_report.report import render_report
from county_report.report_facts import build_context
from county_report.report_layout import FALLBACKS
from county_report.report_template import generated_template
from county_report.roster import Roster

SETTINGS = SimpleNamespace(
    county="示例县",
    campaign="大走访",
    office="中共示例县委办公室",
    period="",
    report_title="示例县“大走访”活动工作总结",
)
DAY = date(2026, 11, 22)
TEMPLATE = generated_template(CAMPAIGN)


def render(tmp_path, subs, roster=ROSTER, template: bytes = TEMPLATE, system_fonts=False):
    agg = aggregate(subs, roster, CAMPAIGN, AS_OF)
    out = tmp_path / "report.docx"
    written, placeholders = render_report(
        build_context(agg, SETTINGS, DAY), tmp_path / "无此模板.docx", out, template, system_fonts
    )
    return Document(written), agg, placeholders


def text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def part(document, start: str, end: str) -> str:
    body = text(document)
    return body[body.index(start) + len(start) : body.index(end)]


def ledger(category: str, status: str = "办理中", deadline=date(2026, 12, 31)):
    return {"_row": 2, "seq": 1, "category": category, "description": "问题", "person": "", "unit": "",
            "deadline": deadline, "status": status, "result": ""}  # fmt: skip


def everyone(**metrics):
    return [submission(t, v, metrics) for t, v in ROSTER.units]


def test_ties_are_named_as_ties(tmp_path):
    subs = [
        submission("城关镇", "东风村", {"households": 50}),
        submission("河西乡", "柳树村", {"households": 50}),
        submission("山北镇", "石门村", {"households": 20}),
    ]
    doc, _, _ = render(tmp_path, subs)
    assert "走访农户居前的是城关镇、河西乡（并列，50户）、山北镇（20户）" in text(doc)


def test_equal_shares_are_not_called_concentrated(tmp_path):
    rows = [ledger("基础设施"), ledger("民生保障"), ledger("其他")]
    doc, agg, _ = render(tmp_path, [submission("城关镇", "东风村", {"problems": 3}, ledger=rows)])
    assert "相对集中" not in text(doc)
    uneven = [ledger("基础设施")] * 5 + [ledger("民生保障"), ledger("其他")]
    doc, _, _ = render(tmp_path, [submission("城关镇", "东风村", {"problems": 7}, ledger=uneven)])
    assert "问题类别相对集中。台账登记的7个问题中，基础设施类5个、占71.4%" in text(doc)


def test_same_named_units_carry_their_group(tmp_path):
    roster = Roster(("城关镇", "河西乡"), (("城关镇", "春晖社区"), ("河西乡", "春晖社区")))
    story = {"seq": 1, "title": "小事不出社区", "content": "设立说事室。"}
    subs = [submission("河西乡", "春晖社区", highlights=[story])]
    doc, _, _ = render(tmp_path, subs, roster)
    assert "河西乡春晖社区“小事不出社区”" in text(doc)


@pytest.mark.parametrize(
    ("typed", "quoted"),
    [
        ('群众说："路通了。"', "群众说：“路通了。”"),  # ends inside the quotes; straight ones made Chinese
        ('实行"清单交办"制度', "实行“清单交办”制度。"),
        ('群众说："路通了', '群众说："路通了。'),  # an odd quote is left as typed, not guessed
        ("群众说：“路通了！”", "群众说：“路通了！”"),
        ("受益儿童30余名（含留守儿童）", "受益儿童30余名（含留守儿童）。"),
        ("修复通组公路", "修复通组公路。"),
    ],
)
def test_a_quoted_highlight_gets_a_full_stop_only_when_its_sentence_lacks_one(tmp_path, typed, quoted):
    story = {"seq": 1, "title": "通组公路修好了", "content": typed}
    doc, _, _ = render(tmp_path, [submission("城关镇", "东风村", highlights=[story])])
    [line] = [p for p in text(doc).splitlines() if "“通组公路修好了”" in p]
    assert line.endswith("：" + quoted)


def test_figures_speak_for_the_units_that_reported_until_all_have(tmp_path):
    doc, _, _ = render(tmp_path, [submission("城关镇", "东风村", {"households": 7})])
    assert "已报送的1个村（社区）共组织干部" in text(doc)
    assert "全县共" not in text(doc) and "尚未报送" not in text(doc)
    doc, _, _ = render(tmp_path, everyone(households=7))
    assert "全县共组织干部" in text(doc) and "各村（社区）均已报送活动情况" in text(doc)


def test_lagging_needs_the_definitions_gap(tmp_path):
    near = [submission("城关镇", "东风村", {"problems": 100, "solved": 80}),
            submission("河西乡", "柳树村", {"problems": 100, "solved": 77})]  # fmt: skip
    doc, _, _ = render(tmp_path, near)  # 77% vs 78.5%: 1.5 points, under the 5-point rule
    assert "偏低" not in text(doc)
    far = [submission("城关镇", "东风村", {"problems": 100, "solved": 90}),
           submission("河西乡", "柳树村", {"problems": 100, "solved": 60})]  # fmt: skip
    doc, _, _ = render(tmp_path, far)
    assert "河西乡（60.0%）的办结率低于全县平均水平（75.0%）5个百分点以上" in text(doc)


def test_nothing_worth_stating_is_said_in_one_sentence(tmp_path):
    doc, _, _ = render(tmp_path, everyone(problems=2, solved=2))
    issues = part(doc, "三、存在问题", "四、下一步打算").strip()
    assert issues.count("\n") == 0 and issues.startswith("全县“大走访”活动总体进展顺利")


def test_placeholders_are_highlighted_and_counted(tmp_path):
    doc, _, placeholders = render(tmp_path, everyone())
    marked = [r for p in doc.paragraphs for r in p.runs if r.text.startswith("【请补充：")]
    assert placeholders == len(marked) == 4 and all(r.font.highlight_color == 7 for r in marked)


def test_a_reworded_sentence_in_word_reaches_the_report(tmp_path):
    edited = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(TEMPLATE)) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                assert "居前的是".encode() in data
                data = data.replace("居前的是".encode(), "名列前茅的有".encode())
            dst.writestr(item, data)
    doc, _, _ = render(tmp_path, everyone(households=3), template=edited.getvalue())
    assert "走访农户名列前茅的有" in text(doc) and "居前的是" not in text(doc)


def test_every_number_in_the_generated_report_is_a_workbook_figure_in_its_style(tmp_path):
    subs = [
        submission("城关镇", "东风村", {"households": 12345, "relief": 250000.5, "problems": 9, "solved": 7}),
        submission("河西乡", "柳树村", {"households": 3000, "relief": 1000, "problems": 4, "solved": 1}),
    ]
    doc, agg, _ = render(tmp_path, subs)
    cells = {styled(agg.body[m.key], m.style, m.unit) for m in CAMPAIGN.figures}
    cells |= {styled(v, m.style, m.unit) for m in CAMPAIGN.figures for v in agg.groups[m.key]}
    cells |= {styled(agg.body[r.key], r.style) for r in CAMPAIGN.rates}
    cells |= {styled(v, r.style) for r in CAMPAIGN.rates for v in agg.groups[r.key]}
    cells |= {str(int(agg.body[k])) for k in ("_expected", "_reported")}  # 已报送的2个村（社区）
    body = (
        part(doc, "二、取得成效", "（五）典型引路示范")
        if "（五）" in text(doc)
        else part(doc, "二、取得成效", "三、")
    )
    for number in re.findall(r"\d[\d.]*(?:万|亿)?[^\d\s、，。；（）()]*", body):
        assert any(c.startswith(number) or number.startswith(c) for c in cells), number


def test_official_fonts_fall_back_to_stock_windows_families(tmp_path):
    doc, _, _ = render(tmp_path, everyone())
    with zipfile.ZipFile(tmp_path / "report.docx") as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
    for official, stock in FALLBACKS.items():
        entry = re.search(rf'<w:font w:name="{official}">(.*?)</w:font>', fonts, re.S)
        assert entry and '<w:charset w:val="86"/>' in entry.group(1), official
        if stock != official:
            assert f'<w:altName w:val="{stock}"/>' in entry.group(1)


def test_the_system_fonts_setting_writes_stock_families(tmp_path):
    render(tmp_path, everyone(), system_fonts=True)
    with zipfile.ZipFile(tmp_path / "report.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert "仿宋_GB2312" not in styles and 'w:eastAsia="仿宋"' in styles and "方正小标宋简体" not in styles


@pytest.mark.parametrize("all_in", [True, False])
def test_the_status_note_lists_who_is_missing_and_says_no_action(tmp_path, all_in):
    from county_report.status_note import write_status_note

    subs = everyone() if all_in else [submission("城关镇", "东风村")]
    agg = aggregate(subs, ROSTER, CAMPAIGN, AS_OF)
    note = Document(write_status_note(agg, [], {}, SETTINGS, tmp_path / "说明.docx"))
    said = text(note)
    assert "内部参考" in said and "退回" not in said
    if all_in:
        assert "各村（社区）均已报送" in said
    else:
        assert "城关镇（1个）：南街社区。" in said and "河西乡（2个）：柳树村、杨家村。" in said


def test_every_variable_and_filter_is_documented_in_the_readme(tmp_path):
    from county_report.cnformat import FILTERS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### 模板中可用的变量") : readme.index("### 可用的写法（过滤器）")]
    filters = readme[readme.index("### 可用的写法（过滤器）") :]
    context = build_context(aggregate(everyone(), ROSTER, CAMPAIGN, AS_OF), SETTINGS, DAY)
    labels = {m.label for m in CAMPAIGN.figures} | {r.label for r in CAMPAIGN.rates}
    undocumented = [k for k in context if k not in labels and f"`{k}`" not in section]
    assert undocumented == []
    assert [f for f in FILTERS if f"`{f}`" not in filters] == []


def test_the_status_note_is_an_official_document_naming_who_has_not_reported(tmp_path):
    """报送情况说明: the 公文 styles, page numbers and font fallbacks, and the villages still missing."""
    from county_report.status_note import write_status_note

    agg = aggregate([submission(t, v, {}) for t, v in ROSTER.units[:3]], ROSTER, CAMPAIGN, AS_OF)
    path = write_status_note(agg, [], {}, SETTINGS, tmp_path / "说明.docx")
    document = Document(path)
    assert document.paragraphs[0].text == "示例县“大走访”活动报送情况说明"
    assert document.paragraphs[0].style.style_id == "Title"
    assert "河西乡（1个）：杨家村。" in text(document) and "山北镇（1个）：石门村。" in text(document)
    with zipfile.ZipFile(path) as package:
        footers = [package.read(n).decode() for n in package.namelist() if n.startswith("word/footer")]
        fonts = package.read("word/fontTable.xml").decode()
    assert len(footers) == 2 and all(" PAGE " in f for f in footers)
    assert '<w:altName w:val="仿宋"/>' in fonts


def test_a_definition_with_more_than_ten_sections_numbers_them_all(tmp_path):
    """Fifteen `section`s in 二、取得成效 are numbered （一） to （十五）; the template used to stop at 十."""
    from county_report.definition import load_campaign

    form = (Path(__file__).resolve().parents[1] / "templates" / "form.toml").read_text(encoding="utf-8")
    numbers = iter(range(1, 100))
    form = re.sub(r'section = "[^"]+"', lambda _: f'section = "成效{next(numbers)}"', form)
    (tmp_path / "form.toml").write_text(form, encoding="utf-8")
    body = text(Document(io.BytesIO(generated_template(load_campaign(tmp_path / "form.toml")))))
    assert "（十）成效10。" in body and "（十一）成效11。" in body and "（十五）成效15。" in body
