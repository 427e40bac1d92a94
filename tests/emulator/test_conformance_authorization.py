"""Every call is authorized for its signer: root, RAM user policies, Deny wins (issue #2 "Authorization")."""

from __future__ import annotations

import base64
import json
from functools import partial

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_resourcemanager20200331 import models as rm_models

from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

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
