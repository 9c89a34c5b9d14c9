"""The vocabulary of a definition's schema: a key, the shape of a table, a problem at a path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .tomlpos import Path

TEXT, INTEGER, BOOLEAN, TEXTS, NUMBER = "文字", "整数", "true 或 false", "文字列表", "数字"


@dataclass(frozen=True)
class Key:
    """One key: its name, what it means (Chinese, for the README), its kind, and whether it must be given."""

    name: str
    doc: str
    kind: str = TEXT  # TEXT | INTEGER | BOOLEAN | TEXTS | NUMBER, or "table" / "tables" with `shape`
    required: bool = False
    shape: Shape | None = None
    minimum: int | None = None


@dataclass(frozen=True)
class Shape:
    """What a table may hold. `variant` adds keys that depend on the item (a check's kind)."""

    keys: tuple[Key, ...]
    free: str = ""  # any key allowed, each value of this kind (the choice lists)
    variant: Callable[[Mapping], tuple[Key, ...]] | None = field(default=None, compare=False)

    def allowed(self, item: Mapping) -> dict[str, Key]:
        extra = self.variant(item) if self.variant else ()
        return {k.name: k for k in (*self.keys, *extra)}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file, at a path whose line the loader looks up."""

    path: Path
    text: str
