"""Hypothesis throws input of any shape at every entry point: raw bytes, CloudEvents (single, batched, RawData),
direct requests and HTTP envelopes. Nothing may raise, every reply is valid UTF-8 JSON, and invalid input never
reaches the cloud. The pipeline is exactly what ``index`` wires (event -> job -> run -> reply), over fake ports."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from emr_bootstrap.api.statuses import result_reply
from emr_bootstrap.application import fc
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.cloud import Ports
from emr_bootstrap.intake.jobs import FailedJob, from_event
from emr_bootstrap.shared.errors import EventDeliveryFailed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.function.fakes import FakeConnector, FakeDirectory

if TYPE_CHECKING:
    from emr_bootstrap.adapters.settings import Settings

OWN = "1000000000000001"
FIELDS = ["accountIds", "emrVersion", "features", "roles", "customEcsRole", "dryRun", "drift", "strategy"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
account_ids = st.one_of(
    st.from_regex(r"[0-9]{10,20}", fullmatch=True), st.text(max_size=25), st.integers(), st.just(OWN)
)
records = st.fixed_dictionaries(
    {
        "eventName": st.sampled_from(["CreateResourceAccount", "CreateCloudAccount", "AcceptHandshake", "X"]),
        "eventType": st.just("ApiCall"),
        "serviceName": st.sampled_from(["ResourceManager", "Ecs", ""]),
        "userIdentity": st.fixed_dictionaries({"accountId": account_ids}),
        "responseElements": st.one_of(
            st.fixed_dictionaries({"Account": st.fixed_dictionaries({"AccountId": account_ids})}), json_values
        ),
    },
    optional={"errorCode": st.one_of(st.none(), st.text(max_size=5)), "extra": json_values},
)
cloud_events = st.fixed_dictionaries(
    {
        "specversion": st.just("1.0"),
        "id": st.one_of(st.text(max_size=20), st.integers()),
        "type": st.sampled_from(["resourcemanager:ActionTrail:ApiCall", "ecs:ActionTrail:ApiCall", "x"]),
        "source": st.sampled_from(["acs.resourcemanager", "acs.ecs"]),
        "aliyunaccountid": st.one_of(st.just(OWN), account_ids),
        "data": st.one_of(records, records.map(json.dumps), json_values),
    }
)
requests = st.dictionaries(st.sampled_from([*FIELDS, "other"]), json_values, max_size=5) | st.fixed_dictionaries(
    {"accountIds": st.lists(account_ids, max_size=3)},
    optional={"dryRun": json_values, "roles": json_values, "drift": st.sampled_from(["report", "repair", "x"])},
)


def http_envelope(body: bytes, *, base64_body: bool, method: str) -> dict[str, Any]:
    return {
        "version": "v1",
        "rawPath": "/",
        "headers": {"content-type": "application/json"},
        "requestContext": {"accountId": OWN, "requestId": "r", "http": {"method": method, "sourceIp": "192.0.2.1"}},
        "isBase64Encoded": base64_body,
        "body": base64.b64encode(body).decode() if base64_body else body.decode("utf-8", "replace"),
    }


class Recorder:
    def __init__(self) -> None:
        self.built = 0

    def __call__(self, settings: Settings, invocation: Invocation) -> Ports:
        self.built += 1
        return Ports(FakeConnector(own_account_id=OWN), FakeDirectory(members=[OWN]))


def invoke(raw: bytes, *, http: bool = False) -> None:
    ports = Recorder()
    job = from_event(raw, request_id="fuzz", own_account_id=OWN)
    # The last-resort guard turns a crash into FailedJob or an InternalError result; fuzzing must find none.
    assert not isinstance(job, FailedJob), job
    result = Application({}, ports=ports).run(job, Invocation("fuzz"))
    assert result.error is None or result.error.code != "InternalError", result.error
    if http:
        reply = result_reply(result)  # the HTTP API's own mapping of a result to a reply
        assert isinstance(reply["statusCode"], int)
        text = reply["body"]
    else:
        try:
            text = fc.event_reply(job, result)
        except EventDeliveryFailed as exc:  # the one deliberate raise: FC retries the delivery
            text = json.dumps({"status": "failed", "message": str(exc)})
    text.encode("utf-8")  # a reply FC can always send
    document = json.loads(text)
    if result.status in ("invalid", "ignored"):
        assert ports.built == 0, "invalid or ignored input reached the cloud"
    assert document["status"] == result.status or "message" in document


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=300))
def test_raw_bytes_never_crash_the_handler(raw: bytes) -> None:
    invoke(raw)


@SETTINGS
@given(json_values)
def test_any_json_document_never_crashes_the_handler(document: Any) -> None:
    invoke(json.dumps(document).encode())


@SETTINGS
@given(cloud_events)
def test_any_single_cloud_event_never_crashes_the_handler(event: dict[str, Any]) -> None:
    invoke(json.dumps(event).encode())


@SETTINGS
@given(st.lists(st.one_of(cloud_events, json_values), min_size=1, max_size=4))
def test_any_batch_never_crashes_the_handler(batch: list[Any]) -> None:
    invoke(json.dumps(batch).encode())


@SETTINGS
@given(records)
def test_any_raw_data_record_never_crashes_the_handler(record: dict[str, Any]) -> None:
    invoke(json.dumps(record).encode())


@SETTINGS
@given(requests)
def test_any_direct_request_never_crashes_the_handler(request: dict[str, Any]) -> None:
    invoke(json.dumps(request).encode())


@SETTINGS
@given(
    st.one_of(requests.map(lambda r: json.dumps(r).encode()), st.binary(max_size=200)),
    st.booleans(),
    st.sampled_from(["POST", "GET", "DELETE", "post", ""]),
)
def test_any_http_envelope_never_crashes_the_http_handler(body: bytes, base64_body: bool, method: str) -> None:
    invoke(json.dumps(http_envelope(body, base64_body=base64_body, method=method)).encode(), http=True)


@SETTINGS
@given(st.sampled_from(["[", "{", '{"a":']), st.integers(min_value=100, max_value=3000))
def test_deep_nesting_and_huge_numbers_are_invalid_not_a_crash(opening: str, size: int) -> None:
    invoke((opening * size).encode())
    invoke(b'{"accountIds": [' + b"7" * size + b"]}")
