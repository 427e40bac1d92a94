"""The handler against the emulator, through the official SDK over HTTP: the scenarios of issue #3."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from emr_bootstrap.core.request import MAX_PAYLOAD_BYTES

from emulator.harness import trust_for_service
from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, EVENTS, roles_by_name, sample_event, writes_in

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

EMR_TRUST_ECS = trust_for_service("ecs.aliyuncs.com")


def new_account_event(member: str, emu: Emulator) -> bytes:
    return sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id)


def test_new_member_account_event_grants_the_default_roles(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    result = fc.invoke(new_account_event(member, emu))

    assert result["status"] == "succeeded"
    roles = roles_by_name(result, member)
    assert {name: role["outcome"] for name, role in roles.items()} == dict.fromkeys(DEFAULT_ROLES, "created")
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]
        assert roles[name]["error"] is None
    assert inspector.trust_services(member, "AliyunEMRDefaultRole") == ["emr.aliyuncs.com"]
    assert inspector.trust_services(member, "AliyunECSInstanceForEMRRole") == ["ecs.aliyuncs.com"]
    # Roles outside the request are never created.
    assert inspector.role(member, "AliyunEmrEcsDefaultRole") is None


def test_second_run_changes_nothing_and_reports_unchanged(emu: Emulator, fc: LocalFunctionCompute, member: str) -> None:
    event = new_account_event(member, emu)
    fc.invoke(event)
    mark = len(emu.calls)

    again = fc.invoke(event)

    assert again["status"] == "succeeded"
    roles = roles_by_name(again, member)
    assert {name: role["outcome"] for name, role in roles.items()} == dict.fromkeys(DEFAULT_ROLES, "unchanged")
    assert all(role["changes"] == [] for role in roles.values())
    # Every write call, failed or not: the event path is create-first, so each role gets exactly one CreateRole,
    # refused because the role exists, and nothing else is written.
    writes = writes_in(emu, member, mark)
    assert sorted((c.action, c.params["RoleName"], c.code) for c in writes) == [
        ("CreateRole", name, "EntityAlreadyExists.Role") for name in sorted(DEFAULT_ROLES)
    ]


def test_read_first_run_of_a_ready_account_makes_no_write_call(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    fc.invoke({"accountIds": [member]})
    mark = len(emu.calls)

    again = fc.invoke({"accountIds": [member]})

    assert again["status"] == "succeeded"
    assert writes_in(emu, member, mark) == []


def test_dry_run_plans_the_roles_and_writes_nothing(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [member], "dryRun": True})

    assert result["dryRun"] is True
    roles = roles_by_name(result, member)
    for name, policy in DEFAULT_ROLES.items():
        assert roles[name]["outcome"] == "planned"
        assert {"action": "CreateRole"} in roles[name]["changes"]
        assert {"action": "AttachPolicyToRole", "policyName": policy} in roles[name]["changes"]
    assert writes_in(emu, member, mark) == []
    assert inspector.role(member, "AliyunEMRDefaultRole") is None


def test_drifted_trust_policy_is_reported_and_left_alone(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    emu.create_role(member, "AliyunEMRDefaultRole", EMR_TRUST_ECS)

    result = fc.invoke({"accountIds": [member]})

    role = roles_by_name(result, member)["AliyunEMRDefaultRole"]
    assert role["outcome"] == "drifted"
    assert role["changes"] == []
    assert inspector.trust_services(member, "AliyunEMRDefaultRole") == ["ecs.aliyuncs.com"]
    assert inspector.policies(member, "AliyunEMRDefaultRole") == []


def test_drift_repair_restores_the_catalog_trust_policy(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    emu.create_role(member, "AliyunEMRDefaultRole", EMR_TRUST_ECS)

    result = fc.invoke({"accountIds": [member], "drift": "repair"})

    role = roles_by_name(result, member)["AliyunEMRDefaultRole"]
    assert role["outcome"] == "updated"
    assert {"action": "UpdateRole", "field": "AssumeRolePolicyDocument"} in role["changes"]
    assert inspector.trust_services(member, "AliyunEMRDefaultRole") == ["emr.aliyuncs.com"]
    assert inspector.policies(member, "AliyunEMRDefaultRole") == [("AliyunEMRRolePolicy", "System")]


def test_twenty_concurrent_invocations_leave_one_role_each_and_all_succeed(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    event = new_account_event(member, emu)
    mark = len(emu.calls)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: fc.invoke(event), range(20)))

    assert [r["status"] for r in results] == ["succeeded"] * 20
    created = [c for c in emu.calls[mark:] if c.account_id == member and c.action == "CreateRole" and c.ok]
    attached = [c for c in emu.calls[mark:] if c.account_id == member and c.action == "AttachPolicyToRole" and c.ok]
    assert sorted(c.params["RoleName"] for c in created) == sorted(DEFAULT_ROLES)
    assert sorted(c.params["RoleName"] for c in attached) == sorted(DEFAULT_ROLES)
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]
        reports = [roles_by_name(r, member)[name] for r in results]
        outcomes = sorted(role["outcome"] for role in reports)
        # Exactly one invocation created the role; every other one met EntityAlreadyExists.Role and reports
        # unchanged. The one exception: a loser that read the role before the winner attached its policy attaches
        # it itself and truthfully reports updated (seen about once in 120 races); the winner then claims no attach.
        assert outcomes in (
            ["created"] + ["unchanged"] * 19,
            ["created"] + ["unchanged"] * 18 + ["updated"],
        ), (name, outcomes)
        claimed = [change for role in reports for change in role["changes"]]
        assert sorted(claimed, key=lambda change: change["action"]) == [
            {"action": "AttachPolicyToRole", "policyName": policy},
            {"action": "CreateRole"},
        ], (name, claimed)
        assert all(role["changes"] == [] for role in reports if role["outcome"] == "unchanged"), name


def test_member_without_access_role_fails_with_access_role_missing(emu: Emulator, fc: LocalFunctionCompute) -> None:
    invited = emu.create_member_account("invited", access_role=False, join_method="invited")

    result = fc.invoke({"accountIds": [invited]})

    assert result["status"] == "failed"
    (account,) = result["accounts"]
    assert account["status"] == "failed"
    assert account["error"]["code"] == "AccessRoleMissing"
    assert "ResourceDirectoryAccountAccessRole" in account["error"]["message"]


def test_management_account_is_bootstrapped_with_the_functions_own_credentials_when_included(
    emu: Emulator, inspector: Inspector
) -> None:
    mark = len(emu.calls)

    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "true"}) as fc:
        result = fc.invoke({"accountIds": [emu.management_account_id], "roles": ["AliyunEMRManagedCostRole"]})

    role = roles_by_name(result, emu.management_account_id)["AliyunEMRManagedCostRole"]
    assert role["outcome"] in {"created", "unchanged"}
    assert [c for c in emu.calls[mark:] if c.action == "AssumeRole"] == []
    assert inspector.policies(emu.management_account_id, "AliyunEMRManagedCostRole") == [
        ("AliyunEMRManagedCostRolePolicy", "System")
    ]


def test_invalid_events_are_rejected_before_any_cloud_call(emu: Emulator, fc: LocalFunctionCompute) -> None:
    for name, field in [
        ("invalid-account-id.json", "accountIds[0]"),
        ("invalid-unknown-field.json", "dryrun"),
        ("invalid-unknown-role.json", "roles[1]"),
        ("invalid-not-json.txt", "$"),
    ]:
        mark = len(emu.calls)
        result = fc.invoke((EVENTS / name).read_bytes())
        assert result["status"] == "invalid", name
        assert result["error"]["code"] == "InvalidRequest", name
        assert result["error"]["field"] == field, (name, result["error"])
        assert field in result["error"]["message"], (name, result["error"])
        assert emu.calls[mark:] == [], name


def test_oversize_request_is_rejected_before_any_cloud_call(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    # A valid request in every field, padded past the 64 KiB limit with insignificant whitespace.
    raw = json.dumps({"accountIds": [member]}).encode()
    padded = raw[:-1] + b" " * MAX_PAYLOAD_BYTES + b"}"
    envelope = json.loads((EVENTS / "http-invocation.json").read_text())
    envelope["body"] = padded.decode()
    mark = len(emu.calls)

    direct = fc.invoke(padded)
    reply = fc.invoke(envelope, handler="http_handler")

    assert (direct["status"], direct["error"]["field"], direct["error"]["rule"]) == ("invalid", "$", "max-size")
    assert reply["statusCode"] == 413  # Payload Too Large (emr_bootstrap.api.statuses)
    assert json.loads(reply["body"])["error"]["rule"] == "max-size"
    assert emu.calls[mark:] == []


def test_unrelated_and_failed_actiontrail_events_are_ignored(emu: Emulator, fc: LocalFunctionCompute) -> None:
    for name in ("actiontrail-unrelated.json", "actiontrail-failed-call.json"):
        mark = len(emu.calls)
        result = fc.invoke((EVENTS / name).read_bytes())
        assert result["status"] == "ignored", name
        assert result["reason"], name
        assert emu.calls[mark:] == [], name


def test_http_handler_replies_with_the_result_as_json(emu: Emulator, fc: LocalFunctionCompute, member: str) -> None:
    envelope = json.loads((EVENTS / "http-invocation.json").read_text())
    envelope["body"] = json.dumps({"accountIds": [member], "dryRun": True})

    reply = fc.invoke(envelope, handler="http_handler")

    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("application/json")
    body = json.loads(reply["body"])
    assert body["dryRun"] is True
    assert roles_by_name(body, member)["AliyunEMRDefaultRole"]["outcome"] == "planned"


def test_http_handler_answers_400_for_an_invalid_request(fc: LocalFunctionCompute) -> None:
    envelope = json.loads((EVENTS / "http-invocation.json").read_text())
    envelope["body"] = json.dumps({"accountIds": ["not-a-number"]})

    reply = fc.invoke(envelope, handler="http_handler")

    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["error"]["code"] == "InvalidRequest"
