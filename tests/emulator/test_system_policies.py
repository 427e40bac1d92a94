"""The emulated RAM's system policies (emulator/core/policy/system_policies.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from emulator.core.policy import SystemPolicy, evaluate, load_system_policies, parse_policy_document, role_arn

REQUIRED = [
    "AliyunEMRRolePolicy",
    "AliyunECSInstanceForEMRRolePolicy",
    "AliyunEMRECSRolePolicy",
    "AliyunEMRManagedCostRolePolicy",
    "AliyunECSInstanceForEMRStudioRolePolicy",
    "AdministratorAccess",
    "AliyunRAMFullAccess",
    "AliyunRAMReadOnlyAccess",
    "AliyunSTSAssumeRoleAccess",
    "AliyunResourceDirectoryReadOnlyAccess",
]
RAW: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "emulator" / "core" / "policy" / "system_policies.json").read_text(encoding="utf-8")
)["Policies"]
ROLE = role_arn("1234567890123456", "AliyunEMRDefaultRole")


def allowed(name: str, action: str, resource: str = ROLE) -> bool:
    return evaluate([load_system_policies()[name].document], action, resource).allowed


def test_every_required_system_policy_is_present() -> None:
    assert set(REQUIRED) <= set(load_system_policies())


@pytest.mark.parametrize("name", sorted(RAW))
def test_every_document_passes_our_own_parser_as_a_permission_policy(name: str) -> None:
    text = json.dumps(RAW[name]["PolicyDocument"])
    assert parse_policy_document(text, param="PolicyDocument", kind="permission") == RAW[name]["PolicyDocument"]


@pytest.mark.parametrize("name", sorted(RAW))
def test_every_policy_has_metadata_and_a_source(name: str) -> None:
    policy = load_system_policies()[name]
    assert policy.name == name
    assert policy.description.strip()
    assert re.fullmatch(r"v\d+", policy.default_version)
    assert policy.document == RAW[name]["PolicyDocument"]
    assert RAW[name]["_source"].startswith(("exact", "approximate"))


def test_administrator_access_is_the_published_document() -> None:
    assert load_system_policies()["AdministratorAccess"].document == {
        "Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*"}],
        "Version": "1",
    }
    assert allowed("AdministratorAccess", "ecs:RunInstances", "acs:ecs:cn-hangzhou:1:instance/i-1")


def test_ram_full_access_covers_ram_only() -> None:
    assert allowed("AliyunRAMFullAccess", "ram:CreateRole")
    assert allowed("AliyunRAMFullAccess", "ram:AttachPolicyToRole")
    assert not allowed("AliyunRAMFullAccess", "sts:AssumeRole")


def test_ram_read_only_access_reads_but_does_not_write() -> None:
    assert allowed("AliyunRAMReadOnlyAccess", "ram:GetRole")
    assert allowed("AliyunRAMReadOnlyAccess", "ram:ListPoliciesForRole")
    assert not allowed("AliyunRAMReadOnlyAccess", "ram:CreateRole")
    assert not allowed("AliyunRAMReadOnlyAccess", "ram:AttachPolicyToRole")


def test_sts_assume_role_access_allows_assume_role_on_any_role_only() -> None:
    assert allowed("AliyunSTSAssumeRoleAccess", "sts:AssumeRole", role_arn("999", "AnyRole"))
    assert not allowed("AliyunSTSAssumeRoleAccess", "ram:GetRole")


def test_resource_directory_read_only_access_lists_accounts_but_cannot_create() -> None:
    assert allowed("AliyunResourceDirectoryReadOnlyAccess", "resourcemanager:ListAccounts", "*")
    assert allowed("AliyunResourceDirectoryReadOnlyAccess", "resourcemanager:GetAccount", "*")
    assert not allowed("AliyunResourceDirectoryReadOnlyAccess", "resourcemanager:CreateResourceAccount", "*")


@pytest.mark.parametrize(
    "name",
    [n for n in REQUIRED if "EMR" in n],
)
def test_emr_role_policies_cannot_manage_ram_or_assume_roles(name: str) -> None:
    # The service-role policies are scoped: none may create roles or grant policies.
    assert not allowed(name, "ram:CreateRole")
    assert not allowed(name, "ram:AttachPolicyToRole")
    assert not allowed(name, "sts:AssumeRole")


def test_emr_ecs_application_role_reads_oss() -> None:
    oss = "acs:oss:*:1234567890123456:bucket/key"
    assert allowed("AliyunECSInstanceForEMRRolePolicy", "oss:GetObject", oss)
    assert allowed("AliyunEMRECSRolePolicy", "oss:PutObject", oss)


def test_loading_is_cached_and_returns_independent_copies() -> None:
    first = load_system_policies()
    first["AdministratorAccess"].document["Statement"].clear()
    del first["AliyunRAMFullAccess"]
    second = load_system_policies()
    assert second["AdministratorAccess"].document["Statement"]
    assert "AliyunRAMFullAccess" in second
    assert isinstance(second["AdministratorAccess"], SystemPolicy)
