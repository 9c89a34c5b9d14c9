"""The re-run case, the database's costs and the readers' queue, measured for bench.py.

Re-run: the corpus's forms are linked into a scratch folder; a run there with an empty 数据/ (every
file screened, read, recorded and kept) is the cold run; then 10 forms are replaced by corrected
ones (other figures, so other bytes) and the same command runs again in a fresh process. The same
forms are also run once without a data folder, so the database's own cost shows as a difference.

Queue: calamine alone over the forms in the reading workers, with AHEAD 8 and 32 jobs queued per
worker: the time from the first form begun to the last one done, and the share of it the workers
spent reading (100%: never idle).
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

CHANGED = 10  # forms corrected between the cold run and the re-run
QUEUES = (8, 32)  # jobs queued per worker: before and after issue 14


def linked_inputs(source: Path, target: Path) -> Path:
    """The corpus's forms under `target`, as hard links (a copy where links are not possible): the
    re-run replaces some of them without touching the cached corpus."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copy2(path, target / path.name)
    return target


def change_forms(corpus, inputs: Path, count: int = CHANGED) -> list[str]:
    """Replace `count` villages' forms by the same villages' forms with other figures."""
    from synth import FormPatcher, synth_roster

    from county_report.definition import load_campaign
    from county_report.forms import prefilled_name
    from county_report.settings import FORM_FILE

    patcher = FormPatcher(load_campaign(corpus.templates / FORM_FILE))
    changed = []
    for township, village in synth_roster(corpus.n, random.Random(corpus.seed))[:count]:
        name = prefilled_name(township, village)
        (inputs / name).unlink()  # a new file, not a write through the link into the corpus
        (inputs / name).write_bytes(patcher.village_file(township, village, random.Random(f"更正{village}")))
        changed.append(name)
    return changed


def database_sizes(data: Path) -> dict:
    """MB on disk of the database, its read cache and its backups."""

    def mb(paths) -> float:
        return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20

    return {
        "database_mb": mb(p for p in data.glob("*.sqlite") if "读取缓存" not in p.name),
        "cache_mb": mb(data.glob("*读取缓存*.sqlite")),
        "backups_mb": mb((data / "备份").glob("*.sqlite")),
    }


class CalamineTask:
    """A reading worker's job reduced to calamine: open the form, read its two sheets; returns when
    it began and ended, so the parent can tell work from waiting."""

    def __call__(self, job) -> tuple[float, float]:
        from python_calamine import CalamineWorkbook

        start = time.monotonic()  # one clock for every process of the machine
        with CalamineWorkbook.from_path(str(job.path)) as book:
            for name in ("基本情况", "问题台账"):
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return start, time.monotonic()


def busy_run(inputs: str, ahead: str, workers: str) -> dict:
    """(Child side) calamine over every form in `workers` workers with AHEAD = `ahead`."""
    from county_report import workers as pool
    from county_report.workers import Job, run_jobs

    pool.AHEAD = int(ahead)
    count = (os.cpu_count() or 1) if workers == "auto" else int(workers)
    count = max(1, min(count, 4))  # the pool is what is measured: at least one worker
    jobs = [Job(i, p, p.name) for i, p in enumerate(sorted(Path(inputs).iterdir()))]
    spans = [o.value for o in run_jobs(jobs, CalamineTask(), count) if isinstance(o.value, tuple)]
    # from the first form begun to the last one done: the workers' start-up is not the queue's doing
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    worked = sum(end - start for start, end in spans)
    return {
        "ahead": int(ahead),
        "workers": count,
        "files": len(jobs),
        "wall": wall,
        "busy": worked / (count * wall),
    }


def rerun_table(results: list[dict]) -> str:
    head = [
        "村数", "首次：读取+校验(秒)", "首次：全程(秒)", f"改动{CHANGED}份后：读取+校验(秒)", "沿用(份)",
        "全程(秒)", "读取之比", "全程之比",
    ]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        cold, again = r["fast"], r["rerun"]
        read_cold, read_again = cold["timings"]["read"], again["timings"]["read"]
        cells = [
            f"{r['n']:,}", f"{read_cold:.2f}", f"{cold['process_wall']:.2f}", f"{read_again:.2f}",
            f"{again['reused']:,}", f"{again['process_wall']:.2f}",
            f"{read_again / read_cold:.1%}", f"{again['process_wall'] / cold['process_wall']:.1%}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cost_table(results: list[dict]) -> str:
    head = [
        "村数", "不用数据文件：全程(秒)", "首次：全程(秒)", "首次：记入(秒)", "重跑：记入(秒)",
        "数据文件(MB)", "读取缓存(MB)", "备份(MB)",
    ]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        plain, cold, again, size = r["nodb"], r["fast"], r["rerun"], r["sizes"]
        cells = [
            f"{r['n']:,}", f"{plain['process_wall']:.2f}", f"{cold['process_wall']:.2f}",
            f"{cold['timings'].get('record', 0):.2f}", f"{again['timings'].get('record', 0):.2f}",
            f"{size['database_mb']:.1f}", f"{size['cache_mb']:.1f}", f"{size['backups_mb']:.1f}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def busy_table(results: list[dict]) -> str:
    head = [
        "村数",
        "读取进程",
        *(f"排队{q}份：读完(秒)" for q in QUEUES),
        *(f"排队{q}份：忙碌占比" for q in QUEUES),
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        runs = r["busy"]
        cells = [f"{r['n']:,}", str(runs[0]["workers"])]
        cells += [f"{b['wall']:.2f}" for b in runs] + [f"{b['busy']:.0%}" for b in runs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
