"""Time in the core: the invocation's deadline, and bounded polling for RAM's eventual consistency.

Clock and sleep are injected, so tests never sleep for real and the core never reads the environment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


@dataclass(frozen=True)
class Deadline:
    """When the invocation must have returned (``at``, on ``clock``), and how early to stop starting accounts.

    FC's Python context has no remaining-time call, so the application builds this from the invocation's start
    plus ``context.function.timeout``. ``margin_s`` is kept free for the accounts already started to finish.
    """

    at: float
    margin_s: float = 0.0
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def never(cls, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(float("inf"), 0.0, clock)

    @classmethod
    def after(cls, seconds: float, *, margin_s: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, margin_s, clock)

    def remaining(self) -> float:
        return self.at - self.clock()

    def may_start(self) -> bool:
        """Whether there is still time to start another account."""
        return self.remaining() > self.margin_s


@dataclass(frozen=True)
class ReconcileSettings:
    """Tunables of the core. Built by :mod:`emr_bootstrap.adapters.settings` from the environment, or by tests."""

    max_concurrent_accounts: int = 16
    # How long a write may take to become visible to reads before PropagationTimeout.
    propagation_timeout_s: float = 20.0
    poll_initial_s: float = 0.1
    poll_max_s: float = 2.0
    poll_factor: float = 2.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def elapsed_ms(self, start: float) -> int:
        return max(0, round((self.clock() - start) * 1000))

    def poll(self, attempt: Callable[[], T | None], deadline: Deadline | None = None) -> T | None:
        """Call ``attempt`` until it returns a value, or until the propagation timeout (or the invocation's
        deadline, whichever is first) passes; then None.

        The first attempt is immediate; waits start short and grow, capped, never past the end.
        """
        end = self.clock() + self.propagation_timeout_s
        if deadline is not None:
            end = min(end, deadline.at)
        interval = self.poll_initial_s
        while True:
            value = attempt()
            if value is not None:
                return value
            remaining = end - self.clock()
            if remaining <= 0:
                return None
            self.sleep(min(interval, remaining))
            interval = min(interval * self.poll_factor, self.poll_max_s)
