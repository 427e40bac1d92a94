"""Trigger parsing, continued: the FC3 HTTP envelope, the timer and direct invocations, invalid bytes, and the
samples with the core's request parser."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.events import (
    MAX_EVENT_BYTES,
    DirectInvocation,
    EventNotJson,
    EventNotUtf8,
    EventTooLarge,
    HttpInvocation,
    InvalidEvent,
    MalformedCloudEvent,
    MalformedHttpEvent,
    TimerInvocation,
    UnrecognizedEvent,
    http_reply,
    parse_trigger,
)
from emr_bootstrap.shared.errors import InvalidRequest

from tests.function.intake.test_events import MGMT, NEW, REPO, encode, sample, sample_json


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
def test_every_failure_is_an_invalid_event_naming_the_whole_event_and_a_kebab_case_rule(raw: bytes, cls: type) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_trigger(raw)

    error = caught.value
    assert type(error) is cls
    assert isinstance(error, InvalidEvent)
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()  # MalformedHttpEvent -> malformed-http-event
    assert (error.field, error.rule) == ("$", kebab)
    assert error.reason and error.hint
    assert error.message == f"$: {error.reason}"


def test_importing_events_loads_only_the_standard_library() -> None:
    # Cold-start budget: events.py must stay stdlib-only.
    code = (
        "import sys; before = set(sys.modules); import emr_bootstrap.intake.events; "
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
    from emr_bootstrap.core.request import parse_request
    from emr_bootstrap.shared.errors import InvalidRequest

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
    from emr_bootstrap.core.request import parse_request

    trigger = parse_trigger(sample(name))
    assert isinstance(trigger, (DirectInvocation, HttpInvocation))
    payload = trigger.body_payload if isinstance(trigger, HttpInvocation) else trigger.payload
    assert parse_request(payload) == VALID_REQUEST_SAMPLES[name]
