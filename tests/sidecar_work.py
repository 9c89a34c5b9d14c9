"""Work for the sidecar tests; its own module because the spawned sidecar imports it to unpickle it."""

from __future__ import annotations

import os

from county_report.errors import ConfigError


def where(tag: str) -> tuple[str, int]:
    """The tag and the process id it ran in."""
    return tag, os.getpid()


def refuse(message: str) -> None:
    raise ConfigError(message)


def die_unless_parent(parent_pid: int) -> int:
    """Kills the sidecar (as a native crash would); runs normally when retried in the parent."""
    if os.getpid() != parent_pid:
        os.abort()
    return parent_pid


def sleep(seconds: float) -> float:
    """Work that takes too long (a runaway template)."""
    import time

    time.sleep(seconds)
    return seconds


def die_at_start(conn, task) -> None:
    """A child that exits before saying it is ready."""
    os._exit(3)
