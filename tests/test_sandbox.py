"""The Word template cannot exhaust the machine: every render is bounded, in Chinese (issue 16, case 8)."""

from __future__ import annotations

import pytest

from county_report.errors import ConfigError
from county_report.report import render_report, report_environment
from county_report.safename import safe_file_name, safe_output_name
from county_report.sandbox import MAX_LOOP_ITERATIONS, TemplateLimit


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}",
            "循环次数超过",
        ),
        ("{{ range(10**9)|length }}", "参数 1000000000 过大"),
        ("{{ range(200000)|length }}", "range() 的范围超过"),
        ("{{ 'x' * 10**9 }}", "重复生成的内容超过"),
        ("{{ 2 ** 100000000 }}", "乘方的指数"),
        ("{{ '%100000000s' % 'x' }}", "格式中的宽度过大"),
        ("{{ '{:>100000000}'.format(1) }}", "格式中的宽度过大"),
        ("{{ 'x'|center(10**9) }}", "参数 1000000000 过大"),
        (
            "{% set s = namespace(v='xxxxxxxxxx') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}",
            "拼接的文字超过",
        ),
        (
            "{% set s = namespace(v='xxxxxxxxxx') %}{% for i in range(40) %}{% set s.v = s.v + s.v %}{% endfor %}",
            "拼接的内容超过",
        ),
        ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "生成的内容超过"),
    ],
)
def test_a_runaway_template_stops_with_a_chinese_reason(source, words):
    with pytest.raises(TemplateLimit) as caught:
        report_environment().from_string(source).render()
    assert words in str(caught.value)


def test_the_loop_budget_counts_every_loop_of_one_render():
    env = report_environment()
    fits = "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"
    env.from_string(fits).render()  # 1,001,000 iterations
    assert MAX_LOOP_ITERATIONS < 2 * 1_001_000
    with pytest.raises(TemplateLimit):
        env.from_string(fits).render()  # the same environment: one render of two parts


def test_loops_keep_their_meaning_under_the_budget():
    env = report_environment()
    source = (
        "{% for x in xs %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% else %}无{% endfor %}"
    )
    assert env.from_string(source).render(xs=["a", "b"]) == "1a,2b"
    assert env.from_string(source).render(xs=[]) == "无"
    assert env.from_string("{{ 'a' ~ x ~ 1 }}").render(x="<b>") == "a&lt;b&gt;1"


def test_the_clerk_reads_which_template_went_too_far(tmp_path):
    from docx import Document

    runaway = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"
    document = Document()
    document.add_paragraph(runaway)
    document.save(tmp_path / "模板.docx")
    with pytest.raises(ConfigError) as caught:
        render_report({}, tmp_path / "模板.docx", tmp_path / "out.docx")
    assert str(caught.value).startswith("工作总结模板 模板.docx 超出了允许的范围：循环次数超过")
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("示例县“大走访”活动工作总结", "示例县“大走访”活动工作总结"),
        ("../../x“大走访”活动工作总结", "_.._x“大走访”活动工作总结"),
        ("/etc/passwd", "_etc_passwd"),
        ("C:\\Windows\\x", "C__Windows_x"),
        ("..", "未命名"),
        ("CON", "未命名"),
        ("村\x07\x1b名", "村__名"),
        ("县" * 200, "县" * 60),
    ],
)
def test_a_file_name_from_settings_or_data_stays_in_its_folder(text, name):
    assert safe_file_name(text) == name
    assert "/" not in name and "\\" not in name and name not in ("", ".", "..")


def test_a_prefilled_form_name_from_roster_data_is_safe():
    from county_report.forms import prefilled_name

    assert prefilled_name("城关镇", "东风村") == "城关镇-东风村.xlsx"
    assert prefilled_name("..", "../..") == "-.._.xlsx"
    assert prefilled_name("a/b", "..\\c") == "a_b-.._c.xlsx"
    assert prefilled_name("城关镇", "东\x07风村") == "城关镇-东_风村.xlsx"


def test_an_output_name_keeps_its_extension():
    assert safe_output_name("../../x“大走访”报送情况说明.docx") == "_.._x“大走访”报送情况说明.docx"
    assert safe_output_name("上报表_../县_2026-11-20.xlsx") == "上报表_.._县_2026-11-20.xlsx"
    assert safe_output_name("县" * 100 + ".docx").endswith(".docx")
