"""What the workbook's buttons run: xlwings' RunPython does `import report_button; report_button.main()`.

The name is fixed and ASCII, not derived from the workbook's name, so a renamed copy
(报表助手 (1).xlsm, 报表助手 - 副本.xlsm) keeps working, and non-ASCII module names (which
xlwings fails to import on macOS) never arise. xlwings puts the workbook's folder on sys.path,
which finds this file beside the workbook; for copies elsewhere (the desktop) 安装.bat adds
macros/ to xlwings' PYTHONPATH setting. This file then puts the project folder above it on sys.path.
"""

import sys
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(_PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(_PROJECT_ROOT))

from county_report.excel_entry import check, main  # noqa: E402

__all__ = ["check", "main"]
