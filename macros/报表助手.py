"""What the 生成报告 button imports: xlwings' RunPython runs `import 报表助手; 报表助手.main()`.

The module is named after the workbook (报表助手.xlsm) because the macro derives the name from
`ThisWorkbook.Name`; xlwings puts the workbook's folder (macros/) on sys.path, and this file adds
the project folder above it, so the button works wherever the project folder is copied.
"""

import sys
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(_PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(_PROJECT_ROOT))

from county_report.excel_entry import main  # noqa: E402

__all__ = ["main"]
