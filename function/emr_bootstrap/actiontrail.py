"""EventBridge CloudEvents carrying ActionTrail records -> :class:`~emr_bootstrap.triggers.NewAccountEvents`.

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

import json
import re
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.triggers import IgnoredEvent, MalformedCloudEvent, NewAccount, NewAccountEvents, UnrecognizedEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

# ActionTrail delivers write API calls to EventBridge with type "<service>:ActionTrail:ApiCall"
# (docs/function-compute.md §3.2 [C]). The service part for Resource Manager is [U], so match the suffix only.
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
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not looks_like_cloud_event(item):
            raise MalformedCloudEvent(
                f"event is a JSON array, so every element must be a CloudEvent object with specversion, id, type "
                f"and data; element {index} is not"
            )
    return collect(items)


def collect(cloud_events: list[dict[str, Any]]) -> NewAccountEvents:
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
        if not isinstance(value, str) or not _ACCOUNT_ID.fullmatch(value):
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
