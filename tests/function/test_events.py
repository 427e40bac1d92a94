"""Trigger parsing: every sample in events/, plus the edge cases the samples do not cover.

Shapes: CloudEvents + ActionTrail (docs/function-compute.md §3.1/§3.2), FC3 HTTP trigger v1 (§2.1), FC timer trigger
(https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
"""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emr_bootstrap.errors import InvalidRequest
from emr_bootstrap.events import (
    MAX_EVENT_BYTES,
    DirectInvocation,
    EventNotJson,
    EventNotUtf8,
    EventTooLarge,
    HttpInvocation,
    InvalidEvent,
    MalformedCloudEvent,
    MalformedHttpEvent,
    NewAccountEvents,
    TimerInvocation,
    UnrecognizedEvent,
    http_reply,
    parse_trigger,
)
from emr_bootstrap.request import BootstrapRequest

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
MGMT, NEW, NEW2 = "1000000000000001", "1000000000000002", "1000000000000003"

# file -> (trigger type, account IDs for NewAccountEvents / payload accountIds otherwise, ignored codes)
EXPECTED: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "actiontrail-create-resource-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-create-cloud-account.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-accept-handshake.json": (NewAccountEvents, (NEW,), ()),
    "actiontrail-rawdata-create-resource-account.json": (NewAccountEvents, (NEW,), ()),
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


def test_create_event_never_uses_request_parameters_payer_or_the_caller() -> None:
    # requestParameters.PayerAccountId and userIdentity.accountId are the management account.
    event = sample_json("actiontrail-create-resource-account.json")
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


# ---------------------------------------------------------------------------------------------- HTTP
def test_http_envelope_exposes_method_path_headers_and_request_id() -> None:
    trigger = parse_trigger(sample("http-invocation.json"))
    assert isinstance(trigger, HttpInvocation)
    assert (trigger.method, trigger.path) == ("POST", "/")
    assert trigger.body_payload == {"accountIds": [NEW], "dryRun": True}
    assert trigger.headers["content-type"] == "application/json"  # names lower-cased
    assert trigger.request_id == "1-6656a91b-0f1e2d3c4b5a69788796a5b4"
    assert trigger.source_ip == "203.0.113.24"


def test_http_base64_body_decodes_to_the_same_payload_as_the_plain_one() -> None:
    plain = parse_trigger(sample("http-invocation.json"))
    encoded = parse_trigger(sample("http-invocation-base64.json"))
    assert isinstance(plain, HttpInvocation) and isinstance(encoded, HttpInvocation)
    assert encoded.body_payload == plain.body_payload


def http_event(body: str | None, *, b64: bool = False, method: str = "POST") -> bytes:
    event = sample_json("http-invocation.json")
    event.update(body=body, isBase64Encoded=b64)
    event["requestContext"]["http"]["method"] = method
    return encode(event)


def test_http_body_marked_base64_but_not_base64_is_rejected() -> None:
    with pytest.raises(MalformedHttpEvent, match="base64"):
        parse_trigger(http_event('{"accountIds": []}', b64=True))


def test_http_body_that_is_not_json_says_what_was_expected() -> None:
    with pytest.raises(MalformedHttpEvent, match=r"not JSON.*accountIds"):
        parse_trigger(http_event("accountIds=1"))


def test_http_body_that_is_a_json_array_is_rejected() -> None:
    with pytest.raises(MalformedHttpEvent, match="JSON array"):
        parse_trigger(http_event(base64.b64encode(b'["1000000000000002"]').decode(), b64=True))


def test_http_get_without_body_gives_an_empty_payload() -> None:
    trigger = parse_trigger(http_event("", method="get"))
    assert isinstance(trigger, HttpInvocation)
    assert (trigger.method, trigger.body_payload) == ("GET", {})


def test_http_envelope_of_another_version_is_rejected() -> None:
    event = sample_json("http-invocation.json")
    event["version"] = "v2"
    with pytest.raises(MalformedHttpEvent, match="'v1'"):
        parse_trigger(encode(event))


def test_http_envelope_without_method_is_rejected() -> None:
    event = sample_json("http-invocation.json")
    del event["requestContext"]["http"]
    with pytest.raises(MalformedHttpEvent, match=r"requestContext\.http\.method"):
        parse_trigger(encode(event))


def test_http_reply_serializes_a_mapping_as_json() -> None:
    reply = http_reply(400, {"error": {"code": "InvalidRequest"}}, {"X-Request-Id": "r1"})
    assert reply["statusCode"] == 400
    assert reply["isBase64Encoded"] is False
    assert reply["headers"] == {"Content-Type": "application/json", "X-Request-Id": "r1"}
    assert json.loads(reply["body"]) == {"error": {"code": "InvalidRequest"}}


def test_http_reply_sends_a_string_as_text() -> None:
    reply = http_reply(405, "use POST")
    assert reply["body"] == "use POST"
    assert reply["headers"]["Content-Type"].startswith("text/plain")


# ---------------------------------------------------------------------------------------------- timer / direct
def test_timer_event_keeps_name_time_and_payload_verbatim() -> None:
    trigger = parse_trigger(sample("timer.json"))
    assert trigger == TimerInvocation(
        "sweep-recent-changes", "2026-05-28T02:00:00Z", '{"action": "sweep", "changedWithinMinutes": 10}'
    )


def test_timer_event_without_payload_has_an_empty_payload() -> None:
    trigger = parse_trigger(b'{"triggerTime": "2026-05-28T02:00:00Z", "triggerName": "t"}')
    assert isinstance(trigger, TimerInvocation)
    assert trigger.payload == ""


def test_direct_payload_is_passed_through_unvalidated() -> None:
    trigger = parse_trigger(sample("invalid-unknown-field.json"))
    assert trigger == DirectInvocation({"accountIds": [NEW], "dryrun": True})


def test_str_event_is_accepted_like_bytes() -> None:
    assert parse_trigger(sample("direct-invocation.json").decode()) == parse_trigger(sample("direct-invocation.json"))


# ---------------------------------------------------------------------------------------------- invalid bytes
def test_event_over_the_size_limit_is_rejected_before_parsing() -> None:
    with pytest.raises(EventTooLarge, match="limit"):
        parse_trigger(b" " * (MAX_EVENT_BYTES + 1))


def test_event_at_the_size_limit_is_parsed() -> None:
    prefix = b'{"accountIds": ["1000000000000002"], "pad": "'
    raw = prefix + b"x" * (MAX_EVENT_BYTES - len(prefix) - 2) + b'"}'
    assert len(raw) == MAX_EVENT_BYTES
    assert isinstance(parse_trigger(raw), DirectInvocation)


def test_non_utf8_bytes_are_rejected_with_the_offset() -> None:
    with pytest.raises(EventNotUtf8, match="offset 1"):
        parse_trigger(b"{\xff}")


def test_empty_event_says_json_was_expected() -> None:
    with pytest.raises(EventNotJson, match="empty; expected JSON"):
        parse_trigger(b"  \n")


def test_not_json_sample_message_names_the_position_and_an_example() -> None:
    with pytest.raises(EventNotJson) as caught:
        parse_trigger(sample("invalid-not-json.txt"))
    assert "line 1 column 1" in caught.value.reason
    assert '{"accountIds"' in caught.value.reason


@pytest.mark.parametrize(("raw", "kind"), [(b'"hello"', "string"), (b"42", "number"), (b"null", "null")])
def test_json_scalar_is_rejected_naming_its_type(raw: bytes, kind: str) -> None:
    with pytest.raises(UnrecognizedEvent, match=f"expected a JSON object.*got a JSON {kind}"):
        parse_trigger(raw)


def _without(name: str, *path: str) -> bytes:
    event = sample_json(name)
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return encode(event)


@pytest.mark.parametrize(
    ("raw", "cls"),
    [
        pytest.param(b" " * (MAX_EVENT_BYTES + 1), EventTooLarge, id="EventTooLarge"),
        pytest.param(b"{\xff}", EventNotUtf8, id="EventNotUtf8"),
        pytest.param(b"{", EventNotJson, id="EventNotJson"),
        pytest.param(b"42", UnrecognizedEvent, id="UnrecognizedEvent"),
        pytest.param(
            _without("actiontrail-create-resource-account.json", "data"), MalformedCloudEvent, id="MalformedCloudEvent"
        ),
        pytest.param(
            _without("http-invocation.json", "requestContext", "http"), MalformedHttpEvent, id="MalformedHttpEvent"
        ),
    ],
)
def test_every_failure_is_an_invalid_event_and_an_invalid_request_naming_the_event(raw: bytes, cls: type) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_trigger(raw)

    error = caught.value
    assert type(error) is cls
    assert isinstance(error, InvalidEvent)
    assert (error.field, error.rule) == ("event", cls.__name__)
    assert error.reason
    assert error.message == f"event: {error.reason}"


def test_importing_events_loads_only_the_standard_library() -> None:
    # Cold-start budget: events.py must stay stdlib-only.
    code = (
        "import sys; before = set(sys.modules); import emr_bootstrap.events; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names) - {'emr_bootstrap'}))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(REPO / 'function')!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- with the core
@pytest.mark.parametrize(
    ("name", "field", "rule"),
    [
        ("invalid-account-id.json", "accountIds[0]", "account-id"),
        ("invalid-unknown-field.json", "dryrun", "unknown-field"),
        ("invalid-unknown-role.json", "roles[1]", "catalog-role"),
    ],
)
def test_invalid_request_samples_are_rejected_by_the_core_naming_the_field(name: str, field: str, rule: str) -> None:
    from emr_bootstrap.errors import InvalidRequest
    from emr_bootstrap.request import parse_request

    trigger = parse_trigger(sample(name))
    assert isinstance(trigger, DirectInvocation)
    with pytest.raises(InvalidRequest) as caught:
        parse_request(trigger.payload)
    assert (caught.value.field, caught.value.rule) == (field, rule)


VALID_REQUEST_SAMPLES = {
    "direct-invocation.json": BootstrapRequest(account_ids=(NEW,), dry_run=False),
    "direct-dry-run.json": BootstrapRequest(account_ids=(MGMT, NEW), dry_run=True),
    "http-invocation.json": BootstrapRequest(account_ids=(NEW,), dry_run=True),
}


@pytest.mark.parametrize("name", sorted(VALID_REQUEST_SAMPLES))
def test_valid_request_samples_are_accepted_by_the_core(name: str) -> None:
    from emr_bootstrap.request import parse_request

    trigger = parse_trigger(sample(name))
    assert isinstance(trigger, (DirectInvocation, HttpInvocation))
    payload = trigger.body_payload if isinstance(trigger, HttpInvocation) else trigger.payload
    assert parse_request(payload) == VALID_REQUEST_SAMPLES[name]
