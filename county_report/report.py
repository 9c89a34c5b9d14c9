"""The four-part 总结 report: the run's facts as Chinese-named variables, rendered into the Word template.

The context (every fact, computed from the data) is built in report_facts; this module renders
it in a sandbox and fixes up the result: signature indents, table column widths, the 【请补充】
placeholders highlighted, the official fonts' fallbacks declared (or the system fonts written,
when the settings ask). It needs no pandas, so the process that only renders starts light.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError

from .atomic import atomic_write
from .cnformat import FILTERS, StyleError
from .errors import ConfigError, TemplateVariableError
from .report_layout import FALLBACKS, declare_fallbacks
from .sandbox import CappedEnvironment, TemplateLimit, capped_environment

SIGNATURE_STYLE, DATE_STYLE = "Signature", "SignatureDate"  # style ids set by make_word_template.py
BODY_CHAR_TWIPS = 320  # one 3号 (16 pt) character
HALF_CHAR_TWIPS = 90 + 6  # a digit of the 9 pt table text, plus its share of the cell margins
MIN_COLUMN = 5  # half-characters: two Chinese characters a line at least
MAX_HEADER_LINES = 6


def report_environment() -> CappedEnvironment:
    """Sandboxed and bounded (sandbox.py), autoescaping (a village's `&` or `<` would otherwise
    break the XML), strict about undefined variables."""
    return capped_environment(FILTERS, autoescape=True, undefined=StrictUndefined)


def render_report(
    context: dict[str, Any],
    template_path: Path,
    out_path: Path,
    generated: bytes = b"",
    system_fonts: bool = False,
    run_id: str = "",
) -> tuple[Path, int]:
    """Render the template with `context`, write the .docx atomically; return the path written and
    how many 【请补充】 placeholders it still holds.

    `generated`: the template made from the definition, used when `template_path` does not exist.
    Every failure of the template is a ConfigError in Chinese naming the template. The run calls
    this in a child process under a wall-clock limit (sidecar.py); its failure messages are
    `render_failure` below.
    A target open in Word gets a fresh name (…(1).docx), as atomic_write does for every output.
    `run_id`: written into the document's properties (标识符), tracing every figure to the run's
    record in the database and so to the files behind it.
    """
    template_path, out_path = Path(template_path), Path(out_path)
    if not template_path.is_file() and not generated:
        raise ConfigError(f"找不到工作总结模板：{template_path}")
    name = template_path.name
    try:
        template = DocxTemplate(template_path if template_path.is_file() else io.BytesIO(generated))
        env = report_environment()
        missing = template.get_undeclared_template_variables(jinja_env=env, context=context)
        if missing:
            raise TemplateVariableError(f"{missing_variables_message(missing, context)}（模板 {name}）")
        template.render(context, jinja_env=env, autoescape=True)
    except ConfigError:
        raise
    except UndefinedError as exc:
        raise TemplateVariableError(
            f"工作总结模板 {name} 中{_in_chinese(exc.message)}，请检查模板拼写。"
        ) from None
    except TemplateSyntaxError as exc:
        raise ConfigError(
            f"工作总结模板 {name} 中的标记有误：{_in_chinese(exc.message)}。"
            "请检查 {{ }} 和 {% %} 是否成对、完整。"
        ) from None
    except TemplateLimit as exc:
        raise ConfigError(
            f"工作总结模板 {name} 超出了允许的范围：{exc}。请检查模板中的循环和计算。"
        ) from None
    except StyleError as exc:
        raise ConfigError(f"工作总结模板 {name} 中的数字写法有误：{exc}") from None
    except (TemplateError, RecursionError, MemoryError, OverflowError, ArithmeticError) as exc:
        raise ConfigError(f"工作总结模板 {name} 无法生成：{_in_chinese(str(exc))}。") from None
    except Exception as exc:  # noqa: BLE001 - a template is the county's data: any failure is said in Chinese
        raise ConfigError(
            f"工作总结模板 {name} 无法生成（{_in_chinese(f'{type(exc).__name__}: {exc}')}）。"
        ) from None
    document = template.docx
    fit_table_columns(document)
    place_signature(document)
    remaining = highlight_placeholders(document)
    declare_fallbacks(document)
    if system_fonts:
        use_system_fonts(document)
    if run_id:
        document.core_properties.identifier = run_id
    return atomic_write(out_path, document.save), remaining


def render_failure(kind: str, seconds: float, args: tuple) -> ConfigError:
    """What the clerk reads when the child rendering the report is stopped (sidecar.py)."""
    name = Path(args[1]).name if len(args) > 1 else "工作总结模板"
    if kind == "timeout":
        return ConfigError(
            f"工作总结模板 {name} 在 {seconds:.0f} 秒内没有生成完，已停止。请检查模板中的循环"
            "（如 {%p for %}）是否套得太多，或运行 python scripts/make_word_template.py 重新生成原始模板。"
        )
    return ConfigError(
        f"生成工作总结的进程异常退出（模板 {name} 中的循环或文字可能过多，耗尽了内存）。"
        "请检查模板，或运行 python scripts/make_word_template.py 重新生成原始模板。"
    )


_JINJA_MESSAGES = (
    (r".*has no attribute '([^']*)'", r"「\1」不是可用的字段名"),
    (r"'([^']*)' is undefined", r"变量「\1」没有对应的数据"),
    (r"unexpected end of template.*", "循环或条件没有结束标记（{% endfor %} 或 {% endif %}）"),
    (r"Expected an expression.*", "{{ }} 里缺少变量名"),
    (r"Encountered unknown tag '([^']*)'.*", r"不认识的标记「\1」"),
    (r"unexpected '([^']*)'", r"多了一个「\1」"),
)


def _in_chinese(message: str | None) -> str:
    """Jinja's common English messages said in Chinese; others kept, marked as technical detail."""
    text = (message or "").strip()
    for pattern, chinese in _JINJA_MESSAGES:
        if re.fullmatch(pattern, text, flags=re.S):
            return re.sub(pattern, chinese, text, flags=re.S)
    return f"（技术信息：{text}）"


def missing_variables_message(missing: set[str], context: dict[str, Any]) -> str:
    """「模板中的变量「走访农戶」没有对应的数据……」, with the closest known name when there is one."""
    names = "".join(f"「{name}」" for name in sorted(missing))
    guesses = [g for name in sorted(missing) for g in difflib.get_close_matches(name, list(context), 1, 0.5)]
    hint = f"（是否应为{''.join(f'「{g}」' for g in guesses)}？）" if guesses else ""
    available = "、".join(context)
    return f"模板中的变量{names}没有对应的数据{hint}，请检查模板拼写（可用变量：{available}）"


def place_signature(document) -> None:
    """GB/T 9704 7.3.5.2: the office 2 characters in from the right, the date below starting 2 right of it."""
    found = {p.style.style_id: p for p in document.paragraphs if p.style is not None}
    office, dated = found.get(SIGNATURE_STYLE), found.get(DATE_STYLE)
    if office is None or dated is None:
        return
    office_w, date_w = _text_width(office.text) / 2, _text_width(dated.text) / 2
    date_right = max(2.0, office_w - date_w)
    office_right = max(2.0, date_w + date_right + 2 - office_w)
    for paragraph, chars in ((office, office_right), (dated, date_right)):
        ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:rightChars"), str(round(chars * 100)))
        ind.set(qn("w:right"), str(round(chars * BODY_CHAR_TWIPS)))


def _text_width(text: str) -> int:
    """Width in half-characters: a Chinese character counts two, a digit or letter one."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def fit_table_columns(document) -> None:
    """Give each column of a full-width table room for its longest figure; headers may wrap."""
    body = document.element.body
    for section, table in zip(_sections_of_tables(document), body.iter(qn("w:tbl")), strict=False):
        rows = [[cell for cell in tr.iter(qn("w:tc"))] for tr in table.iter(qn("w:tr"))]
        if not rows:
            continue
        texts = [["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in row] for row in rows]
        total = int(section.page_width - section.left_margin - section.right_margin) // 635  # EMU→twips
        _apply_widths(table, rows, column_widths(texts, total))


def column_widths(texts: list[list[str]], total: int) -> list[int]:
    """Figures never wrap (their width is a floor). Headers wrap onto as few lines as the page
    allows, the same number for every column, so the header row is even and no narrow column
    stacks its header one character a line; what is left is shared in proportion."""
    columns = max(len(r) for r in texts)
    data = [1 + max((_text_width(r[c]) for r in texts[1:] if c < len(r)), default=0) for c in range(columns)]
    heads = [_text_width(t) for t in texts[0]] + [0] * (columns - len(texts[0]))
    room = total / HALF_CHAR_TWIPS  # the table's width in half-characters
    basis = data  # nothing fits: figures keep their proportions
    for lines in range(1, MAX_HEADER_LINES + 1):
        wish = [max(d, MIN_COLUMN, 2 * -(-h // (2 * lines)) + 1) for d, h in zip(data, heads, strict=True)]
        if sum(wish) <= room:
            basis = wish
            break
    return [int(total * w // sum(basis)) for w in basis]


def _sections_of_tables(document):
    """The section each body table stands in (the attachment's, normally the last)."""
    sections = list(document.sections)
    body = document.element.body
    index, found = 0, []
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            found.append(sections[min(index, len(sections) - 1)])
        elif child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            index += 1
    return found


def _apply_widths(table, rows, widths: list[int]) -> None:
    grid = table.find(qn("w:tblGrid"))
    for col in list(grid):
        grid.remove(col)
    for w in widths:
        grid.append(grid.makeelement(qn("w:gridCol"), {qn("w:w"): str(w)}))
    for row in rows:
        for tc, w in zip(row, widths, strict=False):
            tc_w = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            if tc_w is not None:
                tc_w.set(qn("w:w"), str(w))
                tc_w.set(qn("w:type"), "dxa")


PLACEHOLDER_START, PLACEHOLDER_END = "【请补充：", "】"


def highlight_placeholders(document) -> int:
    """Give every 【请补充：…】 its own yellow-highlighted run; return how many there are."""
    count = 0
    for paragraph in _all_paragraphs(document):
        for run in list(paragraph.runs):
            text = run.text
            if PLACEHOLDER_START not in text:
                continue
            pieces = re.split(f"({re.escape(PLACEHOLDER_START)}.*?{re.escape(PLACEHOLDER_END)})", text)
            run.text = pieces[0]
            anchor = run._r
            for piece in pieces[1:]:
                if not piece:
                    continue
                new = copy.deepcopy(run._r)
                for t in new.findall(qn("w:t")):
                    new.remove(t)
                anchor.addnext(new)
                anchor = new
                added = type(run)(new, paragraph)
                added.text = piece
                if piece.startswith(PLACEHOLDER_START):
                    added.font.highlight_color = 7  # WD_COLOR_INDEX.YELLOW
                    count += 1
    return count


def _all_paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def use_system_fonts(document) -> None:
    """Write the stock Windows fonts (仿宋, 楷体, 宋体) instead of the official ones, for offices
    whose PCs lack 仿宋_GB2312 and friends (设置：字体 = 系统字体)."""
    for element in (document.styles.element, document.element):
        for fonts in element.iter(qn("w:rFonts")):
            for attr, value in list(fonts.attrib.items()):
                if value in FALLBACKS:
                    fonts.set(attr, FALLBACKS[value])
