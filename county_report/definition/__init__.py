"""The campaign definition, the product's spine: one file in templates/ becomes the objects every
stage asks for fields, types, checks, levels and nouns. No other module names a key or a label.
"""

from .build import bind, load_campaign, load_definition, lower_level, upward
from .checks import CHECKS, Check
from .labels import normalize_label, normalize_name
from .model import (
    AS_OF,
    CATEGORY,
    CONTENT,
    CUMULATIVE,
    DEADLINE,
    DESCRIPTION,
    FILLED_ON,
    GROUP,
    PER_PERIOD,
    STATUS,
    TITLE,
    UNIT,
    Campaign,
    Column,
    Definition,
    Field,
    Level,
    Rate,
    Scope,
    TableSpec,
    UnitType,
    key_metrics,
)
from .types import MICRO, TYPES, FieldType

__all__ = [
    "CATEGORY",
    "CONTENT",
    "DEADLINE",
    "DESCRIPTION",
    "STATUS",
    "TITLE",
    "AS_OF",
    "CHECKS",
    "CUMULATIVE",
    "FILLED_ON",
    "PER_PERIOD",
    "GROUP",
    "MICRO",
    "TYPES",
    "UNIT",
    "Campaign",
    "Check",
    "Column",
    "Definition",
    "Field",
    "FieldType",
    "Level",
    "Rate",
    "Scope",
    "TableSpec",
    "UnitType",
    "bind",
    "key_metrics",
    "load_campaign",
    "load_definition",
    "lower_level",
    "upward",
    "normalize_label",
    "normalize_name",
]
