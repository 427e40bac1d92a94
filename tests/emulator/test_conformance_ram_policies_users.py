"""RAM policies, users and access keys through the SDK (shapes per alibabacloud_ram20150501 1.3.0 models)."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_ram20150501 import models as ram_models

from tests.emulator import sdk
from tests.emulator.test_system_policies import REQUIRED

if TYPE_CHECKING:
    from emulator.testing import Emulator

DOCUMENT = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]})
REQUIRED_SYSTEM_POLICIES = set(REQUIRED)


@pytest.fixture(scope="module")
def account(emulator: Emulator) -> str:
    return emulator.create_member_account("policies")


@pytest.fixture(scope="module")
def ram(emulator: Emulator, account: str):
    return sdk.ram(emulator, emulator.root_key_of(account))


def test_get_system_policy_returns_policy_and_default_version(ram) -> None:
    body = ram.get_policy(ram_models.GetPolicyRequest(policy_type="System", policy_name="AliyunEMRRolePolicy")).body
    assert (body.policy.policy_name, body.policy.policy_type, body.policy.default_version) == (
        "AliyunEMRRolePolicy",
        "System",
        "v1",
    )
    assert body.policy.description and body.policy.attachment_count == 0
    assert body.default_policy_version.is_default_version is True
    assert json.loads(body.default_policy_version.policy_document)["Version"] == "1"


def test_get_policy_errors(ram) -> None:
    sdk.expect_error(
        partial(ram.get_policy, ram_models.GetPolicyRequest(policy_type="System", policy_name="Nope")),
        404,
        "EntityNotExist.Policy",
    )
    sdk.expect_error(
        partial(ram.get_policy, ram_models.GetPolicyRequest(policy_type="Other", policy_name="Nope")),
        400,
        "InvalidParameter.PolicyType",
    )
    sdk.expect_error(
        partial(ram.get_policy, ram_models.GetPolicyRequest(policy_type="System", policy_name="p" * 129)),
        400,
        "InvalidParameter.PolicyName.Length",
    )


def test_list_policies_includes_the_required_system_policies_and_pages(ram) -> None:
    names: set[str] = set()
    marker = None
    while True:
        body = ram.list_policies(ram_models.ListPoliciesRequest(policy_type="System", max_items=4, marker=marker)).body
        names |= {p.policy_name for p in body.policies.policy}
        if not body.is_truncated:
            break
        marker = body.marker
    assert names >= REQUIRED_SYSTEM_POLICIES


def test_create_custom_policy_then_attach_and_count(ram) -> None:
    created = ram.create_policy(
        ram_models.CreatePolicyRequest(policy_name="ReadRoles", policy_document=DOCUMENT, description="reads")
    ).body.policy
    assert (created.policy_name, created.policy_type, created.default_version) == ("ReadRoles", "Custom", "v1")
    sdk.expect_error(
        partial(ram.create_policy, ram_models.CreatePolicyRequest(policy_name="ReadRoles", policy_document=DOCUMENT)),
        409,
        "EntityAlreadyExists.Policy",
    )
    sdk.expect_error(
        partial(ram.create_policy, ram_models.CreatePolicyRequest(policy_name="Broken", policy_document="{")),
        400,
        "MalformedPolicyDocument",
    )
    ram.attach_policy_to_role(
        ram_models.AttachPolicyToRoleRequest(
            policy_type="Custom", policy_name="ReadRoles", role_name="ResourceDirectoryAccountAccessRole"
        )
    )
    body = ram.get_policy(ram_models.GetPolicyRequest(policy_type="Custom", policy_name="ReadRoles")).body
    assert body.policy.attachment_count == 1
    assert body.default_policy_version.policy_document == DOCUMENT


def test_create_user_access_key_and_attach_policy_make_a_working_identity(emulator: Emulator, ram) -> None:
    user = ram.create_user(ram_models.CreateUserRequest(user_name="deployer", display_name="Deployer")).body.user
    assert (user.user_name, user.display_name) == ("deployer", "Deployer")
    assert user.user_id and user.create_date
    sdk.expect_error(
        partial(ram.create_user, ram_models.CreateUserRequest(user_name="deployer")), 409, "EntityAlreadyExists.User"
    )

    key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="deployer")).body.access_key
    assert key.status == "Active" and key.access_key_id.startswith("LTAI")
    user_ram = sdk.ram(emulator, (key.access_key_id, key.access_key_secret))
    sdk.expect_error(partial(user_ram.list_roles, ram_models.ListRolesRequest()), 403, "NoPermission")

    attach = ram_models.AttachPolicyToUserRequest(
        policy_type="System", policy_name="AliyunRAMReadOnlyAccess", user_name="deployer"
    )
    ram.attach_policy_to_user(attach)
    assert user_ram.list_roles(ram_models.ListRolesRequest()).body.roles.role
    sdk.expect_error(partial(ram.attach_policy_to_user, attach), 409, "EntityAlreadyExists.User.Policy")


def test_user_errors(ram) -> None:
    sdk.expect_error(
        partial(ram.create_user, ram_models.CreateUserRequest(user_name="bad name")),
        400,
        "InvalidParameter.UserName.InvalidChars",
    )
    sdk.expect_error(
        partial(ram.create_access_key, ram_models.CreateAccessKeyRequest(user_name="ghost")),
        404,
        "EntityNotExist.User",
    )


def test_policy_names_resolve_in_any_letter_case(emulator: Emulator, account: str, ram) -> None:
    role = "CaseInsensitivePolicies"
    emulator.create_role(account, role)
    attach = ram.attach_policy_to_role
    attach(
        ram_models.AttachPolicyToRoleRequest(
            policy_type="System", policy_name="aliyunramreadonlyaccess", role_name=role
        )
    )
    listed = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=role)).body.policies.policy
    assert [p.policy_name for p in listed] == ["AliyunRAMReadOnlyAccess"]
    sdk.expect_error(
        partial(
            attach,
            ram_models.AttachPolicyToRoleRequest(
                policy_type="System", policy_name="AliyunRAMReadOnlyAccess", role_name=role
            ),
        ),
        409,
        "EntityAlreadyExists.Role.Policy",
    )
    got = ram.get_policy(ram_models.GetPolicyRequest(policy_type="System", policy_name="ALIYUNRAMREADONLYACCESS"))
    assert got.body.policy.policy_name == "AliyunRAMReadOnlyAccess"

    ram.create_policy(ram_models.CreatePolicyRequest(policy_name="MixedCase", policy_document=DOCUMENT))
    sdk.expect_error(
        partial(ram.create_policy, ram_models.CreatePolicyRequest(policy_name="mixedcase", policy_document=DOCUMENT)),
        409,
        "EntityAlreadyExists.Policy",
    )
    ram.detach_policy_from_role(
        ram_models.DetachPolicyFromRoleRequest(
            policy_type="System", policy_name="aliyunRAMreadonlyaccess", role_name=role
        )
    )
    assert not ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=role)).body.policies.policy
