# Shared by 生成报告.sh and 安装.sh (sourced from the project folder, not run on its own).

# Someone is watching (a terminal window): wait for Enter before it closes; never under CI or a pipe.
interactive() { [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; }

finish() {
    if interactive; then
        echo
        read -r -p "按回车键关闭窗口……" _ || true
    fi
    exit "$1"
}

# Print the Python to use: the project's .venv, else the first Python 3.11+ on PATH or in
# Miniforge/Miniconda. When none is new enough, the first Python at all, so that bootstrap.py
# says which version it found and what to install. Nothing at all: a Chinese message, status 1.
find_python() {
    local candidate oldest=""
    for candidate in .venv/bin/python python3 python3.14 python3.13 python3.12 python3.11 \
        "${HOME:-/nonexistent}/miniforge3/bin/python3" "${HOME:-/nonexistent}/miniconda3/bin/python3" python; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" scripts/bootstrap.py --probe >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
        if [ -z "$oldest" ] && "$candidate" -c "" >/dev/null 2>&1; then
            oldest=$candidate
        fi
    done
    if [ -n "$oldest" ]; then
        echo "$oldest"
        return 0
    fi
    echo "没有找到 Python。报表助手需要 Python 3.11 或更新版本：统信UOS、麒麟、Debian 等请在终端运行" >&2
    echo "sudo apt install python3 python3-venv；软件源中的版本低于 3.11 时，请按 README「统信UOS、麒麟」一节安装 Miniforge。" >&2
    return 1
}
