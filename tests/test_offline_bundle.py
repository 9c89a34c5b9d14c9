"""The offline bundle: built for this machine, installed by 安装.sh with no index, then run on the demo.

Downloaded wheels are kept between runs (pytest's cache folder, or $REPORT_WHEEL_CACHE), so only
the first run needs the network; without network and without cached wheels the tests are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _load():
    spec = importlib.util.spec_from_file_location(
        "make_offline_bundle", ROOT / "scripts" / "make_offline_bundle.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bundler = _load()
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def wheel_cache(request, tmp_path_factory) -> Path:
    if os.environ.get("REPORT_WHEEL_CACHE"):
        return Path(os.environ["REPORT_WHEEL_CACHE"])
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("offline-wheels") if cache is not None else tmp_path_factory.mktemp("wheels")


def _build_or_skip(out: Path, targets, cache: Path) -> Path:
    try:
        return bundler.build(out, targets, cache)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no package index reachable and no cached wheels ({exc.cmd[3]})")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, wheel_cache) -> Path:
    """The bundle for this machine's platform and Python, in a folder with a Chinese name."""
    out = tmp_path_factory.mktemp("离线") / bundler.BUNDLE_NAME
    return _build_or_skip(out, [bundler.Target(bundler.host_platform(), HOST_PYTHON)], wheel_cache)


def test_the_bundle_holds_the_project_the_wheels_and_a_readme(bundle):
    for item in ("run_report.py", "安装.bat", "安装.sh", "生成报告.bat", "生成报告.sh", "scripts/bootstrap.py",
                 "templates/名册.xlsx", "macros/报表助手.xlsm", "inputs", "outputs"):  # fmt: skip
        assert (bundle / item).exists(), item
    assert not (bundle / "tests").exists() and not (bundle / ".venv").exists()
    assert os.access(bundle / "安装.sh", os.X_OK)
    manifest = json.loads((bundle / "wheels" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["python"] == [HOST_PYTHON] and manifest["platforms"] == [bundler.host_platform()]
    wheels = {p.name for p in (bundle / "wheels").glob("*.whl")}
    assert set(next(iter(manifest["sets"].values()))) == wheels
    assert any(name.startswith("pandas-") for name in wheels)
    raw = (bundle / "离线安装说明.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert f"需要：Python {HOST_PYTHON} 中的任一版本（64 位）" in text
    assert "https://www.python.org/downloads/windows/" in text and "Miniforge3-Linux-aarch64.sh" in text


@pytest.mark.skipif(os.name == "nt", reason="安装.sh needs bash; 安装.bat is checked statically")
def test_安装_sh_installs_with_no_index_into_a_fresh_venv_and_the_demo_runs(bundle, tmp_path):
    # PATH holds only the base interpreter (no virtual environment, none of the packages) and the
    # coreutils the launcher needs; pip's configuration is emptied and any network use would fail.
    base = Path(sys.base_prefix) / "bin" / f"python{HOST_PYTHON}"
    path = tmp_path / "bin"
    path.mkdir()
    os.symlink(base, path / "python3")
    for tool in ("dirname", "readlink"):
        os.symlink(shutil.which(tool), path / tool)
    env = {"PATH": str(path), "HOME": str(tmp_path), "LANG": "C.UTF-8", "CI": "1", "PIP_CONFIG_FILE": os.devnull,
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}  # fmt: skip
    install = subprocess.run(
        ["/bin/bash", str(bundle / "安装.sh")], env=env, capture_output=True, text=True, timeout=600
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert "正在从离线安装包安装所需的库" in install.stderr and "安装完成" in install.stderr
    venv_python = bundle / ".venv" / "bin" / "python"
    pandas = subprocess.run([str(venv_python), "-c", "import pandas, docxtpl, python_calamine; print(pandas.__file__)"],
                            capture_output=True, text=True, env=env)  # fmt: skip
    assert pandas.stdout.startswith(str(bundle / ".venv"))
    outputs = tmp_path / "结果"
    run = subprocess.run(["/bin/bash", str(bundle / "生成报告.sh"), "--outputs", str(outputs), "--quiet"],
                         env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 1: the demo carries two wrong forms
    assert (outputs / "汇总表.xlsx").is_file() and list(outputs.glob("*工作总结.docx"))
    assert "正在" not in run.stderr  # nothing installed the second time


@pytest.mark.parametrize("platform", ["windows-x64", "linux-aarch64"])
def test_other_platforms_wheel_sets_install_offline(tmp_path, wheel_cache, platform):
    """As 安装 would on that PC: pip install --dry-run --no-index --only-binary=:all: --platform …"""
    target = bundler.Target(platform, HOST_PYTHON)
    out = _build_or_skip(tmp_path / bundler.BUNDLE_NAME, [target], wheel_cache)
    manifest = json.loads((out / "wheels" / "manifest.json").read_text(encoding="utf-8"))
    extra = manifest["platform_dependencies"].get(f"{platform} {HOST_PYTHON}", [])
    files = bundler.resolve_offline(target, out / "requirements.txt", out / "wheels", extra)
    names = [f.name for f in files]
    tag = "win_amd64" if platform == "windows-x64" else "aarch64"
    assert any(n.startswith("pandas-") and tag in n for n in names), names
    assert all(Path(f).parent == out / "wheels" for f in files)
    if (
        platform == "windows-x64"
    ):  # xlwings needs pywin32 on Windows only: a marker pip evaluates for Linux here
        assert extra == ["pywin32>=224"] and any(n.startswith("pywin32-") and "win_amd64" in n for n in names)


def test_every_supported_target_is_declared():
    assert bundler.PYTHONS[0] == "3.11"  # pyproject: requires-python >= 3.11
    assert set(bundler.PLATFORMS) == {"windows-x64", "linux-x86_64", "linux-aarch64"}
    assert bundler.host_platform() in bundler.PLATFORMS or sys.platform == "darwin"
