"""From zero to a first run: the README's two commands, bootstrap.py, and the launchers' checks.

The launchers are run from a copy of the project in a temporary folder with a PATH that holds
only the Python under test, so nothing depends on the developer's or CI's virtual environment.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER_FILES = (
    "生成报告.sh", "安装.sh", "生成报告.bat", "安装.bat", "requirements.txt", "requirements-dev.txt",
    "scripts/bootstrap.py", "scripts/envsetup.py", "scripts/launcher_common.sh", "scripts/find_python.bat",
)  # fmt: skip
TOOLS = ("dirname", "readlink")  # what the .sh launchers call besides bash and python
posix_shell = pytest.mark.skipif(
    os.name == "nt" or not Path("/bin/bash").exists(), reason="the .sh launchers need bash"
)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


envsetup = _load("envsetup")
bootstrap = _load("bootstrap")


def _old_python() -> str | None:
    """Some Python 3.6–3.10 on this machine (pyenv or the system), or None."""
    patterns = [
        os.path.expanduser("~/.pyenv/versions/3.*/bin/python3"),
        "/usr/bin/python3.*",
        "/usr/local/bin/python3.*",
    ]
    for path in sorted({p for pattern in patterns for p in glob.glob(pattern)}):
        if re.search(r"3\.(6|7|8|9|10)(\.\d+)?(/bin/python3)?$", path) and os.access(path, os.X_OK):
            return path
    return None


def _project(tmp_path: Path) -> Path:
    """A copy of the launchers and the bootstrap scripts: a project folder without any .venv."""
    project = tmp_path / "报表助手"
    for name in LAUNCHER_FILES:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    return project


def _bin(tmp_path: Path, pythons: dict[str, str | Path]) -> Path:
    """A folder to be the whole PATH: the coreutils the launchers use, and the given pythons."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        os.symlink(shutil.which(tool), folder / tool)
    for name, target in pythons.items():
        os.symlink(target, folder / name)
    return folder


def _launch(project: Path, script: str, path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(path), "HOME": str(project.parent), "LANG": "C.UTF-8", "CI": "1"}
    return subprocess.run(
        ["/bin/bash", str(project / script), *args],
        cwd=project.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


# ---- the README's first screen ----------------------------------------------------------------


def _first_screen_commands() -> list[str]:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", head, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_opens_with_two_commands_that_cmd_and_powershell_both_accept():
    commands = _first_screen_commands()
    assert commands == ["python scripts/bootstrap.py run", "python scripts/bootstrap.py test"]
    for command in commands:
        # PowerShell 5.1 has no && or ||; cmd has no ; separator; neither shares $, `, or .\ rules.
        assert not re.search(r"&&|\|\||[;|$`<>]|^\.[\\/]", command), command
        assert (ROOT / command.split()[1]).is_file()


def test_the_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f'PATH="$PWD/.venv/bin:$PATH" {_first_screen_commands()[1]}' in ci
    assert "python3 -m venv .venv" in ci and "-r requirements-dev.txt" in ci and "bash 生成报告.sh" in ci


# ---- bootstrap.py: the Python version, in any Python -------------------------------------------


@pytest.mark.skipif(_old_python() is None, reason="no Python older than 3.11 on this machine")
def test_an_old_python_gets_a_chinese_message_saying_what_to_install():
    old = _old_python()
    done = subprocess.run(
        [old, str(ROOT / "scripts" / "bootstrap.py"), "run"], capture_output=True, timeout=60
    )
    message = done.stderr.decode("utf-8")
    assert done.returncode == 2 and "Traceback" not in message
    assert re.search(r"报表助手需要 Python 3\.11 或更新版本，这台电脑上找到的是 Python 3\.\d+\.\d+", message)
    assert (
        "sudo apt install python3.11 python3.11-venv" in message and "Miniforge3-Linux-aarch64.sh" in message
    )


@pytest.mark.skipif(
    not glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python")), reason="no Python 2.7"
)
def test_even_python_2_parses_bootstrap_and_gets_the_message():
    python2 = glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python"))[0]
    done = subprocess.run(
        [python2, str(ROOT / "scripts" / "bootstrap.py"), "run"], capture_output=True, timeout=60
    )
    assert done.returncode == 2 and "这台电脑上找到的是 Python 2.7" in done.stderr.decode("utf-8")


def test_the_windows_message_says_where_to_get_python():
    message = bootstrap.too_old_message((3, 8, 10), r"C:\Python38\python.exe", "win32")
    assert (
        "https://www.python.org/downloads/windows/" in message and "mirrors.huaweicloud.com/python" in message
    )
    assert "Add python.exe to PATH" in message


def test_probe_answers_whether_this_python_is_new_enough():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bootstrap.py"), "--probe"], timeout=60)
    assert done.returncode == 0


def test_inside_any_virtual_environment_a_run_uses_it_and_creates_nothing(tmp_path):
    had_venv = (ROOT / ".venv").exists()
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bootstrap.py"), "run", "--help"],
        cwd=tmp_path, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "用法" in done.stdout.decode("utf-8")
    assert done.stderr == b""  # nothing installed, nothing said
    assert (ROOT / ".venv").exists() == had_venv


def test_an_unknown_command_prints_the_usage():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bootstrap.py"), "运行"], capture_output=True
    )
    assert done.returncode == 2 and done.stderr.decode("utf-8").startswith(
        "用法：python scripts/bootstrap.py run"
    )


# ---- the .sh launchers: each check before anything is installed --------------------------------


@pytest.mark.skipif(_old_python() is None, reason="no Python older than 3.11 on this machine")
@pytest.mark.parametrize("script", ["生成报告.sh", "安装.sh"])
@posix_shell
def test_sh_launcher_with_only_an_old_python(tmp_path, script):
    project = _project(tmp_path)
    done = _launch(project, script, _bin(tmp_path, {"python3": _old_python()}))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "需要 Python 3.11 或更新版本" in done.stderr and "Miniforge" in done.stderr
    assert not (project / ".venv").exists()


@posix_shell
def test_sh_launcher_without_any_python(tmp_path):
    project = _project(tmp_path)
    done = _launch(project, "生成报告.sh", _bin(tmp_path, {}))
    assert done.returncode == 2
    assert done.stderr.startswith("没有找到 Python。报表助手需要 Python 3.11 或更新版本")


@posix_shell
def test_sh_launcher_without_python3_venv_says_which_package(tmp_path):
    # Debian ships ensurepip in python3.X-venv: without it `import ensurepip` fails, as here.
    stub = tmp_path / "no-venv"
    stub.mkdir()
    (stub / "ensurepip.py").write_text(
        "raise ImportError('ensurepip is in python3.X-venv')\n", encoding="utf-8"
    )
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    wrapper = tmp_path / "python3-debian"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{stub}" exec "{base}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    project = _project(tmp_path)
    done = _launch(project, "安装.sh", _bin(tmp_path, {"python3": wrapper}))
    package = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"缺少建立虚拟环境所需的 {package} 组件。请在终端运行：sudo apt install {package}" in done.stderr
    assert not (project / ".venv").exists()


def test_sh_launchers_are_executable_and_share_one_python_search():
    for name in ("生成报告.sh", "安装.sh"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert os.access(ROOT / name, os.X_OK)
        assert ". scripts/launcher_common.sh" in text and "python=$(find_python) || finish 2" in text
    assert '"$python" scripts/bootstrap.py run "$@"' in (ROOT / "生成报告.sh").read_text(encoding="utf-8")
    assert '"$python" scripts/bootstrap.py install "$@"' in (ROOT / "安装.sh").read_text(encoding="utf-8")


# ---- the .bat launchers (no cmd.exe here: read as cmd reads them) -------------------------------


@pytest.mark.parametrize(("name", "command"), [("生成报告.bat", "run"), ("安装.bat", "install")])
def test_bat_launchers_switch_to_utf8_first_and_keep_the_exit_code(name, command):
    raw = (ROOT / name).read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "cmd.exe needs CRLF line endings"
    lines = raw.decode("utf-8").split("\r\n")
    assert all(line.isascii() for line in lines[: lines.index("chcp 65001 >nul")])
    call = f"%PY% scripts\\bootstrap.py {command} %*"
    assert lines.index("call scripts\\find_python.bat") < lines.index(call)
    assert lines[lines.index(call) + 1] == 'set "CODE=%ERRORLEVEL%"' and lines[-2] == "exit /b %CODE%"


def test_find_python_bat_prefers_the_venv_then_a_new_enough_python_then_any():
    raw = (ROOT / "scripts" / "find_python.bat").read_bytes()
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    probes = [line for line in raw.decode().split("\r\n") if 'set "PY=' in line and 'PY="' not in line]
    assert "--probe" in probes[0] and ".venv\\Scripts\\python.exe" in probes[0]
    assert [("--probe" in p) for p in probes] == [True, True, True, False, False]


# ---- envsetup: requirements, the offline bundle's fit, the Excel button's config ----------------


def test_pins_follow_included_files_and_this_environment_meets_them():
    pins = dict(envsetup.pinned(ROOT / "requirements-dev.txt"))
    assert pins["pandas"] and pins["pytest"]  # runtime (through -r) and test tools
    assert envsetup.unmet(ROOT / "requirements-dev.txt") == []


def test_a_run_in_someone_elses_environment_reports_what_is_missing_and_installs_nothing(
    tmp_path, monkeypatch
):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("surely-not-installed-package==1.0\n", encoding="utf-8")
    monkeypatch.setattr(envsetup.subprocess, "call", lambda *a, **k: pytest.fail("must not install"))
    monkeypatch.setattr(envsetup, "managed", lambda: False)
    with pytest.raises(
        envsetup.SetupError,
        match="缺少：surely-not-installed-package。请先运行 python scripts/bootstrap.py install",
    ):
        envsetup.ensure_requirements(requirements, "run")


def test_an_offline_bundle_for_other_pythons_says_so_in_chinese(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "manifest.json").write_text(json.dumps({"python": ["3.99"], "platforms": ["windows-x64"]}))
    with pytest.raises(envsetup.SetupError) as caught:
        envsetup.check_bundle_fits(wheels)
    assert str(caught.value).startswith(f"这个离线安装包不适合本机（{envsetup.host_platform()}，Python 3.")
    assert "它支持 windows-x64，Python 3.99" in str(caught.value)


def test_the_button_config_is_written_in_the_ansi_code_page_and_keeps_other_keys(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_bytes(b'"LICENSE_KEY","abc"\r\n"interpreter_win","C:\\old\\python.exe"\r\n')
    python = r"C:\报表助手\.venv\Scripts\python.exe"
    values = {"INTERPRETER_WIN": python, "PYTHONPATH": r"C:\报表助手\macros"}
    assert envsetup.update_config_file(conf, values, encoding="gbk")
    assert conf.read_bytes().decode("gbk").split("\r\n") == [
        '"LICENSE_KEY","abc"',
        f'"INTERPRETER_WIN","{python}"',
        '"PYTHONPATH","C:\\报表助手\\macros"',
        "",
    ]
    assert not envsetup.update_config_file(conf, values, encoding="gbk")  # unchanged: not rewritten


def test_the_button_config_goes_beside_the_workbook_and_into_the_users_folder(tmp_path, monkeypatch, capsys):
    project, home = tmp_path / "报表助手", tmp_path / "张三"
    (project / "macros").mkdir(parents=True)
    monkeypatch.setattr(envsetup, "ROOT", project)
    python = project / ".venv" / "Scripts" / "python.exe"
    envsetup.configure_excel_button(python, home=home)
    expected = f'"INTERPRETER_WIN","{python}"\r\n"PYTHONPATH","{project / "macros"}"\r\n'
    for conf in (project / "macros" / "xlwings.conf", home / ".xlwings" / "xlwings.conf"):
        assert conf.read_bytes().decode(envsetup.locale_encoding()) == expected
    assert capsys.readouterr().err.count("已设置 Excel 按钮使用的 Python") == 2
    envsetup.configure_excel_button(python, home=home)
    assert capsys.readouterr().err == ""  # nothing changed, nothing said


def test_a_first_run_moves_an_old_settings_toml_into_the_roster(tmp_path, monkeypatch, capsys):
    from conftest import make_templates
    from openpyxl import load_workbook

    templates = make_templates(tmp_path / "templates")
    book = load_workbook(templates / "名册.xlsx")
    del book["设置"]
    book.save(templates / "名册.xlsx")
    (templates / "settings.toml").write_text(
        '"县名" = "甲县"\n"活动名称" = "防汛"\n"发文单位" = "甲县应急管理局"\n', encoding="utf-8"
    )
    monkeypatch.setattr(envsetup, "ROOT", tmp_path)
    envsetup.convert_old_settings()
    assert "已把 settings.toml 中的设置转入 templates/名册.xlsx 的「设置」工作表" in capsys.readouterr().err
    assert (templates / "settings.toml.已转入名册").is_file() and not (templates / "settings.toml").exists()
    assert "设置" in load_workbook(templates / "名册.xlsx").sheetnames


def test_the_projects_own_venv_can_import_the_program_from_scripts(tmp_path, monkeypatch):
    """link_project writes a .pth naming the project folder into the .venv's site-packages (what
    `pip install -e .` does, without a build), so `python scripts/demo_rollup.py` needs no sys.path
    patch; it is read at once for this process too, and rewritten only when the folder moved."""
    import site
    import sysconfig

    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.setattr(sysconfig, "get_paths", lambda *a, **k: {"purelib": str(packages)})
    added = []
    monkeypatch.setattr(site, "addsitedir", added.append)
    envsetup.link_project()
    pth = packages / envsetup.PROJECT_PTH
    assert pth.read_text(encoding="utf-8") == f"{envsetup.ROOT}\n"
    assert added == [str(packages)]
    stamp = pth.stat().st_mtime_ns
    envsetup.link_project()
    assert pth.stat().st_mtime_ns == stamp  # already right: left alone
    monkeypatch.setattr(envsetup, "ROOT", tmp_path / "搬到别处的报表助手")
    envsetup.link_project()
    assert pth.read_text(encoding="utf-8") == f"{tmp_path / '搬到别处的报表助手'}\n"
