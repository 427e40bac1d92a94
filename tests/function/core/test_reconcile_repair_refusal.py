"""Repair never hands out more than the catalog: a drifted role that carries any policy beside its catalog system
policy keeps its trust, under drift=repair too, with ExtraPoliciesAttached naming those policies (README, "What it
does"). Against the in-memory RAM fake; tests/e2e/test_repair_refusal_end_to_end.py shows the same through the SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.shared import codes

from tests.function.fakes import FakeConnector, FakeRam, bootstrap

ACCOUNT = "1234567890123456"
SPEC = load_catalog().require("AliyunECSInstanceForEMRRole")
OUTSIDE_TRUST = json.dumps(
    {
        "Version": "1",
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::1111111111111111:root"]}}
        ],
    }
)


def seeded(*policies: tuple[str, str]) -> FakeRam:
    ram = FakeRam(ACCOUNT)
    ram.seed_role(SPEC.name, OUTSIDE_TRUST, list(policies))
    return ram


def repair(ram: FakeRam, **fields: object) -> tuple[str, dict[str, Any]]:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [SPEC.name], "drift": "repair", **fields})
    result = bootstrap(request, FakeConnector({ACCOUNT: ram}), request_id="req-repair")
    (account,) = result.accounts
    (role,) = account.roles
    return account.status, role.to_dict()


@pytest.mark.parametrize(
    ("policies", "named"),
    [
        ([("AdministratorAccess", "System")], ["AdministratorAccess (System)"]),
        ([(SPEC.policy_name, "System"), ("AdministratorAccess", "System")], ["AdministratorAccess (System)"]),
        # A Custom policy is outside the catalog even when it bears the system policy's name.
        ([(SPEC.policy_name, "Custom")], [f"{SPEC.policy_name} (Custom)"]),
        (
            [("AliyunOSSFullAccess", "System"), ("team-admin", "Custom")],
            ["AliyunOSSFullAccess (System)", "team-admin (Custom)"],
        ),
    ],
    ids=["admin-only", "catalog-and-admin", "custom-namesake", "two-extras"],
)
def test_a_role_with_extra_policies_is_never_repaired_and_the_refusal_names_them(
    policies: list[tuple[str, str]], named: list[str]
) -> None:
    ram = seeded(*policies)
    before = (ram.role(SPEC.name), ram.policies(SPEC.name))

    status, role = repair(ram)

    assert role["outcome"] == "drifted" and role["changes"] == []
    error = role["error"]
    assert error["code"] == codes.EXTRA_POLICIES_ATTACHED
    assert all(name in error["message"] for name in named), error["message"]
    assert "ecs.aliyuncs.com" in error["message"]
    assert "detach" in error["hint"].lower() and "drift=repair" in error["hint"]
    assert role["extraPolicies"] == [name for name, kind in policies if (name, kind) != (SPEC.policy_name, "System")]
    # Nothing written at all: not the trust, not even the missing catalog policy.
    assert ram.write_calls == 0 and (ram.role(SPEC.name), ram.policies(SPEC.name)) == before
    assert status == "succeeded"  # drifted is not failed: the account still needs somebody (needsAction)


def test_a_dry_run_of_that_repair_shows_the_same_refusal_and_plans_nothing() -> None:
    ram = seeded(("AdministratorAccess", "System"))
    _, applied = repair(seeded(("AdministratorAccess", "System")))

    _, planned = repair(ram, dryRun=True)

    assert planned["outcome"] == "drifted" and planned["changes"] == []
    assert planned["error"] == applied["error"] and ram.write_calls == 0


@pytest.mark.parametrize("strategy", ["create-first", "read-first"])
def test_the_refusal_holds_whatever_the_strategy(strategy: str) -> None:
    ram = seeded(("AdministratorAccess", "System"))
    _, role = repair(ram, strategy=strategy)
    assert role["outcome"] == "drifted" and ram.calls["UpdateRole"] == ram.calls["AttachPolicyToRole"] == 0


def test_the_same_role_with_no_extra_policy_is_repaired() -> None:
    ram = seeded(("AdministratorAccess", "System"))
    ram._roles[SPEC.name.lower()].policies.clear()  # somebody detached it, as the hint says

    _, role = repair(ram)

    assert role["outcome"] == "updated" and role["error"] is None
    assert [c["action"] for c in role["changes"]] == ["UpdateRole", "AttachPolicyToRole"]
    assert ram.role(SPEC.name).trust_policy == SPEC.trust_policy  # type: ignore[union-attr]


def test_under_report_a_drifted_role_with_extra_policies_carries_no_refusal() -> None:
    ram = seeded(("AdministratorAccess", "System"))
    request = parse_request({"accountIds": [ACCOUNT], "roles": [SPEC.name]})
    (role,) = bootstrap(request, FakeConnector({ACCOUNT: ram}), request_id="r").accounts[0].roles
    assert role.outcome == "drifted" and role.error is None and role.extra_policies == ("AdministratorAccess",)
