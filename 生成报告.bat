@echo off
chcp 65001 >nul
rem 报表助手：汇总 inputs 文件夹中各村（社区）的报表，生成汇总表和工作总结。
rem 双击运行；也可在命令行（cmd 或 PowerShell）中运行：.\生成报告.bat [选项]，选项与 python run_report.py 相同。
rem 第一次运行时先检查 Python 版本，在本文件夹中建立 .venv（项目专用的 Python 环境）并安装所需的库：
rem 有 wheels 文件夹（离线安装包）时不联网，否则联网安装。以后直接运行。
rem 上面的 chcp 65001 让窗口按 UTF-8 读取本文件、显示中文，必须在任何中文之前。

setlocal
rem pushd 而不用 cd：本文件夹在网络共享（\\服务器\...）上时也能进入。
pushd "%~dp0"
set "PYTHONUTF8=1"
set "PYTHONIOENCODING=utf-8"

call scripts\find_python.bat
if not defined PY goto no_python

%PY% scripts\bootstrap.py run %*
set "CODE=%ERRORLEVEL%"
goto finish

:no_python
echo 没有找到 Python。请先安装 Python 3.13（64 位）：https://www.python.org/downloads/windows/
echo 或国内镜像 https://mirrors.huaweicloud.com/python/ ；安装第一屏勾选 Add python.exe to PATH，装好后重新运行。
set "CODE=2"

:finish
rem 双击运行时等待按键，好让窗口停留、能看到结果；自动测试（设置了 CI 环境变量）中不等待。
if not defined CI (
    echo.
    pause
)
popd
exit /b %CODE%
