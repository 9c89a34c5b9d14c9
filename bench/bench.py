"""Benchmark: the full pipeline on a synthetic county of N villages against the naive script,
the re-run after 10 forms change, the database's costs, and whether the reading workers stay busy.

    python bench/bench.py                      # N = 300 and 3,000
    python bench/bench.py --n 30000 --baseline-limit 3000

For each N it generates (once, cached in bench/out/) a roster and N filled forms, runs the
whole pipeline in a fresh process, and prints the seconds per stage, forms per second and peak
memory; in the same invocation it runs the script a county IT helper would write
(pandas.read_excel with openpyxl over every file, summing 走访农户) and prints the ratio.
Each run is a separate process, so imports and worker start-up count and memory peaks are clean.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DEFAULT_SIZES = (300, 3000)
SAMPLE_FORMS = 200  # forms timed one by one for the per-form breakdown
BASELINE_FIELD = "走访农户"
STAGES = (
    ("templates", "模板"),
    ("read", "读取+校验"),
    ("imports", "等待导入"),
    ("aggregate", "汇总"),
    ("workbook", "汇总表"),
    ("report", "报告"),
    ("record", "记入数据文件"),
)


def fast_run(inputs: str, templates: str, outputs: str, workers: str, data: str = "") -> dict:
    """The pipeline as the command line runs it (child side); returns figures as a dict.

    `data`: the database folder (the command line always has one); "" runs without it."""
    start = time.perf_counter()
    sampler = _TreeSampler()
    from county_report.model import RunOptions
    from county_report.pipeline import run

    options = RunOptions(
        inputs=Path(inputs),
        outputs=Path(outputs),
        templates=Path(templates),
        workers=None if workers == "auto" else int(workers),
        data=Path(data) if data else None,
    )
    result = run(options)
    wall = time.perf_counter() - start
    tree_peak = sampler.stop()
    households = _county_total(Path(outputs) / "汇总表.xlsx")
    return {
        "wall": wall,
        "timings": dict(result.timings),
        "accepted": result.accepted,
        "files": result.files_read,
        "reused": result.reused,
        "error_codes": sorted({f.code for f in result.findings if f.is_error}),
        "households": households,
        **_peaks(),
        "tree_peak_mb": tree_peak,
    }


def baseline_run(inputs: str, limit: int) -> dict:
    """The naive script: pandas.read_excel (openpyxl) over every file, summing one field (child side)."""
    start = time.perf_counter()
    import pandas as pd

    files = sorted(Path(inputs).glob("*.xlsx"))
    files = files[:limit] if limit else files
    total = 0
    for path in files:
        sheets = pd.read_excel(path, sheet_name=["基本情况", "问题台账"], header=None, engine="openpyxl")
        basic = sheets["基本情况"]
        row = basic[basic[0].astype(str).str.startswith(BASELINE_FIELD)]
        total += int(row.iloc[0, 1])
    return {"wall": time.perf_counter() - start, "files": len(files), "households": total, **_peaks()}


class _TreeSampler:
    """Peak MB of this process and all its descendants together (Linux /proc, every 20 ms).

    ru_maxrss of the children cannot tell this: a child started while the parent holds 700 MB
    is charged that 700 MB for the instant between fork and exec. Elsewhere: None.
    """

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        if Path("/proc/self/status").exists():
            self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, sum(_rss_kb(pid) for pid in _tree(os.getpid())))

    def stop(self) -> float | None:
        if not self._thread.is_alive():
            return None
        self._stop.set()
        self._thread.join()
        return self.peak / 1024


def _tree(pid: int) -> list[int]:
    pids, at = [pid], 0
    while at < len(pids):
        for task in Path(f"/proc/{pids[at]}/task").glob("*/children"):
            try:
                pids += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
        at += 1
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _peaks() -> dict:
    """Peak resident memory in MB: this process, and the largest finished child (the workers)."""
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return {"peak_mb": own / 2**20, "worker_peak_mb": child / 2**20}


def _county_total(workbook: Path) -> int | None:
    """走访农户 in the 合计 row of 全县汇总, to check that both runs counted the same thing."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("全县汇总").to_python()
    column = next((i for i, h in enumerate(rows[0]) if str(h).startswith(BASELINE_FIELD)), None)
    return None if column is None else int(rows[-1][column])


def per_form(inputs: Path, templates: Path, sample: int = SAMPLE_FORMS) -> dict:
    """Milliseconds per form for each step, in this process: guard, read, validate, calamine floor."""
    from python_calamine import CalamineWorkbook

    from county_report.definition import load_campaign
    from county_report.guard import screen
    from county_report.reader import read_form
    from county_report.roster import load_roster
    from county_report.settings import FORM_FILE, ROSTER_FILE
    from county_report.validate import validate_form

    spec = load_campaign(templates / FORM_FILE)
    roster = load_roster(templates / ROSTER_FILE, spec)
    files = sorted(inputs.glob("*.xlsx"))[:sample]
    clock = {"guard": 0.0, "read": 0.0, "validate": 0.0, "floor": 0.0}
    for path in files:
        t0 = time.perf_counter()
        _, data = screen(path, path.name, spec.sheets)  # as the pipeline calls them
        t1 = time.perf_counter()
        raw = read_form(path, spec, path.name, data)
        t2 = time.perf_counter()
        validate_form(raw, spec, roster)
        t3 = time.perf_counter()
        with CalamineWorkbook.from_path(str(path)) as book:
            for name in spec.sheets[:2]:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        t4 = time.perf_counter()
        for key, seconds in zip(clock, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            clock[key] += seconds
    return {key: 1000 * seconds / max(len(files), 1) for key, seconds in clock.items()}


def cold_start() -> dict:
    """Seconds for `python run_report.py --help` and for importing what a run needs before reading."""
    imports = "import county_report.cli, county_report.pipeline, county_report.intake, county_report.workers"
    commands = {
        "help": [sys.executable, str(ROOT / "run_report.py"), "--help"],
        "imports": [sys.executable, "-c", imports],
        "python": [sys.executable, "-c", "pass"],
    }
    return {key: min(_timed(cmd)[0] for _ in range(3)) for key, cmd in commands.items()}


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=True)
    return time.perf_counter() - start, done.stdout


def _child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter; returns its JSON figures and the outer wall time."""
    wall, out = _timed([sys.executable, str(Path(__file__).resolve()), "--child", *args])
    figures = json.loads(out.strip().splitlines()[-1])
    figures["process_wall"] = wall
    return figures


def bench_size(n: int, seed: int, workers: str, baseline_limit: int, keep: Path | None, out: Path) -> dict:
    """Generate (or reuse) the corpus for n, run the pipeline and the baseline, return the figures."""
    from rerun import QUEUES, change_forms, database_sizes, linked_inputs
    from synth import corpus

    county = corpus(n, seed, out)
    templates = str(county.templates)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        outputs = keep / f"n{n}" if keep else Path(tmp) / "outputs"
        inputs, data = linked_inputs(county.inputs, Path(tmp) / "inputs"), Path(tmp) / "数据"
        nodb = _child("fast", str(inputs), templates, str(outputs), workers)
        fast = _child("fast", str(inputs), templates, str(outputs), workers, str(data))  # cold: empty 数据/
        change_forms(county, inputs)
        rerun = _child("fast", str(inputs), templates, str(outputs), workers, str(data))
        sizes = database_sizes(data)
    slow = _child("baseline", str(county.inputs), str(baseline_limit))
    if slow["files"] < n:
        slow["extrapolated_wall"] = slow["wall"] * n / max(slow["files"], 1)
    busy = [_child("busy", str(county.inputs), str(q), workers) for q in QUEUES]
    return {
        "n": n,
        "fast": fast,
        "nodb": nodb,
        "rerun": rerun,
        "sizes": sizes,
        "busy": busy,
        "baseline": slow,
        "per_form": per_form(county.inputs, county.templates),
    }


def table(results: list[dict]) -> str:
    """The 性能 table in markdown with Chinese headings, one row per N."""
    head = ["村数", *(label + "(秒)" for _, label in STAGES), "全程(秒)", "表/秒", "峰值内存(MB)"]
    head += ["朴素脚本(秒)", "倍数"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        fast, slow = r["fast"], r["baseline"]
        wall = fast["process_wall"]
        base = slow.get("extrapolated_wall", slow["process_wall"])
        mark = "*" if "extrapolated_wall" in slow else ""
        tree = fast.get("tree_peak_mb")
        memory = f"{tree:.0f}" if tree else f"{fast['peak_mb']:.0f} + {fast['worker_peak_mb']:.0f}"
        cells = [f"{r['n']:,}", *(f"{fast['timings'].get(key, 0):.2f}" for key, _ in STAGES)]
        cells += [f"{wall:.2f}", f"{r['n'] / wall:,.0f}", memory, f"{base:.1f}{mark}", f"{base / wall:.1f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def form_table(results: list[dict]) -> str:
    """Milliseconds per form, one process, for each step of the per-file work."""
    head = ["村数", "安全检查(毫秒)", "读取(毫秒)", "校验(毫秒)", "合计(毫秒)", "calamine 下限(毫秒)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        p = r["per_form"]
        total = p["guard"] + p["read"] + p["validate"]
        cells = [f"{r['n']:,}", *(f"{p[k]:.2f}" for k in ("guard", "read", "validate")), f"{total:.2f}"]
        lines.append("| " + " | ".join([*cells, f"{p['floor']:.2f}"]) + " |")
    return "\n".join(lines)


def notes(results: list[dict], start: dict) -> str:
    lines = [
        "全程＝新开进程运行完整流程（含 Python 启动、导入、子进程启动、写汇总表和工作总结）的墙钟时间；",
        "峰值内存＝主进程和全部子进程同一时刻占用之和的最大值（每 20 毫秒采样）；倍数＝朴素脚本时间 ÷ 全程时间。",
    ]
    if any("extrapolated_wall" in r["baseline"] for r in results):
        lines.append("* 朴素脚本只跑了前一部分文件，按文件数线性外推。")
    for r in results:
        same = r["fast"]["households"] == r["baseline"]["households"] or "extrapolated_wall" in r["baseline"]
        codes = "、".join(r["fast"].get("error_codes", [])) or "无"
        verdict = "一致" if same else "不一致！"
        lines.append(
            f"N={r['n']:,}：采用 {r['fast']['accepted']:,} 份（错误代码：{codes}）；走访农户合计两者{verdict}。"
        )
    lines.append(
        f"冷启动：python run_report.py --help {start['help']:.2f} 秒；"
        f"导入运行所需模块 {start['imports']:.2f} 秒；空 Python {start['python']:.2f} 秒。"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="报表助手性能测试：合成 N 个村的报表，完整运行并与朴素脚本比较。"
    )
    parser.add_argument("--n", type=int, nargs="+", default=list(DEFAULT_SIZES), help="村数（可写多个）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子")
    parser.add_argument("--workers", default="auto", help="读取进程数：auto 或数字（0＝不另开进程）")
    parser.add_argument("--baseline-limit", type=int, default=0, help="朴素脚本只跑前 K 份并外推（0＝全部）")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="合成数据缓存文件夹")
    parser.add_argument("--keep-outputs", type=Path, help="保留生成的汇总表和报告到此文件夹")
    parser.add_argument("--json", type=Path, help="把全部数字另存为 JSON")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "busy":
            from rerun import busy_run

            figures = busy_run(*rest)
        else:
            figures = fast_run(*rest) if kind == "fast" else baseline_run(rest[0], int(rest[1]))
        print(json.dumps(figures))
        return 0
    results = [
        bench_size(n, args.seed, args.workers, args.baseline_limit, args.keep_outputs, args.out)
        for n in args.n
    ]
    start = cold_start()
    print(f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}；读取进程：{args.workers}\n")
    from rerun import busy_table, cost_table, rerun_table

    print(table(results), "", form_table(results), "", notes(results, start), sep="\n")
    print(
        "", "重新运行（同一批报表，改动 10 份后再运行一次；两次都新开进程）：", rerun_table(results), sep="\n"
    )
    print("", "数据文件的开销（每次运行；大小为这三次运行之后）：", cost_table(results), sep="\n")
    print("", "读取进程是否一直有活干（只用 calamine 读两张表）：", busy_table(results), sep="\n")
    if args.json:
        args.json.write_text(
            json.dumps({"results": results, "cold_start": start}, ensure_ascii=False, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
