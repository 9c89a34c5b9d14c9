"""Build the offline bundle: the project plus every wheel it needs, for PCs that reach no package index.

Run on a machine with internet. The bundle holds wheels for Windows x64 and for Linux x86_64 and
aarch64 (飞腾/鲲鹏 machines run 麒麟 on ARM), for each supported Python version; on the offline PC
安装.bat / 安装.sh install them with `pip install --no-index --find-links wheels`. Each wheel set is
resolved with `pip install --dry-run --no-index --only-binary=:all: --platform … --python-version …`
against the bundle's own folder, so a set that would not install offline fails the build here.

    python scripts/make_offline_bundle.py                       # all platforms and Pythons
    python scripts/make_offline_bundle.py --platform windows-x64 --python 3.13 --zip
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from envsetup import MANIFEST, host_platform

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_NAME = "报表助手-离线安装包"
README_NAME = "离线安装说明.txt"
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# Older pip checks a wheel's Requires-Python against the running interpreter, not --python-version,
# and rejects e.g. numpy for 3.12 when run from 3.11 (fixed in pip 24.2).
CROSS_VERSION_PIP = (24, 2)  # pyproject's requires-python, up to the newest with wheels
_GLIBC = (
    "manylinux_2_28",
    "manylinux_2_27",
    "manylinux_2_26",
    "manylinux_2_24",
    "manylinux_2_17",
    "manylinux2014",
    "manylinux2010",
    "manylinux1",
)  # fmt: skip - glibc 2.28: 麒麟 V10, 统信UOS 20
PLATFORMS = {
    "windows-x64": ("win_amd64",),
    "linux-x86_64": tuple(f"{tag}_x86_64" for tag in _GLIBC),
    "linux-aarch64": tuple(f"{tag}_aarch64" for tag in _GLIBC),
}
# What a clerk's PC needs from the project; tests, benchmarks and CI stay behind.
PROJECT_ITEMS = (
    "README.md", "run_report.py", "requirements.txt", "pyproject.toml", "生成报告.bat", "生成报告.sh",
    "安装.bat", "安装.sh", "county_report", "templates", "inputs", "macros", "scripts",
)  # fmt: skip
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "xlwings.conf")


@dataclass(frozen=True)
class Target:
    platform: str  # windows-x64 | linux-x86_64 | linux-aarch64
    python: str  # 3.11 …

    def pip_options(self) -> list[str]:
        options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python]
        for tag in PLATFORMS[self.platform]:
            options += ["--platform", tag]
        return options

    def environment(self) -> dict[str, str]:
        """Environment markers as pip would evaluate them on that PC."""
        windows = self.platform.startswith("windows")
        return {
            "sys_platform": "win32" if windows else "linux",
            "platform_system": "Windows" if windows else "Linux",
            "os_name": "nt" if windows else "posix",
            "platform_machine": {"windows-x64": "AMD64"}.get(self.platform, self.platform.split("-")[-1]),
            "python_version": self.python,
            "python_full_version": f"{self.python}.0",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "extra": "",
        }

    def __str__(self) -> str:
        return f"{self.platform} / Python {self.python}"


def build(
    out: Path, targets: list[Target], cache: Path, requirements: Path = ROOT / "requirements.txt"
) -> Path:
    """Write the bundle folder `out` (replacing an older bundle there) and return it.

    It is assembled beside `out` and moved into place at the end, so a failed build leaves no
    half-filled bundle that someone might copy to an offline PC.
    """
    if out.exists() and not (out / "wheels" / MANIFEST).is_file():
        raise SystemExit(f"{out} 已存在且不是离线安装包，请换一个 --out 文件夹。")
    final, out = out, out.with_name(out.name + ".part")
    shutil.rmtree(out, ignore_errors=True)
    copy_project(out)
    wheels = out / "wheels"
    wheels.mkdir()
    cache.mkdir(parents=True, exist_ok=True)
    sets: dict[str, list[str]] = {}
    hidden: dict[str, list[str]] = {}
    for target in targets:
        print(f"准备 {target} 的库……", flush=True)
        files, extra = resolve(target, requirements, cache)
        for file in files:
            if not (wheels / file.name).exists():
                shutil.copy2(file, wheels / file.name)
        sets[f"{target.platform} {target.python}"] = sorted(f.name for f in files)
        hidden[f"{target.platform} {target.python}"] = extra
    for target in targets:  # the bundle's own folder must be enough: what 安装 will do offline
        resolve_offline(
            target, out / "requirements.txt", wheels, hidden[f"{target.platform} {target.python}"]
        )
    manifest = {
        "python": sorted({t.python for t in targets}, key=_version_key),
        "platforms": sorted({t.platform for t in targets}),
        "sets": sets,
        "platform_dependencies": {key: extra for key, extra in hidden.items() if extra},
    }
    (wheels / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    write_readme(out, manifest)
    shutil.rmtree(final, ignore_errors=True)
    out.rename(final)
    return final


def copy_project(out: Path) -> None:
    out.mkdir(parents=True)
    for item in PROJECT_ITEMS:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, out / item, ignore=_SKIP)
        else:
            shutil.copy2(source, out / item)
    (out / "outputs").mkdir()


def resolve(target: Target, requirements: Path, cache: Path) -> tuple[list[Path], list[str]]:
    """The wheel files for one target (from the cache, downloading what it lacks) and the
    dependencies that had to be named for it.

    pip evaluates environment markers for the machine it runs on, whatever --platform says: built
    on Linux, the Windows set would miss xlwings' `pywin32; platform_system == "Windows"`, and 安装.bat
    would then fail offline. So each set's wheels are read for dependencies whose markers hold on
    the target, and the missing ones are asked for by name until none is missing.
    """
    extra: list[str] = []
    for _ in range(5):
        try:
            files = resolve_offline(target, requirements, cache, extra)
        except subprocess.CalledProcessError:
            download = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "-q",
                "-d",
                str(cache),
            ]
            subprocess.run([*download, *target.pip_options(), "-r", str(requirements), *extra], check=True)
            files = resolve_offline(target, requirements, cache, extra)
        missing = [r for r in target_dependencies(files, target) if r not in extra]
        if not missing:
            return files, extra
        extra += missing
    raise RuntimeError(f"{target}：依赖一直补不全（{'、'.join(extra)}）")


def resolve_offline(target: Target, requirements: Path, wheels: Path, extra: list[str] = ()) -> list[Path]:
    """`pip install --dry-run --no-index` for the target against one folder: the files it would install.

    `--isolated` ignores the machine's pip configuration (extra indexes, find-links), so only
    `wheels` counts. Raises CalledProcessError when the folder cannot satisfy the requirements.
    """
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check", "-q",
            "--dry-run", "--ignore-installed", "--no-index", "--find-links", str(wheels),
            *target.pip_options(), "--target", str(Path(scratch) / "target"),
            "--report", str(report), "-r", str(requirements), *extra,
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return [Path(unquote(urlparse(item["download_info"]["url"]).path)) for item in installs]


def target_dependencies(files: list[Path], target: Target) -> list[str]:
    """Requirements (`pywin32>=224`) that the wheels declare for the target's platform but the set lacks."""
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # a bare venv: the copy pip carries (pip is here anyway, it does the work)
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name

    have = {canonicalize_name(f.name.split("-", 1)[0]) for f in files}
    missing = set()
    for file in files:
        for line in _requires_dist(file):
            requirement = Requirement(line)
            if requirement.marker is None or not requirement.marker.evaluate(target.environment()):
                continue  # unconditional ones pip already followed
            if canonicalize_name(requirement.name) not in have:
                missing.add(f"{requirement.name}{requirement.specifier}")
    return sorted(missing)


def _requires_dist(wheel: Path) -> list[str]:
    from email.parser import HeaderParser

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        metadata = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return metadata.get_all("Requires-Dist") or []


def write_readme(out: Path, manifest: dict) -> Path:
    """离线安装说明.txt: which Python, where to get it, and the clerk's steps (Notepad-friendly)."""
    pythons = "、".join(manifest["python"])
    platforms = manifest["platforms"]
    text = README_TEMPLATE.format(
        pythons=pythons,
        newest=manifest["python"][-1],
        platforms="、".join(PLATFORM_NAMES[p] for p in platforms),
        windows="" if "windows-x64" in platforms else "（本安装包不含 Windows 所需的库）",
        linux="" if any(p.startswith("linux") for p in platforms) else "（本安装包不含 Linux 所需的库）",
    )
    path = out / README_NAME
    # BOM and CRLF: Notepad on older Windows shows UTF-8 without a BOM, and LF-only lines, as garbage.
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    return path


PLATFORM_NAMES = {
    "windows-x64": "Windows（64 位）",
    "linux-x86_64": "Linux x86_64（统信UOS、麒麟等，Intel/兆芯/海光 CPU）",
    "linux-aarch64": "Linux aarch64（飞腾、鲲鹏 CPU 上的麒麟、统信UOS）",
}

README_TEMPLATE = """报表助手 离线安装说明
======================

本文件夹是报表助手和它所需的全部库（wheels 文件夹），供不能上网的电脑（政务内网等）使用，
安装时不连接任何网络。

适用：{platforms}
需要：Python {pythons} 中的任一版本（64 位）。本安装包不含 Python 本身，请先按下面的说明装好。

一、Windows 电脑{windows}
1. 安装 Python（已装好的可跳过；在“命令提示符”中运行 py --version 可查看版本）：
   在能上网的电脑上下载 Python {newest} 的 Windows 安装程序（64 位），用 U 盘拷到本机：
     官网：https://www.python.org/downloads/windows/ ，选 “Windows installer (64-bit)”；
     国内镜像：https://mirrors.huaweicloud.com/python/ ，进入 {newest} 开头的最新版本文件夹，
     下载 python-{newest}.*-amd64.exe。
   双击安装，第一屏勾选 “Add python.exe to PATH”，再点 “Install Now”。需要 Windows 10 或更新版本。
2. 把整个“报表助手-离线安装包”文件夹拷到本机（例如 D:\\报表助手），不要在压缩包里直接打开。
3. 双击 安装.bat。窗口中出现“安装完成”即可，按任意键关闭。约需一两分钟，不联网。
4. 双击 生成报告.bat，用自带的示例数据试运行一次：看到“汇总表：……”“工作总结：……”即成功。
5. 以后：把各村交回的报表放进 inputs 文件夹，双击 生成报告.bat；或打开 macros\\报表助手.xlsm，
   点「生成报告」按钮（需要微软 Excel；安装时已自动为按钮指定好 Python）。

二、统信UOS、麒麟等 Linux 电脑{linux}
1. 在终端运行 python3 --version 查看版本。低于 3.11 时：
   有软件源时运行 sudo apt install python3.11 python3.11-venv；
   没有时，在能上网的电脑上下载 Miniforge：
     https://mirrors.tuna.tsinghua.edu.cn/github-release/conda-forge/miniforge/LatestRelease/
     Intel/兆芯/海光等 x86 电脑选 Miniforge3-Linux-x86_64.sh，飞腾、鲲鹏等 ARM 电脑选 Miniforge3-Linux-aarch64.sh，
   拷到本机后在终端运行 bash Miniforge3-Linux-x86_64.sh -b（不需要管理员权限），安装脚本会自动找到它。
   版本够、但提示缺少 python3.11-venv（或 python3-venv）时，请信息中心用软件源或 .deb 文件安装它。
2. 把整个文件夹拷到本机，右键 安装.sh 和 生成报告.sh → 属性 → 权限，勾选“允许作为程序执行”。
3. 双击 安装.sh，选择“在终端中运行”（或在终端中运行 ./安装.sh）。出现“安装完成”即可。
4. 双击 生成报告.sh 试运行一次。结果在 outputs 文件夹，用 WPS 打开。

三、说明
- 安装会在本文件夹中建立 .venv（报表助手专用的 Python 环境），不改动系统的 Python；
  文件夹整个搬到别处后，再运行一次 安装.bat（安装.sh）即可。
- 本机的 Python 版本或 CPU 不在上面“需要”“适用”的范围内时，安装程序会用中文说明；
  请在能上网的电脑上为本机的 Python 版本重新生成安装包：
  python scripts/make_offline_bundle.py --platform 平台 --python 版本
- 使用说明见本文件夹中的 README.md（可用记事本或浏览器打开）。
"""


def pip_problem(targets: list[Target]) -> str:
    """Why this pip cannot check the requested sets, or ''."""
    from importlib.metadata import version

    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    have = version("pip")
    if all(t.python == here for t in targets) or _version_key(have)[:2] >= CROSS_VERSION_PIP:
        return ""
    wanted = ".".join(map(str, CROSS_VERSION_PIP))
    return (
        f"为其他 Python 版本准备库需要 pip {wanted} 或更新版本（现在是 {have}）。"
        f"请先运行：{Path(sys.executable).name} -m pip install --upgrade pip"
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def zip_bundle(out: Path) -> Path:
    """The folder as one .zip (UTF-8 names) for a USB stick or a file transfer."""
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(out.rglob("*")):
            z.write(path, Path(out.name) / path.relative_to(out))
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="生成离线安装包（项目文件 + 各平台、各 Python 版本所需的库）"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / BUNDLE_NAME, help="安装包文件夹")
    parser.add_argument("--platform", nargs="+", choices=sorted(PLATFORMS), default=sorted(PLATFORMS))
    parser.add_argument("--python", nargs="+", default=list(PYTHONS), help="Python 版本，如 3.12 3.13")
    parser.add_argument("--host", action="store_true", help="只生成本机平台和本机 Python 版本的")
    parser.add_argument("--cache", type=Path, default=ROOT / "dist" / "wheel-cache", help="下载过的库存放处")
    parser.add_argument("--zip", action="store_true", help="另外打包成 .zip")
    args = parser.parse_args(argv)
    if args.host:
        args.platform, args.python = [host_platform()], [f"{sys.version_info.major}.{sys.version_info.minor}"]
    unknown = [p for p in args.platform if p not in PLATFORMS]
    if unknown:
        parser.error(f"本机平台 {unknown[0]} 不在 {'、'.join(PLATFORMS)} 中")
    targets = [Target(p, v) for p in args.platform for v in sorted(set(args.python), key=_version_key)]
    problem = pip_problem(targets)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        out = build(args.out, targets, args.cache)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        print(f"下载或核对库失败：{detail[0]}\n请检查网络（或 pip 的镜像设置）后重试。", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in (out / "wheels").iterdir()) / 2**20
    print(f"已生成 {out}（{len(targets)} 套库，共 {size:.0f} MB）。")
    if args.zip:
        print(f"压缩包：{zip_bundle(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
