#!/usr/bin/env bash
# 报表助手：汇总 inputs 文件夹中各村（社区）的报表，生成汇总表和工作总结。
# 在文件管理器中双击后选择「在终端中运行」；也可在终端中运行：./生成报告.sh [选项]
# 选项与 python3 run_report.py 相同，例如 --as-of 2026-11-20、--outputs 其他文件夹。
# 第一次运行时先检查 Python 版本，在本文件夹中建立 .venv（项目专用的 Python 环境）并安装所需的库：
# 有 wheels 文件夹（离线安装包）时不联网，否则联网安装。以后直接运行。

cd "$(dirname "$(readlink -f "$0")")" || exit 2
export PYTHONUTF8=1 PYTHONIOENCODING=utf-8
. scripts/launcher_common.sh

python=$(find_python) || finish 2
"$python" scripts/bootstrap.py run "$@"
finish $?
