"""The typed triggers an FC event can be, and the errors for events that cannot be used (one class per
failure mode, all of them :class:`~emr_bootstrap.shared.errors.InvalidRequest`). Stdlib only: imported on every cold
start."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from emr_bootstrap.shared.errors import InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Mapping


# ---------------------------------------------------------------------------------------------------- errors
class InvalidEvent(InvalidRequest):
    """The event cannot be used. ``reason`` is a sentence for the caller saying what was expected; the result
    reports it as field ``$`` (the whole event) with the subclass's name in kebab-case as the rule
    (``MalformedHttpEvent`` -> ``malformed-http-event``), like every other rule."""

    def __init__(self, reason: str, *, field: str = "$", rule: str | None = None) -> None:
        name = type(self).__name__
        kebab = "".join(f"-{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
        super().__init__(field, rule or kebab, reason)
        self.reason = reason


class EventTooLarge(InvalidEvent):
    """The raw event exceeds :data:`MAX_EVENT_BYTES`."""


class EventNotUtf8(InvalidEvent):
    """The raw event bytes are not UTF-8 text."""


class EventNotJson(InvalidEvent):
    """The event text is not JSON."""


class UnrecognizedEvent(InvalidEvent):
    """The event is JSON but matches no trigger shape (scalar, empty batch, ...)."""


class MalformedCloudEvent(InvalidEvent):
    """The event looks like a CloudEvent (or a batch of them) but lacks required parts."""


class MalformedHttpEvent(InvalidEvent):
    """The HTTP trigger envelope, or the request body inside it, cannot be used."""


# ---------------------------------------------------------------------------------------------------- triggers
IgnoredCode: TypeAlias = Literal[
    "unrelated-event",
    "failed-call",
    "no-account-id",
    "malformed-event",
    "not-resource-manager",
    "foreign-account",
    "origin-unverified",
    "own-account",
    "event-sweep-running",
    "event-sweep-cooldown",
]


@dataclass(frozen=True)
class IgnoredEvent:
    """One event of a delivery that asks for no work, and why."""

    event_id: str
    event_name: str
    code: IgnoredCode
    reason: str
    # For "no-account-id": where the event came from (see NewAccount), so its origin can still be checked, and
    # when it happened, so the sweep that stands in for it reaches back far enough.
    publisher: str | None = None
    services: tuple[str, ...] = ()
    event_time: str = ""


@dataclass(frozen=True)
class NewAccount:
    """One account that an ActionTrail record says joined the resource directory."""

    account_id: str
    event_id: str
    event_name: str
    event_time: str
    found_at: str  # the field path the ID was read from, for the logs (the paths are [U], see module doc)
    # The account whose event bus published the event (CloudEvent ``aliyunaccountid``, else the record's
    # ``recipientAccountId``, else, for a Create* call delivered as RawData, its caller); None when unknown.
    publisher: str | None = None
    # The services the record names (its ``serviceName`` and ``eventSource``; only when it has neither, the
    # CloudEvent ``source`` and ``type`` prefix unless they are the neutral ActionTrail carrier), normalized: lower
    # case, letters and digits only.
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewAccountEvents:
    """EventBridge delivered one or more ActionTrail records; ``account_ids`` is deduplicated, in order."""

    account_ids: tuple[str, ...]
    event_ids: tuple[str, ...]
    accounts: tuple[NewAccount, ...] = ()
    ignored: tuple[IgnoredEvent, ...] = ()


@dataclass(frozen=True)
class DirectInvocation:
    """A direct invocation (``s invoke``, the SDK); ``payload`` is the request, not yet validated."""

    payload: dict[str, Any]
    # The request's size in bytes as it arrived, for the core's payload limit.
    size: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TimerInvocation:
    """The FC timer trigger fired. ``payload`` is the trigger message string, verbatim (may be empty)."""

    trigger_name: str
    trigger_time: str
    payload: str


@dataclass(frozen=True)
class HttpInvocation:
    """An HTTP trigger request; its body is a direct invocation payload.

    ``headers`` have lower-cased names (HTTP names are case-insensitive); several values arrive comma-joined
    (docs/fc-notes.md §2.1).
    """

    method: str
    path: str
    body_payload: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    request_id: str = ""
    source_ip: str = ""
    # requestContext.accountId: the account of the caller that signed the request (authType function).
    caller_account_id: str = ""
    user_agent: str = ""
    # The body's size in bytes (after base64 decoding), for the core's payload limit.
    size: int = field(default=0, compare=False)


Trigger: TypeAlias = NewAccountEvents | DirectInvocation | TimerInvocation | HttpInvocation
