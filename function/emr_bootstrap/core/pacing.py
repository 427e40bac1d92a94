"""Client-side pacing and retries for cloud calls: run at the published quotas, not over them, and count what
happened. Pure: clock, sleep and randomness are injected; the SDK adapter calls these around every request.

Published per-second quotas (docs/alibaba-cloud.md §1.4): AssumeRole 100/s per caller account, shared by every
session the function opens; CreateRole 20/s, AttachPolicyToRole 10/s, GetRole and ListPoliciesForRole 100/s per
member account; Resource Manager's ListAccounts 20/s, GetAccount and GetResourceDirectory 50/s per caller.

Each (action, account) key has a bucket of one second of its quota (``rate`` calls, at least one), and a token
comes back one second (plus :data:`LATENCY_GUARD_S`) after it was spent. So the five roles of one account go out at
once (5 CreateRole of 20, 5 AttachPolicyToRole of 10), and no one-second window ever holds more than ``rate`` calls
of a key: a sweep stays under the quota however the quota is counted (per second, sliding window, or a bucket of
one second). A bucket that refilled continuously would let up to twice the quota through in one second (a full
bucket spent at once, then refilled during the same second), which a per-second quota throttles. The guard is there
because the cloud counts arrivals, not our starts: calls that left 1 s apart may arrive closer when the first was
slower on the way. Throttles that happen anyway (other callers share the quota) are retried with full-jitter
backoff, and both are counted.

No wait goes past the invocation's deadline: a call whose turn would come later is not made
(:class:`PacingDeadline`, ``DeadlineReached``), and a share or rate so small that it would mean hours of waiting
is raised to :data:`MIN_RATE` first.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

T = TypeVar("T")

# Calls per second; actions absent here are not paced.
PUBLISHED_RATES: Final[dict[str, float]] = {
    "AssumeRole": 100.0,
    "CreateRole": 20.0,
    "UpdateRole": 20.0,  # [unconfirmed] not published; paced like CreateRole
    "AttachPolicyToRole": 10.0,
    "GetRole": 100.0,
    "ListPoliciesForRole": 100.0,
    # Resource Manager, per caller (docs/alibaba-cloud.md §1.4 [RM-QUOTA]): one version of the page says 50/s for
    # ListAccounts, the other 20/s; the lower is used.
    "ListAccounts": 20.0,
    "GetAccount": 50.0,  # [unconfirmed] the stored copy of the quota table is cut after "5"
    "GetResourceDirectory": 50.0,
}
# These quotas belong to the caller account: one key for the whole invocation, split between fan-out batches.
CALLER_SCOPED: Final = frozenset({"AssumeRole", "ListAccounts", "GetAccount", "GetResourceDirectory"})
# Below this many calls per second, a rate (or a rate times a tiny share) is raised to it: one call every 100 s.
MIN_RATE: Final = 0.01
# The smallest share of a caller-scoped quota an invocation is given, whatever it was asked for.
MIN_SHARE: Final = 0.001
# How long a spent token stays spent: the quota's window, plus a guard for the spread of latency between calls
# (their arrivals, which the cloud counts, can be closer than their starts). Costs under 5% of a quota.
WINDOW_S: Final = 1.0
LATENCY_GUARD_S: Final = 0.05


class PacingDeadline(CloudError):
    """A call's turn under its quota would come after the invocation's deadline: the call is not made."""

    def __init__(self, action: str, delay_s: float) -> None:
        super().__init__(
            codes.DEADLINE_REACHED,
            f"not attempted: {action} would have waited {delay_s:.1f}s for its quota, past the invocation's deadline",
        )


def bounded_share(share: float) -> float:
    """``share`` within [MIN_SHARE, 1]: a share can only narrow, and none is so small it means hours of waiting."""
    if not math.isfinite(share):  # NaN or infinite: when in doubt, narrow (max() already lifts 0 and below)
        return MIN_SHARE
    return min(1.0, max(MIN_SHARE, share))


class Pacer:
    """Per (action, account) buckets of one second of each quota (see the module docstring). Thread-safe."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
    ) -> None:
        """``share``: the part of each caller-scoped quota this invocation may use (fan-out batches split it).
        ``deadline``: on ``clock``, when the invocation ends; no wait goes past it (None: no limit)."""
        self._rates = dict(PUBLISHED_RATES if rates is None else rates)
        self._share = bounded_share(share)
        self._clock = clock
        self._sleep = sleep
        self._deadline = math.inf if deadline is None else deadline
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, ...], deque[float]] = {}

    def rate(self, action: str) -> float | None:
        """Calls per second of ``action`` for this invocation; None when it is not paced."""
        rate = self._rates.get(action)
        if rate is None or not math.isfinite(rate) or not rate > 0:
            return None
        if action in CALLER_SCOPED:
            rate *= self._share
        return max(rate, MIN_RATE)

    def remaining(self) -> float:
        """Seconds left before the deadline (``inf`` without one)."""
        return self._deadline - self._clock()

    def wait(self, action: str, account_id: str, *, deadline: float | None = None) -> float:
        """Block until a call of ``action`` in ``account_id`` may start; returns the seconds waited. Raises
        :class:`PacingDeadline` (and takes no token) when that would be after ``deadline`` or the pacer's own."""
        rate = self.rate(action)
        if rate is None:
            return 0.0
        capacity = max(1, math.floor(rate))
        window = max(WINDOW_S, 1.0 / rate) + LATENCY_GUARD_S  # below 1 call/s: one token, back after 1/rate
        key = (action,) if action in CALLER_SCOPED else (action, account_id)  # the caller's: one key per action
        end = self._deadline if deadline is None else min(deadline, self._deadline)
        with self._lock:
            now = self._clock()
            spent = self._spent.setdefault(key, deque(maxlen=capacity))
            start = now if len(spent) < capacity else max(now, spent[0] + window)
            if start > end:
                raise PacingDeadline(action, start - now)
            spent.append(start)  # the oldest token drops out: it is back at spent[0] + window
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
                backoff = self._backoff_s(attempt)
                if backoff >= self.pacer.remaining():
                    raise  # another attempt could not start before the deadline
            self.stats.add(retries=1)
            self._sleep(backoff)
            attempt += 1

    def _backoff_s(self, attempt: int) -> float:
        ceiling = min(self.backoff_ms * 15, self.backoff_ms * 2**attempt)
        return self._rng.uniform(0, ceiling) / 1000
