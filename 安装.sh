#!/usr/bin/env bash
# 报表助手：安装（统信UOS、麒麟等 Linux 桌面）。检查 Python 版本，在本文件夹中建立 .venv
# 并安装所需的库：有 wheels 文件夹（离线安装包）时从中安装、不联网，否则联网安装。
# 双击后选择「在终端中运行」，或在终端中运行：./安装.sh
# 联网安装很慢时可以换国内镜像：./安装.sh --index-url https://pypi.tuna.tsinghua.edu.cn/simple

cd "$(dirname "$(readlink -f "$0")")" || exit 2
export PYTHONUTF8=1 PYTHONIOENCODING=utf-8
. scripts/launcher_common.sh

python=$(find_python) || finish 2
"$python" scripts/bootstrap.py install "$@"
finish $?
