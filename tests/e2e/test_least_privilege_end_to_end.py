"""The shipped policies (deploy/policies/) are exactly enough, per function: every end-to-end test runs the event
function's handler under function-event-role-policy.json and the HTTP function's under function-http-role-policy.json
(each with the opt-in function-management-account-policy.json), and removing any one statement of any of them
makes a real scenario fail with NoPermission (or, for FC, AccessDenied)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from emulator.local_fc import POLICY_FILES, LocalFunctionCompute
from tests.e2e.conftest import EVENTS, roles_by_name

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emulator.testing import Emulator

INCLUDE_MANAGEMENT = {"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "true"}
# Each part's statements, each named by an action only it grants; the tests below remove them one by one.
STATEMENTS = {
    "event": ("sts:AssumeRole", "resourcemanager:GetAccount", "fc:InvokeFunction"),
    "http": ("sts:AssumeRole", "resourcemanager:GetAccount"),
    "management": ("ram:CreateRole", "ram:AttachPolicyToRole"),
}
PART_OF = {"handler": "event", "http_handler": "http"}


def actions_of(statement: Mapping[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def statement_granting(part: str, action: str) -> int:
    statements = LocalFunctionCompute.shipped_policy(part)["Statement"]
    (index,) = [
        i
        for i, s in enumerate(statements)
        if action in actions_of(s) and (action != "ram:AttachPolicyToRole" or "system:policy" in str(s["Resource"]))
    ]
    return index


def without(part: str, action: str) -> dict[str, dict[str, Any]]:
    """The shipped documents with the statement of ``part`` that grants ``action`` removed."""
    policy = LocalFunctionCompute.shipped_policy(part)
    del policy["Statement"][statement_granting(part, action)]
    return {part: policy}


def run(fc: LocalFunctionCompute, handler: str, request: Mapping[str, Any]) -> Any:
    """A bootstrap request, as a direct invocation of the event function or a POST /v1/bootstrap of the HTTP one."""
    if handler == "handler":
        return fc.invoke(dict(request))
    envelope = json.loads((EVENTS / "http-invocation.json").read_text())
    envelope["rawPath"] = envelope["requestContext"]["http"]["path"] = "/v1/bootstrap"
    envelope["body"] = json.dumps(request)
    return json.loads(fc.invoke(envelope, handler="http_handler")["body"])


def test_each_shipped_document_has_exactly_the_statements_these_tests_remove_one_by_one() -> None:
    assert set(STATEMENTS) == set(POLICY_FILES)
    for part, actions in STATEMENTS.items():
        indexes = [statement_granting(part, a) for a in actions]
        assert sorted(indexes) == list(range(len(LocalFunctionCompute.shipped_policy(part)["Statement"]))), part


@pytest.mark.parametrize("handler", ["handler", "http_handler"])
def test_without_sts_assume_role_a_member_account_cannot_be_reached(emu: Emulator, handler: str) -> None:
    member = emu.create_member_account(f"lp-assume-{handler}")
    policies = without(PART_OF[handler], "sts:AssumeRole")
    with LocalFunctionCompute(emu, policies=policies, role_name=f"lp-0-{handler}") as fc:
        result = run(fc, handler, {"accountIds": [member]})

    (account,) = result["accounts"]
    assert account["status"] == "failed" and account["error"]["code"] == "NoPermission"
    assert "AssumeRole" in account["error"]["message"]


@pytest.mark.parametrize("handler", ["handler", "http_handler"])
@pytest.mark.parametrize("accounts", [1, 8])  # one by GetAccount, several by ListAccounts then GetAccount
def test_without_resource_manager_reads_no_account_is_touched(emu: Emulator, accounts: int, handler: str) -> None:
    members = [emu.create_member_account(f"lp-rm-{handler}-{n}") for n in range(accounts)]
    policies = without(PART_OF[handler], "resourcemanager:GetAccount")
    # The management account included: GetResourceDirectory (same statement) is not asked, GetAccount is reached.
    with LocalFunctionCompute(
        emu, policies=policies, role_name=f"lp-1-{accounts}-{handler}", extra_env=INCLUDE_MANAGEMENT
    ) as fc:
        mark = len(emu.calls)
        result = run(fc, handler, {"accountIds": members})

    assert {a["status"] for a in result["accounts"]} == {"failed"}
    assert {a["error"]["code"] for a in result["accounts"]} == {"NoPermission"}
    assert "resourcemanager:GetAccount" in result["accounts"][0]["error"]["hint"]
    assert not [c for c in emu.calls[mark:] if c.action in ("AssumeRole", "CreateRole")]


def test_without_fc_invoke_function_a_fanned_out_sweep_cannot_hand_out_its_batches(emu: Emulator) -> None:
    member = emu.create_member_account("lp-fan-out")
    env = {"EMR_BOOTSTRAP_FANOUT": "always", "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": member}
    policies = without("event", "fc:InvokeFunction")
    with LocalFunctionCompute(emu, policies=policies, role_name="lp-4", extra_env=env) as fc:
        result = fc.invoke({"action": "sweep"})

    failed = {a["error"]["code"] for a in result["accounts"] if a["status"] == "failed"}
    assert failed == {"AccessDenied"} and "batches" not in result["sweep"]
    assert "fc:InvokeFunction" in result["accounts"][0]["error"]["hint"]


def invoke_as(fc: LocalFunctionCompute, handler: str, function_name: str) -> str:
    """InvokeFunction (async) of ``function_name`` with the credentials of the role ``handler`` runs under: "OK" or
    the error code."""
    creds = fc.credentials(handler)
    config = Config(
        access_key_id=creds.access_key_id,
        access_key_secret=creds.access_key_secret,
        security_token=creds.security_token,
        endpoint=fc.emu.host,
        protocol="http",
    )
    request = fc_models.InvokeFunctionRequest(body=b"{}")
    headers = fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Async")
    try:
        FcClient(config).invoke_function_with_options(function_name, request, headers, RuntimeOptions())
    except ClientException as exc:
        return str(exc.code)
    return "OK"


def test_the_event_function_may_invoke_only_itself_and_the_http_function_nothing(emu: Emulator) -> None:
    emu.create_function(emu.management_account_id, "emr-bootstrap-event-other", exist_ok=True)
    with LocalFunctionCompute(emu, role_name="lp-fc") as fc:
        assert invoke_as(fc, "handler", "emr-bootstrap-event") == "OK"
        assert invoke_as(fc, "handler", "emr-bootstrap-event-other") == "AccessDenied"
        assert invoke_as(fc, "http_handler", "emr-bootstrap-event") == "AccessDenied"
        fc.drain()


@pytest.mark.parametrize("handler", ["handler", "http_handler"])
def test_without_the_management_account_policy_members_are_served_and_the_management_account_is_refused(
    emu: Emulator, handler: str
) -> None:
    member = emu.create_member_account(f"lp-opt-in-{handler}")
    management = emu.management_account_id
    policies: dict[str, Any] = {"management": None}
    with LocalFunctionCompute(emu, policies=policies, role_name=f"lp-5-{handler}", extra_env=INCLUDE_MANAGEMENT) as fc:
        result = run(fc, handler, {"accountIds": [member, management], "roles": ["AliyunEMRManagedCostRole"]})

    assert roles_by_name(result, member)["AliyunEMRManagedCostRole"]["outcome"] == "created"
    role = roles_by_name(result, management)["AliyunEMRManagedCostRole"]
    assert role["outcome"] == "failed" and role["error"]["code"] == "NoPermission"


def test_without_the_ram_role_statement_the_management_account_gets_no_role(emu: Emulator) -> None:
    policies = without("management", "ram:CreateRole")
    with LocalFunctionCompute(emu, policies=policies, role_name="lp-2", extra_env=INCLUDE_MANAGEMENT) as fc:
        result = fc.invoke({"accountIds": [emu.management_account_id], "roles": ["AliyunECSInstanceForEMRStudioRole"]})

    role = roles_by_name(result, emu.management_account_id)["AliyunECSInstanceForEMRStudioRole"]
    assert role["outcome"] == "failed" and role["error"]["code"] == "NoPermission"


def test_without_the_system_policy_statement_the_management_account_role_gets_no_policy(emu: Emulator) -> None:
    policies = without("management", "ram:AttachPolicyToRole")
    with LocalFunctionCompute(emu, policies=policies, role_name="lp-3", extra_env=INCLUDE_MANAGEMENT) as fc:
        result = fc.invoke({"accountIds": [emu.management_account_id], "roles": ["AliyunEMRManagedCostRole"]})

    role = roles_by_name(result, emu.management_account_id)["AliyunEMRManagedCostRole"]
    assert role["outcome"] == "failed" and role["error"]["code"] == "NoPermission"
    assert "AttachPolicyToRole" in role["error"]["message"]
