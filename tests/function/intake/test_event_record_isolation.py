"""One bad record never costs the good one beside it: any JSON type, or a huge string, in any field of a record is
that record's refusal with a reason, never an exception, and the good record of the same delivery is reconciled.

Hypothesis fuzzes the record level: every delivery holds one good record (account GOOD) and fuzzed copies of a
record for another account (BAD), each with fields replaced or removed. Limits of the hardened decoder
(safe_json: nesting deeper than 32, numbers longer than 32 characters, duplicate keys) refuse a whole delivery by
design; the fuzzed values stay inside them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.intake.events import IgnoredEvent, MalformedCloudEvent, NewAccount, NewAccountEvents, parse_trigger
from emr_bootstrap.intake.jobs import BootstrapJob, from_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

OWN, GOOD, BAD = "1000000000000001", "1000000000000002", "2000000000000009"
HUGE = "R" * 100_000
ENVELOPE_FIELDS = ["id", "type", "source", "time", "aliyunaccountid", "specversion", "subject", "data"]
RECORD_FIELDS = [
    "serviceName",
    "eventSource",
    "eventName",
    "eventType",
    "errorCode",
    "eventTime",
    "eventId",
    "recipientAccountId",
    "userIdentity",
    "responseElements",
    "referencedResources",
    "requestParameters",
]
# The fields the parser reads, and what each may be besides absent or null.
TEXT = {"id", "type", "source", "time", "aliyunaccountid", "serviceName", "eventSource", "eventName", "errorCode"}
TEXT |= {"eventTime", "eventId", "recipientAccountId"}
OBJECT = {"userIdentity", "referencedResources"}


def record(account_id: str) -> dict[str, Any]:
    return {
        "eventId": f"rec-{account_id}",
        "eventName": "CreateResourceAccount",
        "eventType": "ApiCall",
        "eventTime": "2026-05-28T03:10:12Z",
        "serviceName": "ResourceManager",
        "userIdentity": {"type": "ram-user", "accountId": OWN},
        "responseElements": {"Account": {"AccountId": account_id}},
    }


def cloud_event(account_id: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"ev-{account_id}",
        "source": "acs.actiontrail",
        "type": "actiontrail:ActionTrail:ApiCall",
        "time": "2026-05-28T03:10:12Z",
        "aliyunaccountid": OWN,
        "aliyuneventbusname": "default",
        "data": record(account_id),
    }


def delivered(events: list[dict[str, Any]]) -> NewAccountEvents:
    trigger = parse_trigger(json.dumps(events).encode())
    assert isinstance(trigger, NewAccountEvents)
    assert len(trigger.accounts) + len(trigger.ignored) == len(events)
    return trigger


def assert_the_good_account_is_reconciled(events: list[dict[str, Any]]) -> None:
    job = from_event(json.dumps(events).encode(), request_id="r", own_account_id=OWN)
    assert isinstance(job, BootstrapJob) and job.from_event, job
    assert GOOD in job.request.account_ids


# ---------------------------------------------------------------------------------------------- every field, by type
BAD_VALUES: dict[str, Any] = {
    "array": [BAD, {"AccountId": BAD}],
    "object": {"AccountId": BAD, "serviceName": "ResourceManager"},
    "number": 2000000000000009,
    "float": 1.5e300,
    "boolean": True,
    "huge string": HUGE,
}


def with_field(where: str, name: str, value: Any) -> dict[str, Any]:
    event = cloud_event(BAD)
    (event if where == "envelope" else event["data"])[name] = value
    return event


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
@pytest.mark.parametrize(
    ("where", "name"), [("envelope", n) for n in ENVELOPE_FIELDS] + [("record", n) for n in RECORD_FIELDS]
)
def test_a_field_of_any_type_refuses_its_record_with_a_reason_and_the_good_record_proceeds(
    where: str, name: str, kind: str
) -> None:
    bad = with_field(where, name, BAD_VALUES[kind])
    events = [bad, cloud_event(GOOD)]

    trigger = delivered(events)
    assert_the_good_account_is_reconciled(events)

    outcomes: list[NewAccount | IgnoredEvent] = [*trigger.accounts, *trigger.ignored]
    outcome = next(o for o in outcomes if o.event_id != f"ev-{GOOD}")
    must_refuse = name in TEXT or (name in OBJECT | {"data"} and kind != "object")
    must_refuse |= name == "responseElements" and kind not in ("object", "huge string")
    if isinstance(outcome, IgnoredEvent):
        assert outcome.reason and outcome.code
    if must_refuse:
        assert isinstance(outcome, IgnoredEvent) and outcome.code == "malformed-event", outcome
        named = "'data'" if name == "data" else f"'{'data.' if where == 'record' else ''}{name}'"
        assert named in outcome.reason or name == "data", outcome.reason


@pytest.mark.parametrize("name", ["serviceName", "eventSource", "eventName", "errorCode", "eventTime", "id"])
def test_a_huge_string_is_refused_saying_its_length(name: str) -> None:
    trigger = delivered([with_field("envelope" if name == "id" else "record", name, HUGE), cloud_event(GOOD)])
    (refused,) = trigger.ignored
    assert refused.code == "malformed-event"
    assert refused.reason.endswith(f"of {len(HUGE)} characters; at most 256")
    assert len(refused.reason) < 200 and trigger.account_ids == (GOOD,)


def test_a_record_whose_only_field_is_bad_alone_is_an_invalid_delivery_not_an_exception() -> None:
    with pytest.raises(MalformedCloudEvent) as caught:
        parse_trigger(json.dumps(with_field("record", "serviceName", ["ResourceManager"])).encode())
    assert caught.value.reason == "the CloudEvent has 'data.serviceName' that is a JSON array; expected a string"


# ---------------------------------------------------------------------------------------------- fuzzed records
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.just(HUGE),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
REMOVED = object()
changes = st.dictionaries(
    st.tuples(st.sampled_from(["envelope", "record"]), st.sampled_from(ENVELOPE_FIELDS + RECORD_FIELDS)),
    json_values | st.just(REMOVED),
    min_size=1,
    max_size=4,
)


def fuzzed(edits: dict[tuple[str, str], Any]) -> dict[str, Any]:
    event = cloud_event(BAD)
    for (where, name), value in edits.items():
        target = event if where == "envelope" else event.get("data")
        if not isinstance(target, dict):
            continue
        if value is REMOVED:
            target.pop(name, None)
        else:
            target[name] = value
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(changes.map(fuzzed), min_size=1, max_size=4), st.integers(0, 4))
def test_fuzzed_records_beside_a_good_one_are_each_judged_alone(bad: list[dict[str, Any]], position: int) -> None:
    events = list(bad)
    events.insert(min(position, len(events)), cloud_event(GOOD))

    trigger = delivered(events)
    assert_the_good_account_is_reconciled(events)

    assert GOOD in trigger.account_ids
    assert set(trigger.account_ids) <= {GOOD, BAD}
    for ignored in trigger.ignored:
        assert ignored.code and ignored.reason
