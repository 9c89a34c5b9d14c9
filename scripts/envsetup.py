"""Prepare the environment the project runs in, then run it or its tests (called by bootstrap.py).

A Python already inside a virtual environment (whatever it is called: CI's, a developer's) is
used as it is. Otherwise the project gets its own `.venv`, because Debian-based desktops
(统信UOS, 麒麟) refuse `pip install` into the system Python (externally-managed-environment).
Requirements are installed from `wheels/` without any index when the offline bundle has that
folder, else from the configured index. Every problem is one Chinese message and exit code 2.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
WHEELS = ROOT / "wheels"
MANIFEST = "manifest.json"  # written by make_offline_bundle.py: which Pythons and platforms it holds
REQUIREMENTS = {"run": "requirements.txt", "install": "requirements.txt", "test": "requirements-dev.txt"}
MIRROR = "https://pypi.tuna.tsinghua.edu.cn/simple"
USAGE = "用法：python scripts/bootstrap.py run [选项] | test [选项] | install [--index-url 网址]"


class SetupError(Exception):
    """The environment cannot be prepared; the message says what to install or do."""


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if command not in REQUIREMENTS:
        say(USAGE)
        return 2
    try:
        python = target_python()
        if not _same_interpreter(python, Path(sys.executable)):  # continue inside the environment
            return subprocess.call([str(python), str(Path(__file__).with_name("bootstrap.py")), *argv])
        index_url = _option(rest, "--index-url") if command == "install" else None
        ensure_requirements(ROOT / REQUIREMENTS[command], command, index_url)
        if command != "test":
            after_install()
    except SetupError as exc:
        say(str(exc))
        return 2
    if command == "run":
        return subprocess.call([sys.executable, str(ROOT / "run_report.py"), *rest])
    if command == "test":
        return subprocess.call([sys.executable, "-m", "pytest", *rest], cwd=ROOT)
    launcher = "生成报告.bat" if os.name == "nt" else "生成报告.sh"
    say(f"安装完成（{sys.prefix}）。以后双击 {launcher} 即可运行。")
    return 0


def say(text: str) -> None:
    """Messages go to stderr: stdout belongs to the run (`--json` must stay parseable)."""
    print(text, file=sys.stderr, flush=True)


# ---- which Python ---------------------------------------------------------------------------


def in_virtual_environment() -> bool:
    return sys.prefix != sys.base_prefix


def managed() -> bool:
    """True inside the project's own .venv, which this script may install into and configure."""
    return in_virtual_environment() and _same_path(Path(sys.prefix), VENV)


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def target_python() -> Path:
    """The interpreter to run in: this one inside any virtual environment, else the project's .venv."""
    if in_virtual_environment():
        return Path(sys.executable)
    python = venv_python()
    if python.exists() and _works(python):
        return python
    if python.exists() or VENV.exists():
        if not (VENV / "pyvenv.cfg").is_file():
            raise SetupError(f"{VENV} 不是虚拟环境文件夹：请把它改名或删除后重新运行。")
        say(f"项目中的 {VENV.name} 无法使用（可能是从别的电脑复制来的，或 Python 已升级），正在重新建立……")
        shutil.rmtree(VENV)
    create_venv(VENV)
    return python


def _works(python: Path) -> bool:
    probe = [str(python), str(Path(__file__).with_name("bootstrap.py")), "--probe"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def create_venv(venv: Path) -> None:
    """`python -m venv`, after checking the piece Debian ships separately (python3.X-venv)."""
    missing = venv_missing_message()
    if missing:
        raise SetupError(missing)
    say(f"正在建立项目专用的 Python 环境 {venv} ……")
    done = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise SetupError(
            f"建立 Python 环境失败（{detail[0]}）。{venv_missing_message(force=True)}"
            if "ensurepip" in (done.stderr + done.stdout)
            else f"建立 Python 环境 {venv} 失败：{detail[0]}。请检查文件夹是否可写、磁盘是否已满。"
        )


def venv_missing_message(force: bool = False) -> str:
    """A Chinese message when this Python cannot create a virtual environment with pip, else ''."""
    try:
        import ensurepip  # noqa: F401 - Debian moves it into the python3.X-venv package
    except ImportError:
        force = True
    if not force:
        return ""
    package = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    return (
        f"这台电脑的 Python（{sys.executable}）缺少建立虚拟环境所需的 {package} 组件。"
        f"请在终端运行：sudo apt install {package}（统信UOS、麒麟也可以在应用商店或软件源中搜索 {package} 安装；"
        f"没有网络时，请信息中心从同版本系统的软件源下载 {package} 及其依赖的 .deb 文件，用 sudo dpkg -i 安装），"
        "装好后重新运行。"
    )


def _same_interpreter(a: Path, b: Path) -> bool:
    """Same environment: a venv's python may be a symlink to the base one, so compare prefixes."""
    return _same_path(a.parent, b.parent) if a.name and b.name else False


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() if a.exists() and b.exists() else False
    except OSError:
        return False


# ---- requirements ---------------------------------------------------------------------------


def pinned(requirements: Path) -> list[tuple[str, str]]:
    """(name, version) of every `name==version` line, following `-r other.txt`."""
    pins = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            pins += pinned(requirements.parent / line.split(None, 1)[1])
        elif "==" in line:
            name, version = (part.strip() for part in line.split(";", 1)[0].split("==", 1))
            pins.append((name, version))
    return pins


def unmet(requirements: Path) -> list[tuple[str, str, str | None]]:
    """(name, wanted, installed or None) for each pin this interpreter does not satisfy."""
    out = []
    for name, version in pinned(requirements):
        try:
            have: str | None = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != version:
            out.append((name, version, have))
    return out


def ensure_requirements(requirements: Path, command: str, index_url: str | None = None) -> None:
    """Install what is missing; in someone else's environment a run only checks, never installs."""
    problems = unmet(requirements)
    if not problems:
        return
    if command == "run" and not managed():
        missing = [name for name, _, have in problems if have is None]
        if missing:
            raise SetupError(
                f"当前使用的 Python 环境（{sys.prefix}）缺少：{'、'.join(missing)}。"
                "请先运行 python scripts/bootstrap.py install 装进这个环境；或者退出这个虚拟环境再运行，"
                "程序会在项目文件夹中建立自己的环境。"
            )
        return  # other versions than pinned: the developer's environment, their choice
    install(requirements, index_url)


def install(requirements: Path, index_url: str | None = None, wheels: Path = WHEELS) -> None:
    """pip install -r, from `wheels/` with no index when the offline bundle has it."""
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-r", str(requirements)]
    offline = wheels.is_dir()
    if offline:
        check_bundle_fits(wheels)
        command += ["--no-index", "--find-links", str(wheels)]
        say(f"正在从离线安装包安装所需的库（{wheels}），约需一两分钟……")
    else:
        if index_url:
            command += ["--index-url", index_url]
        say("正在联网安装所需的库，第一次约需几分钟……")
    if subprocess.call(command, stdout=sys.stderr) == 0:
        return
    if offline:
        raise SetupError(
            f"从离线安装包安装失败（原因见上面的英文信息）。请确认 {wheels} 是用 make_offline_bundle.py "
            "完整生成、完整拷贝过来的。"
        )
    raise SetupError(
        "联网安装所需的库失败，多半是连不上软件源。可以换国内镜像再试：\n"
        f"  python scripts/bootstrap.py install --index-url {MIRROR}\n"
        "没有网络的电脑请用离线安装包（见 README「没有网络的电脑」）。"
    )


def check_bundle_fits(wheels: Path) -> None:
    """The bundle holds wheels for some Pythons and platforms only: say so before pip does, in English."""
    path = wheels / MANIFEST
    if not path.is_file():
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    platform = host_platform()
    if version in manifest.get("python", []) and platform in manifest.get("platforms", []):
        return
    raise SetupError(
        f"这个离线安装包不适合本机（{platform}，Python {version}）：它支持 "
        f"{'、'.join(manifest.get('platforms', []))}，Python {'、'.join(manifest.get('python', []))}。"
        "请安装其中一个 Python 版本后重新运行，或在能上网的电脑上为本机重新生成安装包。"
    )


def host_platform() -> str:
    """windows-x64 / linux-x86_64 / linux-aarch64 / …, as the offline bundle names its wheel sets."""
    name = sysconfig.get_platform()  # win-amd64, linux-x86_64, linux-aarch64, macosx-…
    return {"win-amd64": "windows-x64"}.get(name, name)


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# ---- after installing: the Excel button's interpreter, settings.toml into 名册.xlsx -----------


def after_install() -> None:
    """What a first run needs besides packages (each once; quiet when nothing changes)."""
    if managed():
        link_project()
    if os.name == "nt" and managed():  # only the project's own .venv is the button's to use
        configure_excel_button(Path(sys.executable))
    convert_old_settings()


PROJECT_PTH = "county_report_project.pth"


def link_project() -> None:
    """Make the project importable in its own .venv, as `pip install -e .` would, without a build:
    a .pth file naming the project folder, so `python scripts/….py` finds county_report. It takes
    effect for this process too (site.addsitedir reads the folder's .pth files)."""
    import site
    import sysconfig

    packages = Path(sysconfig.get_paths()["purelib"])
    pth = packages / PROJECT_PTH
    wanted = str(ROOT) + "\n"
    try:
        if not pth.is_file() or pth.read_text(encoding="utf-8") != wanted:
            pth.write_text(wanted, encoding="utf-8")
    except OSError as exc:
        say(f"未能写入 {pth}（{exc}）：scripts/ 中的脚本可能找不到程序，请在项目文件夹中运行 run_report.py。")
        return
    site.addsitedir(str(packages))


def configure_excel_button(python: Path, home: Path | None = None) -> None:
    """Point the workbook's button at this environment's Python (xlwings reads these config files).

    macros/xlwings.conf serves the workbook in macros/ (and renamed copies beside it); the user's
    ~/.xlwings/xlwings.conf serves copies elsewhere (the desktop), with macros/ on their path.
    """
    values = button_config(ROOT, python)
    home = home or Path(os.environ.get("USERPROFILE") or Path.home())
    for path in (ROOT / "macros" / "xlwings.conf", home / ".xlwings" / "xlwings.conf"):
        try:
            if update_config_file(path, values):
                say(f"已设置 Excel 按钮使用的 Python：{python}（{path}）")
        except (OSError, UnicodeError) as exc:
            say(f"未能写入 {path}（{exc}）：Excel 按钮可能找不到 Python，详见 README「指定 Python」。")


def button_config(root: Path, python: Path) -> dict[str, str]:
    """What xlwings needs to run the buttons of this project: which Python, and macros/ on its path."""
    return {"INTERPRETER_WIN": str(python), "PYTHONPATH": str(root / "macros")}


def update_config_file(path: Path, values: dict[str, str], encoding: str | None = None) -> bool:
    """Set `values` in an xlwings config file (`"KEY","value"` lines), keeping its other lines.

    VBA reads the file with `Input #`, in the system's ANSI code page (GBK on a Chinese Windows),
    so it is written in that code page, not UTF-8. Returns whether the file changed.
    """
    encoding = encoding or locale_encoding()
    old = path.read_bytes().decode(encoding, errors="replace") if path.is_file() else ""
    lines, wanted = [], {k.upper(): v for k, v in values.items()}
    for line in old.splitlines():
        match = re.match(r'^"([^"]*)"\s*,', line)
        if not (match and match.group(1).upper() in wanted):
            lines.append(line)
    lines += [f'"{key}","{value}"' for key, value in wanted.items()]
    new = "".join(line + "\r\n" for line in lines if line.strip())
    if new == old:
        return False
    data = new.encode(encoding)  # UnicodeEncodeError: a character the code page lacks
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def locale_encoding() -> str:
    """The system's ANSI code page on Windows (GBK on a Chinese one), even in Python's UTF-8 mode."""
    import locale

    return locale.getencoding()


def convert_old_settings() -> None:
    """An older project's templates/settings.toml moves into the 设置 sheet of 名册.xlsx, once."""
    templates = ROOT / "templates"
    if not (templates / "settings.toml").is_file():
        return
    try:  # importable in the project's own .venv (link_project) or wherever it was installed
        from county_report.errors import ConfigError
        from county_report.settings_sheet import convert_settings_toml
    except ImportError:
        return  # the run reads settings.toml as before and says where the settings now belong

    try:
        renamed = convert_settings_toml(templates)
    except ConfigError:
        return  # the run itself reports what is wrong with the file
    except OSError as exc:
        say(
            f"名册.xlsx 正被其他程序打开或无法写入（{exc}），本次仍按 settings.toml 运行；关闭后再运行即可转换。"
        )
        return
    if renamed is not None:
        say(
            f"已把 settings.toml 中的设置转入 templates/名册.xlsx 的「设置」工作表，以后请在那里修改；"
            f"原文件已改名为 {renamed.name}。"
        )
