"""Run the whole pipeline on the demo forms plus one file of every hostile kind; print time and peak memory.

Not a test (timings vary by machine): the figures go in the engineering note.
Usage: .venv/bin/python scripts/hostile_run.py [--keep]
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402


def build_folder(inputs: Path) -> dict[str, Path]:
    """Copy the demo forms into `inputs` and add the hostile corpus beside them."""
    forms = sorted((ROOT / "inputs").glob("*.xlsx"))
    if not forms:  # before the demo inputs exist: a few plain workbooks stand in
        forms = [hostile.good_workbook(inputs / f"示例{i}.xlsx") for i in range(3)]
    for form in forms:
        if form.parent != inputs:
            shutil.copy2(form, inputs / form.name)
    corpus = hostile.build_corpus(inputs)
    sources = [inputs / form.name for form in forms[:5]]  # one village per variant, none superseded
    corpus["xlsm-form"] = hostile.xlsm_with_macro(inputs, sources[0])
    texts = {
        "formula-text": ("填报人", '=HYPERLINK("http://example.com","点我")'),
        "control-chars": ("填报人", "张\x07三\x1b"),
        "long-text": ("联系电话", "很长" * 20_000),
        "xml-specials": ("填报人", "张&三 <李四> \"王五\" '赵六'"),
    }
    for source, (kind, (label, text)) in zip(sources[1:], texts.items(), strict=False):
        corpus[kind] = hostile.hostile_text(inputs, source, label, text, f"{source.stem}_{kind}.xlsx")
    for source in sources:
        source.unlink()  # each variant stands in for its village's form
    return corpus


def main() -> int:
    keep = "--keep" in sys.argv
    work = Path(tempfile.mkdtemp(prefix="hostile_run_"))
    inputs, outputs = work / "inputs", work / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    corpus = build_folder(inputs)
    files = sorted(p for p in inputs.iterdir())
    print(f"输入文件 {len(files)} 个（其中恶意/损坏样本 {len(corpus)} 个）：{inputs}")
    command = [
        sys.executable,
        str(ROOT / "run_report.py"),
        "--inputs",
        str(inputs),
        "--outputs",
        str(outputs),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
    print(done.stdout[-4000:])
    print(done.stderr[-2000:], file=sys.stderr)
    print(f"退出码 {done.returncode}；用时 {elapsed:.1f} 秒；子进程峰值内存 {peak_mib:.0f} MiB")
    print(f"limits: 30 s, 1024 MiB -> {'OK' if elapsed < 30 and peak_mib < 1024 else 'OVER'}")
    if not keep:
        shutil.rmtree(work)
    return 0 if done.returncode in (0, 1) else 1


if __name__ == "__main__":
    raise SystemExit(main())
