"""Child process for the kill test: record a period of periods_county, dying (os._exit, as a power cut
or a closed window would end it) at a chosen point of the database write.

    python tests/kill_in_record.py ROOT YYYY-MM-DD POINT

POINT is `sql:<regex>:<n>` (die as the n-th SQL statement matching the regex starts: inside the
record's transaction, or at its COMMIT) or `rotate` (die as the first backup is moved into place,
after the commit). Deterministic: the same statement every time, however fast the machine.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import date
from pathlib import Path

from periods_county import County

from county_report import dbfile

KILLED = 9


def die_at_statement(pattern: str, nth: int) -> None:
    connect, seen = dbfile.connect, [0]

    def traced(path: Path):
        conn = connect(path)
        if "读取缓存" not in Path(path).name:  # the history's writes, not the cache's

            def trace(statement: str) -> None:
                if re.search(pattern, statement):
                    seen[0] += 1
                    if seen[0] == nth:
                        os._exit(KILLED)

            conn.set_trace_callback(trace)
        return conn

    dbfile.connect = traced


def die_at_rotation() -> None:
    replace = os.replace

    def dying(src, dst):
        if Path(dst).parent.name == dbfile.BACKUP_FOLDER:
            os._exit(KILLED)
        return replace(src, dst)

    dbfile.os.replace = dying  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    root, day, point = Path(argv[1]), date.fromisoformat(argv[2]), argv[3]
    if point.startswith("sql:"):
        _, pattern, nth = point.split(":")
        die_at_statement(pattern, int(nth))
    else:
        die_at_rotation()
    County(root).run(day)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
