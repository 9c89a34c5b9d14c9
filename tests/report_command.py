"""run_report.py's folder arguments as the tests spell them, once: for cli.main or a child process."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def folder_args(inputs: Path, outputs: Path, templates: Path, *extra: str) -> list[str]:
    """--inputs, --outputs and --templates, then whatever else the test asks for."""
    return ["--inputs", str(inputs), "--outputs", str(outputs), "--templates", str(templates), *extra]


def report_command(inputs: Path, outputs: Path, templates: Path, *extra: str) -> list[str]:
    """The command a launcher runs: this Python, run_report.py and the folders."""
    return [sys.executable, str(ROOT / "run_report.py"), *folder_args(inputs, outputs, templates, *extra)]
