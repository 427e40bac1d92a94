"""The router on FC3 events directly (no socket): inputs the local server never produces, and the last-resort
guard. Never raises; invalid input never reaches the cloud."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from emr_bootstrap.api.router import handle
from emr_bootstrap.app import Application, Invocation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from emr_bootstrap.cloud import Ports
    from emr_bootstrap.settings import Settings


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


def test_the_http_function_invoked_directly_with_an_invalid_request_answers_400() -> None:
    reply, body = reply_to(b'{"accountIds": ["12ab"]}')

    assert reply["statusCode"] == 400 and body["error"]["rule"] == "account-id"


def test_a_timer_event_sent_to_the_http_function_runs_the_sweep_it_carries() -> None:
    from emr_bootstrap.cloud import Ports as CloudPorts

    from tests.function.fakes import FakeConnector, FakeDirectory

    member = "1234567890123456"
    directory = FakeDirectory(members=[member])

    def ports(settings: Settings, invocation: Invocation) -> CloudPorts:
        return CloudPorts(FakeConnector(), directory)

    timer = json.dumps({"triggerTime": "t", "triggerName": "daily", "payload": '{"action": "sweep"}'}).encode()
    reply = handle(timer, Invocation("req-1"), Application({}, ports=ports), {})
    body = json.loads(reply["body"])

    assert reply["statusCode"] == 200 and body["sweep"]["listed"] == 1 and directory.pages_read == [1]


def test_an_envelope_of_another_version_answers_400_saying_v1_is_expected() -> None:
    reply, body = reply_to(envelope("GET", "/v1/health").replace(b'"v1"', b'"v2"'))

    assert reply["statusCode"] == 400 and "v1" in body["error"]["message"]


def test_base64_that_is_not_base64_answers_400() -> None:
    raw = envelope("POST", "/v1/plan", "%%%not-base64%%%", isBase64Encoded=True)

    reply, body = reply_to(raw)

    assert reply["statusCode"] == 400 and "base64" in body["error"]["message"]


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
    method=st.sampled_from(["GET", "POST", "PUT", "get", "", "DELETE"]),
    path=st.one_of(st.sampled_from(["/v1/bootstrap", "/v1/plan", "/v1/catalog", "/", "/v1/health"]), st.text()),
    body=st.one_of(st.none(), st.text(max_size=64), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=utf-8"]),
    encoded=st.booleans(),
)
def test_any_envelope_gets_a_documented_status_and_invalid_input_never_reaches_the_cloud(
    method: str, path: str, body: str | None, content_type: str, encoded: bool
) -> None:
    document = json.loads(envelope(method, path, body, isBase64Encoded=encoded))
    document["headers"] = {"content-type": content_type}
    ports = NoCloud()

    reply = handle(json.dumps(document).encode(), Invocation("fuzz"), Application({}, ports=ports), {})

    assert reply["statusCode"] in {200, 400, 403, 404, 405, 413, 415}
    json.loads(reply["body"]).keys()  # always a JSON object
    assert ports.built == 0
