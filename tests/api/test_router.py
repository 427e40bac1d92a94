"""The router on FC3 events directly (no socket): inputs the local server never produces, and the last-resort
guard. Never raises; invalid input never reaches the cloud."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.api.router import handle
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.intake.events import MAX_EVENT_BYTES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

if TYPE_CHECKING:
    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.cloud import Ports


class NoCloud:
    """Ports that fail the test if a request ever needs the cloud."""

    def __init__(self) -> None:
        self.built = 0

    def __call__(self, settings: Settings, invocation: Invocation) -> Ports:
        self.built += 1
        raise AssertionError("the cloud was reached")


def envelope(method: str, path: str, body: str | None = None, **extra: Any) -> bytes:
    document = {
        "version": "v1",
        "rawPath": path,
        "headers": {"Content-Type": "application/json"},
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"accountId": "1000000000000001", "http": {"method": method, "path": path}},
        **extra,
    }
    return json.dumps(document).encode()


def reply_to(raw: bytes, env: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    reply = handle(raw, Invocation("req-1"), Application({}, ports=NoCloud()), env or {})
    assert reply["headers"]["x-emr-bootstrap-request-id"] == "req-1"
    return reply, json.loads(reply["body"])


EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"accountIds": ["1000000000000002"]}', id="bare-request"),
        pytest.param(b'{"accountIds": ["12ab"]}', id="bare-invalid-request"),
        pytest.param(b'{"action": "sweep"}', id="bare-sweep"),
        pytest.param((EVENTS / "timer-daily.json").read_bytes(), id="timer"),
        pytest.param((EVENTS / "actiontrail-create-resource-account.json").read_bytes(), id="cloud-event"),
        pytest.param((EVENTS / "eventbridge-batch.json").read_bytes(), id="cloud-event-batch"),
        pytest.param(
            (EVENTS / "actiontrail-carrier-no-response-elements.json").read_bytes(), id="cloud-event-no-account-id"
        ),
        pytest.param((EVENTS / "direct-sweep.json").read_bytes(), id="direct-sweep-sample"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b'{"version": "v1", "requestContext": {"http": {"method": 5}}}', id="no-method"),
    ],
)
def test_a_payload_that_is_not_an_http_envelope_answers_400_and_runs_nothing(raw: bytes) -> None:
    ports = NoCloud()

    reply = handle(raw, Invocation("req-1"), Application({}, ports=ports), {})

    body = json.loads(reply["body"])
    assert reply["statusCode"] == 400 and body["status"] == "invalid"
    assert (body["error"]["field"], body["error"]["rule"]) == ("$", "not-http-event")
    assert "index.handler" in body["error"]["hint"] and ports.built == 0


def test_an_event_over_the_event_size_limit_answers_413_without_being_decoded() -> None:
    raw = b'{"accountIds": ["1000000000000002"]' + b" " * MAX_EVENT_BYTES + b"}"

    reply, body = reply_to(raw)

    assert reply["statusCode"] == 413 and (body["error"]["field"], body["error"]["rule"]) == ("$", "max-size")


def test_an_envelope_of_another_version_answers_400_saying_v1_is_expected() -> None:
    reply, body = reply_to(envelope("GET", "/v1/health").replace(b'"v1"', b'"v2"'))

    assert reply["statusCode"] == 400 and "v1" in body["error"]["message"]
    assert body["error"]["rule"] == "not-http-event"


def test_base64_that_is_not_base64_answers_400() -> None:
    raw = envelope("POST", "/v1/plan", "%%%not-base64%%%", isBase64Encoded=True)

    reply, body = reply_to(raw)

    assert reply["statusCode"] == 400 and "base64" in body["error"]["message"]
    assert (body["error"]["field"], body["error"]["rule"]) == ("$", "malformed-http-event")


def test_an_oversized_base64_body_answers_413_by_its_decoded_size() -> None:
    body = base64.b64encode(b'{"accountIds": ["1000000000000002"]' + b" " * 70_000 + b"}").decode()

    reply, document = reply_to(envelope("POST", "/v1/plan", body, isBase64Encoded=True))

    assert reply["statusCode"] == 413 and "got 70036" in document["error"]["message"]


def test_an_unusable_allow_list_refuses_everyone_with_500() -> None:
    reply, body = reply_to(envelope("GET", "/v1/health"), {"EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS": "not-an-account"})

    assert reply["statusCode"] == 500 and body["error"]["code"] == "ConfigurationError"
    assert "EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS" in body["error"]["message"]


def test_a_bug_in_a_route_becomes_a_500_naming_only_the_exception_type() -> None:
    from emr_bootstrap.api.routes import Route

    def broken(call: Any) -> dict[str, Any]:
        raise RuntimeError("secret-ish detail")

    reply = handle(
        envelope("GET", "/v1/broken"),
        Invocation("req-2"),
        Application({}, ports=NoCloud()),
        {},
        routes=(Route("GET", "/v1/broken", broken),),
    )

    body = json.loads(reply["body"])
    assert reply["statusCode"] == 500 and body["error"]["code"] == "InternalError"
    assert "RuntimeError" in body["error"]["message"] and "secret-ish" not in reply["body"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "get", "", "DELETE", "HEAD"]),
    path=st.one_of(st.sampled_from(["/v1/bootstrap", "/v1/plan", "/v1/catalog", "/", "/v1/health"]), st.text()),
    query=st.one_of(st.none(), st.dictionaries(st.sampled_from(["dryRun", "dryrun", "x"]), st.text(max_size=8))),
    body=st.one_of(st.none(), st.text(max_size=64), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=utf-8"]),
    encoded=st.booleans(),
)
def test_any_envelope_gets_a_documented_status_and_invalid_input_never_reaches_the_cloud(
    method: str, path: str, query: dict[str, str] | None, body: str | None, content_type: str, encoded: bool
) -> None:
    document = json.loads(envelope(method, path, body, isBase64Encoded=encoded, queryParameters=query))
    document["headers"] = {"content-type": content_type}
    ports = NoCloud()

    reply = handle(json.dumps(document).encode(), Invocation("fuzz"), Application({}, ports=ports), {})

    assert reply["statusCode"] in {200, 400, 403, 404, 405, 413, 415}
    assert ports.built == 0
    if method == "HEAD":
        assert reply["body"] == ""
        return
    document = json.loads(reply["body"])
    if reply["statusCode"] >= 400:  # every refusal names where, which rule, and what to do
        error = document["error"]
        assert error["hint"] and error["field"] and KEBAB.fullmatch(error["rule"]), error
