"""What an office configures in templates/: settings, the campaign definition bound to the office's
level, and the roster, loaded together (by the run, `forms`, and every reading worker)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .definition import Campaign, bind, load_definition
from .roster import Roster, load_roster
from .settings import FORM_FILE, ROSTER_FILE, Settings, load_settings


@dataclass(frozen=True)
class Templates:
    settings: Settings
    campaign: Campaign
    roster: Roster


def load_templates(folder: Path) -> Templates:
    """Settings, definition and roster from `folder`; ConfigError in Chinese when any is unusable."""
    folder = Path(folder)
    settings = load_settings(folder)
    campaign = bind(load_definition(folder / FORM_FILE), settings.level, settings.unit_level)
    return Templates(settings, campaign, load_roster(folder / ROSTER_FILE, campaign))
