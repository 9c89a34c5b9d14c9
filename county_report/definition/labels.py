"""Labels and names as compared: what a village types and what the definition says must meet.

Label matching ignores surrounding spaces, full/half-width forms (NFKC), a trailing colon and
the unit in parentheses: `走访农户（户）`, `走访农户(户)`, ` 走访农户 ` all match.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

MAX_LABEL_LENGTH = 80


def normalize_label(text: object) -> str:
    """Label as compared: NFKC, no spaces, no trailing unit in parentheses, no colon."""
    text = text if isinstance(text, str) else str(text or "")
    return _normalized(text) if len(text) <= MAX_LABEL_LENGTH else text  # a long text is no label


@lru_cache(maxsize=4096)  # every form repeats the same labels and hints: normalise each once
def _normalized(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip()
    s = "".join(s.split())
    s = s.rstrip(":：")
    if s.endswith(")") and "(" in s and not s.startswith("("):
        head = s[: s.rindex("(")]
        if head:
            s = head
    return s


def normalize_name(text: object) -> str:
    """A sheet or place name as compared: NFKC, no spaces at all (villages retype both)."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def with_unit(label: str, unit: str) -> str:
    """`走访农户（户）`: a label as printed on the form, its unit in full-width brackets."""
    return f"{label}（{unit}）" if unit else label
