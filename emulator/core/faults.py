"""Fault injection: latency, throttling, published quotas, 5xx errors, dropped connections, lost responses,
consistency lag.

Switches are live (tests flip them while the server runs) and apply to one action or, with ``action=None``,
to every action. Per-action values override the global ones field by field.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, fields, replace
from typing import Any

from emulator.core.errors import ApiError

# Published per-account quotas (issue #2; AssumeRole: 6,000/min per account, docs/alibaba-cloud.md §1.4).
PUBLISHED_QUOTAS_PER_SECOND: dict[str, float] = {
    "CreateRole": 20.0,
    "AttachPolicyToRole": 10.0,
    "GetRole": 100.0,
    "ListPoliciesForRole": 100.0,
    "AssumeRole": 100.0,
    # Resource Manager, per caller (docs/alibaba-cloud.md §1.4 [RM-QUOTA]); GetAccount's figure is unconfirmed.
    "ListAccounts": 20.0,
    "GetAccount": 50.0,
    "GetResourceDirectory": 50.0,
}
# Unconfirmed: RAM's throttling status. 400 is what 128 catalogued APIs use (docs/alibaba-cloud.md §1.3).
DEFAULT_THROTTLE_STATUS = 400
THROTTLE_STATUSES = (400, 429)
# Unconfirmed: which throttling code RAM sends. Throttling.User is in the gateway's catalogue (§1.3);
# the other two are codes clients are known to retry on (§5.5), so a client must survive each.
DEFAULT_THROTTLE_CODE = "Throttling.User"
THROTTLE_CODES: dict[str, str] = {
    "Throttling.User": "Request was denied due to user flow control.",  # §1.3
    "Rejected.Throttling": "QPS Limit Exceeded",  # KMS's wording; RAM's unconfirmed
    "Throttling": "Request was denied due to request throttling.",  # VPC's wording; RAM's unconfirmed
}
SERVER_ERRORS = {
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
    "InternalError": (500, "The request processing has failed due to some unknown error, exception or failure."),
}


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    error_code: str = "ServiceUnavailable"  # or "InternalError"
    drop_rate: float = 0.0  # the connection closes before the action runs: nothing changed
    lost_response_rate: float = 0.0  # the action runs (and is logged), then the connection closes unanswered
    consistency_delay_ms: float = 0.0
    throttle_status: int = DEFAULT_THROTTLE_STATUS
    throttle_code: str = DEFAULT_THROTTLE_CODE
    # Opt-in: a positive x-acs-retry-after header turns SDK errors into ThrottlingException (§5.6).
    retry_after_ms: int | None = None


FAULT_FIELDS = frozenset(f.name for f in fields(FaultSettings))


class DroppedConnection(Exception):
    """The server closes the socket without answering."""


class LostResponse(DroppedConnection):
    """The action ran and succeeded, but its response never reaches the client."""


class Throttled(ApiError):
    """A throttling error (``Throttling.User`` unless configured), optionally with ``x-acs-retry-after``."""

    def __init__(self, status: int, code: str, headers: dict[str, str]) -> None:
        super().__init__(status, code, THROTTLE_CODES[code])
        self.headers = headers


class TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = rate  # one second's worth of burst
        self.tokens = rate
        self.updated = time.monotonic()

    def take(self) -> bool:
        current = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (current - self.updated) * self.rate)
        self.updated = current
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._overrides: dict[str | None, dict[str, Any]] = {}
        self._quotas_enabled = False
        self._quotas = dict(PUBLISHED_QUOTAS_PER_SECOND)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._random = random.Random(seed)

    # --- switches ----------------------------------------------------------------------------------
    def set(self, action: str | None = None, **settings: Any) -> None:
        """Change fault settings for ``action`` (or for every action when None); other fields keep their value."""
        unknown = set(settings) - FAULT_FIELDS
        if unknown:
            raise TypeError(f"unknown fault settings: {sorted(unknown)}")
        _check_choice(settings, "error_code", sorted(SERVER_ERRORS))
        _check_choice(settings, "throttle_code", sorted(THROTTLE_CODES))
        _check_choice(settings, "throttle_status", list(THROTTLE_STATUSES))
        for name, value in settings.items():
            if name.endswith("_rate") and not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} is a share of calls: between 0 and 1, got {value}")
            if name.endswith("_ms") and value is not None and float(value) < 0:
                raise ValueError(f"{name} cannot be negative, got {value}")
        with self._lock:
            self._overrides.setdefault(action, {}).update(settings)

    def enable_quotas(self, enabled: bool = True, **rates: float) -> None:
        """Enforce the published per-account quotas as token buckets; ``rates`` overrides them (calls/s)."""
        with self._lock:
            self._quotas_enabled = enabled
            self._quotas.update(rates)
            self._buckets.clear()

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._random.seed(seed)

    def clear(self) -> None:
        with self._lock:
            self._overrides.clear()
            self._quotas_enabled = False
            self._quotas = dict(PUBLISHED_QUOTAS_PER_SECOND)
            self._buckets.clear()

    def settings_for(self, action: str) -> FaultSettings:
        with self._lock:
            merged = {**self._overrides.get(None, {}), **self._overrides.get(action, {})}
        return replace(FaultSettings(), **merged)

    # --- applying ----------------------------------------------------------------------------------
    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def before_call(self, action: str, account_id: str) -> None:
        """Called after authentication, before the action runs: may sleep, raise ApiError or drop."""
        settings = self.settings_for(action)
        if self._roll(settings.drop_rate):
            raise DroppedConnection(action)
        if settings.latency_ms > 0:
            time.sleep(settings.latency_ms / 1000.0)
        if self._roll(settings.throttle_rate) or not self._within_quota(action, account_id):
            raise self._throttled(settings)
        if self._roll(settings.error_rate):
            status, message = SERVER_ERRORS[settings.error_code]
            raise ApiError(status, settings.error_code, message)

    def response_lost(self, action: str) -> bool:
        """Called after ``action`` succeeded: whether to hang up instead of answering."""
        return self._roll(self.settings_for(action).lost_response_rate)

    def _within_quota(self, action: str, account_id: str) -> bool:
        with self._lock:
            if not self._quotas_enabled or action not in self._quotas:
                return True
            bucket = self._buckets.get((account_id, action))
            if bucket is None:
                bucket = self._buckets[(account_id, action)] = TokenBucket(self._quotas[action])
            return bucket.take()

    @staticmethod
    def _throttled(settings: FaultSettings) -> ApiError:
        headers = {"x-acs-retry-after": str(settings.retry_after_ms)} if settings.retry_after_ms else {}
        return Throttled(settings.throttle_status, settings.throttle_code, headers)

    def visible_at(self, action: str, now: float) -> float:
        """When an entity written by ``action`` becomes visible to reads."""
        return now + self.settings_for(action).consistency_delay_ms / 1000.0


def _check_choice(settings: dict[str, Any], name: str, choices: list[Any]) -> None:
    if name in settings and settings[name] not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {settings[name]!r}")
