#!/usr/bin/env bash
# 报表助手：汇总 inputs 文件夹中各村（社区）的报表，生成汇总表和工作总结。
# 在文件管理器中双击后选择「在终端中运行」；也可在终端中运行：./生成报告.sh [选项]
# 选项与 python3 run_report.py 相同，例如 --as-of 2026-11-20、--outputs 其他文件夹。

cd "$(dirname "$(readlink -f "$0")")" || exit 2
export PYTHONUTF8=1 PYTHONIOENCODING=utf-8

# 有人看着（终端窗口）时结束后等待按键，好让窗口停留；自动测试（CI）或管道中不等待。
interactive() { [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; }

finish() {
    if interactive; then
        echo
        read -r -p "按回车键关闭窗口……" _ || true
    fi
    exit "$1"
}

# 依次找：项目自带的 .venv、python3、python；只用已装好所需库的那个。
python=""
for candidate in .venv/bin/python python3 python; do
    if "$candidate" -c "import openpyxl, xlsxwriter" >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "没有找到装好所需库的 Python。请先安装 Python 3.11 或更新版本，" >&2
    echo "再在本文件夹的终端中运行：python3 -m pip install -r requirements.txt（详见 README）。" >&2
    finish 2
fi

"$python" run_report.py "$@"
finish $?
