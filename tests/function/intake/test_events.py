"""Trigger parsing: every sample in events/, plus the edge cases the samples do not cover.

Shapes: CloudEvents + ActionTrail (docs/fc-notes.md §3.1/§3.2), FC3 HTTP trigger v1 (§2.1), FC timer trigger
(https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from emr_bootstrap.intake.events import (
    DirectInvocation,
    EventNotJson,
    HttpInvocation,
    InvalidEvent,
    MalformedCloudEvent,
    NewAccountEvents,
    TimerInvocation,
    UnrecognizedEvent,
    parse_trigger,
)

REPO = Path(__file__).resolve().parents[3]
EVENTS = REPO / "events"
MGMT, NEW, NEW2 = "1000000000000001", "1000000000000002", "1000000000000003"

# file -> (trigger type, account IDs for NewAccountEvents / payload accountIds otherwise, ignored codes)
EXPECTED: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "actiontrail-create-resource-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-create-cloud-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-accept-handshake.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-rawdata-create-resource-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-carrier-create-resource-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-carrier-no-response-elements.json": (NewAccountEvents, (), ("no-account-id",)),
    "actiontrail-failed-call.json": (NewAccountEvents, (), ("failed-call",)),
    "actiontrail-unrelated.json": (NewAccountEvents, (), ("unrelated-event",)),
    "eventbridge-batch.json": (NewAccountEvents, (NEW, NEW2), ("unrelated-event",)),
    "direct-invocation.json": (DirectInvocation, (NEW,), ()),
    "direct-dry-run.json": (DirectInvocation, (MGMT, NEW), ()),
    "timer.json": (TimerInvocation, (), ()),
    "timer-daily.json": (TimerInvocation, (), ()),
    "direct-sweep.json": (DirectInvocation, (), ()),
    "http-invocation.json": (HttpInvocation, (NEW,), ()),
    "http-invocation-base64.json": (HttpInvocation, (NEW,), ()),
    "invalid-not-json.txt": (EventNotJson, (), ()),
    # Field validation is the core's parse_request: the event layer classifies these as direct invocations.
    "invalid-account-id.json": (DirectInvocation, ("10000000000000O2",), ()),
    "invalid-unknown-field.json": (DirectInvocation, (NEW,), ()),
    "invalid-unknown-role.json": (DirectInvocation, (NEW,), ()),
}


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample(name))


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


# ---------------------------------------------------------------------------------------------- every sample
def test_every_sample_file_has_an_expectation() -> None:
    on_disk = {p.name for p in EVENTS.iterdir() if p.name != "README.md"}
    assert on_disk == set(EXPECTED)


def test_every_sample_file_is_described_in_the_events_readme() -> None:
    readme = (EVENTS / "README.md").read_text()
    assert [name for name in EXPECTED if f"`{name}`" not in readme] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_to_its_trigger_type_and_accounts(name: str) -> None:
    kind, ids, ignored_codes = EXPECTED[name]
    if issubclass(kind, InvalidEvent):
        with pytest.raises(kind):
            parse_trigger(sample(name))
        return
    trigger = parse_trigger(sample(name))
    assert type(trigger) is kind
    if isinstance(trigger, NewAccountEvents):
        assert trigger.account_ids == ids
        assert tuple(i.code for i in trigger.ignored) == ignored_codes
    elif isinstance(trigger, DirectInvocation):
        assert tuple(trigger.payload.get("accountIds", ())) == ids
    elif isinstance(trigger, HttpInvocation):
        assert tuple(trigger.body_payload["accountIds"]) == ids


# ---------------------------------------------------------------------------------------------- EventBridge
def test_create_resource_account_reads_the_id_from_the_response_account() -> None:
    trigger = parse_trigger(sample("actiontrail-create-resource-account.json"))
    assert isinstance(trigger, NewAccountEvents)
    (account,) = trigger.accounts
    assert account.found_at == "responseElements.Account.AccountId"
    assert account.event_name == "CreateResourceAccount"
    assert account.event_id == "2b6f3d0e-8c1a-4f5e-9d2b-7a4c1e0f3b91"
    assert account.event_time == "2026-05-28T03:10:12Z"
    assert trigger.event_ids == (account.event_id,)


def test_accept_handshake_takes_the_caller_never_the_master_account() -> None:
    trigger = parse_trigger(sample("actiontrail-accept-handshake.json"))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    assert trigger.accounts[0].found_at == "userIdentity.accountId"
    assert MGMT not in trigger.account_ids  # Handshake.MasterAccountId


def test_accept_handshake_without_caller_falls_back_to_an_account_target_entity() -> None:
    event = sample_json("actiontrail-accept-handshake.json")
    del event["data"]["userIdentity"]
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    assert trigger.accounts[0].found_at == "responseElements.Handshake.TargetEntity"


def test_accept_handshake_by_email_without_caller_is_ignored_as_no_account_id() -> None:
    event = sample_json("actiontrail-accept-handshake.json")
    del event["data"]["userIdentity"]
    event["data"]["responseElements"]["Handshake"].update(TargetEntity="someone@example.com", TargetType="Email")
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == ()
    (ignored,) = trigger.ignored
    assert ignored.code == "no-account-id"
    assert "userIdentity.accountId" in ignored.reason


def test_create_event_falls_back_to_referenced_resources_when_response_is_missing() -> None:
    event = sample_json("actiontrail-create-resource-account.json")
    event["data"]["responseElements"] = {"RequestId": "x"}
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    assert trigger.accounts[0].found_at == "referencedResources.ACS::ResourceManager::Account"


def test_response_elements_serialized_as_a_json_string_are_read() -> None:
    event = sample_json("actiontrail-create-resource-account.json")
    event["data"]["responseElements"] = json.dumps(event["data"]["responseElements"])
    del event["data"]["referencedResources"]
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.accounts[0].found_at == "responseElements.Account.AccountId"


@pytest.mark.parametrize("caller", [MGMT, int(MGMT)], ids=["string", "number"])
def test_create_event_never_uses_request_parameters_payer_or_the_caller(caller: object) -> None:
    # requestParameters.PayerAccountId and userIdentity.accountId are the management account; a caller written as
    # a number is still the caller.
    event = sample_json("actiontrail-create-resource-account.json")
    event["data"]["userIdentity"]["accountId"] = caller
    event["data"]["responseElements"] = {"RequestId": "x", "AccountId": MGMT}
    del event["data"]["referencedResources"]
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == ()
    assert trigger.ignored[0].code == "no-account-id"
    assert "responseElements.Account.AccountId" in trigger.ignored[0].reason


def test_cloud_event_data_as_a_json_string_is_decoded() -> None:
    event = sample_json("actiontrail-create-cloud-account.json")
    event["data"] = json.dumps(event["data"])
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)


def test_failed_call_is_ignored_with_its_error_code() -> None:
    trigger = parse_trigger(sample("actiontrail-failed-call.json"))
    assert isinstance(trigger, NewAccountEvents)
    (ignored,) = trigger.ignored
    assert (ignored.code, ignored.event_name) == ("failed-call", "CreateResourceAccount")
    assert "NoPermission" in ignored.reason


def test_unrelated_event_name_is_ignored_naming_the_expected_names() -> None:
    trigger = parse_trigger(sample("actiontrail-unrelated.json"))
    assert isinstance(trigger, NewAccountEvents)
    (ignored,) = trigger.ignored
    assert ignored.code == "unrelated-event"
    assert "CreateFolder" in ignored.reason and "CreateResourceAccount" in ignored.reason


def test_non_actiontrail_event_type_is_ignored() -> None:
    event = sample_json("actiontrail-create-resource-account.json")
    event["type"] = "resourcemanager:ResourceSharing:AssociationStatusChange"
    trigger = parse_trigger(encode(event))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == ()
    assert "ResourceSharing" in trigger.ignored[0].reason


def test_batch_keeps_order_and_reports_the_ignored_event() -> None:
    trigger = parse_trigger(sample("eventbridge-batch.json"))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW, NEW2)
    assert [a.event_name for a in trigger.accounts] == ["CreateResourceAccount", "CreateCloudAccount"]
    assert [(i.event_name, i.code) for i in trigger.ignored] == [("CreateFolder", "unrelated-event")]


def test_redelivered_event_in_a_batch_yields_the_account_once() -> None:
    # EventBridge delivers at least once; the same member may also be created and then accept-handshaked.
    create = sample_json("actiontrail-create-resource-account.json")
    accept = sample_json("actiontrail-accept-handshake.json")
    trigger = parse_trigger(encode([create, copy.deepcopy(create), accept]))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    assert len(trigger.accounts) == 3


def test_bad_element_of_a_batch_is_ignored_naming_its_index_and_the_good_one_proceeds() -> None:
    create = sample_json("actiontrail-create-resource-account.json")
    trigger = parse_trigger(encode([create, {"accountIds": [NEW2]}]))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    (bad,) = trigger.ignored
    assert bad.code == "malformed-event" and "element 1" in bad.reason


def test_account_id_ending_in_a_newline_is_ignored_and_the_rest_of_the_batch_proceeds() -> None:
    good = sample_json("actiontrail-create-resource-account.json")
    bad = sample_json("actiontrail-create-resource-account.json")
    bad["data"]["responseElements"]["Account"]["AccountId"] = NEW2 + "\n"
    bad["data"].pop("referencedResources", None)
    trigger = parse_trigger(encode([good, bad]))
    assert isinstance(trigger, NewAccountEvents)
    assert trigger.account_ids == (NEW,)
    assert [i.code for i in trigger.ignored] == ["no-account-id"]


def test_batch_with_nothing_usable_is_rejected_naming_the_first_bad_element() -> None:
    with pytest.raises(MalformedCloudEvent, match="element 0"):
        parse_trigger(encode([{"accountIds": [NEW]}, 7]))


def test_empty_batch_is_rejected() -> None:
    with pytest.raises(UnrecognizedEvent, match="empty JSON array"):
        parse_trigger(b"[]")


def test_cloud_event_without_data_is_rejected() -> None:
    event = sample_json("actiontrail-create-resource-account.json")
    del event["data"]
    with pytest.raises(MalformedCloudEvent, match="ActionTrail record"):
        parse_trigger(encode(event))
