"""The county's settings (县名, 活动名称, 发文单位, 活动期间) from templates/settings.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

SETTINGS_FILE = "settings.toml"
FORM_FILE = "form.toml"
ROSTER_FILE = "名册.xlsx"
REPORT_TEMPLATE_FILE = "工作总结模板.docx"
DATA_FOLDER = "数据"  # the database folder, beside templates/ (the project's own by default)

_KEYS = {
    "county": "县名",
    "campaign": "活动名称",
    "office": "发文单位",
    "period": "活动期间",
    "level": "本级层级",
    "unit_level": "报送层级",
}
_REQUIRED = ("county", "campaign", "office")


@dataclass(frozen=True)
class Settings:
    county: str
    campaign: str
    office: str
    period: str = ""
    level: str = ""  # which level of the definition's chain this office is (blank: the definition's default)
    unit_level: str = ""  # the level whose forms this office receives (blank: the lowest)

    @property
    def report_title(self) -> str:
        return f"{self.county}“{self.campaign}”活动工作总结"


def load_settings(templates_dir: Path) -> Settings:
    """Read settings.toml; a missing or blank required key is a ConfigError naming it."""
    path = Path(templates_dir) / SETTINGS_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到设置文件：{path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"设置文件格式有误：{path}（{exc}）") from None
    values = {key: str(raw.get(label, "")).strip() for key, label in _KEYS.items()}
    for key in _REQUIRED:
        if not values[key]:
            raise ConfigError(f"设置文件 {path.name} 中「{_KEYS[key]}」未填写。")
    return Settings(**values)
