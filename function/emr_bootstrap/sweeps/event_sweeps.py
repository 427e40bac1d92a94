"""The sweep that stands in for a new-account event without an account ID, and the guard against repeating it.

An ActionTrail record may say that an account joined without saying which (EventBridge's documented sample has no
``responseElements``, docs/fc-notes.md §3.2). The function then sweeps the accounts that changed since shortly
before the event: :func:`window_minutes`. Bulk onboarding of n accounts would make that n sweeps of the whole
listing, so :class:`EventSweepGuard` remembers the last event sweep this instance started: within the cooldown, an
event whose time that sweep covers is served by it, and any other is left to the next sweep of recent changes
(the timer's, or the next event sweep here after the cooldown, which reaches back to the earliest event skipped).

The memory is instance-local: FC instances share nothing, so each instance may start its own sweep (README,
"Events"). Stdlib only, no environment: the cooldown comes from settings, the clock is injected.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final, Literal

from emr_bootstrap.sweeps.sweep_request import MAX_WINDOW_MINUTES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# An event whose time cannot be read sweeps the last hour.
DEFAULT_WINDOW_MINUTES: Final = 60
# Added to the event's age: clock skew, and an account's JoinTime a little before the call's eventTime.
MARGIN_MINUTES: Final = 10
# The recent-changes timer in s.yaml runs every 5 minutes: within that, a second event sweep buys little.
DEFAULT_COOLDOWN_S: Final = 300.0
# How much earlier than the event an account's JoinTime may be, for a sweep's window to count as covering it.
_SKEW_S: Final = 60.0
_ISO_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def event_epoch(text: str) -> float | None:
    """An ActionTrail ``eventTime`` (``2022-10-22T21:52:00Z``, docs/fc-notes.md §3.2) as POSIX seconds; None when
    it is not such a time."""
    match = _ISO_TIME.fullmatch(text)
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    try:
        moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        if zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        return moment.timestamp() + float(f"0.{fraction or 0}")
    except (ValueError, OverflowError):
        return None


def window_minutes(since: float | None, now: float) -> int:
    """``changedWithinMinutes`` for a sweep that must see an account that joined at ``since`` (POSIX seconds):
    the age plus a margin, at most the sweep's limit; an unknown time -> the last hour."""
    if since is None:
        return DEFAULT_WINDOW_MINUTES
    age_minutes = math.ceil(max(0.0, now - since) / 60)
    return min(age_minutes + MARGIN_MINUTES, MAX_WINDOW_MINUTES)


@dataclass(frozen=True)
class StartSweep:
    """Start an event sweep of the accounts changed in the last ``window_minutes``."""

    window_minutes: int


@dataclass(frozen=True)
class SkipSweep:
    """Start nothing: ``code`` says whether a sweep started here covers the event or the cooldown holds it."""

    code: Literal["event-sweep-running", "event-sweep-cooldown"]
    reason: str


@dataclass(frozen=True)
class _Started:
    at: float
    since: float  # the earliest change time the sweep's window reaches


class EventSweepGuard:
    """This instance's memory of its last event sweep. ``clock`` gives POSIX seconds (the sweep windows are wall
    clock: Resource Manager's JoinTime and ModifyTime). Thread-safe: FC may run concurrent invocations on one
    instance."""

    def __init__(self, cooldown_s: float = DEFAULT_COOLDOWN_S, *, clock: Callable[[], float] = time.time) -> None:
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._lock = threading.Lock()
        self._last: _Started | None = None
        self._pending: float | None = None  # the earliest event time skipped, for the next sweep to reach back to

    def claim(self, event_times: Iterable[str]) -> StartSweep | SkipSweep:
        """Whether the events (their ``eventTime`` texts) start a sweep, and over which window."""
        times = [event_epoch(text) for text in event_times] or [None]
        with self._lock:
            now = self.clock()
            last = self._last
            if last is not None and 0 <= now - last.at < self.cooldown_s:
                return self._skip(last, now, times)
            if self._pending is not None:
                times.append(self._pending)
            window = max(window_minutes(t, now) for t in times)
            self._last, self._pending = _Started(now, now - window * 60), None
            return StartSweep(window)

    def _skip(self, last: _Started, now: float, times: list[float | None]) -> SkipSweep:
        ago = f"an event sweep started {now - last.at:.0f} s ago on this instance"
        window = f"changes since {_iso(last.since)}"
        if all(t is not None and last.since <= t - _SKEW_S and t <= last.at for t in times):
            return SkipSweep("event-sweep-running", f"served by {ago}, which covers {window}")
        reach = min(now - DEFAULT_WINDOW_MINUTES * 60 if t is None else t for t in times)
        self._pending = reach if self._pending is None else min(self._pending, reach)
        return SkipSweep(
            "event-sweep-cooldown",
            f"{ago} ({window}) and the cooldown is {self.cooldown_s:g} s: the next sweep of recent changes "
            "covers this event",
        )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# One per FC instance (module state lives as long as the instance); index.handler sets its cooldown per event.
INSTANCE: EventSweepGuard = EventSweepGuard()


def instance_guard(cooldown_s: float) -> EventSweepGuard:
    INSTANCE.cooldown_s = cooldown_s
    return INSTANCE
