"""Where each table, key and array element of a TOML text stands (its 1-based line).

tomllib gives values but no positions; an administrator's mistake must be reported at its line.
This scanner follows only the structure of a text tomllib has already accepted: headers, keys,
strings, arrays and inline tables. Paths are tuples like ("metrics", "fields", 3, "unit").
"""

from __future__ import annotations

from collections import defaultdict

Path = tuple[object, ...]
_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[Path, int] = {}
        self._aot_count: defaultdict[Path, int] = defaultdict(int)

    # ---- characters -------------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.i, self.i + n)
        self.i += n

    def skip_blank(self, newlines: bool) -> None:
        """Spaces (and newlines and comments when `newlines`); a comment always ends the line."""
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.advance()
            elif ch == "#":
                end = self.text.find("\n", self.i)
                self.advance((end if end >= 0 else len(self.text)) - self.i)
            else:
                return

    # ---- documents ------------------------------------------------------------------------
    def document(self) -> dict[Path, int]:
        current: Path = ()
        while True:
            self.skip_blank(newlines=True)
            if self.i >= len(self.text):
                return self.lines
            if self.peek(2) == "[[":
                self.advance(2)
                path = self.key_path()
                self.advance(2)  # ]]
                index = self._aot_count[path]
                self._aot_count[path] += 1
                current = (*path, index)
                self.lines.setdefault(path, self.line)
                self.lines[current] = self.line
            elif self.peek() == "[":
                self.advance()
                current = self.key_path()
                self.advance()  # ]
                self.lines[current] = self.line
            else:
                self.key_value(current)

    def key_path(self) -> Path:
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            parts.append(self.key_part())
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.advance()

    def key_part(self) -> str:
        if self.peek() in ('"', "'"):
            return self.string()
        start = self.i
        while self.i < len(self.text) and self.text[self.i] in _BARE:
            self.i += 1
        return self.text[start : self.i]

    def key_value(self, table: Path) -> None:
        line = self.line
        path = (*table, *self.key_path())
        self.lines[path] = line
        self.skip_blank(newlines=False)
        self.advance()  # =
        self.skip_blank(newlines=False)
        self.value(path)

    # ---- values ---------------------------------------------------------------------------
    def value(self, path: Path) -> None:
        ch = self.peek()
        if ch in ('"', "'"):
            self.string()
        elif ch == "[":
            self.array(path)
        elif ch == "{":
            self.inline_table(path)
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",]}\n#":
                self.i += 1

    def array(self, path: Path) -> None:
        self.advance()  # [
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.advance()
                return
            if self.peek() == ",":
                self.advance()
                continue
            self.lines[(*path, index)] = self.line
            self.value((*path, index))
            index += 1

    def inline_table(self, path: Path) -> None:
        self.advance()  # {
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "}":
                self.advance()
                return
            if self.peek() == ",":
                self.advance()
                continue
            self.key_value(path)

    def string(self) -> str:
        quote = self.peek()
        if self.peek(3) == quote * 3:
            end = self.text.find(quote * 3, self.i + 3)
            end = end + 3
            while self.text[end : end + 1] == quote:  # """a"""" ends with the last three quotes
                end += 1
            body = self.text[self.i + 3 : end - 3]
            self.advance(end - self.i)
            return body
        j = self.i + 1
        while j < len(self.text) and self.text[j] != quote:
            j += 2 if quote == '"' and self.text[j] == "\\" else 1
        body = self.text[self.i + 1 : j]
        self.advance(j + 1 - self.i)
        return body


def key_lines(text: str) -> dict[Path, int]:
    """Line of every table header, key and array element in a valid TOML text."""
    try:
        return _Scanner(text).document()
    except (IndexError, ValueError):  # never on text tomllib accepted; positions are a nicety
        return {}


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest enclosing element that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
