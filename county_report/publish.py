"""A run's outputs published as a set: all under their usual names, or all under `(n)` names.

A workbook from one run beside a report from another, both looking current, is worse than no
report: the clerk would send figures that do not match. So each output is first written in full
to a hidden temporary file in the outputs folder; only when all are written are they moved into
place together. If one usual name cannot be replaced (the file is open in Excel or Word), none is:
the whole set goes to 汇总表(1).xlsx, …(1).docx, and the run says so. If writing any output fails,
nothing is published and the previous set stays as it was. Single files (forms, templates) keep
using atomic.atomic_write.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import MAX_ALTERNATIVES, _fsync_dir, _new_temp, alternative_name


@dataclass(frozen=True)
class Published:
    paths: Mapping[str, Path]  # usual name → where it was written
    notice: str  # "" when every output has its usual name


class OutputSet:
    """`with OutputSet(outputs, names) as staged:` write each `staged.path(name)`, then `staged.publish()`.

    Leaving the block without publishing (an error, a template that would not render) removes
    the temporary files and leaves the outputs folder as it was.
    """

    def __init__(self, folder: Path, names: Sequence[str]):
        self.folder = Path(folder)
        for name in names:
            if Path(name).name != name or name in ("", ".", ".."):
                raise ValueError(f"输出文件名必须是单独的文件名：{name!r}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.staged = {name: _new_temp(self.folder) for name in names}

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def path(self, name: str) -> Path:
        """Where to write the output `name` (a hidden temporary file beside its final place)."""
        return self.staged[name]

    def publish(self, written: Mapping[str, Path | None] | None = None) -> Published:
        """Move every output into place together. `written`: the path each writer returned (one may
        differ from path()); None for an output that was not produced this time."""
        written = written or {}
        for name in [n for n in self.staged if n in written and written[n] is None]:
            _remove(self.staged.pop(name))
        sources = {name: Path(written.get(name) or temp) for name, temp in self.staged.items()}
        for n in range(MAX_ALTERNATIVES + 1):
            targets = {name: self._target(name, n) for name in sources}
            if n and any(t.exists() for t in targets.values()):
                continue  # an earlier fallback set: never overwritten
            if self._move_set(sources, targets):
                self.staged = {}
                _fsync_dir(self.folder)
                return Published(targets, _notice(targets, n))
        raise PermissionError(13, "所有备用文件名都无法写入", str(self.folder))

    def discard(self) -> None:
        for temp in self.staged.values():
            _remove(temp)
        self.staged = {}

    def _target(self, name: str, n: int) -> Path:
        target = self.folder / name
        return alternative_name(target, n) if n else target

    def _move_set(self, sources: Mapping[str, Path], targets: Mapping[str, Path]) -> bool:
        """Step the old set aside, then move the new one in; False (nothing changed) if an old
        file cannot be moved, as Windows refuses for a file open in Excel or Word."""
        aside: list[tuple[Path, Path]] = []
        for target in targets.values():
            if not target.exists():
                continue
            spare = _new_temp(self.folder)
            try:
                _replace(target, spare)
            except PermissionError:
                for original, moved in reversed(aside):
                    _replace(moved, original)
                _remove(spare)
                return False
            aside.append((target, spare))
        placed: list[tuple[Path, Path]] = []
        try:
            for name, target in targets.items():
                _replace(sources[name], target)
                placed.append((target, sources[name]))
        except OSError:  # put everything back as it was, then say why
            for target, source in reversed(placed):
                _replace(target, source)
            for original, moved in reversed(aside):
                _replace(moved, original)
            raise
        for _, moved in aside:
            _remove(moved)  # if this fails, the next run holding the lock removes it
        return True


def _notice(targets: Mapping[str, Path], n: int) -> str:
    if not n:
        return ""
    usual = "、".join(name for name in targets)
    chosen = "、".join(path.name for path in targets.values())
    return (
        f"{usual} 中有文件正在被其他程序（如 Excel、WPS、Word）打开，本次的结果一起另存为 {chosen}。"
        "关闭这些文件后重新运行即可覆盖原文件名。"
    )


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
