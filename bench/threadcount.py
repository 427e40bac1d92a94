"""What a benchmark child spent: how many threads it started (each start costs CPU and system time that a profile
of Python functions does not show), its CPU and its peak RSS. ``install()`` before the work, ``started()`` or
``spent()`` after."""

from __future__ import annotations

import resource
import threading
import time
from typing import Any

_started = [0]
_before: list[tuple[float, float]] = []  # (process CPU, system CPU) at install()
_original_start = threading.Thread.start


def _counting_start(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
    _started[0] += 1
    _original_start(self, *args, **kwargs)


def install() -> None:
    threading.Thread.start = _counting_start  # type: ignore[method-assign]
    _before[:] = [(time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_stime)]


def started() -> int:
    return _started[0]


def spent() -> dict[str, Any]:
    """CPU (all, and system) since ``install()``, the threads started, and the process's peak RSS."""
    ((cpu_before, sys_before),) = _before
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": round(time.process_time() - cpu_before, 3),
        "cpu_sys_s": round(usage.ru_stime - sys_before, 3),
        "threads_started": started(),
        "rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
