"""An administrator's TOML file as text and values, with every problem said in Chinese at its line.

Notepad on older Windows saves UTF-8 with a byte-order mark, and a GBK/GB18030 file is what
many Chinese editors write by default: both are read. tomllib's English errors are translated.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..errors import ConfigError

_TOML_MESSAGES = (
    (r"Invalid statement", "这一行无法识别"),
    (r"Expected '=' after a key in a key/value pair", "项目名后面缺少等号“=”"),
    (r"Invalid value", "等号右边的值无法识别"),
    (r"Unclosed array", "方括号“[”没有对应的“]”"),
    (r"Unclosed inline table", "花括号“{”没有对应的“}”"),
    (r"Unterminated string", "引号没有成对"),
    (r"Illegal character .*", "含有不允许的字符"),
    (r"Cannot (?:declare|overwrite) .* twice", "同一项目写了两次"),
    (r"Cannot overwrite a value", "同一项目写了两次"),
    (r"Cannot mutate immutable namespace .*", "同一项目写了两次"),
    (r"Expected newline or end of document after a statement", "一行只能写一项，后面多出了内容"),
    (r"Unclosed table declaration", "节名的方括号没有成对"),
    (r"Expected ']' at the end of a table declaration", "节名的方括号没有成对"),
    (r"Expected '\]\]' at the end of an array declaration", "节名的双方括号没有成对"),
    (r"Invalid initial character for a key part", "项目名的写法有误"),
    (r"Unclosed array of tables", "节名的双方括号没有成对"),
)
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def read_text(path: Path, what: str) -> str:
    """The file as text: UTF-8 (with or without a byte-order mark), else GB18030."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到{what}：{path}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取{what} {path}（{exc.strerror or exc}）。") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{what} {Path(path).name} 的编码无法识别：请用记事本打开，“另存为”时编码选“UTF-8”。"
        ) from None


def parse_toml(text: str, path: Path, what: str) -> dict:
    """Values of a TOML text; a syntax error becomes a Chinese ConfigError with its line and a hint."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(syntax_message(str(exc), text, Path(path).name, what)) from None


def syntax_message(message: str, text: str, name: str, what: str) -> str:
    """tomllib's message in Chinese: `form.toml 第 12 行：…。提示：…`."""
    position = _POSITION.search(message)
    line = int(position.group(1)) if position and position.group(1) else text.count("\n") + 1
    bare = _POSITION.sub("", message)
    said = next((zh for pattern, zh in _TOML_MESSAGES if re.fullmatch(pattern, bare)), "写法有误")
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    hint = _hint(source)
    shown = f"（该行内容：{source.strip()[:60]}）" if source.strip() else ""
    return f"{what} {name} 第 {line} 行{said}{shown}。{hint}"


def _hint(line: str) -> str:
    if any(q in line for q in "“”‘’"):
        return '提示：文字两边要用英文双引号 "，不能用中文引号“”。'
    if "=" in line:
        value = line.split("=", 1)[1].strip()
        if value and value[0] not in "\"'[{-+0123456789tf" and not value.startswith("#"):
            return '提示：文字两边要加英文双引号，例如 name = "大走访"。'
    if "＝" in line:
        return "提示：等号要用英文的“=”，不能用全角的“＝”。"
    return "提示：请对照说明文档检查这一行的引号、括号和等号。"
