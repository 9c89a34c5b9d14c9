@echo off
chcp 65001 >nul
rem 报表助手：汇总 inputs 文件夹中各村（社区）的报表，生成汇总表和工作总结。
rem 双击运行；也可在命令行中运行：生成报告.bat [选项]，选项与 python run_report.py 相同。
rem 上面的 chcp 65001 让窗口按 UTF-8 读取本文件、显示中文，必须在任何中文之前。

setlocal
rem pushd 而不用 cd：本文件夹在网络共享（\\服务器\...）上时也能进入。
pushd "%~dp0"
set "PYTHONUTF8=1"
set "PYTHONIOENCODING=utf-8"

rem 依次找：项目自带的 .venv、PATH 中的 python、Python 启动器 py；只用已装好所需库的那个
rem （顺带跳过 Windows 应用商店的 python 占位程序）。
set "PY="
if exist ".venv\Scripts\python.exe" set "PY=.venv\Scripts\python.exe"
if not defined PY (python -c "import openpyxl, xlsxwriter" >nul 2>nul && set "PY=python")
if not defined PY (py -3 -c "import openpyxl, xlsxwriter" >nul 2>nul && set "PY=py -3")
if not defined PY goto no_python

%PY% run_report.py %*
set "CODE=%ERRORLEVEL%"
goto finish

:no_python
echo 没有找到装好所需库的 Python。请先安装 Python 3.11 或更新版本（安装时勾选 Add python.exe to PATH），
echo 再在本文件夹的命令行窗口中运行：python -m pip install -r requirements.txt（详见 README）。
set "CODE=2"

:finish
rem 双击运行时等待按键，好让窗口停留、能看到汇总；自动测试（设置了 CI 环境变量）中不等待。
if not defined CI (
    echo.
    pause
)
popd
exit /b %CODE%
