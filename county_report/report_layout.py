"""The Word template's layout per GB/T 9704-2012: styles, page, page numbers, the 附件 table.

Every layout property is set here, in the styles and sections, so a template is reproducible byte
for byte. The shipped hand-tuned template (scripts/make_word_template.py) and the template
generated from any definition (report_template.py) are both built with it.
"""

from __future__ import annotations

import io
import zipfile
from copy import deepcopy
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips
from lxml import etree

FIXED_TIME = datetime(2026, 1, 1)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

FANGSONG, KAITI, HEITI, XBS, SONGTI = "仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"
LINE = 579  # 28.95 pt exact: 22 lines in the 225 mm type area (29 pt would give 21)
A4 = (11906, 16838)
MARGINS = {"top": 2098, "bottom": 1984, "left": 1587, "right": 1474}  # 37/35/28/26 mm
FOOTER_DISTANCE = 1247  # 22 mm: the number's line sits about 7 mm below the type area
TABLE_PT = 9  # 小五: nineteen columns must fit the landscape attachment
TABLE_LINE = 280  # 14 pt exact: table rows with air around 9 pt figures

# Paragraph and character styles: id → (name, font, size pt, paragraph properties).
# `chars` is a first-line indent in hundredths of a character (200 = two characters).
STYLES: dict[str, tuple[str, str, int, dict[str, Any]]] = {
    "Normal": ("Normal", FANGSONG, 16, dict(chars=200, jc="both")),
    "Title": ("Title", XBS, 22, dict(chars=0, jc="center")),
    "Heading1": ("heading 1", HEITI, 16, dict(chars=200, jc="both", outline=0, keep=True)),
    "Heading2": ("heading 2", KAITI, 16, dict(chars=200, jc="both", outline=1, keep=True)),
    "Heading3": ("heading 3", FANGSONG, 16, dict(chars=200, jc="both", outline=2, keep=True)),
    "Footer": ("footer", SONGTI, 14, dict(chars=0, line=None)),
    "Attachment": ("附件标识", HEITI, 16, dict(chars=0, jc="left")),
    "Subtitle": ("Subtitle", KAITI, 16, dict(chars=0, jc="center")),
    "Signature": ("落款", FANGSONG, 16, dict(chars=0, jc="right", right_chars=200)),
    "SignatureDate": ("成文日期", FANGSONG, 16, dict(chars=0, jc="right", right_chars=400)),
    "TableText": ("表格文字", FANGSONG, TABLE_PT, dict(chars=0, jc="center", line=TABLE_LINE)),
}
CHAR_STYLES = {"Heading2Char": ("小标题字符", KAITI, 16)}

# Official fonts and, for a PC that lacks them, the stock Windows family each falls back to
# (w:altName in the font table; charset 86 = GB2312).
FALLBACKS = {FANGSONG: "仿宋", KAITI: "楷体", XBS: "宋体", HEITI: "黑体", SONGTI: "宋体"}

# The attachment table: tc loops make one column per header, so a metric added to the definition shows up.
TABLE_ROWS = [
    ("{%tc for 列 in 附件表头 %}", "{{ 列 }}", "{%tc endfor %}"),
    ("{%tr for 行 in 附件表 %}", "", ""),
    ("{%tc for 值 in 行 %}", "{{ 值 }}", "{%tc endfor %}"),
    ("{%tr endfor %}", "", ""),
]


def rfonts(font: str) -> str:
    """East Asian and Latin font set explicitly, with no theme attribute to override it."""
    return (
        f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}" w:hint="eastAsia"/>'
    )


def rpr_xml(font: str, size_pt: float) -> str:
    half = int(size_pt * 2)
    return (
        f'<w:rPr {nsdecls("w")}>{rfonts(font)}<w:b w:val="0"/><w:bCs w:val="0"/><w:i w:val="0"/>'
        f'<w:color w:val="000000"/><w:kern w:val="0"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        f'<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
    )


def ppr_xml(size_pt: float, chars=200, jc="both", outline=None, keep=False, line=LINE, right_chars=0) -> str:
    first = int(size_pt * 20 * chars / 100)
    right = int(size_pt * 20 * right_chars / 100)
    spacing = (
        f'<w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/>'
        if line
        else ('<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>')
    )
    ind = (
        f'<w:ind w:left="0" w:leftChars="0" w:right="{right}" w:rightChars="{right_chars}" '
        f'w:firstLine="{first}" w:firstLineChars="{chars}"/>'
    )
    keep_next = "<w:keepNext/>" if keep else ""
    level = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
    return (
        f'<w:pPr {nsdecls("w")}>{keep_next}<w:widowControl w:val="0"/>'
        f'{spacing}{ind}<w:jc w:val="{jc}"/>{level}</w:pPr>'
    )


def style_element(doc, style_id: str, name: str, kind: str):
    """The w:style with this id, created if the default template lacks it, emptied of formatting."""
    styles = doc.styles.element
    found = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
    if found is None:
        found = parse_xml(
            f'<w:style {nsdecls("w")} w:type="{kind}" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/><w:qFormat/></w:style>'
        )
        styles.append(found)
    for tag in ("w:pPr", "w:rPr"):
        for old in found.findall(qn(tag)):
            found.remove(old)
    return found


def set_styles(doc) -> None:
    """Docdefaults, paragraph and character styles: the layout lives here, not in direct formatting."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    defaults.find(qn("w:rPrDefault")).clear()
    defaults.find(qn("w:rPrDefault")).append(parse_xml(rpr_xml(FANGSONG, 16)))
    defaults.find(qn("w:pPrDefault")).clear()
    defaults.find(qn("w:pPrDefault")).append(parse_xml(ppr_xml(16, chars=0)))
    for style_id, (name, font, size, para) in STYLES.items():
        element = style_element(doc, style_id, name, "paragraph")
        element.append(parse_xml(ppr_xml(size, **para)))
        element.append(parse_xml(rpr_xml(font, size)))
    for style_id, (name, font, size) in CHAR_STYLES.items():
        style_element(doc, style_id, name, "character").append(parse_xml(rpr_xml(font, size)))
    for fonts in styles.iter(qn("w:rFonts")):  # no theme font may override an explicit one
        for attr in [a for a in fonts.attrib if a.endswith("Theme") or a.endswith("theme")]:
            del fonts.attrib[attr]


def add_paragraph(doc, style: str, *texts: str):
    """A paragraph in `style`; with two texts the first is a （一） heading run in 楷体."""
    paragraph = doc.add_paragraph()
    paragraph.style = style_by_id(doc, style)
    if len(texts) == 2:
        paragraph.add_run(texts[0]).style = style_by_id(doc, "Heading2Char")
    if texts[-1]:
        paragraph.add_run(texts[-1])
    return paragraph


def style_by_id(doc, style_id: str):
    return next(s for s in doc.styles if s.style_id == style_id)


def page_number_footer(doc, footer, align: str, indent: str) -> None:
    """`— 1 —` with a PAGE field, one character in from the right (odd) or left (even) edge."""
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = style_by_id(doc, "Footer")
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:ind {nsdecls("w")} w:{indent}="280" w:{indent}Chars="100"/>'))
    p_pr.append(parse_xml(f'<w:jc {nsdecls("w")} w:val="{align}"/>'))
    runs = [
        '<w:r><w:t xml:space="preserve">— </w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r><w:t>1</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:r><w:t xml:space="preserve"> —</w:t></w:r>',
    ]
    for run in runs:
        paragraph._p.append(parse_xml(run.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))


def set_page(section, landscape: bool = False) -> None:
    """A4 with the standard margins; the landscape attachment turns the same sheet on its side."""
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Twips(height), Twips(width)) if landscape else (Twips(width), Twips(height))
    )
    m = MARGINS
    # Turned on its side, the sheet keeps its binding edge: the wide margins go to the top and left.
    top, bottom, left, right = (
        (m["left"], m["right"], m["top"], m["bottom"])
        if landscape
        else (m["top"], m["bottom"], m["left"], m["right"])
    )
    section.top_margin, section.bottom_margin = Twips(top), Twips(bottom)
    section.left_margin, section.right_margin = Twips(left), Twips(right)
    section.footer_distance, section.header_distance = Twips(FOOTER_DISTANCE), Twips(851)
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.attrib.clear()
    grid.set(qn("w:linePitch"), str(LINE))  # no grid type: exact spacing alone sets the 22 lines


def add_table(doc) -> None:
    table = doc.add_table(rows=len(TABLE_ROWS), cols=3)
    table.style = next(s for s in doc.styles if s.style_id == "TableGrid")
    tbl_pr = table._tbl.tblPr
    tbl_pr.remove(tbl_pr.find(qn("w:tblW")))
    tbl_pr.find(qn("w:tblStyle")).addnext(parse_xml(f'<w:tblW {nsdecls("w")} w:w="5000" w:type="pct"/>'))
    look = tbl_pr.find(qn("w:tblLook"))  # schema order: tblW, jc, …, tblCellMar, tblLook
    look.addprevious(parse_xml(f'<w:jc {nsdecls("w")} w:val="center"/>'))
    look.addprevious(
        parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:left w:w="28" w:type="dxa"/>'
            '<w:right w:w="28" w:type="dxa"/></w:tblCellMar>'
        )
    )
    width = Twips((A4[1] - MARGINS["top"] - MARGINS["bottom"]) // 3)
    for column in table.columns:
        column.width = width
    for row, texts in zip(table.rows, TABLE_ROWS, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = style_by_id(doc, "TableText")
            if text:
                paragraph.add_run(text)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def official_document(paragraphs):
    """A python-docx Document of `paragraphs`, (style id, text) or (style id, 楷体 heading, text)
    tuples, in the GB/T 9704 styles on an A4 page numbered on odd and even pages."""
    doc = Document()
    set_styles(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    for style, *texts in paragraphs:
        add_paragraph(doc, style, *texts)
    section = doc.sections[0]
    set_page(section)
    page_number_footer(doc, section.footer, "right", "right")
    page_number_footer(doc, section.even_page_footer, "left", "left")
    return doc


def build(body, attachment, comments: str) -> bytes:
    """A template from its paragraphs: `body` and `attachment` are (style id, text) or
    (style id, 楷体 heading, text) tuples; the 附件 table follows the attachment's paragraphs."""
    doc = official_document(body)
    for paragraph in doc.paragraphs[-6:-1]:  # the signature never stands on a page without body text
        paragraph.paragraph_format.keep_with_next = True
    last_body = doc.paragraphs[-1]._p
    doc.add_section(WD_SECTION.NEW_PAGE)
    holder = doc.paragraphs[-1]._p  # python-docx parks the first section's sectPr in a new paragraph
    last_body.get_or_add_pPr().append(deepcopy(holder.get_or_add_pPr().find(qn("w:sectPr"))))
    holder.getparent().remove(holder)
    set_page(doc.sections[-1], landscape=True)
    for style, text in attachment:
        add_paragraph(doc, style, text)
    add_table(doc)
    set_core_properties(doc, comments)
    declare_fallbacks(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalized_zip(buffer.getvalue())


def declare_fallbacks(doc) -> None:
    """Give every official font an entry in the font table naming its stock Windows family
    (w:altName), its charset and family, so a PC without 仿宋_GB2312 shows 仿宋, not a Latin font."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    part = doc.part.part_related_by(RT.FONT_TABLE)
    element = parse_xml(part.blob)
    fallback_fonts(element)
    part._blob = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def fallback_fonts(font_table) -> None:
    """Add or complete a w:font entry for each official font in a w:fonts element."""
    for official, stock in FALLBACKS.items():
        font = font_table.find(f"{qn('w:font')}[@{qn('w:name')}='{official}']")
        if font is None:
            font = parse_xml(f'<w:font {nsdecls("w")} w:name="{official}"/>')
            font_table.append(font)
        for tag in ("w:altName", "w:charset", "w:family", "w:pitch"):
            for old in font.findall(qn(tag)):
                font.remove(old)
        if stock != official:
            font.append(parse_xml(f'<w:altName {nsdecls("w")} w:val="{stock}"/>'))
        font.append(parse_xml(f'<w:charset {nsdecls("w")} w:val="86"/>'))
        font.append(
            parse_xml(f'<w:family {nsdecls("w")} w:val="{"swiss" if official == HEITI else "modern"}"/>')
        )
        font.append(parse_xml(f'<w:pitch {nsdecls("w")} w:val="variable"/>'))


def set_core_properties(doc, comments: str) -> None:
    props = doc.core_properties
    props.title = "工作总结模板"
    props.author = props.last_modified_by = "报表助手"
    props.comments = comments
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    package_rels = doc.part.package.rels  # drop python-docx's stock preview picture of another document
    for r_id in [r for r, rel in package_rels.items() if rel.reltype.endswith("/thumbnail")]:
        package_rels.pop(r_id)


def normalized_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps, so rerunning the script changes no byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
