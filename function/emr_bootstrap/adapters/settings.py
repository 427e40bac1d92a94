"""Deployment settings, read from the environment once per invocation: the only module that reads it.

The variable names are a public contract (README, s.yaml): extend, never rename. Any unusable value raises
:class:`SettingsError` (a :class:`~emr_bootstrap.shared.errors.ConfigurationError`) naming the variable, before any
call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emr_bootstrap.core.pacing import PUBLISHED_RATES
from emr_bootstrap.core.scope import Scope
from emr_bootstrap.shared.errors import SettingsError
from emr_bootstrap.shared.timing import ReconcileSettings
from emr_bootstrap.sweeps.event_sweeps import DEFAULT_COOLDOWN_S

if TYPE_CHECKING:
    from collections.abc import Mapping

RAM_ENDPOINT_VAR = "EMR_BOOTSTRAP_RAM_ENDPOINT"
STS_ENDPOINT_VAR = "EMR_BOOTSTRAP_STS_ENDPOINT"
RESOURCEMANAGER_ENDPOINT_VAR = "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT"
MEMBER_ROLE_VAR = "EMR_BOOTSTRAP_MEMBER_ROLE"
MAX_ATTEMPTS_VAR = "EMR_BOOTSTRAP_MAX_ATTEMPTS"
MAX_CONCURRENT_ACCOUNTS_VAR = "EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS"
PROPAGATION_TIMEOUT_VAR = "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S"
DEADLINE_MARGIN_VAR = "EMR_BOOTSTRAP_DEADLINE_MARGIN_S"
RETRY_BACKOFF_VAR = "EMR_BOOTSTRAP_RETRY_BACKOFF_MS"
INCLUDE_MANAGEMENT_VAR = "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT"
ALLOWED_FOLDERS_VAR = "EMR_BOOTSTRAP_ALLOWED_FOLDERS"
ACCOUNT_ALLOWLIST_VAR = "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST"
ACCOUNT_DENYLIST_VAR = "EMR_BOOTSTRAP_ACCOUNT_DENYLIST"
RATE_LIMITS_VAR = "EMR_BOOTSTRAP_RATE_LIMITS"
FAN_OUT_VAR = "EMR_BOOTSTRAP_FANOUT"
FAN_OUT_THRESHOLD_VAR = "EMR_BOOTSTRAP_FANOUT_THRESHOLD"
FAN_OUT_BATCH_SIZE_VAR = "EMR_BOOTSTRAP_FANOUT_BATCH_SIZE"
FC_ENDPOINT_VAR = "EMR_BOOTSTRAP_FC_ENDPOINT"
QUALIFIER_VAR = "EMR_BOOTSTRAP_QUALIFIER"
MISSED_EVENT_AFTER_VAR = "EMR_BOOTSTRAP_MISSED_EVENT_AFTER_MINUTES"
EVENT_SWEEP_COOLDOWN_VAR = "EMR_BOOTSTRAP_EVENT_SWEEP_COOLDOWN_S"

# The real global endpoints (docs/alibaba-cloud.md §1.1, §3, §4).
DEFAULT_RAM_ENDPOINT = "ram.aliyuncs.com"
DEFAULT_STS_ENDPOINT = "sts.aliyuncs.com"
DEFAULT_RESOURCEMANAGER_ENDPOINT = "resourcemanager.aliyuncs.com"
# Created by Resource Directory in every member, created or invited; it can be deleted by hand (docs/alibaba-cloud.md
# §3.1).
DEFAULT_MEMBER_ROLE = "ResourceDirectoryAccountAccessRole"

_ACCOUNT_ID = re.compile(r"[0-9]{10,20}")
# Folder IDs: "fd-..." for folders, "r-..." for the root folder (Resource Manager's ResourceDirectoryPath).
_FOLDER_ID = re.compile(r"(fd|r)-[A-Za-z0-9]{1,64}")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
# An FC version ID (digits), an alias (a letter, then letters, digits, _ and -, up to 128) or LATEST.
_QUALIFIER = re.compile(r"^[0-9]{1,20}$|^[A-Za-z][A-Za-z0-9_-]{0,127}$")


__all__ = ["Endpoint", "Settings", "SettingsError", "parse_endpoint", "positive_seconds", "whole_number"]


def whole_number(env: Mapping[str, str], variable: str, default: int, low: int, high: int | None = None) -> int:
    """``variable`` as a whole number from ``low`` to ``high`` (unbounded when None); unset or blank -> default."""
    text = env.get(variable, "").strip() or str(default)
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise SettingsError(variable, text, f"must be a whole number {bound}")
    return int(text)


def positive_seconds(env: Mapping[str, str], variable: str, default: float) -> float:
    """``variable`` as a finite number of seconds above zero; unset or blank -> default."""
    text = env.get(variable, "").strip() or str(default)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise SettingsError(variable, text, "must be a number of seconds above 0")
    return value


def event_sweep_cooldown_s(env: Mapping[str, str]) -> float:
    """How long after an event sweep this instance serves or skips the next one (event_sweeps); 0 turns it off."""
    text = env.get(EVENT_SWEEP_COOLDOWN_VAR, "").strip() or str(DEFAULT_COOLDOWN_S)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 86_400):
        raise SettingsError(EVENT_SWEEP_COOLDOWN_VAR, text[:40], "must be a number of seconds from 0 to 86400")
    return value


def boolean(env: Mapping[str, str], variable: str) -> bool:
    """``true`` or ``false`` (any case); unset or blank -> false."""
    text = env.get(variable, "").strip().lower() or "false"
    if text not in ("true", "false"):
        raise SettingsError(variable, text, "must be true or false")
    return text == "true"


def id_list(env: Mapping[str, str], variable: str, pattern: re.Pattern[str], what: str) -> frozenset[str] | None:
    """A comma- or space-separated list of IDs; unset or blank -> None (no list)."""
    text = env.get(variable, "").strip()
    if not text:
        return None
    items = [item for item in re.split(r"[\s,]+", text) if item]
    for item in items:
        if not pattern.fullmatch(item):
            raise SettingsError(variable, item[:40], f"must be a list of {what}, separated by commas")
    return frozenset(items)


def choice(env: Mapping[str, str], variable: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (any case); unset or blank -> the first."""
    text = env.get(variable, "").strip().lower() or choices[0]
    if text not in choices:
        raise SettingsError(variable, text, f"must be one of {', '.join(choices)}")
    return text


def qualifier(env: Mapping[str, str], variable: str) -> str | None:
    """An FC version ID, alias or ``LATEST``; unset or blank -> None."""
    text = env.get(variable, "").strip()
    if text and not _QUALIFIER.match(text):
        raise SettingsError(variable, text[:40], "must be an FC version ID, an alias name or LATEST")
    return text or None


def rate_limits(env: Mapping[str, str], variable: str) -> dict[str, float]:
    """``Action=rate,...`` (calls per second) over the published defaults; ``Action=0`` turns pacing off for it."""
    rates = dict(PUBLISHED_RATES)
    for item in (part for part in re.split(r"[\s,]+", env.get(variable, "").strip()) if part):
        action, _, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = math.nan
        if not re.fullmatch(r"[A-Za-z]{1,64}", action) or not (math.isfinite(rate) and rate >= 0):
            raise SettingsError(variable, item[:40], "must be a list of Action=calls-per-second, e.g. CreateRole=20")
        rates[action] = rate
    return rates


@dataclass(frozen=True)
class Endpoint:
    """Where one service is reached: the SDK wants a bare ``host[:port]`` plus a protocol."""

    host: str
    protocol: str  # "https" or "http"

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}"


def parse_endpoint(variable: str, value: str) -> Endpoint:
    """``host[:port]`` means https; a full ``http://`` or ``https://`` URL keeps its scheme."""
    text = value.strip()
    protocol = "https"
    for scheme in ("http", "https"):
        prefix = f"{scheme}://"
        if text.lower().startswith(prefix):
            protocol, text = scheme, text[len(prefix) :].rstrip("/")
            break
    if not _HOST_PORT.match(text):
        raise SettingsError(variable, value, "expected host[:port] or an http:// or https:// URL without a path")
    return Endpoint(host=text, protocol=protocol)


@dataclass(frozen=True)
class Settings:
    ram: Endpoint
    sts: Endpoint
    resourcemanager: Endpoint
    member_role: str
    connect_timeout_ms: int = 5_000
    read_timeout_ms: int = 10_000
    # Calls per SDK call for throttling, 5xx and connection errors, the first try included.
    max_attempts: int = 5
    # Base of the SDK's jittered exponential backoff between attempts (capped at 15 times the base).
    retry_backoff_ms: int = 200
    reconcile: ReconcileSettings = field(default_factory=ReconcileSettings)
    scope: Scope = field(default_factory=Scope)
    # Sweeps: "auto" fans unattended sweeps (timer, event) of directories of fan_out_threshold members or more out
    # to asynchronous invocations; "always" fans out every sweep; "never" keeps every sweep in one invocation.
    fan_out_mode: str = "auto"
    # From bench/sweep (README, "Sweeps"): one instance sweeps about 75 accounts/s on one vCPU, the AssumeRole
    # quota allows 100/s, so fanning out gains little below a few thousand accounts.
    fan_out_threshold: int = 2000
    fan_out_batch_size: int = 500
    # FC's endpoint for InvokeFunction; None: <account>.<region>.fc.aliyuncs.com.
    fc_endpoint: Endpoint | None = None
    # The version or alias that fan-out batches and continuations invoke; None: the one this invocation ran under.
    qualifier: str | None = None
    # The daily sweep reports accounts whose roles it had to create although they joined longer ago than this.
    missed_event_after_minutes: int = 60
    # Client-side pacing, calls per second per action (see emr_bootstrap.core.pacing).
    rate_limits: Mapping[str, float] = field(default_factory=lambda: dict(PUBLISHED_RATES))
    # Time kept free at the end of an invocation for the accounts already started; None: derived from the
    # propagation timeout and the function's timeout (see deadline_margin_s).
    deadline_margin_override_s: float | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        member_role = env.get(MEMBER_ROLE_VAR, "").strip() or DEFAULT_MEMBER_ROLE
        if not _ROLE_NAME.match(member_role):
            raise SettingsError(MEMBER_ROLE_VAR, member_role, "must be a RAM role name: 1-64 of A-Z a-z 0-9 . -")
        defaults = ReconcileSettings()
        margin = positive_seconds(env, DEADLINE_MARGIN_VAR, 1.0) if env.get(DEADLINE_MARGIN_VAR, "").strip() else None
        return cls(
            ram=parse_endpoint(RAM_ENDPOINT_VAR, env.get(RAM_ENDPOINT_VAR) or DEFAULT_RAM_ENDPOINT),
            sts=parse_endpoint(STS_ENDPOINT_VAR, env.get(STS_ENDPOINT_VAR) or DEFAULT_STS_ENDPOINT),
            resourcemanager=parse_endpoint(
                RESOURCEMANAGER_ENDPOINT_VAR,
                env.get(RESOURCEMANAGER_ENDPOINT_VAR) or DEFAULT_RESOURCEMANAGER_ENDPOINT,
            ),
            member_role=member_role,
            max_attempts=whole_number(env, MAX_ATTEMPTS_VAR, cls.max_attempts, 1, 20),
            retry_backoff_ms=whole_number(env, RETRY_BACKOFF_VAR, cls.retry_backoff_ms, 1, 10_000),
            reconcile=ReconcileSettings(
                max_concurrent_accounts=whole_number(
                    env, MAX_CONCURRENT_ACCOUNTS_VAR, defaults.max_concurrent_accounts, low=1
                ),
                propagation_timeout_s=positive_seconds(env, PROPAGATION_TIMEOUT_VAR, defaults.propagation_timeout_s),
            ),
            deadline_margin_override_s=margin,
            rate_limits=rate_limits(env, RATE_LIMITS_VAR),
            fan_out_mode=choice(env, FAN_OUT_VAR, ("auto", "always", "never")),
            fan_out_threshold=whole_number(env, FAN_OUT_THRESHOLD_VAR, cls.fan_out_threshold, 0),
            fan_out_batch_size=whole_number(env, FAN_OUT_BATCH_SIZE_VAR, cls.fan_out_batch_size, 1, 5000),
            fc_endpoint=parse_endpoint(FC_ENDPOINT_VAR, env[FC_ENDPOINT_VAR]) if env.get(FC_ENDPOINT_VAR) else None,
            qualifier=qualifier(env, QUALIFIER_VAR),
            missed_event_after_minutes=whole_number(
                env, MISSED_EVENT_AFTER_VAR, cls.missed_event_after_minutes, 1, 7 * 24 * 60
            ),
            scope=Scope(
                include_management_account=boolean(env, INCLUDE_MANAGEMENT_VAR),
                allowed_folders=id_list(env, ALLOWED_FOLDERS_VAR, _FOLDER_ID, "folder IDs (fd-... or r-...)"),
                allowed_accounts=id_list(env, ACCOUNT_ALLOWLIST_VAR, _ACCOUNT_ID, "account IDs of 10-20 digits"),
                denied_accounts=id_list(env, ACCOUNT_DENYLIST_VAR, _ACCOUNT_ID, "account IDs of 10-20 digits")
                or frozenset(),
            ),
        )

    def deadline_margin_s(self, timeout_s: float) -> float:
        """How early before the deadline to stop starting accounts: enough for a started account to wait out
        RAM's propagation, but never more than half the invocation."""
        if self.deadline_margin_override_s is not None:
            return self.deadline_margin_override_s
        return min(self.reconcile.propagation_timeout_s + 5.0, timeout_s / 2)
