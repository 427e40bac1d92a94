"""Resource Manager through the SDK: CreateResourceAccount, ListAccounts paging, GetAccount.

Source: docs/alibaba-cloud.md §4.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_resourcemanager20200331 import models as rm_models

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
