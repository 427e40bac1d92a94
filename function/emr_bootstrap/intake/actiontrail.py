"""EventBridge CloudEvents carrying ActionTrail records -> :class:`~emr_bootstrap.intake.triggers.NewAccountEvents`.

Where the new account ID comes from. No real Resource Directory ActionTrail payload is public, and Resource
Manager is not among EventBridge's documented ActionTrail sources, so every path below is [U] unconfirmed
(docs/alibaba-cloud.md, "Unconfirmed facts"); the parser tries them in order, recording which one matched:

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

import re
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.intake.http_event import json_type
from emr_bootstrap.intake.triggers import (
    IgnoredEvent,
    MalformedCloudEvent,
    NewAccount,
    NewAccountEvents,
    UnrecognizedEvent,
)
from emr_bootstrap.shared import safe_json
from emr_bootstrap.shared.safe_json import shown

if TYPE_CHECKING:
    from collections.abc import Mapping

# ActionTrail delivers write API calls to EventBridge with type "actiontrail:ActionTrail:ApiCall" (the carrier) or
# "<service>:ActionTrail:ApiCall" (docs/fc-notes.md §3.2 [C]); which one Resource Manager's get is [U], so match the
# suffix only, and let the record's serviceName / eventSource say which service was called (_services).
ACTIONTRAIL_API_CALL_SUFFIX: Final = ":ActionTrail:ApiCall"
# The Resource Manager API calls that make an account a member (ActionTrail "audit events of Resource Management").
NEW_ACCOUNT_EVENT_NAMES: Final = frozenset({"CreateResourceAccount", "CreateCloudAccount", "AcceptHandshake"})

# Alibaba Cloud account IDs are 16 digits in every real example seen; accept the same 10-20 digits as the core's
# request validation (request.ACCOUNT_ID, not imported to keep this module's imports minimal).
_ACCOUNT_ID = re.compile(r"[0-9]{10,20}")
_RD_ACCOUNT_RESOURCE_TYPE = "ACS::ResourceManager::Account"  # [U] ActionTrail referencedResources key


def looks_like_cloud_event(obj: Mapping[str, Any]) -> bool:
    # CloudEvents 1.0 requires specversion; Alibaba's envelope also carries aliyun* extension attributes.
    return "specversion" in obj or ("type" in obj and "data" in obj and "aliyuneventbusname" in obj)


def looks_like_actiontrail_record(obj: Mapping[str, Any]) -> bool:
    return isinstance(obj.get("eventName"), str) and obj.get("eventType") == "ApiCall"


def parse_cloud_event_batch(items: list[Any]) -> NewAccountEvents:
    if not items:
        raise UnrecognizedEvent("event is an empty JSON array; expected one or more CloudEvents")
    return collect(items)


def collect(cloud_events: list[Any], *, raw_data: bool = False) -> NewAccountEvents:
    """Judge each record on its own: a malformed one is ignored with its reason and the others proceed. Only a
    delivery with nothing usable at all is invalid."""
    accounts: list[NewAccount] = []
    ignored: list[IgnoredEvent] = []
    malformed: list[MalformedCloudEvent] = []
    for index, cloud_event in enumerate(cloud_events):
        try:
            outcome = _read_cloud_event(cloud_event, index, len(cloud_events), raw_data=raw_data)
        except MalformedCloudEvent as exc:
            malformed.append(exc)
            event_id = _text(cloud_event.get("id"))[:64] if isinstance(cloud_event, dict) else ""
            outcome = IgnoredEvent(event_id or f"#{index}", "", "malformed-event", exc.reason)
        if isinstance(outcome, NewAccount):
            accounts.append(outcome)
        else:
            ignored.append(outcome)
    if len(malformed) == len(cloud_events):
        raise malformed[0]
    unique_ids = tuple(dict.fromkeys(a.account_id for a in accounts))
    return NewAccountEvents(
        account_ids=unique_ids,
        event_ids=tuple(a.event_id for a in accounts),
        accounts=tuple(accounts),
        ignored=tuple(ignored),
    )


def _read_cloud_event(cloud_event: Any, index: int, count: int, *, raw_data: bool) -> NewAccount | IgnoredEvent:
    """One record. ``raw_data``: the delivery was ``eventSchema: RawData``, the record wrapped without envelope."""
    where = f"element {index} of the array" if count > 1 else "the CloudEvent"
    if not isinstance(cloud_event, dict) or not (raw_data or looks_like_cloud_event(cloud_event)):
        raise MalformedCloudEvent(f"{where} is not a CloudEvent object with specversion, id, type and data")
    event_type = cloud_event.get("type")
    if not isinstance(event_type, str):
        raise MalformedCloudEvent(f"{where} has no string 'type'; expected e.g. 'resourcemanager:ActionTrail:ApiCall'")
    record = cloud_event.get("data")
    if isinstance(record, str):
        # [U] tolerate data serialized as a JSON string rather than an object.
        try:
            record = safe_json.loads(record)
        except ValueError as exc:  # JSONDecodeError and JsonRejected
            raise MalformedCloudEvent(f"{where} has 'data' that is not usable JSON: {_why(exc)}") from exc
    if not isinstance(record, dict):
        raise MalformedCloudEvent(f"{where} has no object 'data'; expected the ActionTrail record")
    _check_fields(where, cloud_event, _ENVELOPE_FIELDS, "")
    _check_fields(where, record, _RECORD_FIELDS, "data.")
    event_id = _text(cloud_event.get("id")) or _text(record.get("eventId"))
    event_name = _text(record.get("eventName"))

    if not event_type.endswith(ACTIONTRAIL_API_CALL_SUFFIX):
        return IgnoredEvent(
            event_id, event_name, "unrelated-event", f"type {shown(event_type)} is not an ActionTrail API call"
        )
    if event_name not in NEW_ACCOUNT_EVENT_NAMES:
        names = ", ".join(sorted(NEW_ACCOUNT_EVENT_NAMES))
        return IgnoredEvent(
            event_id, event_name, "unrelated-event", f"eventName {shown(event_name)} is not one of {names}"
        )
    error_code = record.get("errorCode")
    if error_code:
        # A failed CreateResourceAccount created nothing: there is no account to bootstrap.
        return IgnoredEvent(
            event_id, event_name, "failed-call", f"the {event_name} call failed with errorCode {shown(error_code)}"
        )
    publisher = _publisher(cloud_event, record, event_name, raw=raw_data)
    services = _services(cloud_event, record, event_type)
    event_time = _text(record.get("eventTime")) or _text(cloud_event.get("time"))
    found = _find_account_id(event_name, record)
    if found is None:
        return IgnoredEvent(
            event_id,
            event_name,
            "no-account-id",
            f"no account ID in the {event_name} record at any of: {', '.join(_CANDIDATES[event_name])}",
            publisher=publisher,
            services=services,
            event_time=event_time,
        )
    account_id, path = found
    return NewAccount(account_id, event_id, event_name, event_time, path, publisher=publisher, services=services)


# What each field the parser reads may be; anything else makes the record malformed (refused on its own, with the
# field named), never an exception. "text": a string of at most MAX_FIELD_CHARS; "object": a JSON object;
# "object-or-text": an object, or the object serialized as a JSON string [U]. Absent or null is always allowed.
MAX_FIELD_CHARS: Final = 256
_ENVELOPE_FIELDS: Final = {"id": "text", "type": "text", "source": "text", "time": "text", "aliyunaccountid": "text"}
_RECORD_FIELDS: Final = {
    "eventId": "text",
    "eventName": "text",
    "eventTime": "text",
    "serviceName": "text",
    "eventSource": "text",
    "errorCode": "text",
    "recipientAccountId": "text",
    "userIdentity": "object",
    "responseElements": "object-or-text",
    "referencedResources": "object",
}


def _check_fields(where: str, node: Mapping[str, Any], fields: Mapping[str, str], prefix: str) -> None:
    for name, kind in fields.items():
        value = node.get(name)
        if value is None or (isinstance(value, dict) and kind != "text"):
            continue
        if isinstance(value, str) and kind != "object":
            if kind == "object-or-text" or len(value) <= MAX_FIELD_CHARS:
                continue
            raise MalformedCloudEvent(
                f"{where} has '{prefix}{name}' of {len(value)} characters; at most {MAX_FIELD_CHARS}"
            )
        expected = {"text": "a string", "object": "an object", "object-or-text": "an object"}[kind]
        raise MalformedCloudEvent(
            f"{where} has '{prefix}{name}' that is a JSON {json_type(value)}; expected {expected}"
        )


def _text(value: Any) -> str:
    return value[:128] if isinstance(value, str) else ""


def _why(exc: ValueError) -> str:
    return exc.message if isinstance(exc, safe_json.JsonRejected) else "not JSON"


def _publisher(cloud_event: Mapping[str, Any], record: Mapping[str, Any], event_name: str, *, raw: bool) -> str | None:
    """The account whose bus published the event. RawData deliveries carry no envelope: for a Create* call the
    caller is the account the call (and so its trail) belongs to [U]."""
    for value in (cloud_event.get("aliyunaccountid"), record.get("recipientAccountId")):
        if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value):
            return value
    caller = _dig(record, ("userIdentity", "accountId"))
    if raw and event_name != "AcceptHandshake" and isinstance(caller, str) and _ACCOUNT_ID.fullmatch(caller):
        return caller
    return None


def _services(cloud_event: Mapping[str, Any], record: Mapping[str, Any], event_type: str) -> tuple[str, ...]:
    """The services the record names: its own ``serviceName`` and ``eventSource`` decide. The envelope is only the
    carrier (EventBridge's documented form is source ``acs.actiontrail``, type ``actiontrail:ActionTrail:ApiCall``,
    docs/fc-notes.md §3.2), so it counts only for a record that names no service, and never as ``actiontrail``.
    ``event_type`` ends in ACTIONTRAIL_API_CALL_SUFFIX (checked first): its service is the part before the colon."""
    names = _normalized(record.get("serviceName"), record.get("eventSource"))
    if names:
        return names
    source = cloud_event.get("source")
    carrier = _normalized(
        source.removeprefix("acs.") if isinstance(source, str) else None, event_type.partition(":")[0]
    )
    return tuple(name for name in carrier if name != NEUTRAL_CARRIER)


def _normalized(*names: Any) -> tuple[str, ...]:
    normalized = (_SERVICE_CHARS.sub("", name.lower().removesuffix(".aliyuncs.com")) for name in names if name)
    # An empty name says nothing (a RawData record's stand-in type has no service part): it is no marker at all.
    return tuple(dict.fromkeys(name for name in normalized if name))


# The service that carries every ActionTrail event to EventBridge: it says nothing about which service was called.
NEUTRAL_CARRIER: Final = "actiontrail"
_SERVICE_CHARS = re.compile(r"[^a-z0-9]")


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


def _account_id(value: Any) -> str | None:
    """An account ID as the string the scope compares: a JSON number is read as its digits."""
    if type(value) is int:  # not true or false: bool is a subclass of int
        value = str(value)
    return value if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) else None


def _find_account_id(event_name: str, record: Mapping[str, Any]) -> tuple[str, str] | None:
    # Normalised like the candidates: a caller written as a number is still the caller.
    caller = _account_id(_dig(record, ("userIdentity", "accountId")))
    for path in _CANDIDATES[event_name]:
        value = _account_id(_lookup(record, path))
        if value is None:
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
                node = safe_json.loads(node)
            except ValueError:
                return None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
