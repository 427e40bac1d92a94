"""Resource Manager through the SDK: CreateResourceAccount, CreateCloudAccount, ListAccounts paging, GetAccount,
and members in every documented status.

Source: docs/alibaba-cloud.md §4.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_sts20150401 import models as sts_models

from emulator.core.state import ACCOUNT_STATUSES
from tests.emulator import sdk

if TYPE_CHECKING:
    from emulator.testing import Emulator


@pytest.fixture()
def fresh(emulator: Emulator) -> Emulator:
    emulator.reset()
    return emulator


def test_create_resource_account_makes_a_member_with_the_access_role(fresh: Emulator) -> None:
    client = sdk.rm(fresh)
    account = client.create_resource_account(
        rm_models.CreateResourceAccountRequest(display_name="analytics", account_name_prefix="analytics")
    ).body.account

    assert (account.type, account.join_method, account.status) == ("ResourceAccount", "created", "CreateSuccess")
    assert account.account_id.isdigit() and len(account.account_id) == 16
    assert account.account_name.startswith("analytics@")
    assert account.resource_directory_id and account.folder_id and account.join_time.endswith("Z")
    role = fresh.role(account.account_id, "ResourceDirectoryAccountAccessRole")
    assert role is not None
    trust = json.loads(role["trust_document"])
    assert trust["Statement"][0]["Principal"]["RAM"] == [f"acs:ram::{fresh.management_account_id}:root"]
    assert list(role["attachments"]) == ["System:AdministratorAccess"]


def test_list_accounts_pages_by_number_and_reports_the_total(fresh: Emulator) -> None:
    for i in range(4):
        fresh.create_member_account(f"m{i}")
    client = sdk.rm(fresh)

    first = client.list_accounts(rm_models.ListAccountsRequest(page_number=1, page_size=2)).body
    third = client.list_accounts(rm_models.ListAccountsRequest(page_number=3, page_size=2)).body
    beyond = client.list_accounts(rm_models.ListAccountsRequest(page_number=4, page_size=2)).body

    assert (first.total_count, first.page_number, first.page_size) == (5, 1, 2)
    assert next(a.account_id for a in first.accounts.account) == fresh.management_account_id
    assert len(third.accounts.account) == 1
    assert beyond.accounts.account == []
    sample = first.accounts.account[1]
    assert sample.resource_directory_path.endswith(sample.account_id)


def test_list_accounts_defaults_to_ten_per_page_and_rejects_over_100(fresh: Emulator) -> None:
    for i in range(11):
        fresh.create_member_account(f"d{i}")
    client = sdk.rm(fresh)
    body = client.list_accounts(rm_models.ListAccountsRequest()).body
    assert (len(body.accounts.account), body.page_size, body.total_count) == (10, 10, 12)
    sdk.expect_error(
        partial(client.list_accounts, rm_models.ListAccountsRequest(page_size=101)), 400, "InvalidParameter.PageSize"
    )
    sdk.expect_error(
        partial(client.list_accounts, rm_models.ListAccountsRequest(page_number=0)),
        400,
        "InvalidParameter.PageNumber",
    )


def test_invited_and_inactive_accounts_are_listed_as_they_are(fresh: Emulator) -> None:
    invited = fresh.create_member_account("invited", join_method="invited", access_role=False)
    pending = fresh.create_member_account("pending", status="PromoteVerifying")
    accounts = {
        a.account_id: a for a in sdk.rm(fresh).list_accounts(rm_models.ListAccountsRequest()).body.accounts.account
    }
    assert (accounts[invited].type, accounts[invited].join_method, accounts[invited].status) == (
        "CloudAccount",
        "invited",
        "InviteSuccess",
    )
    assert accounts[pending].status == "PromoteVerifying"
    assert fresh.role(invited, "ResourceDirectoryAccountAccessRole") is None


def test_get_account_and_its_errors(fresh: Emulator) -> None:
    member = fresh.create_member_account("lookup")
    client = sdk.rm(fresh)
    account = client.get_account(rm_models.GetAccountRequest(account_id=member)).body.account
    assert (account.account_id, account.display_name, account.tags) == (member, "lookup", [])

    sdk.expect_error(
        partial(client.get_account, rm_models.GetAccountRequest(account_id="1999999999999999")),
        404,
        "EntityNotExists.Account",
    )
    sdk.expect_error(
        partial(client.get_account, rm_models.GetAccountRequest(account_id="abc")), 400, "InvalidParameter.AccountId"
    )
    sdk.expect_error(partial(client.get_account, rm_models.GetAccountRequest()), 400, "MissingParameter.AccountId")


def test_members_cannot_manage_the_directory(fresh: Emulator) -> None:
    member = fresh.create_member_account("not-a-manager")
    client = sdk.rm(fresh, fresh.root_key_of(member))
    sdk.expect_error(
        partial(client.list_accounts, rm_models.ListAccountsRequest()), 404, "EntityNotExists.ResourceDirectory"
    )


def assume_access_role(emu: Emulator, member: str, user_key: tuple[str, str]) -> Any:
    arn = f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"
    request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="rd-admin")
    return sdk.sts(emu, user_key).assume_role(request)


@pytest.mark.parametrize("status", sorted(ACCOUNT_STATUSES))
def test_a_member_can_be_created_in_any_documented_status_and_is_reported_in_it(fresh: Emulator, status: str) -> None:
    member = fresh.create_member_account("any-status", status=status)
    client = sdk.rm(fresh)
    assert client.get_account(rm_models.GetAccountRequest(account_id=member)).body.account.status == status
    listed = client.list_accounts(rm_models.ListAccountsRequest()).body.accounts.account
    assert {a.account_id: a.status for a in listed}[member] == status


def test_a_member_still_being_created_has_no_ram_so_assume_role_fails_like_a_missing_role(fresh: Emulator) -> None:
    member = fresh.create_member_account("verifying", status="CreateVerifying")
    user_key = fresh.create_user(fresh.management_account_id, "rd-admin", ["AliyunSTSAssumeRoleAccess"])
    assert fresh.role(member, "ResourceDirectoryAccountAccessRole") is None

    sdk.expect_error(partial(assume_access_role, fresh, member, user_key), 404, "EntityNotExist.Role")

    fresh.set_account_status(member, "CreateSuccess")
    account = sdk.rm(fresh).get_account(rm_models.GetAccountRequest(account_id=member)).body.account
    assert account.status == "CreateSuccess"
    assert assume_access_role(fresh, member, user_key).body.credentials.access_key_id.startswith("STS.")


def test_set_account_status_refuses_an_undocumented_status(fresh: Emulator) -> None:
    member = fresh.create_member_account("strict")
    with pytest.raises(ValueError, match="status must be one of"):
        fresh.set_account_status(member, "Active")
    with pytest.raises(ValueError, match="status must be one of"):
        fresh.create_member_account("strict-too", status="Creating")


def test_create_cloud_account_answers_create_verifying_and_the_member_has_no_ram_yet(fresh: Emulator) -> None:
    request = rm_models.CreateCloudAccountRequest(display_name="finance-prod", email="finance@example.com")
    account = sdk.rm(fresh).create_cloud_account(request).body.account

    assert (account.status, account.type, account.join_method) == ("CreateVerifying", "CloudAccount", "created")
    assert (account.display_name, account.account_name) == ("finance-prod", "finance@example.com")
    assert account.account_id.isdigit() and account.record_id and account.modify_time.endswith("Z")
    assert account.resource_directory_id and account.folder_id
    got = sdk.rm(fresh).get_account(rm_models.GetAccountRequest(account_id=account.account_id)).body.account
    assert (got.status, got.type) == ("CreateVerifying", "CloudAccount")
    assert fresh.role(account.account_id, "ResourceDirectoryAccountAccessRole") is None


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"email": "a@example.com"}, 400, "MissingParameter.DisplayName"),
        ({"display_name": "no-email"}, 400, "MissingParameter.Email"),
        ({"display_name": "x", "email": "a@example.com"}, 400, "InvalidParameter.DisplayName"),
        ({"display_name": "bad-email", "email": "not-an-address"}, 400, "InvalidParameter.Email"),
        (
            {"display_name": "lost", "email": "a@example.com", "parent_folder_id": "fd-none"},
            404,
            "EntityNotExists.Folder",
        ),
    ],
)
def test_create_cloud_account_parameter_errors(fresh: Emulator, fields: dict[str, str], status: int, code: str) -> None:
    request = rm_models.CreateCloudAccountRequest(**fields)
    sdk.expect_error(partial(sdk.rm(fresh).create_cloud_account, request), status, code)


def test_only_the_management_account_may_create_cloud_accounts(fresh: Emulator) -> None:
    member = fresh.create_member_account("not-a-manager")
    request = rm_models.CreateCloudAccountRequest(display_name="nested", email="nested@example.com")
    client = sdk.rm(fresh, fresh.root_key_of(member))
    sdk.expect_error(partial(client.create_cloud_account, request), 404, "EntityNotExists.ResourceDirectory")
    reader = fresh.create_user(fresh.management_account_id, "rd-reader", ["AliyunResourceDirectoryReadOnlyAccess"])
    sdk.expect_error(partial(sdk.rm(fresh, reader).create_cloud_account, request), 403, "NoPermission")
