"""Resource Manager GetResourceDirectory through the SDK, and Resource Manager's published per-caller quotas.

Source: the GetResourceDirectory API page (docs/alibaba-cloud.md §4) and the Resource Manager quota page (§1.4).
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

from emulator.core import faults as faults_module
from tests.emulator import sdk
from tests.emulator.test_conformance_faults import FrozenMonotonic

if TYPE_CHECKING:
    from emulator.testing import Emulator


@pytest.fixture()
def fresh(emulator: Emulator) -> Emulator:
    emulator.reset()
    return emulator


def test_the_management_account_gets_its_directory_with_every_documented_field(fresh: Emulator) -> None:
    body = sdk.rm(fresh).get_resource_directory().body
    directory = body.resource_directory

    assert body.request_id
    assert directory.master_account_id == fresh.management_account_id
    assert directory.root_folder_id == fresh.root_folder_id
    assert re.fullmatch(r"rd-[A-Za-z0-9]+", directory.resource_directory_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", directory.create_time)
    assert directory.master_account_name
    assert directory.control_policy_status in ("Enabled", "PendingEnable", "Disabled", "PendingDisable")
    assert directory.member_deletion_status in ("Enabled", "Disabled")
    assert directory.identity_information is not None


def test_a_member_gets_the_directory_it_belongs_to(fresh: Emulator) -> None:
    member = fresh.create_member_account("rd-member")
    seen_by_member = sdk.rm(fresh, fresh.root_key_of(member)).get_resource_directory().body.resource_directory
    seen_by_management = sdk.rm(fresh).get_resource_directory().body.resource_directory

    assert seen_by_member.to_map() == seen_by_management.to_map()
    assert seen_by_member.master_account_id == fresh.management_account_id != member


def test_an_account_in_no_directory_is_answered_resource_directory_not_in_use(fresh: Emulator) -> None:
    member = fresh.create_member_account("rd-leaver")
    fresh.leave_directory(member)
    client = sdk.rm(fresh, fresh.root_key_of(member))

    error = sdk.expect_error(client.get_resource_directory, 404, "ResourceDirectoryNotInUse")
    assert "not an Alibaba Cloud account or a member account" in error.data["Message"]
    listed = sdk.rm(fresh).list_accounts(rm_models.ListAccountsRequest(page_size=100)).body.accounts.account
    assert member not in [a.account_id for a in listed]


def test_get_resource_directory_needs_the_permission_on_all_resources(fresh: Emulator) -> None:
    nobody = fresh.create_user(fresh.management_account_id, "no-rd-read", ["AliyunRAMReadOnlyAccess"])
    sdk.expect_error(sdk.rm(fresh, nobody).get_resource_directory, 403, "NoPermission")
    reader = fresh.create_user(fresh.management_account_id, "rd-read", ["AliyunResourceDirectoryReadOnlyAccess"])
    assert sdk.rm(fresh, reader).get_resource_directory().body.resource_directory.master_account_id


@pytest.mark.parametrize(("action", "quota"), [("ListAccounts", 20), ("GetAccount", 50), ("GetResourceDirectory", 50)])
def test_resource_manager_quotas_are_per_caller_per_second(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch, action: str, quota: int
) -> None:
    monkeypatch.setattr(faults_module, "time", FrozenMonotonic())  # time stands still: the bucket never refills
    fresh.faults.enable_quotas(True)
    client = sdk.rm(fresh)
    call = {
        "ListAccounts": partial(client.list_accounts, rm_models.ListAccountsRequest()),
        "GetAccount": partial(client.get_account, rm_models.GetAccountRequest(account_id=fresh.management_account_id)),
        "GetResourceDirectory": client.get_resource_directory,
    }[action]
    outcomes = []
    for _ in range(quota + 3):
        try:
            call()
            outcomes.append("OK")
        except AlibabaCloudException as error:
            outcomes.append(str(error.code))
    assert outcomes == ["OK"] * quota + ["Throttling.User"] * 3
