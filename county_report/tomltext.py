"""TOML files as clerks save them: any Notepad encoding in, a Chinese message with line and hint out.

Older Notepad writes UTF-8 with a BOM (tomllib then fails at line 1, column 1), or the system's
GBK; clerks type Chinese quotes “” and leave text unquoted. `read_toml` accepts every encoding
and turns each tomllib error into one line a clerk can act on. Used for settings.toml and the
campaign definition (form.toml).
"""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_CHINESE_QUOTES = "“”‘’「」『』"
_FULL_WIDTH_SYNTAX = "＝［］，＃：。"
# tomllib's messages (stable across 3.11–3.13) → what a clerk reads.
_MESSAGES = (
    ("Invalid statement", "这一行无法识别"),
    ("Invalid value", "等号右边的值写法不对"),
    ("Invalid initial character for a key part", "项目名称写法不对"),
    ("Cannot overwrite a value", "同一个项目写了两次"),
    ("Cannot mutate immutable namespace", "同一个项目写了两次"),
    ("Cannot redefine namespace", "同一个项目写了两次"),
    ("Duplicate inline table key", "同一个项目写了两次"),
    ("Cannot declare", "同一个段落（方括号中的名称）写了两次"),
    ("Expected ']' at the end of a table declaration", "段落名称的方括号没有成对"),
    ("Expected ']]' at the end of an array declaration", "段落名称的双方括号没有成对"),
    ("Unterminated string", "引号没有成对"),
    ("Illegal character", "引号没有成对，或文字中有不能直接出现的字符"),
    ("Unclosed array", "方括号没有成对"),
    ("Unclosed inline table", "花括号没有成对"),
    ("Expected '=' after a key", "项目名称后面缺少等号“=”"),
    ("Expected newline or end of document after a statement", "一行只能写一项，值后面多了内容"),
    ("Invalid date or datetime", "日期写法不对，应写成 2026-11-20"),
)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed file; ConfigError in Chinese (naming `what`, the file and the line) when it cannot be read."""
    return read_toml_text(path, what)[1]


def read_toml_text(path: Path, what: str, shown: str = "") -> tuple[str, dict[str, Any]]:
    """The file's text (for line numbers and digests) and its values, read once; messages name the
    file as `shown` (its full path unless told)."""
    path = Path(path)
    shown = shown or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到{what}：{path}") from None
    except OSError as exc:
        raise ConfigError(f"{what} {shown} 无法打开（{exc.strerror or exc}）。") from None
    text = decode_text(data, shown, what)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error_message(exc, text, shown, what)) from None


def decode_text(data: bytes, path: Path | str, what: str) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM (Notepad's “Unicode”), or GB18030/GBK."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _normalise_newlines(data.decode("utf-16"))
    for encoding in ("utf-8", "gb18030"):
        try:
            return _normalise_newlines(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{what} {path} 的文字编码无法识别：请用记事本打开，“另存为”时编码选 UTF-8。")


def _normalise_newlines(text: str) -> str:
    """Old Mac line ends (CR alone) are not TOML newlines; CRLF and LF are."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def toml_error_message(exc: tomllib.TOMLDecodeError, text: str, path: Path | str, what: str) -> str:
    """`设置文件 … 第 3 行有误：引号没有成对。这一行是「…」。请…`, from tomllib's English message."""
    raw = str(exc)
    match = _POSITION.search(raw)
    reason_en = raw[: match.start()] if match else raw
    lines = text.split("\n")
    if match and match.group(1):
        number = int(match.group(1))
    else:  # "at end of document": the last line that says anything
        number = max((i for i, line in enumerate(lines, 1) if line.strip()), default=1)
    line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    reason = next((cn for en, cn in _MESSAGES if reason_en.startswith(en)), f"格式有误（{reason_en}）")
    shown = f"这一行是「{line}」。" if line else ""
    return f"{what} {path} 第 {number} 行有误：{reason}。{shown}{line_hint(line)}"


def line_hint(line: str) -> str:
    """What is most likely wrong with one line as a clerk typed it, and how to write it."""
    outside = _QUOTED.sub('""', line).partition("#")[0]  # what is not already inside English quotes
    if any(q in outside for q in _CHINESE_QUOTES):
        return '提示：文字两边要用英文双引号 "，不能用中文引号“”。请先把输入法切换到英文再输入。'
    if any(c in outside for c in _FULL_WIDTH_SYNTAX):
        return "提示：等号、方括号、逗号、井号要用英文半角符号（= [ ] , #），请切换到英文输入法重新输入。"
    key, sep, value = line.partition("=")
    if sep and not key.strip().startswith(('"', "'")) and not key.strip().isascii():
        return '提示：中文的项目名称也要用英文双引号括起来，例如 "县名" = "示例县"。'
    value = value.partition("#")[0].strip()
    if sep and _is_bare_text(value):
        return f'提示：文字两边要加英文双引号，例如 {key.strip()} = "{value}"。数字和日期不加引号。'
    if line.count('"') % 2:
        return '提示：这一行的英文双引号 " 没有成对：文字的开头和结尾各一个。'
    return '提示：请对照说明检查这一行：每行写成 "项目名称" = "内容"，文字用英文双引号括起来。'


def _is_bare_text(value: str) -> bool:
    """A value typed without quotes that TOML cannot read as a number, date, boolean or list."""
    if not value or value[0] in "\"'[{":
        return False
    typed_literal = value in ("true", "false") or re.fullmatch(
        r"[+-]?[\d_.eE:+-]+(?:[ T][\d:.+-]+Z?)?", value
    )
    return not typed_literal
