@echo off
rem Sets PY to the Python the launchers use: the project's .venv, else a Python 3.11+ from the
rem Python launcher (py) or PATH. When none is new enough, any Python at all, so that
rem scripts\bootstrap.py says which version it found and what to install. Empty when none.
rem Called from the project folder by the two launchers (run and install). Keep this file ASCII.
set "PY="
if exist ".venv\Scripts\python.exe" (
    ".venv\Scripts\python.exe" scripts\bootstrap.py --probe >nul 2>nul && set "PY=.venv\Scripts\python.exe"
)
if not defined PY (py -3 scripts\bootstrap.py --probe >nul 2>nul && set "PY=py -3")
if not defined PY (python scripts\bootstrap.py --probe >nul 2>nul && set "PY=python")
if not defined PY (py -3 -c "" >nul 2>nul && set "PY=py -3")
if not defined PY (python -c "" >nul 2>nul && set "PY=python")
