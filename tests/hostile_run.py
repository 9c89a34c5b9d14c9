"""Run the whole pipeline on the demo forms plus one file of every hostile kind; print time and peak memory.

Not a test (timings vary by machine): the figures go in the engineering note. Issue 6's corpus
(bombs, entities, far cells, wrong types) and issue 16's: every count a reader trusts, values
that wrapped or stopped a total, a formula without its value, a form sheet twice, a date typed as
a number, a decimal comma, links, pipes and odd names. The county is run with worker processes,
then read in this process (--workers 0, with its outputs inside the inputs, twice), then with a
runaway Word template.
Usage: .venv/bin/python tests/hostile_run.py [--keep]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

import hostile
import hostile_counts
import openpyxl
from report_command import report_command

ROOT = Path(__file__).resolve().parent.parent

LIMIT_SECONDS, LIMIT_MIB = 30, 1024


def build_folder(inputs: Path) -> dict[str, Path]:
    """Copy the demo forms into `inputs` and add the hostile corpus beside them."""
    forms = sorted((ROOT / "inputs").glob("*.xlsx"))
    if not forms:  # before the demo inputs exist: a few plain workbooks stand in
        forms = [hostile.good_workbook(inputs / f"示例{i}.xlsx") for i in range(3)]
    for form in forms:
        if form.parent != inputs:
            shutil.copy2(form, inputs / form.name)
    corpus = hostile.build_corpus(inputs)
    sources = [inputs / form.name for form in forms[:16]]  # one village per variant, none superseded
    corpus["xlsm-form"] = hostile.xlsm_with_macro(inputs, sources[0])
    texts = {
        "formula-text": ("填报人", '=HYPERLINK("http://example.com","点我")'),
        "control-chars": ("填报人", "张\x07三\x1b"),
        "long-text": ("联系电话", "很长" * 20_000),
        "xml-specials": ("填报人", "张&三 <李四> \"王五\" '赵六'"),
    }
    for source, (kind, (label, text)) in zip(sources[1:5], texts.items(), strict=False):
        corpus[kind] = hostile.hostile_text(inputs, source, label, text, f"{source.stem}_{kind}.xlsx")
    corpus |= _issue16_values(inputs, sources[5:])
    for source in sources[:5]:
        source.unlink()  # each variant stands in for its village's form
    corpus |= {f"count:{kind}": path for kind, path in hostile_counts.build_counts(inputs / "计数").items()}
    corpus |= _issue16_paths(inputs)
    return corpus


_VALUES = {  # kind → (label, value typed)
    "wrapped-total": ("走访农户", "12345678901234567890"),
    "five-e18": ("走访农户", 5 * 10**18),
    "1e308": ("走访农户", 1e308),
    "1e26-yuan": ("发放慰问金", 1e26),
    "decimal-comma": ("投入帮扶资金", "1,5"),
    "formula-no-value": ("走访农户", "=SUM(100,20)"),  # openpyxl saves no cached value
    "date-as-number": ("填报日期", 11.2),
}


def _issue16_values(inputs: Path, sources: list[Path]) -> dict[str, Path]:
    """Demo forms (each its own village) with one issue-16 value, a sheet copied, or a second form."""
    made = {}
    for source, (kind, (label, value)) in zip(sources, _VALUES.items(), strict=False):
        wb = openpyxl.load_workbook(source)
        ws = wb["基本情况"]
        cell = next(c for row in ws.iter_rows() for c in row if str(c.value or "").startswith(label))
        ws.cell(cell.row, cell.column + 1).value = value
        wb.save(source)
        made[kind] = source
    for source, kind in zip(sources[len(_VALUES) :], ("hidden-original", "second-form"), strict=False):
        wb = openpyxl.load_workbook(source)
        copy = wb.copy_worksheet(wb["基本情况"])
        copy.title = "基本情况 (2)"
        if kind == "hidden-original":
            wb["基本情况"].sheet_state = "hidden"
        wb.save(source)
        made[kind] = source
    return made


def _issue16_paths(inputs: Path) -> dict[str, Path]:
    """Links that loop, dangle or point outside; a named pipe; a name with control characters."""
    made = {}
    if os.name != "nt":
        outside = inputs.parent / "别处"
        outside.mkdir(exist_ok=True)
        hostile.good_workbook(outside / "外村.xlsx")
        pairs = {
            "link-loop": ("环", inputs / "环"),
            "link-dangling": ("断开.xlsx", inputs.parent / "无.xlsx"),
        }
        pairs["link-outside"] = ("外面", outside)
        for kind, (name, target) in pairs.items():
            (inputs / name).symlink_to(target)
            made[kind] = inputs / name
        os.mkfifo(inputs / "管道.xlsx")
        made["fifo"] = inputs / "管道.xlsx"
    odd = inputs / "柳树\x1b[2J村\x07.pdf"
    odd.write_bytes(b"%PDF-1.4\n")
    made["control-char-name"] = odd
    return made


def _runaway_template(templates: Path) -> None:
    template = templates / "工作总结模板.docx"
    with zipfile.ZipFile(template) as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    loops = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}x"
    runaway = loops + "{% endfor %}" * 3
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"{{ ", runaway.encode() + b"{{ ", 1)
    with zipfile.ZipFile(template, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def run(label: str, inputs: Path, outputs: Path, templates: Path, *extra: str) -> dict:
    command = report_command(inputs, outputs, templates, "--json", *extra)
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace"
    )
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux; largest so far
    summary = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    codes = Counter(f["code"] for f in summary.get("findings", []))
    print(f"\n== {label}")
    print(f"退出码 {done.returncode}；用时 {elapsed:.1f} 秒；子进程峰值内存（至今最大）{peak_mib:.0f} MiB")
    if summary:
        print(
            f"读取 {summary['读取文件数']}，采用 {summary['采用']}，拒收 {summary['拒收']}，"
            f"跳过 {summary['跳过']}，被取代 {summary['被取代']}"
        )
        print("问题代码：" + "，".join(f"{code} {n}" for code, n in sorted(codes.items())))
    if done.stderr.strip():
        print("stderr：" + done.stderr.strip()[-600:])
    ok = elapsed < LIMIT_SECONDS and peak_mib < LIMIT_MIB and "Traceback" not in done.stderr
    print(f"limits: {LIMIT_SECONDS} s, {LIMIT_MIB} MiB, no traceback -> {'OK' if ok else 'OVER'}")
    return {"code": done.returncode, "seconds": elapsed, "summary": summary, "stderr": done.stderr, "ok": ok}


ACCEPTED_KINDS = {"xlsm-form", "formula-text", "xml-specials"}  # read and counted, with no finding


def _unnamed(summary: dict, corpus: dict[str, Path], inputs: Path) -> list[str]:
    """Hostile kinds that no finding names: should be none."""
    from county_report.safename import printable

    named = {f["file"] for f in summary.get("findings", [])}
    hostile_kinds = {k: p for k, p in corpus.items() if k not in ACCEPTED_KINDS}
    unnamed = [
        k for k, p in hostile_kinds.items() if printable(p.relative_to(inputs).as_posix()) not in named
    ]
    print(
        f"被点名的恶意/异常样本：{len(hostile_kinds) - len(unnamed)}/{len(hostile_kinds)}；未点名：{unnamed or '无'}"
    )
    return unnamed


def main() -> int:
    keep = "--keep" in sys.argv
    work = Path(tempfile.mkdtemp(prefix="hostile_run_"))
    inputs, outputs = work / "inputs", work / "outputs"
    inputs.mkdir()
    templates = work / "templates"
    shutil.copytree(ROOT / "templates", templates)
    corpus = build_folder(inputs)
    print(
        f"输入 {sum(1 for _ in inputs.rglob('*'))} 个路径（其中恶意/损坏/异常样本 {len(corpus)} 个）：{inputs}"
    )
    results = [run("子进程读取（默认）", inputs, outputs, templates)]
    unnamed = _unnamed(results[0]["summary"], corpus, inputs)
    inside = inputs / "结果"
    results.append(
        run(
            "本进程读取（--workers 0），输出文件夹在输入文件夹内", inputs, inside, templates, "--workers", "0"
        )
    )
    results.append(run("再运行一次：不读取自己的输出", inputs, inside, templates, "--workers", "0"))
    second = results[-1]["summary"]
    own = [f for f in second.get("findings", []) if f["file"].startswith("结果/")]
    print("第二次运行中指向自己输出的问题：", own or "无")
    runaway = work / "templates-runaway"
    shutil.copytree(templates, runaway)
    _runaway_template(runaway)
    results.append(run("失控的 Word 模板（三重循环各十万次）", inputs, work / "outputs-runaway", runaway))
    if not keep:
        shutil.rmtree(work)
    fine = (
        all(r["code"] in (0, 1) for r in results[:3]) and results[3]["code"] == 2 and not own and not unnamed
    )
    return 0 if fine and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
