"""tomltext: TOML as Notepad saves it, and tomllib's errors as a clerk reads them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from county_report.errors import ConfigError
from county_report.tomltext import read_toml

ROOT = Path(__file__).resolve().parents[1]
GOOD = '# 本县设置\n"县名" = "示例县"\n"活动名称" = "“大走访”，第二期"\n"期数" = 2\n'
PARSED = {"县名": "示例县", "活动名称": "“大走访”，第二期", "期数": 2}


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "settings.toml"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        GOOD.encode("utf-8"),
        codecs.BOM_UTF8 + GOOD.encode("utf-8"),  # older Notepad's “UTF-8”
        GOOD.replace("\n", "\r\n").encode("utf-8"),
        GOOD.encode("gbk"),  # Notepad's “ANSI” on a Chinese Windows
        GOOD.encode("gb18030"),
        GOOD.encode("utf-16"),  # Notepad's “Unicode”: UTF-16 with a BOM
    ],
    ids=["utf-8", "utf-8-bom", "crlf", "gbk", "gb18030", "utf-16"],
)
def test_every_encoding_notepad_writes_reads_the_same(tmp_path, data):
    assert read_toml(_write(tmp_path, data), "设置文件") == PARSED


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        read_toml(_write(tmp_path, text.encode("utf-8")), "设置文件")
    return str(caught.value)


def test_chinese_quotes_name_the_line_and_say_use_english_quotes(tmp_path):
    message = _error(tmp_path, '"县名" = "示例县"\n"活动名称" = “大走访”\n')
    assert message.startswith(f"设置文件 {tmp_path / 'settings.toml'} 第 2 行有误：等号右边的值写法不对。")
    assert '这一行是「"活动名称" = “大走访”」。' in message
    assert "中文引号" in message and "英文双引号" in message


def test_text_without_quotes(tmp_path):
    message = _error(tmp_path, '"县名" = 示例县\n')
    assert "第 1 行有误" in message and '文字两边要加英文双引号，例如 "县名" = "示例县"' in message


def test_a_chinese_name_without_quotes(tmp_path):
    message = _error(tmp_path, '# 说明\n县名 = "示例县"\n')
    assert "第 2 行有误：这一行无法识别。" in message and "中文的项目名称也要用英文双引号括起来" in message


def test_full_width_equals_sign(tmp_path):
    message = _error(tmp_path, '"县名" ＝ "示例县"\n')
    assert "第 1 行" in message and "英文半角符号" in message


def test_a_missing_closing_quote(tmp_path):
    message = _error(tmp_path, '"县名" = "示例县\n"活动名称" = "大走访"\n')
    assert "第 1 行有误：引号没有成对" in message and "开头和结尾各一个" in message


def test_the_same_key_twice(tmp_path):
    message = _error(tmp_path, '"县名" = "甲县"\n"活动名称" = "大走访"\n"县名" = "乙县"\n')
    assert "第 3 行有误：同一个项目写了两次。" in message


def test_an_error_at_the_end_of_the_file_names_the_last_line(tmp_path):
    message = _error(tmp_path, '"县名" = "示例县"\n"字段" = [1, 2')
    assert "第 2 行有误：方括号没有成对。" in message


def test_chinese_text_inside_english_quotes_is_not_blamed(tmp_path):
    # The error is the unquoted value; the “” and ， inside the first string are fine.
    message = _error(tmp_path, '"活动名称" = "“大走访”，二期" 多余\n')
    assert "中文引号" not in message and "英文半角" not in message
    assert "值后面多了内容" in message


def test_undecodable_bytes_say_save_as_utf8(tmp_path):
    with pytest.raises(ConfigError, match="另存为.*UTF-8"):
        read_toml(_write(tmp_path, b'"a" = "\xff\xfe\xfd\x80"\n'), "设置文件")


def test_a_missing_file_names_what_and_where(tmp_path):
    with pytest.raises(ConfigError, match="找不到活动定义文件："):
        read_toml(tmp_path / "form.toml", "活动定义文件")


def test_the_shipped_definition_reads_unchanged():
    import tomllib

    path = ROOT / "templates" / "form.toml"
    assert read_toml(path, "活动定义文件") == tomllib.loads(path.read_text(encoding="utf-8"))
