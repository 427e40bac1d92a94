"""The HTTP function's fences: the allow-list before anything else, the query that can only narrow, HEAD on the GET
routes, and a hint in every refusal. Over a real socket where the server can send it, on FC3 events directly where
it cannot (events the gateway never produces)."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.api.router import handle
from emr_bootstrap.api.routes import dry
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.intake.jobs import BootstrapJob, SweepJob, request_job

from tests.api.conftest import SetEnv, call
from tests.api.test_http_statuses import writes_since
from tests.api.test_router import KEBAB, NoCloud, envelope

if TYPE_CHECKING:
    from emr_bootstrap_cli.server import FunctionHTTPServer
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator

EVENTS = Path(__file__).resolve().parents[2] / "events"
ALLOWED = "1000000000000099"
OTHER = "1000000000000001"  # the caller the envelope helper signs as


def with_context(raw: bytes, **context: Any) -> bytes:
    document = json.loads(raw)
    document["requestContext"].update(context)
    return json.dumps(document).encode()


def without_caller(raw: bytes) -> bytes:
    document = json.loads(raw)
    del document["requestContext"]["accountId"]
    return json.dumps(document).encode()


REFUSED_ANYWAY = [
    pytest.param(b'{"accountIds": ["1000000000000002"]}', id="bare-request"),
    pytest.param(b'{"action": "sweep"}', id="bare-sweep"),
    pytest.param((EVENTS / "timer-daily.json").read_bytes(), id="timer"),
    pytest.param((EVENTS / "actiontrail-create-resource-account.json").read_bytes(), id="cloud-event"),
    pytest.param(b"{", id="not-json"),
    pytest.param(b" " * (6 * 2**20 + 1), id="over-the-event-limit"),
    pytest.param(without_caller(envelope("GET", "/v1/catalog")), id="envelope-without-caller"),
    pytest.param(with_context(envelope("GET", "/v1/catalog"), accountId=int(ALLOWED)), id="caller-as-a-number"),
    pytest.param(with_context(envelope("GET", "/v1/catalog"), accountId=[ALLOWED]), id="caller-as-a-list"),
    pytest.param(envelope("GET", "/v2/nothing"), id="unknown-route"),
    pytest.param(envelope("DELETE", "/v1/plan"), id="wrong-method"),
    pytest.param(envelope("POST", "/v1/plan", "{", queryParameters={"x": "1"}), id="unknown-query-and-bad-body"),
    pytest.param(envelope("POST", "/v1/plan", '{"accountIds": []}' + " " * 70_000), id="oversized-body"),
    pytest.param(envelope("POST", "/v1/plan", "{", headers={"Content-Type": "text/plain"}), id="wrong-media-type"),
]


@pytest.mark.parametrize("raw", REFUSED_ANYWAY)
def test_with_an_allow_list_everything_not_signed_by_a_listed_caller_answers_403_first(raw: bytes) -> None:
    ports = NoCloud()
    env = {"EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS": ALLOWED}

    reply = handle(raw, Invocation("req-1"), Application(env, ports=ports), env)

    body = json.loads(reply["body"])
    assert reply["statusCode"] == 403 and body["error"]["code"] == "CallerNotAllowed"
    assert (body["error"]["field"], body["error"]["rule"]) == ("requestContext.accountId", "allowed-callers")
    assert ports.built == 0


def test_a_listed_caller_is_served_and_its_refusals_are_the_usual_ones() -> None:
    env = {"EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS": f"{ALLOWED},{OTHER}"}

    def status(raw: bytes) -> int:
        return int(handle(raw, Invocation("r"), Application(env, ports=NoCloud()), env)["statusCode"])

    assert status(envelope("GET", "/v1/health")) == 200
    assert status(envelope("GET", "/v2/nothing")) == 404
    assert status(b'{"accountIds": ["1000000000000002"]}') == 403  # no envelope, so no caller to find in the list


# ------------------------------------------------------------------------------------------------- the query
def test_a_dry_run_query_makes_a_bootstrap_write_nothing_whatever_the_body_says(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("query-dry-run")
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap?dryRun=true", {"accountIds": [member], "dryRun": False})

    assert reply.status == 200 and reply.body["dryRun"] is True
    assert {role["outcome"] for role in reply.body["accounts"][0]["roles"]} == {"planned"}
    assert writes_since(emu, mark) == [] and emu.role(member, "AliyunEMRDefaultRole") is None


def test_a_dry_run_query_makes_a_sweep_write_nothing(emu: Emulator, server: FunctionHTTPServer) -> None:
    member = emu.create_member_account("query-dry-sweep")
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/sweep?dryRun=true", {"accountIds": [member]})

    assert reply.status == 200 and reply.body["dryRun"] is True
    assert [a["accountId"] for a in reply.body["accounts"]] == [member]
    assert writes_since(emu, mark) == []


def test_dry_run_false_in_the_query_cannot_turn_a_dry_run_into_a_write(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("query-no-widen")
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap?dryRun=false", {"accountIds": [member], "dryRun": True})

    assert reply.status == 200 and reply.body["dryRun"] is True
    assert writes_since(emu, mark) == []


def test_a_dry_run_query_stays_in_a_resumed_sweeps_token() -> None:
    job = dry(request_job({"action": "sweep", "accountIds": ["1000000000000002"]}))

    assert isinstance(job, SweepJob) and job.request.dry_run
    assert job.request.options()["dryRun"] is True  # what the resume token carries
    bootstrap = dry(request_job({"accountIds": ["1000000000000002"], "dryRun": False}))
    assert isinstance(bootstrap, BootstrapJob) and bootstrap.request.dry_run


@pytest.mark.parametrize(
    ("target", "field", "rule"),
    [
        ("/v1/bootstrap?force=true", "query.force", "unknown-field"),
        ("/v1/bootstrap?dryrun=true", "query.dryrun", "unknown-field"),  # case-sensitive: refused
        ("/v1/bootstrap?dryRun=yes", "query.dryRun", "enum"),
        ("/v1/bootstrap?dryRun=true&dryRun=false", "query.dryRun", "enum"),  # repeated: FC joins them with a comma
        ("/v1/sweep?nextToken=abc", "query.nextToken", "unknown-field"),
        ("/v1/catalog?dryRun=true", "query.dryRun", "unknown-field"),  # GET routes take no query at all
    ],
)
def test_a_query_parameter_other_than_dry_run_answers_400_naming_it_before_any_cloud_call(
    emu: Emulator, server: FunctionHTTPServer, target: str, field: str, rule: str
) -> None:
    mark = len(emu.calls)
    method = "GET" if target.startswith("/v1/catalog") else "POST"

    reply = call(server, method, target, {"accountIds": ["1000000000000002"]} if method == "POST" else None)

    assert reply.status == 400 and (reply.error["field"], reply.error["rule"]) == (field, rule)
    assert field.removeprefix("query.") in reply.error["message"] and reply.error["hint"]
    assert emu.calls[mark:] == []


# ----------------------------------------------------------------------------------------------------- HEAD
def raw_request(server: FunctionHTTPServer, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    connection.request(method, path)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


VARYING = {"date", "content-length", "x-emr-bootstrap-request-id"}


@pytest.mark.parametrize("path", ["/v1/health", "/v1/catalog", "/v1/openapi.json"])
def test_head_on_a_get_route_answers_as_get_with_an_empty_body(server: FunctionHTTPServer, path: str) -> None:
    get_status, get_headers, get_body = raw_request(server, "GET", path)
    status, headers, body = raw_request(server, "HEAD", path)

    assert (status, body) == (get_status, b"") and get_body
    assert {k: v for k, v in headers.items() if k not in VARYING} == {
        k: v for k, v in get_headers.items() if k not in VARYING
    }
    assert headers["x-emr-bootstrap-request-id"]


def test_allow_lists_head_on_get_routes_and_head_on_a_post_route_answers_405(server: FunctionHTTPServer) -> None:
    on_get_route = call(server, "POST", "/v1/health", {"accountIds": ["1000000000000002"]})
    status, headers, body = raw_request(server, "HEAD", "/v1/bootstrap")

    assert on_get_route.status == 405 and on_get_route.headers["allow"] == "GET, HEAD"
    assert (status, headers["allow"], body) == (405, "POST", b"")


# ---------------------------------------------------------------------------------------------------- hints
@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "field", "rule"),
    [
        ("POST", "/v1/plan", b'{"accountIds": ["12ab"]}', "application/json", 400, "accountIds[0]", "account-id"),
        ("POST", "/v1/plan", b'{"accountIds": ["1000000000000002"], "x": 1}', "application/json", 400, "x", None),
        ("POST", "/v1/plan", b"{nope", "application/json", 400, "$", "malformed-http-event"),
        ("POST", "/v1/plan", b'{"a": 1, "a": 2}', "application/json", 400, "$", "duplicate-key"),
        ("POST", "/v1/plan", b"[]", "application/json", 400, "$", "malformed-http-event"),
        ("POST", "/v1/sweep", b'{"nextToken": "forged"}', "application/json", 400, "nextToken", "token"),
        ("POST", "/v1/plan", b"{}", "text/plain", 415, "header.Content-Type", "media-type"),
        ("POST", "/v1/plan", b"{" + b" " * 70_000 + b"}", "application/json", 413, "$", "max-size"),
        ("GET", "/v1/nothing", None, None, 404, "path", "route"),
        ("PUT", "/v1/plan", b"{}", "application/json", 405, "method", "allowed-methods"),
    ],
)
def test_every_refusal_says_where_which_rule_and_what_to_do(
    server: FunctionHTTPServer,
    method: str,
    path: str,
    body: bytes | None,
    content_type: str | None,
    status: int,
    field: str,
    rule: str | None,
) -> None:
    reply = call(server, method, path, body, content_type=content_type)

    error = reply.error
    assert reply.status == status and error["field"] == field and (rule is None or error["rule"] == rule)
    assert KEBAB.fullmatch(error["rule"]) and error["hint"] and "\n" not in error["hint"]


def test_a_refusal_of_a_caller_outside_the_allow_list_has_a_hint(
    function: LocalFunctionCompute, server: FunctionHTTPServer, env_var: SetEnv
) -> None:
    env_var("EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS", ALLOWED)

    reply = call(server, "GET", "/v1/health")

    assert reply.status == 403 and "EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS" in reply.error["hint"]
