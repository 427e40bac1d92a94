"""Every call is authorized for its signer: root, RAM user policies, Deny wins (issue #2 "Authorization")."""

from __future__ import annotations

import base64
import json
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_resourcemanager20200331 import models as rm_models

from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

if TYPE_CHECKING:
    from alibabacloud_ram20150501.client import Client as RamClient

TRUST = trust_for_service("emr.aliyuncs.com")


@pytest.fixture(scope="module")
def account(emulator: Emulator) -> str:
    account_id = emulator.create_member_account("authz")
    emulator.create_role(account_id, "Existing", TRUST)
    return account_id


def create_role(client, name: str):
    return client.create_role(ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=TRUST))


def test_read_only_user_can_get_role_but_not_create_one(emulator: Emulator, account: str) -> None:
    reader = sdk.ram(emulator, emulator.create_user(account, "reader", ["AliyunRAMReadOnlyAccess"]))

    assert reader.get_role(ram_models.GetRoleRequest(role_name="Existing")).body.role.role_name == "Existing"
    error = sdk.expect_error(partial(create_role, reader, "NotAllowed"), 403, "NoPermission")

    detail = error.access_denied_detail
    assert detail["AuthAction"] == "ram:CreateRole"
    assert detail["AuthPrincipalType"] == "SubUser"
    assert detail["AuthPrincipalOwnerId"] == account
    assert detail["AuthPrincipalDisplayName"] == "reader"
    assert detail["NoPermissionType"] == "ImplicitDeny"
    assert detail["PolicyType"] == "AccountLevelIdentityBasedPolicy"
    assert json.loads(base64.b64decode(detail["EncodedDiagnosticMessage"]))["AuthAction"] == "ram:CreateRole"
    assert error.data["Message"].startswith("You are not authorized to do this action.")


def test_user_without_policies_can_do_nothing(emulator: Emulator, account: str) -> None:
    nobody = sdk.ram(emulator, emulator.create_user(account, "nobody"))
    sdk.expect_error(partial(nobody.list_roles, ram_models.ListRolesRequest()), 403, "NoPermission")


def test_full_access_user_can_create_roles(emulator: Emulator, account: str) -> None:
    admin = sdk.ram(emulator, emulator.create_user(account, "ram-admin", ["AliyunRAMFullAccess"]))
    assert create_role(admin, "MadeByAdmin").body.role.role_name == "MadeByAdmin"


def test_explicit_deny_on_a_resource_wins_over_allow(emulator: Emulator, account: str) -> None:
    deny = {
        "Version": "1",
        "Statement": [
            {"Effect": "Deny", "Action": "ram:CreateRole", "Resource": f"acs:ram:*:{account}:role/protected-*"}
        ],
    }
    emulator.create_custom_policy(account, "DenyProtected", deny)
    key = emulator.create_user(account, "guarded", ["AliyunRAMFullAccess"])
    emulator.attach_user_policy(account, "guarded", "DenyProtected", policy_type="Custom")
    guarded = sdk.ram(emulator, key)

    assert create_role(guarded, "ordinary-role").body.role
    error = sdk.expect_error(partial(create_role, guarded, "protected-role"), 403, "NoPermission")
    assert error.access_denied_detail["NoPermissionType"] == "ExplicitDeny"


def test_not_action_allows_everything_except_the_named_action(emulator: Emulator, account: str) -> None:
    policy = {"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "ram:DeleteRole", "Resource": "*"}]}
    emulator.create_custom_policy(account, "AllButDelete", policy)
    key = emulator.create_user(account, "not-action", ["AllButDelete"], policy_type="Custom")
    client = sdk.ram(emulator, key)
    assert create_role(client, "NotActionRole").body.role
    sdk.expect_error(
        partial(client.delete_role, ram_models.DeleteRoleRequest(role_name="NotActionRole")), 403, "NoPermission"
    )


def test_resource_directory_reader_can_list_accounts_but_not_create_them(emulator: Emulator) -> None:
    key = emulator.create_user(emulator.management_account_id, "rd-read", ["AliyunResourceDirectoryReadOnlyAccess"])
    client = sdk.rm(emulator, key)
    assert client.list_accounts(rm_models.ListAccountsRequest()).body.total_count >= 1
    sdk.expect_error(
        partial(client.create_resource_account, rm_models.CreateResourceAccountRequest(display_name="nope")),
        403,
        "NoPermission",
    )


def test_accounts_are_isolated_from_each_other(emulator: Emulator, account: str) -> None:
    other = emulator.create_member_account("isolated")
    other_root = sdk.ram(emulator, emulator.root_key_of(other))
    sdk.expect_error(
        partial(other_root.get_role, ram_models.GetRoleRequest(role_name="Existing")), 404, "EntityNotExist.Role"
    )


def user_with_policy(emulator: Emulator, account: str, name: str, statements: list[dict[str, str]]) -> RamClient:
    emulator.create_custom_policy(account, f"{name}-policy", {"Version": "1", "Statement": statements})
    return sdk.ram(emulator, emulator.create_user(account, name, [f"{name}-policy"], policy_type="Custom"))


def test_get_policy_authorizes_system_policies_in_the_system_account(emulator: Emulator, account: str) -> None:
    own = user_with_policy(
        emulator,
        account,
        "own-policies",
        [{"Effect": "Allow", "Action": "ram:GetPolicy", "Resource": f"acs:ram:*:{account}:policy/*"}],
    )
    system = user_with_policy(
        emulator,
        account,
        "system-policies",
        [{"Effect": "Allow", "Action": "ram:GetPolicy", "Resource": "acs:ram:*:system:policy/*"}],
    )
    request = ram_models.GetPolicyRequest(policy_type="System", policy_name="AliyunEMRRolePolicy")

    assert system.get_policy(request).body.policy.policy_name == "AliyunEMRRolePolicy"
    error = sdk.expect_error(partial(own.get_policy, request), 403, "NoPermission")
    assert error.access_denied_detail["AuthAction"] == "ram:GetPolicy"


def test_attach_policy_to_role_needs_the_role_and_the_policy(emulator: Emulator, account: str) -> None:
    role_statement = {"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": f"acs:ram:*:{account}:role/*"}
    policy_statement = {
        "Effect": "Allow",
        "Action": "ram:AttachPolicyToRole",
        "Resource": "acs:ram:*:system:policy/AliyunEMRRolePolicy",
    }
    role_only = user_with_policy(emulator, account, "attach-role-only", [role_statement])
    both = user_with_policy(emulator, account, "attach-both", [role_statement, policy_statement])
    emulator.create_role(account, "AttachTarget", TRUST)
    request = ram_models.AttachPolicyToRoleRequest(
        policy_type="System", policy_name="AliyunEMRRolePolicy", role_name="AttachTarget"
    )

    sdk.expect_error(partial(role_only.attach_policy_to_role, request), 403, "NoPermission")
    both.attach_policy_to_role(request)
    attached = emulator.role(account, "AttachTarget")
    assert attached is not None and list(attached["attachments"]) == ["System:AliyunEMRRolePolicy"]


def test_attach_policy_to_user_needs_the_user_and_the_policy(emulator: Emulator, account: str) -> None:
    user_statement = {"Effect": "Allow", "Action": "ram:AttachPolicyToUser", "Resource": f"acs:ram:*:{account}:user/*"}
    policy_statement = {
        "Effect": "Allow",
        "Action": "ram:AttachPolicyToUser",
        "Resource": "acs:ram:*:system:policy/AliyunRAMReadOnlyAccess",
    }
    user_only = user_with_policy(emulator, account, "attach-user-only", [user_statement])
    both = user_with_policy(emulator, account, "attach-user-both", [user_statement, policy_statement])
    emulator.create_user(account, "attach-subject")
    request = ram_models.AttachPolicyToUserRequest(
        policy_type="System", policy_name="AliyunRAMReadOnlyAccess", user_name="attach-subject"
    )

    sdk.expect_error(partial(user_only.attach_policy_to_user, request), 403, "NoPermission")
    both.attach_policy_to_user(request)


def test_create_user_is_authorized_on_every_user(emulator: Emulator, account: str) -> None:
    named = user_with_policy(
        emulator,
        account,
        "creates-alice",
        [{"Effect": "Allow", "Action": "ram:CreateUser", "Resource": f"acs:ram:*:{account}:user/alice"}],
    )
    anyone = user_with_policy(
        emulator,
        account,
        "creates-anyone",
        [{"Effect": "Allow", "Action": "ram:CreateUser", "Resource": f"acs:ram:*:{account}:user/*"}],
    )
    sdk.expect_error(partial(named.create_user, ram_models.CreateUserRequest(user_name="alice")), 403, "NoPermission")
    assert anyone.create_user(ram_models.CreateUserRequest(user_name="alice")).body.user.user_name == "alice"
