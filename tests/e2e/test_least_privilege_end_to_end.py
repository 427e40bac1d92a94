"""The shipped function policy (deploy/policies/function-role-policy.json) is exactly enough: every end-to-end test
runs under it, and removing any one of its statements makes a real scenario fail with NoPermission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import roles_by_name

if TYPE_CHECKING:
    from emulator.testing import Emulator

INCLUDE_MANAGEMENT = {"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "true"}


def policy_without(index: int) -> dict[str, Any]:
    policy = LocalFunctionCompute.shipped_policy()
    del policy["Statement"][index]
    return policy


def statement_granting(action: str) -> int:
    statements = LocalFunctionCompute.shipped_policy()["Statement"]
    (index,) = [
        i
        for i, s in enumerate(statements)
        if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        and (action != "ram:AttachPolicyToRole" or "system:policy" in str(s["Resource"]))
    ]
    return index


def test_the_shipped_policy_has_the_five_statements_these_tests_remove_one_by_one() -> None:
    actions = ("sts:AssumeRole", "resourcemanager:GetAccount", "ram:CreateRole", "ram:AttachPolicyToRole")
    indexes = {statement_granting(a) for a in (*actions, "fc:InvokeFunction")}
    assert indexes == set(range(len(LocalFunctionCompute.shipped_policy()["Statement"])))


def test_without_sts_assume_role_a_member_account_cannot_be_reached(emu: Emulator) -> None:
    member = emu.create_member_account("lp-assume")
    with LocalFunctionCompute(emu, policy=policy_without(statement_granting("sts:AssumeRole")), role_name="lp-0") as fc:
        result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    assert account["status"] == "failed" and account["error"]["code"] == "NoPermission"
    assert "AssumeRole" in account["error"]["message"]


@pytest.mark.parametrize("accounts", [1, 8])  # one by GetAccount, several by ListAccounts then GetAccount
def test_without_resource_manager_reads_no_account_is_touched(emu: Emulator, accounts: int) -> None:
    members = [emu.create_member_account(f"lp-rm-{n}") for n in range(accounts)]
    statement = statement_granting("resourcemanager:GetAccount")
    # The management account included: GetResourceDirectory (same statement) is not asked, GetAccount is reached.
    with LocalFunctionCompute(
        emu, policy=policy_without(statement), role_name=f"lp-1-{accounts}", extra_env=INCLUDE_MANAGEMENT
    ) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": members})

    assert {a["status"] for a in result["accounts"]} == {"failed"}
    assert {a["error"]["code"] for a in result["accounts"]} == {"NoPermission"}
    assert "resourcemanager:GetAccount" in result["accounts"][0]["error"]["hint"]
    assert not [c for c in emu.calls[mark:] if c.action in ("AssumeRole", "CreateRole")]


def test_without_the_ram_role_statement_the_management_account_gets_no_role(emu: Emulator) -> None:
    statement = statement_granting("ram:CreateRole")
    with LocalFunctionCompute(
        emu, policy=policy_without(statement), role_name="lp-2", extra_env=INCLUDE_MANAGEMENT
    ) as fc:
        result = fc.invoke({"accountIds": [emu.management_account_id], "roles": ["AliyunECSInstanceForEMRStudioRole"]})

    role = roles_by_name(result, emu.management_account_id)["AliyunECSInstanceForEMRStudioRole"]
    assert role["outcome"] == "failed" and role["error"]["code"] == "NoPermission"


def test_without_the_system_policy_statement_the_management_account_role_gets_no_policy(emu: Emulator) -> None:
    statement = statement_granting("ram:AttachPolicyToRole")
    with LocalFunctionCompute(
        emu, policy=policy_without(statement), role_name="lp-3", extra_env=INCLUDE_MANAGEMENT
    ) as fc:
        result = fc.invoke({"accountIds": [emu.management_account_id], "roles": ["AliyunEMRManagedCostRole"]})

    role = roles_by_name(result, emu.management_account_id)["AliyunEMRManagedCostRole"]
    assert role["outcome"] == "failed" and role["error"]["code"] == "NoPermission"
    assert "AttachPolicyToRole" in role["error"]["message"]


def test_without_fc_invoke_function_a_fanned_out_sweep_cannot_hand_out_its_batches(emu: Emulator) -> None:
    member = emu.create_member_account("lp-fan-out")
    env = {"EMR_BOOTSTRAP_FANOUT": "always", "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": member}
    statement = statement_granting("fc:InvokeFunction")
    with LocalFunctionCompute(emu, policy=policy_without(statement), role_name="lp-4", extra_env=env) as fc:
        result = fc.invoke({"action": "sweep"})

    failed = {a["error"]["code"] for a in result["accounts"] if a["status"] == "failed"}
    assert failed == {"AccessDenied"} and "batches" not in result["sweep"]
    assert "fc:InvokeFunction" in result["accounts"][0]["error"]["hint"]
