"""Client-side pacing and retries for cloud calls: run at the published quotas, not over them, and count what
happened. Pure: clock, sleep and randomness are injected; the SDK adapter calls these around every request.

Published per-second quotas (docs/alibaba-cloud.md §1.4): AssumeRole 100/s per caller account, shared by every
session the function opens; CreateRole 20/s, AttachPolicyToRole 10/s, GetRole and ListPoliciesForRole 100/s per
member account. A pacer spaces calls of one (action, account) key at least ``1/rate`` apart, so that no second ever
holds more than ``rate`` of them; throttles that happen anyway (other callers share the quota) are retried with
full-jitter backoff, and both are counted.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from emr_bootstrap import codes
from emr_bootstrap.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

T = TypeVar("T")

# Calls per second; actions absent here are not paced (Resource Manager publishes no per-action quota).
PUBLISHED_RATES: Final[dict[str, float]] = {
    "AssumeRole": 100.0,
    "CreateRole": 20.0,
    "UpdateRole": 20.0,  # [unconfirmed] not published; paced like CreateRole
    "AttachPolicyToRole": 10.0,
    "GetRole": 100.0,
    "ListPoliciesForRole": 100.0,
}
# The AssumeRole quota belongs to the caller account: one key for the whole invocation.
CALLER_SCOPED: Final = frozenset({"AssumeRole"})


class Pacer:
    """Spaces calls per (action, account) at the configured rates. Thread-safe."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``share``: the part of each caller-scoped quota this invocation may use (fan-out batches split it)."""
        self._rates = dict(PUBLISHED_RATES if rates is None else rates)
        self._share = share
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free: dict[tuple[str, str], float] = {}

    def rate(self, action: str) -> float | None:
        rate = self._rates.get(action)
        if rate is None:
            return None
        return rate * self._share if action in CALLER_SCOPED else rate

    def wait(self, action: str, account_id: str) -> float:
        """Block until a call of ``action`` in ``account_id`` may start; returns the seconds waited."""
        rate = self.rate(action)
        if rate is None or rate <= 0:
            return 0.0
        key = (action, "caller" if action in CALLER_SCOPED else account_id)
        with self._lock:
            now = self._clock()
            start = max(now, self._next_free.get(key, now))
            self._next_free[key] = start + 1.0 / rate
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay


@dataclass
class CallStats:
    """What the cloud calls of one invocation cost. Thread-safe counters."""

    calls: int = 0
    retries: int = 0
    throttles: int = 0
    paced_s: float = 0.0
    by_action: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self, *, action: str = "", calls: int = 0, retries: int = 0, throttles: int = 0, paced_s: float = 0.0
    ) -> None:
        with self._lock:
            self.calls += calls
            self.retries += retries
            self.throttles += throttles
            self.paced_s += paced_s
            if calls and action:
                self.by_action[action] = self.by_action.get(action, 0) + calls

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "retries": self.retries,
                "throttles": self.throttles,
                "pacedMs": round(self.paced_s * 1000),
                "byAction": dict(sorted(self.by_action.items())),
            }


class Retrier:
    """Calls ``fn`` up to ``max_attempts`` times in all (the first included), paced before each attempt, retrying
    the codes the table says to retry (codes.describe(code, status).sdk_retries) with full-jitter backoff."""

    def __init__(
        self,
        max_attempts: int,
        backoff_ms: int,
        *,
        pacer: Pacer | None = None,
        stats: CallStats | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.max_attempts = max_attempts
        self.backoff_ms = backoff_ms
        self.pacer = pacer or Pacer({})
        self.stats = stats or CallStats()
        self._sleep = sleep
        self._rng = rng or random.Random()

    def call(self, action: str, account_id: str, fn: Callable[[], T]) -> T:
        attempt = 1
        while True:
            self.stats.add(action=action, calls=1, paced_s=self.pacer.wait(action, account_id))
            try:
                return fn()
            except CloudError as exc:
                throttled = codes.THROTTLING_MARK in exc.code
                if throttled:
                    self.stats.add(throttles=1)
                if attempt >= self.max_attempts or not codes.describe(exc.code, exc.status).sdk_retries:
                    raise
            self.stats.add(retries=1)
            self._sleep(self._backoff_s(attempt))
            attempt += 1

    def _backoff_s(self, attempt: int) -> float:
        ceiling = min(self.backoff_ms * 15, self.backoff_ms * 2**attempt)
        return self._rng.uniform(0, ceiling) / 1000
