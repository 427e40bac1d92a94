"""Turn the raw FC ``event`` bytes into a typed trigger.

FC hands a Python 3 handler ``event`` as ``bytes`` (function-compute.md §1.2). One function can see four shapes:

* an EventBridge CloudEvent carrying an ActionTrail ``ApiCall`` record, or a JSON array of them (event-streaming
  delivery batches; function-compute.md §3.1 [U]) -> :class:`NewAccountEvents`;
* the FC3 HTTP trigger envelope ``{"version": "v1", "requestContext": ...}`` (§2.1) -> :class:`HttpInvocation`;
* the timer trigger event ``{"triggerTime", "triggerName", "payload"}`` -> :class:`TimerInvocation`. Shape from
  "Formats of event for different triggers", https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers
  (an FC 2.0 page); the FC 3.0 TimerTriggerConfig doc says the trigger message "is used as the value of the payload
  in the event": https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-timertriggerconfig;
* any other JSON object: a direct invocation payload -> :class:`DirectInvocation`. Its fields are validated by
  the core's request parser, not here.

Anything else raises a subclass of :class:`InvalidEvent` whose message says what was expected.

Where the new account ID comes from (no real Resource Directory ActionTrail payload is public, so every path
below is [U] unconfirmed and the parser tries them in order, recording which one matched):

* ``CreateResourceAccount`` / ``CreateCloudAccount``: the API response ``Account.AccountId``
  (alibabacloud-resourcemanager20200331 2.6.2 response models), i.e. ``data.responseElements.Account.AccountId``;
  then ``data.responseElements.AccountId``; then ``data.referencedResources["ACS::ResourceManager::Account"]``.
  ``requestParameters`` is deliberately NOT used: these requests carry no new-account ID, only ``PayerAccountId``,
  which is a different (existing) account.
* ``AcceptHandshake``: the invitee accepts the invitation itself, so the joining account is the *caller*,
  ``data.userIdentity.accountId``; then ``data.responseElements.Handshake.TargetEntity`` when it is an account ID
  (it may be an email). ``Handshake.MasterAccountId`` is the management account and is never used. ActionTrail logs
  the call in the invitee's account, so the management account's bus probably never sees it [I]; it is matched
  anyway for trails that deliver member events centrally.

Stdlib only: this module is imported on every cold start.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Mapping

# FC's synchronous payload limit is 32 MB (function-compute.md §5.1). No legitimate event of ours comes near it:
# one CloudEvent is a few KiB, so a 6 MiB cap rejects garbage before json.loads spends memory on it.
MAX_EVENT_BYTES: Final = 6 * 1024 * 1024

# ActionTrail delivers write API calls to EventBridge with type "<service>:ActionTrail:ApiCall"
# (function-compute.md §3.2 [C]). The service part for Resource Manager is [U], so match the suffix only.
ACTIONTRAIL_API_CALL_SUFFIX: Final = ":ActionTrail:ApiCall"
# The Resource Manager API calls that make an account a member (ActionTrail "audit events of Resource Management").
NEW_ACCOUNT_EVENT_NAMES: Final = frozenset({"CreateResourceAccount", "CreateCloudAccount", "AcceptHandshake"})

# Alibaba Cloud account IDs are 16 digits in every real example seen; accept the same 10-20 digits as the core's
# request validation (request.ACCOUNT_ID, not imported to keep this module's imports minimal).
_ACCOUNT_ID = re.compile(r"^[0-9]{10,20}$")
_RD_ACCOUNT_RESOURCE_TYPE = "ACS::ResourceManager::Account"  # [U] ActionTrail referencedResources key


# ---------------------------------------------------------------------------------------------------- errors
class InvalidEvent(ValueError):
    """The event cannot be used. ``reason`` is a sentence for the caller saying what was expected."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
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
IgnoredCode: TypeAlias = Literal["unrelated-event", "failed-call", "no-account-id"]


@dataclass(frozen=True)
class IgnoredEvent:
    """One event of a delivery that asks for no work, and why."""

    event_id: str
    event_name: str
    code: IgnoredCode
    reason: str


@dataclass(frozen=True)
class NewAccount:
    """One account that an ActionTrail record says joined the resource directory."""

    account_id: str
    event_id: str
    event_name: str
    event_time: str
    found_at: str  # the field path the ID was read from, for the logs (the paths are [U], see module doc)


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
    (function-compute.md §2.1).
    """

    method: str
    path: str
    body_payload: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    request_id: str = ""
    source_ip: str = ""
    # The body's size in bytes (after base64 decoding), for the core's payload limit.
    size: int = field(default=0, compare=False)


Trigger: TypeAlias = NewAccountEvents | DirectInvocation | TimerInvocation | HttpInvocation


# ---------------------------------------------------------------------------------------------------- parsing
def parse_trigger(raw: bytes | bytearray | str) -> Trigger:
    """Classify and parse one FC event. Raises :class:`InvalidEvent` (a subclass per failure mode)."""
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    document = _decode_json(data)
    if isinstance(document, list):
        return _parse_cloud_event_batch(document)
    if not isinstance(document, dict):
        raise UnrecognizedEvent(
            f'expected a JSON object (a request such as {{"accountIds": [...]}}, a CloudEvent, an HTTP or timer '
            f"trigger event) or a JSON array of CloudEvents, got a JSON {_json_type(document)}"
        )
    if _looks_like_cloud_event(document):
        return _collect([document])
    if _looks_like_actiontrail_record(document):
        # eventSinkConfig.deliveryOption.eventSchema = RawData hands over only the CloudEvent's data (§3.1).
        return _collect([{"id": document.get("eventId", ""), "type": ACTIONTRAIL_API_CALL_SUFFIX, "data": document}])
    if "requestContext" in document and "version" in document:
        return _parse_http(document)
    if "triggerTime" in document and "triggerName" in document:
        return _parse_timer(document)
    return DirectInvocation(payload=document, size=len(data))


def http_reply(
    status: int,
    body: Mapping[str, Any] | str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dict an FC3 event handler returns to shape the HTTP response (function-compute.md §2.3).

    A mapping body is serialized as JSON with ``Content-Type: application/json``; a string is sent as text.
    """
    if isinstance(body, str):
        text, content_type = body, "text/plain; charset=utf-8"
    else:
        text, content_type = json.dumps(body, ensure_ascii=False), "application/json"
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type, **(headers or {})},
        "isBase64Encoded": False,
        "body": text,
    }


def _decode_json(data: bytes) -> Any:
    if len(data) > MAX_EVENT_BYTES:
        raise EventTooLarge(
            f"event is {len(data)} bytes; the limit is {MAX_EVENT_BYTES} bytes ({MAX_EVENT_BYTES // 2**20} MiB)"
        )
    try:
        text = data.decode("utf-8-sig")  # -sig: tolerate a BOM from hand-written files
    except UnicodeDecodeError as exc:
        raise EventNotUtf8(f"event is not UTF-8 text (bad byte at offset {exc.start}); expected JSON") from exc
    if not text.strip():
        raise EventNotJson('event is empty; expected JSON, for example {"accountIds": ["<16-digit account id>"]}')
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventNotJson(
            f"event is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'expected JSON, for example {"accountIds": ["<16-digit account id>"]}'
        ) from exc


def _json_type(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "number", float: "number", type(None): "null", list: "array"}
    return names.get(type(value), "object")


def _looks_like_cloud_event(obj: Mapping[str, Any]) -> bool:
    # CloudEvents 1.0 requires specversion; Alibaba's envelope also carries aliyun* extension attributes.
    return "specversion" in obj or ("type" in obj and "data" in obj and "aliyuneventbusname" in obj)


def _looks_like_actiontrail_record(obj: Mapping[str, Any]) -> bool:
    return isinstance(obj.get("eventName"), str) and obj.get("eventType") == "ApiCall"


# ---------------------------------------------------------------------------------------------------- EventBridge
def _parse_cloud_event_batch(items: list[Any]) -> NewAccountEvents:
    if not items:
        raise UnrecognizedEvent("event is an empty JSON array; expected one or more CloudEvents")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not _looks_like_cloud_event(item):
            raise MalformedCloudEvent(
                f"event is a JSON array, so every element must be a CloudEvent object with specversion, id, type "
                f"and data; element {index} is not"
            )
    return _collect(items)


def _collect(cloud_events: list[dict[str, Any]]) -> NewAccountEvents:
    accounts: list[NewAccount] = []
    ignored: list[IgnoredEvent] = []
    for cloud_event in cloud_events:
        outcome = _read_cloud_event(cloud_event)
        if isinstance(outcome, NewAccount):
            accounts.append(outcome)
        else:
            ignored.append(outcome)
    unique_ids = tuple(dict.fromkeys(a.account_id for a in accounts))
    return NewAccountEvents(
        account_ids=unique_ids,
        event_ids=tuple(a.event_id for a in accounts),
        accounts=tuple(accounts),
        ignored=tuple(ignored),
    )


def _read_cloud_event(cloud_event: Mapping[str, Any]) -> NewAccount | IgnoredEvent:
    event_type = cloud_event.get("type")
    if not isinstance(event_type, str):
        raise MalformedCloudEvent(
            "CloudEvent has no string 'type'; expected e.g. 'resourcemanager:ActionTrail:ApiCall'"
        )
    record = cloud_event.get("data")
    if isinstance(record, str):
        # [U] tolerate data serialized as a JSON string rather than an object.
        try:
            record = json.loads(record)
        except json.JSONDecodeError:
            record = None
    event_id = str(cloud_event.get("id", ""))
    if not isinstance(record, dict):
        raise MalformedCloudEvent(f"CloudEvent {event_id!r} has no object 'data'; expected the ActionTrail record")
    event_name = record.get("eventName")
    event_name = event_name if isinstance(event_name, str) else ""
    trail_id = record.get("eventId")
    event_id = event_id or (trail_id if isinstance(trail_id, str) else "")

    if not event_type.endswith(ACTIONTRAIL_API_CALL_SUFFIX):
        return IgnoredEvent(
            event_id, event_name, "unrelated-event", f"type {event_type!r} is not an ActionTrail API call"
        )
    if event_name not in NEW_ACCOUNT_EVENT_NAMES:
        names = ", ".join(sorted(NEW_ACCOUNT_EVENT_NAMES))
        return IgnoredEvent(event_id, event_name, "unrelated-event", f"eventName {event_name!r} is not one of {names}")
    error_code = record.get("errorCode")
    if error_code:
        # A failed CreateResourceAccount created nothing: there is no account to bootstrap.
        return IgnoredEvent(
            event_id, event_name, "failed-call", f"the {event_name} call failed with errorCode {error_code!r}"
        )
    found = _find_account_id(event_name, record)
    if found is None:
        return IgnoredEvent(
            event_id,
            event_name,
            "no-account-id",
            f"no account ID in the {event_name} record at any of: {', '.join(_CANDIDATES[event_name])}",
        )
    account_id, path = found
    event_time = record.get("eventTime") or cloud_event.get("time") or ""
    return NewAccount(account_id, event_id, event_name, str(event_time), path)


# Paths tried in order, per event name (see the module docstring for why; all [U]).
_CANDIDATES: Final[dict[str, tuple[str, ...]]] = {
    "CreateResourceAccount": (
        "responseElements.Account.AccountId",
        "responseElements.AccountId",
        f"referencedResources.{_RD_ACCOUNT_RESOURCE_TYPE}",
    ),
    "CreateCloudAccount": (
        "responseElements.Account.AccountId",
        "responseElements.AccountId",
        f"referencedResources.{_RD_ACCOUNT_RESOURCE_TYPE}",
    ),
    "AcceptHandshake": (
        "userIdentity.accountId",
        "responseElements.Handshake.TargetEntity",
    ),
}


def _find_account_id(event_name: str, record: Mapping[str, Any]) -> tuple[str, str] | None:
    caller = _dig(record, ("userIdentity", "accountId"))
    for path in _CANDIDATES[event_name]:
        value = _lookup(record, path)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not _ACCOUNT_ID.match(value):
            continue
        if event_name != "AcceptHandshake" and value == caller:
            # For Create* the caller is the management account: never bootstrap it by mistake.
            continue
        return value, path
    return None


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    if path.startswith("referencedResources."):
        ids = _dig(record, ("referencedResources", path.split(".", 1)[1]))
        return ids[0] if isinstance(ids, list) and len(ids) == 1 else None
    return _dig(record, tuple(path.split(".")))


def _dig(record: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = record
    for key in keys:
        if isinstance(node, str) and key and node.startswith("{"):
            # [U] ActionTrail may store responseElements as a JSON string.
            try:
                node = json.loads(node)
            except json.JSONDecodeError:
                return None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


# ---------------------------------------------------------------------------------------------------- HTTP
def _parse_http(document: Mapping[str, Any]) -> HttpInvocation:
    if document.get("version") != "v1":
        raise MalformedHttpEvent(
            f"HTTP trigger event version {document.get('version')!r} is not supported; expected 'v1'"
        )
    context = document.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    if not isinstance(context, dict) or not isinstance(http, dict) or not isinstance(http.get("method"), str):
        raise MalformedHttpEvent("HTTP trigger event has no requestContext.http.method; expected the FC3 v1 envelope")
    body_payload, body_size = _http_body(document.get("body"), bool(document.get("isBase64Encoded")))
    headers = _mapping(document.get("headers"))
    query = _mapping(document.get("queryParameters"))
    return HttpInvocation(
        method=http["method"].upper(),
        path=str(http.get("path") or document.get("rawPath") or "/"),
        body_payload=body_payload,
        headers={str(k).lower(): str(v) for k, v in headers.items()},
        query={str(k): str(v) for k, v in query.items()},
        request_id=str(context.get("requestId", "")),
        source_ip=str(http.get("sourceIp", "")),
        size=body_size,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _http_body(body: Any, is_base64: bool) -> tuple[dict[str, Any], int]:
    """The request body as a JSON object, and its size in bytes."""
    if body is None or body == "":
        return {}, 0  # GET, or a POST without a body: the core reports the missing fields
    if not isinstance(body, str):
        raise MalformedHttpEvent("HTTP trigger event 'body' is not a string")
    text = body
    if is_base64:
        try:
            text = base64.b64decode(body, validate=True).decode("utf-8-sig")
        except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise MalformedHttpEvent("request body is marked base64 but is not base64-encoded UTF-8 text") from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedHttpEvent(
            f"request body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'expected a JSON object such as {"accountIds": ["<16-digit account id>"], "dryRun": true}'
        ) from exc
    if not isinstance(payload, dict):
        raise MalformedHttpEvent(
            f"request body is a JSON {_json_type(payload)}; "
            'expected a JSON object such as {"accountIds": ["<16-digit account id>"], "dryRun": true}'
        )
    return payload, len(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------------- timer
def _parse_timer(document: Mapping[str, Any]) -> TimerInvocation:
    name, time, payload = document.get("triggerName"), document.get("triggerTime"), document.get("payload", "")
    if not isinstance(name, str) or not isinstance(time, str):
        raise UnrecognizedEvent("timer trigger event needs string triggerName and triggerTime")
    if payload is None:
        payload = ""
    if not isinstance(payload, str):
        payload = json.dumps(payload)  # tolerate hand-written events with an object payload
    return TimerInvocation(trigger_name=name, trigger_time=time, payload=payload)
