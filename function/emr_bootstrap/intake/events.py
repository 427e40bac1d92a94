"""Turn the raw FC ``event`` bytes into a typed trigger.

FC hands a Python 3 handler ``event`` as ``bytes`` (docs/fc-notes.md §1.2). One function can see four shapes:

* an EventBridge CloudEvent carrying an ActionTrail ``ApiCall`` record, or a JSON array of them (event-streaming
  delivery batches; docs/fc-notes.md §3.1 [U]) -> :class:`NewAccountEvents`;
* the FC3 HTTP trigger envelope ``{"version": "v1", "requestContext": ...}`` (§2.1) -> :class:`HttpInvocation`;
* the timer trigger event ``{"triggerTime", "triggerName", "payload"}`` -> :class:`TimerInvocation`. Shape from
  "Formats of event for different triggers", https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers
  (an FC 2.0 page); the FC 3.0 TimerTriggerConfig doc says the trigger message "is used as the value of the payload
  in the event": https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-timertriggerconfig;
* any other JSON object: a direct invocation payload -> :class:`DirectInvocation`. Its fields are validated by
  the core's request parser, not here.

Anything else raises a subclass of :class:`InvalidEvent` whose message says what was expected.

Where the new account ID sits in an ActionTrail record is unconfirmed: see :mod:`emr_bootstrap.intake.actiontrail`.

Stdlib only: this module is imported on every cold start.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.intake.actiontrail import (
    ACTIONTRAIL_API_CALL_SUFFIX,
    collect,
    looks_like_actiontrail_record,
    looks_like_cloud_event,
    parse_cloud_event_batch,
)
from emr_bootstrap.intake.http_event import http_reply, json_type, parse_http
from emr_bootstrap.intake.triggers import (
    DirectInvocation,
    EventNotJson,
    EventNotUtf8,
    EventTooLarge,
    HttpInvocation,
    IgnoredEvent,
    InvalidEvent,
    MalformedCloudEvent,
    MalformedHttpEvent,
    NewAccount,
    NewAccountEvents,
    TimerInvocation,
    Trigger,
    UnrecognizedEvent,
)
from emr_bootstrap.shared import safe_json

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MAX_EVENT_BYTES",
    "DirectInvocation",
    "EventNotJson",
    "EventNotUtf8",
    "EventTooLarge",
    "HttpInvocation",
    "IgnoredEvent",
    "InvalidEvent",
    "MalformedCloudEvent",
    "MalformedHttpEvent",
    "NewAccount",
    "NewAccountEvents",
    "TimerInvocation",
    "Trigger",
    "UnrecognizedEvent",
    "http_reply",
    "parse_trigger",
]

# FC's synchronous payload limit is 32 MB (docs/fc-notes.md §5.1). No legitimate event of ours comes near
# it: one CloudEvent is a few KiB, so a 6 MiB cap rejects garbage before json.loads spends memory on it.
MAX_EVENT_BYTES: Final = 6 * 1024 * 1024


def parse_trigger(raw: bytes | bytearray | str) -> Trigger:
    """Classify and parse one FC event. Raises :class:`InvalidEvent` (a subclass per failure mode)."""
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    document = _decode_json(data)
    if isinstance(document, list):
        return parse_cloud_event_batch(document)
    if not isinstance(document, dict):
        raise UnrecognizedEvent(
            f'expected a JSON object (a request such as {{"accountIds": [...]}}, a CloudEvent, an HTTP or timer '
            f"trigger event) or a JSON array of CloudEvents, got a JSON {json_type(document)}"
        )
    if looks_like_cloud_event(document):
        return collect([document])
    if looks_like_actiontrail_record(document):
        # eventSinkConfig.deliveryOption.eventSchema = RawData hands over only the CloudEvent's data (§3.1).
        wrapped = {"id": document.get("eventId", ""), "type": ACTIONTRAIL_API_CALL_SUFFIX, "data": document}
        return collect([wrapped], raw_data=True)
    if "requestContext" in document and "version" in document:
        return parse_http(document)
    if "triggerTime" in document and "triggerName" in document:
        return _parse_timer(document)
    return DirectInvocation(payload=document, size=len(data))


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
        return safe_json.loads(text)
    except safe_json.JsonRejected as exc:
        raise EventNotJson(f"event is refused: {exc.message}", rule=exc.rule) from exc
    except json.JSONDecodeError as exc:
        raise EventNotJson(
            f"event is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'expected JSON, for example {"accountIds": ["<16-digit account id>"]}'
        ) from exc


def _parse_timer(document: Mapping[str, Any]) -> TimerInvocation:
    name, time, payload = document.get("triggerName"), document.get("triggerTime"), document.get("payload", "")
    if not isinstance(name, str) or not isinstance(time, str):
        raise UnrecognizedEvent("timer trigger event needs string triggerName and triggerTime")
    if payload is None:
        payload = ""
    if not isinstance(payload, str):
        payload = json.dumps(payload)  # tolerate hand-written events with an object payload
    return TimerInvocation(trigger_name=name, trigger_time=time, payload=payload)
