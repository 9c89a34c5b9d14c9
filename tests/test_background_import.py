"""The output modules are imported while the workers read, and only when outputs will be written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from county_report import pipeline

ROOT = Path(__file__).resolve().parents[1]

_CHECK_ONLY = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from county_report.model import RunOptions
from county_report.pipeline import run
run(RunOptions(inputs=Path(sys.argv[2]), outputs=Path(sys.argv[3]), templates=Path(sys.argv[4]),
               check_only=True, workers=0))
print("pandas" in sys.modules)
"""


def test_a_check_only_run_never_imports_pandas(small_county, tmp_path):
    args = [str(ROOT), str(small_county["inputs"]), str(tmp_path / "out"), str(small_county["templates"])]
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_ONLY, *args], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_a_module_that_fails_to_import_in_the_background_is_left_for_the_real_import():
    thread = pipeline._import_in_background(("county_report.no_such_module", "json"))
    thread.join(timeout=30)
    assert not thread.is_alive()  # it gave up quietly; the run's own import reports the problem
