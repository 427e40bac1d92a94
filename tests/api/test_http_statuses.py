"""Every status of the HTTP API, over a real socket: what the caller sees for each situation."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.core.catalog import load_catalog

from emulator.harness import trust_for_account
from tests.api.conftest import SetEnv, call

if TYPE_CHECKING:
    from emr_bootstrap_cli.server import FunctionHTTPServer
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator

EVENTS = Path(__file__).resolve().parents[2] / "events"
DEFAULT_ROLES = {"AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"}
UNKNOWN = "1999999999999999"
WRITES = {"CreateRole", "AttachPolicyToRole", "UpdateRole"}


def writes_since(emu: Emulator, mark: int) -> list[str]:
    return [c.action for c in emu.calls[mark:] if c.action in WRITES]


def test_bootstrap_of_a_fresh_member_answers_200_with_its_roles_created(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("fresh")

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": [member]})

    assert reply.status == 200
    assert reply.body["status"] == "succeeded" and reply.body["dryRun"] is False
    (account,) = reply.body["accounts"]
    assert {role["roleName"]: role["outcome"] for role in account["roles"]} == dict.fromkeys(DEFAULT_ROLES, "created")
    assert emu.role(member, "AliyunEMRDefaultRole") is not None


def test_plan_answers_200_and_writes_nothing_even_when_the_body_says_dry_run_false(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("planned")
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/plan", {"accountIds": [member], "dryRun": False, "features": ["studio"]})

    assert reply.status == 200 and reply.body["dryRun"] is True
    assert {role["outcome"] for role in reply.body["accounts"][0]["roles"]} == {"planned"}
    assert writes_since(emu, mark) == []


def test_a_known_and_an_unknown_account_answer_207_with_each_accounts_details(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("known")

    reply = call(server, "POST", "/v1/plan", {"accountIds": [member, UNKNOWN]})

    assert reply.status == 207
    statuses = {a["accountId"]: (a["status"], a.get("skipped", {}).get("code")) for a in reply.body["accounts"]}
    assert statuses == {member: ("succeeded", None), UNKNOWN: ("skipped", "AccountNotInDirectory")}


def test_an_invalid_account_id_answers_400_naming_the_field_and_the_rule(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": ["1000000000000002", "12ab"]})

    assert reply.status == 400 and reply.body["status"] == "invalid"
    assert (reply.error["code"], reply.error["field"], reply.error["rule"]) == (
        "InvalidRequest",
        "accountIds[1]",
        "account-id",
    )
    assert emu.calls[mark:] == []


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b"accountIds=1000000000000002", "malformed-http-event"),
        (b'{"accountIds": ["1000000000000002"], "dryRun": true, "dryRun": false}', "duplicate-key"),
        ("{}".encode("utf-16"), "malformed-http-event"),  # not UTF-8: the server passes it base64-encoded
        (b'{"accountIds": ["1000000000000002"], "dryrun": true}', "unknown-field"),
    ],
)
def test_a_body_the_core_refuses_answers_400_with_the_rule(server: FunctionHTTPServer, body: bytes, rule: str) -> None:
    reply = call(server, "POST", "/v1/plan", body)

    assert reply.status == 400 and reply.error["rule"] == rule


def test_a_caller_outside_the_allow_list_answers_403_and_one_inside_is_served(
    function: LocalFunctionCompute, server: FunctionHTTPServer, env_var: SetEnv
) -> None:
    env_var("EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS", "1000000000000099")
    refused = call(server, "GET", "/v1/catalog")
    env_var("EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS", f"1000000000000099,{function.account_id}")
    served = call(server, "GET", "/v1/catalog")

    assert refused.status == 403
    assert (refused.error["code"], refused.error["rule"]) == ("CallerNotAllowed", "allowed-callers")
    assert served.status == 200


def test_an_unknown_route_answers_404_listing_the_routes(server: FunctionHTTPServer) -> None:
    reply = call(server, "GET", "/v2/bootstrap")

    assert reply.status == 404 and reply.error["code"] == "RouteNotFound"
    assert "POST /v1/bootstrap" in reply.error["message"] and "GET /v1/catalog" in reply.error["message"]


def test_accounts_outside_the_directory_answer_404_without_any_assume_role(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": [UNKNOWN, "1999999999999998"]})

    assert reply.status == 404
    assert {a["skipped"]["code"] for a in reply.body["accounts"]} == {"AccountNotInDirectory"}
    assert [c for c in emu.calls[mark:] if c.action == "AssumeRole"] == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/bootstrap", "POST"),
        ("PUT", "/v1/plan", "POST"),
        ("DELETE", "/v1/catalog", "GET, HEAD"),
        ("POST", "/v1/health", "GET, HEAD"),
    ],
)
def test_a_method_the_route_does_not_serve_answers_405_with_allow(
    server: FunctionHTTPServer, method: str, path: str, allow: str
) -> None:
    reply = call(server, method, path, {"accountIds": ["1000000000000002"]})

    assert reply.status == 405 and reply.headers["allow"] == allow
    assert reply.error["code"] == "MethodNotAllowed"


def test_a_body_over_64_kib_answers_413_before_any_cloud_call(emu: Emulator, server: FunctionHTTPServer) -> None:
    padded = b'{"accountIds": ["1000000000000002"]' + b" " * 65536 + b"}"
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap", padded)

    assert reply.status == 413 and (reply.error["field"], reply.error["rule"]) == ("$", "max-size")
    assert emu.calls[mark:] == []


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", None, "application/json; charset=latin-1"]
)
def test_a_post_not_sent_as_json_answers_415(server: FunctionHTTPServer, content_type: str | None) -> None:
    reply = call(server, "POST", "/v1/plan", b'{"accountIds": ["1000000000000002"]}', content_type=content_type)

    assert reply.status == 415
    assert (reply.error["field"], reply.error["rule"]) == ("header.Content-Type", "media-type")


def test_json_with_a_utf8_charset_is_accepted(server: FunctionHTTPServer) -> None:
    reply = call(
        server,
        "POST",
        "/v1/plan",
        b'{"accountIds": ["1999999999999997"]}',
        content_type="application/json; charset=UTF-8",
    )

    assert reply.status == 404  # served: the account is simply not in the directory


def test_an_unusable_setting_answers_500_configuration_error_before_any_call(
    emu: Emulator, server: FunctionHTTPServer, env_var: SetEnv
) -> None:
    env_var("EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS", "0")
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": ["1000000000000002"]})

    assert reply.status == 500 and reply.body["status"] == "failed"
    assert (
        reply.error["code"] == "ConfigurationError"
        and "EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS" in reply.error["message"]
    )
    assert emu.calls[mark:] == []


def test_a_member_that_refuses_the_writes_answers_502_without_retry_after(
    emu: Emulator, server: FunctionHTTPServer
) -> None:
    member = emu.create_member_account("read-only", access_role=False)
    emu.create_role(
        member,
        "ResourceDirectoryAccountAccessRole",
        trust_for_account(emu.management_account_id),
        policies=["AliyunRAMReadOnlyAccess"],
    )

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": [member]})

    assert reply.status == 502 and "retry-after" not in reply.headers
    assert {role["error"]["code"] for role in reply.body["accounts"][0]["roles"]} == {"NoPermission"}


@pytest.mark.usefixtures("clean_faults")
def test_server_errors_from_the_cloud_answer_502_with_retry_after(emu: Emulator, server: FunctionHTTPServer) -> None:
    member = emu.create_member_account("flaky")
    emu.faults.set("GetRole", error_rate=1.0, error_code="ServiceUnavailable")

    reply = call(server, "POST", "/v1/plan", {"accountIds": [member]})

    assert reply.status == 502 and reply.headers["retry-after"] == "5"
    assert {role["error"]["code"] for role in reply.body["accounts"][0]["roles"]} == {"ServiceUnavailable"}


@pytest.mark.usefixtures("clean_faults")
def test_throttling_answers_503_with_retry_after(emu: Emulator, server: FunctionHTTPServer) -> None:
    member = emu.create_member_account("throttled")
    emu.faults.set("GetRole", throttle_rate=1.0)

    reply = call(server, "POST", "/v1/bootstrap", {"accountIds": [member]})

    assert reply.status == 503 and reply.headers["retry-after"] == "5"
    assert {role["error"]["code"] for role in reply.body["accounts"][0]["roles"]} == {"Throttling.User"}


def test_catalog_and_health_answer_200_without_any_cloud_call(emu: Emulator, server: FunctionHTTPServer) -> None:
    mark = len(emu.calls)

    catalog = call(server, "GET", "/v1/catalog")
    health = call(server, "GET", "/v1/health")

    assert catalog.status == 200
    assert [r["roleName"] for r in catalog.body["roles"]] == list(load_catalog().names)
    assert health.status == 200 and health.body["status"] == "ok" and health.body["catalogRoles"] == 5
    assert emu.calls[mark:] == []


def test_the_first_releases_root_route_still_bootstraps(emu: Emulator, server: FunctionHTTPServer) -> None:
    member = emu.create_member_account("legacy-caller")

    reply = call(server, "POST", "/", {"accountIds": [member], "dryRun": True})

    assert reply.status == 200 and reply.body["accounts"][0]["accountId"] == member


def test_a_base64_encoded_body_is_decoded_like_a_plain_one(emu: Emulator, function: LocalFunctionCompute) -> None:
    member = emu.create_member_account("base64")
    envelope = json.loads((EVENTS / "http-invocation-base64.json").read_text())
    envelope["requestContext"]["http"]["path"] = "/v1/plan"
    envelope["body"] = base64.b64encode(json.dumps({"accountIds": [member]}).encode()).decode()

    reply = function.invoke(envelope, handler="http_handler")

    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["accounts"][0]["accountId"] == member
