"""New-account records as the operator reads them in the logs: what each record says (account, event, time, where
the ID was found, who published it, which services it names), and why a record that asks for nothing is ignored
or one that cannot be read is refused, in the words the result carries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.intake.actiontrail import (
    collect,
    looks_like_actiontrail_record,
    looks_like_cloud_event,
    parse_cloud_event_batch,
)
from emr_bootstrap.intake.triggers import IgnoredEvent, MalformedCloudEvent, NewAccount, UnrecognizedEvent

OWN = "1000000000000001"
MEMBER = "1234567890123456"
CREATE_PATHS = (
    "responseElements.Account.AccountId, responseElements.AccountId, referencedResources.ACS::ResourceManager::Account"
)


def record(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "eventName": "CreateResourceAccount",
        "eventType": "ApiCall",
        "eventTime": "2026-05-28T05:14:03Z",
        "userIdentity": {"accountId": OWN},
        "responseElements": {"Account": {"AccountId": MEMBER}},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def cloud_event(data: object = None, **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e-1",
        "type": "resourcemanager:ActionTrail:ApiCall",
        "source": "acs.resourcemanager",
        "time": "2026-05-28T05:14:04Z",
        "aliyunaccountid": OWN,
        "data": record() if data is None else data,
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


def raw(data: dict[str, Any]) -> dict[str, Any]:
    """A RawData delivery's record, wrapped as events.py wraps it."""
    return {"id": data.get("eventId", ""), "type": ":ActionTrail:ApiCall", "data": data}


def only(events: list[Any], *, raw_data: bool = False) -> NewAccount | IgnoredEvent:
    parsed = collect(events, raw_data=raw_data)
    (outcome,) = parsed.accounts + parsed.ignored
    return outcome


def found(events: list[Any], *, raw_data: bool = False) -> NewAccount:
    outcome = only(events, raw_data=raw_data)
    assert isinstance(outcome, NewAccount)
    return outcome


def test_a_new_account_record_is_read_with_everything_the_logs_show() -> None:
    assert only([cloud_event()]) == NewAccount(
        MEMBER,
        "e-1",
        "CreateResourceAccount",
        "2026-05-28T05:14:03Z",
        "responseElements.Account.AccountId",
        publisher=OWN,
        services=("resourcemanager",),
    )


def test_the_event_id_and_time_fall_back_to_the_record_and_the_envelope() -> None:
    outcome = only([cloud_event(record(eventTime=None, eventId="rec-1"), id=None)])
    assert isinstance(outcome, NewAccount)
    assert (outcome.event_id, outcome.event_time) == ("rec-1", "2026-05-28T05:14:04Z")
    bare = only([cloud_event(record(eventTime=None), time=None, id="x" * 200)])
    assert isinstance(bare, NewAccount) and (bare.event_id, bare.event_time) == ("x" * 128, "")


def test_the_services_are_the_ones_the_record_names_listed_once_in_plain_lower_case() -> None:
    event = cloud_event(
        record(serviceName="Resource Manager", eventSource="Directory-Master.aliyuncs.com"),
        source="acs.Res_Mgr",
        type="rd:svc:ActionTrail:ApiCall",
    )
    outcome = only([event])
    assert isinstance(outcome, NewAccount)
    # The record decides: the envelope is only the carrier.
    assert outcome.services == ("resourcemanager", "directorymaster")
    plain = only([cloud_event(record(eventSource="resourcemanager.aliyuncs.com"), source="acs.ecs")])
    assert isinstance(plain, NewAccount) and plain.services == ("resourcemanager",)


def test_a_record_naming_no_service_falls_back_to_the_envelope_unless_it_is_the_actiontrail_carrier() -> None:
    assert found([cloud_event(source="acs.Res_Mgr", type="rd:svc:ActionTrail:ApiCall")]).services == ("resmgr", "rd")
    carrier = cloud_event(source="acs.actiontrail", type="actiontrail:ActionTrail:ApiCall")
    assert found([carrier]).services == ()
    assert found([cloud_event(source="acs.actiontrail", type="ecs:ActionTrail:ApiCall")]).services == ("ecs",)
    named = cloud_event(record(serviceName="ResourceManager"), source="acs.actiontrail", type=carrier["type"])
    assert found([named]).services == ("resourcemanager",)


def test_the_publisher_is_the_envelope_account_then_the_recipient_then_for_raw_creates_the_caller() -> None:
    recipient = only([cloud_event(record(recipientAccountId="2000000000000002"), aliyunaccountid="not-an-id")])
    assert isinstance(recipient, NewAccount) and recipient.publisher == "2000000000000002"
    assert only([raw(record())], raw_data=True).publisher == OWN
    assert only([cloud_event(aliyunaccountid=None)]).publisher is None
    handshake = record(eventName="AcceptHandshake", userIdentity={"accountId": MEMBER})
    accepted = only([raw(handshake)], raw_data=True)
    assert isinstance(accepted, NewAccount) and accepted.account_id == MEMBER and accepted.publisher is None


def test_an_account_id_may_be_a_number_and_the_caller_is_never_the_new_account() -> None:
    numeric = only([cloud_event(record(responseElements={"Account": {"AccountId": int(MEMBER)}}))])
    assert isinstance(numeric, NewAccount) and numeric.account_id == MEMBER
    callers = record(responseElements={"Account": {"AccountId": OWN}, "AccountId": MEMBER})
    second = only([cloud_event(callers)])
    assert isinstance(second, NewAccount) and second.found_at == "responseElements.AccountId"
    flag = record(responseElements={"Account": {"AccountId": True}, "AccountId": MEMBER})
    assert found([cloud_event(flag)]).found_at == "responseElements.AccountId"
    referenced = record(responseElements=None, referencedResources={"ACS::ResourceManager::Account": [MEMBER]})
    assert found([cloud_event(referenced)]).found_at == ("referencedResources.ACS::ResourceManager::Account")
    as_text = record(responseElements=json.dumps({"Account": {"AccountId": MEMBER}}))
    assert found([cloud_event(as_text)]).account_id == MEMBER


@pytest.mark.parametrize(
    ("event", "code", "reason"),
    [
        (
            cloud_event(type="ecs:Instance:Created"),
            "unrelated-event",
            'type "ecs:Instance:Created" is not an ActionTrail API call',
        ),
        (
            cloud_event(record(eventName="DeleteAccount")),
            "unrelated-event",
            'eventName "DeleteAccount" is not one of AcceptHandshake, CreateCloudAccount, CreateResourceAccount',
        ),
        (
            cloud_event(record(errorCode="Forbidden")),
            "failed-call",
            'the CreateResourceAccount call failed with errorCode "Forbidden"',
        ),
        (
            cloud_event(record(responseElements={})),
            "no-account-id",
            f"no account ID in the CreateResourceAccount record at any of: {CREATE_PATHS}",
        ),
    ],
)
def test_a_record_that_asks_for_nothing_is_ignored_saying_why(event: dict[str, Any], code: str, reason: str) -> None:
    outcome = only([event])
    assert isinstance(outcome, IgnoredEvent)
    assert (outcome.event_id, outcome.code, outcome.reason) == ("e-1", code, reason)
    assert outcome.event_name == event["data"]["eventName"]


def test_a_record_without_an_account_id_still_says_who_published_it() -> None:
    outcome = only([raw(record(responseElements={}, serviceName="ResourceManager"))], raw_data=True)
    assert isinstance(outcome, IgnoredEvent) and outcome.code == "no-account-id"
    assert outcome.publisher == OWN and "resourcemanager" in outcome.services


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ("text", "is not a CloudEvent object with specversion, id, type and data"),
        ({"id": "x", "type": "t", "data": {}}, "is not a CloudEvent object with specversion, id, type and data"),
        (cloud_event(type=5), "has no string 'type'; expected e.g. 'resourcemanager:ActionTrail:ApiCall'"),
        (cloud_event("{"), "has 'data' that is not usable JSON: not JSON"),
        (
            cloud_event('{"a": 1, "a": 2}'),
            """has 'data' that is not usable JSON: duplicate key "a"; each key may appear once""",
        ),
        (cloud_event([]), "has no object 'data'; expected the ActionTrail record"),
    ],
)
def test_an_unreadable_record_is_refused_alone_and_ignored_in_a_batch(event: Any, why: str) -> None:
    with pytest.raises(MalformedCloudEvent) as caught:
        collect([event])
    assert caught.value.reason == f"the CloudEvent {why}"
    batch = collect([cloud_event(), event])
    assert batch.account_ids == (MEMBER,)
    (ignored,) = batch.ignored
    event_id = event.get("id") if isinstance(event, dict) else None
    assert ignored == IgnoredEvent(event_id or "#1", "", "malformed-event", f"element 1 of the array {why}")


def test_a_batch_of_unreadable_records_is_refused_with_the_first_reason() -> None:
    with pytest.raises(MalformedCloudEvent) as caught:
        collect([1, "two"])
    assert caught.value.reason == (
        "element 0 of the array is not a CloudEvent object with specversion, id, type and data"
    )
    long_id = collect([cloud_event(), {"id": "i" * 100}]).ignored[0]
    assert long_id.event_id == "i" * 64


def test_an_envelope_without_specversion_is_recognised_by_its_aliyun_attributes() -> None:
    assert looks_like_cloud_event({"type": "t", "data": {}, "aliyuneventbusname": "default"})
    for missing in ("type", "data", "aliyuneventbusname"):
        partial = {key: 1 for key in ("type", "data", "aliyuneventbusname") if key != missing}
        assert not looks_like_cloud_event(partial)
    envelope = cloud_event(specversion=None, aliyuneventbusname="default")
    assert isinstance(only([envelope]), NewAccount)


def test_an_actiontrail_record_is_an_api_call_with_an_event_name() -> None:
    assert looks_like_actiontrail_record({"eventName": "CreateResourceAccount", "eventType": "ApiCall"})
    assert not looks_like_actiontrail_record({"eventName": 5, "eventType": "ApiCall"})
    assert not looks_like_actiontrail_record({"eventName": "CreateResourceAccount", "eventType": "ConsoleSignin"})


def test_an_empty_batch_is_refused_saying_what_was_expected() -> None:
    with pytest.raises(UnrecognizedEvent) as caught:
        parse_cloud_event_batch([])
    assert caught.value.reason == "event is an empty JSON array; expected one or more CloudEvents"
    assert parse_cloud_event_batch([cloud_event()]).account_ids == (MEMBER,)


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (cloud_event(record(userIdentity=OWN)), "has 'data.userIdentity' that is a JSON string; expected an object"),
        (
            cloud_event(record(responseElements=[MEMBER])),
            "has 'data.responseElements' that is a JSON array; expected an object",
        ),
        (cloud_event(source=5), "has 'source' that is a JSON number; expected a string"),
        (cloud_event(record(eventId="i" * 257)), "has 'data.eventId' of 257 characters; at most 256"),
    ],
)
def test_a_field_of_the_wrong_shape_refuses_its_record_naming_the_field_and_what_it_must_be(
    event: dict[str, Any], why: str
) -> None:
    with pytest.raises(MalformedCloudEvent) as caught:
        collect([event])
    assert caught.value.reason == f"the CloudEvent {why}"


def test_a_record_with_a_text_field_of_exactly_the_limit_is_read() -> None:
    assert found([cloud_event(record(eventId="i" * 256, serviceName="s" * 256))]).account_id == MEMBER
