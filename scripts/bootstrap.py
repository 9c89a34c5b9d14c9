# -*- coding: utf-8 -*-
# ruff: noqa: UP009, UP010, UP030, UP032 - kept parseable by Python 2.7 and 3.6 on purpose
"""The one entry for the README's commands and the launchers: check Python, prepare .venv, run or test.

    python scripts/bootstrap.py run [选项]    # install what is missing, then run_report.py [选项]
    python scripts/bootstrap.py test [选项]   # install the test tools too, then pytest [选项]
    python scripts/bootstrap.py install       # install only (from wheels/ when the offline bundle has it)

The same line works in cmd, PowerShell 5.1 and bash. This file only checks the Python version,
written so that even Python 2.7 parses it: an old interpreter gets a Chinese message saying what
to install instead of a SyntaxError. The work is in envsetup.py beside it.
"""

from __future__ import print_function, unicode_literals

import sys

REQUIRED = (3, 11)


def too_old_message(version, executable, platform):
    """What to install when the Python found is older than REQUIRED, for this kind of computer."""
    found = "{0}.{1}.{2}".format(*version[:3])
    lines = [
        "报表助手需要 Python {0}.{1} 或更新版本，这台电脑上找到的是 Python {2}（{3}）。".format(
            REQUIRED[0], REQUIRED[1], found, executable
        )
    ]
    if platform.startswith("win"):
        lines += [
            "请安装 Python 3.13（64 位，需要 Windows 10 或更新版本）：",
            "  官网 https://www.python.org/downloads/windows/ 下载 Windows installer (64-bit)；",
            "  或国内镜像 https://mirrors.huaweicloud.com/python/ ：进入 3.13 开头的最新版本文件夹，下载 python-3.13.*-amd64.exe。",
            "安装第一屏勾选 Add python.exe to PATH，装好后重新运行。",
        ]
    else:
        lines += [
            "统信UOS、麒麟、Debian 等：软件源中有时，在终端运行 sudo apt install python3.11 python3.11-venv；",
            "软件源中没有时，安装 Miniforge（自带新版 Python，不需要管理员权限）：",
            "  下载 https://mirrors.tuna.tsinghua.edu.cn/github-release/conda-forge/miniforge/LatestRelease/ 中的",
            "  Miniforge3-Linux-x86_64.sh（飞腾、鲲鹏等 ARM 电脑选 Miniforge3-Linux-aarch64.sh），",
            "  在终端运行 bash Miniforge3-Linux-x86_64.sh -b，装好后重新运行本程序（会自动找到它）。",
        ]
    return "\n".join(lines)


def say(text):
    """Print to stderr whatever its encoding (Python 2, a C locale, a GBK console)."""
    stream, text = sys.stderr, text + "\n"
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")  # C locale: ascii, with escapes
        stream.write(text)
    except (UnicodeError, LookupError, TypeError):
        stream.flush()
        getattr(stream, "buffer", stream).write(text.encode("utf-8"))
    stream.flush()


def main(argv):
    if argv[:1] == ["--probe"]:  # the launchers ask each python they find: new enough?
        return 0 if sys.version_info[:2] >= REQUIRED else 1
    if sys.version_info[:2] < REQUIRED:
        say(too_old_message(sys.version_info, sys.executable, sys.platform))
        return 2
    import envsetup

    return envsetup.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
