"""How many threads a benchmark child started: each start costs CPU (and system time) that a profile of Python
functions does not show. ``install()`` before the work, ``started()`` after."""

from __future__ import annotations

import threading
from typing import Any

_started = [0]
_original_start = threading.Thread.start


def _counting_start(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
    _started[0] += 1
    _original_start(self, *args, **kwargs)


def install() -> None:
    threading.Thread.start = _counting_start  # type: ignore[method-assign]


def started() -> int:
    return _started[0]
