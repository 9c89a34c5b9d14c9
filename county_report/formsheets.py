"""A form sheet present twice in one workbook: which copy the village meant cannot be told.

Villages copy a sheet to edit it (Excel names the copy `基本情况 (2)`, LibreOffice `基本情况_2`)
and hide the original, or keep last month's form beside this month's. The reader opens the
sheet by its name, so it would read the hidden original, or one of the two forms, silently.
The guard refuses such a file instead, naming both sheets.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .definition import normalize_name

_COPY_SUFFIX = re.compile(r"(?:\(\d{1,3}\)|_\d{1,3}|副本\d{0,3})$")  # after NFKC and without spaces


@dataclass(frozen=True)
class TwoCopies:
    form: str  # the form's own sheet name, as the definition spells it
    other: str  # the second sheet, as the file spells it
    note: str  # which of them is hidden, if either


def form_sheet_copies(listed: Sequence[tuple[str, str]], forms: Collection[str]) -> TwoCopies | None:
    """The first form sheet that appears twice among `listed` (name, visible | hidden | veryHidden)."""
    return _copies(tuple(listed), tuple(forms))


@lru_cache(maxsize=256)  # forms from one template list the same sheets
def _copies(listed: tuple[tuple[str, str], ...], forms: tuple[str, ...]) -> TwoCopies | None:
    for form in forms:
        wanted = normalize_name(form)
        copies = [(name, state) for name, state in listed if _base(name) == wanted]
        if len(copies) < 2:
            continue
        copies.sort(key=lambda c: normalize_name(c[0]) != wanted)  # the one with the form's name first
        (first, first_state), (second, second_state) = copies[:2]
        hidden = [
            name for name, state in ((first, first_state), (second, second_state)) if state != "visible"
        ]
        note = f"（其中「{'」「'.join(hidden)}」是隐藏的工作表）" if hidden else ""
        return TwoCopies(first, second, note)
    return None


def _base(name: str) -> str:
    """A sheet name without a copy suffix: `基本情况 (2)` → `基本情况`."""
    return _COPY_SUFFIX.sub("", normalize_name(name))
