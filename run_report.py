"""报表助手入口：python run_report.py [run|forms|check] [选项]（python run_report.py --help 查看用法）。"""

import sys

from county_report.cli import main

if __name__ == "__main__":
    sys.exit(main())
