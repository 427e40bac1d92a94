"""Resource Manager folders through the SDK: ListAccountsForParent, ListFoldersForParent, members placed in folders,
and a 1,000-member directory walked page by page as the sweep will.

Sources: emulator/resourcemanager/folders.py (API pages, SDK 2.6.2 models).
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_resourcemanager20200331 import models as rm_models

from emulator.testing import Emulator
from tests.emulator import sdk

if TYPE_CHECKING:
    from pathlib import Path

    from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient


@pytest.fixture()
def fresh(emulator: Emulator) -> Emulator:
    emulator.reset()
    return emulator


def members_of(client: ResourceManagerClient, folder_id: str | None, **extra: object) -> list[str]:
    request = rm_models.ListAccountsForParentRequest(parent_folder_id=folder_id, page_size=100, **extra)
    return [a.account_id for a in client.list_accounts_for_parent(request).body.accounts.account]


def test_list_accounts_for_parent_lists_only_the_direct_members_of_the_folder(fresh: Emulator) -> None:
    prod = fresh.create_folder("prod")
    nested = fresh.create_folder("prod-eu", prod)
    in_root = fresh.create_member_account("in-root")
    in_prod = fresh.create_member_accounts(3, prefix="prod", folder_id=prod)
    in_nested = fresh.create_member_account("deep", folder_id=nested)
    client = sdk.rm(fresh)

    assert members_of(client, prod) == in_prod
    assert members_of(client, nested) == [in_nested]
    assert members_of(client, fresh.root_folder_id) == [fresh.management_account_id, in_root]
    assert members_of(client, None) == [fresh.management_account_id, in_root]  # no ParentFolderId: the root


def test_list_accounts_for_parent_pages_and_shapes_each_member(fresh: Emulator) -> None:
    folder = fresh.create_folder("paged")
    ids = fresh.create_member_accounts(5, prefix="paged", folder_id=folder)
    client = sdk.rm(fresh)

    request = rm_models.ListAccountsForParentRequest(parent_folder_id=folder, page_number=2, page_size=2)
    body = client.list_accounts_for_parent(request).body

    assert (body.total_count, body.page_number, body.page_size) == (5, 2, 2)
    assert [a.account_id for a in body.accounts.account] == ids[2:4]
    account = body.accounts.account[0]
    assert (account.folder_id, account.display_name, account.status) == (folder, "paged-0002", "CreateSuccess")
    assert account.join_time.endswith("Z") and account.resource_directory_id and account.tags is None
    tagged = rm_models.ListAccountsForParentRequest(parent_folder_id=folder, include_tags=True, page_size=1)
    assert client.list_accounts_for_parent(tagged).body.accounts.account[0].tags.tag == []


def test_query_keyword_is_a_fuzzy_match_on_the_display_name(fresh: Emulator) -> None:
    folder = fresh.create_folder("teams")
    analytics = fresh.create_member_account("Analytics-Prod", folder_id=folder)
    fresh.create_member_account("billing", folder_id=folder)

    assert members_of(sdk.rm(fresh), folder, query_keyword="analytics") == [analytics]


@pytest.mark.parametrize(
    ("parent", "status", "code"),
    [
        ("fd-short", 400, "InvalidParameter.ParentFolderId"),
        ("folder-1234567890", 400, "InvalidParameter.ParentFolderId"),
        ("fd-AbCdE12345", 404, "EntityNotExists.Folder"),
    ],
)
def test_parent_folder_errors(fresh: Emulator, parent: str, status: int, code: str) -> None:
    request = rm_models.ListAccountsForParentRequest(parent_folder_id=parent)
    sdk.expect_error(partial(sdk.rm(fresh).list_accounts_for_parent, request), status, code)


def test_list_accounts_for_parent_rejects_page_sizes_over_100(fresh: Emulator) -> None:
    request = rm_models.ListAccountsForParentRequest(page_size=101)
    sdk.expect_error(partial(sdk.rm(fresh).list_accounts_for_parent, request), 400, "InvalidParameter.PageSize")


def test_list_folders_for_parent_lists_first_level_subfolders_only(fresh: Emulator) -> None:
    prod = fresh.create_folder("prod")
    dev = fresh.create_folder("dev")
    prod_eu = fresh.create_folder("prod-eu", prod)
    fresh.create_folder("prod-eu-1", prod_eu)
    client = sdk.rm(fresh)

    top = client.list_folders_for_parent(rm_models.ListFoldersForParentRequest()).body
    under_prod = client.list_folders_for_parent(rm_models.ListFoldersForParentRequest(parent_folder_id=prod)).body

    assert [(f.folder_id, f.folder_name) for f in top.folders.folder] == [(prod, "prod"), (dev, "dev")]
    assert top.total_count == 2 and top.folders.folder[0].create_time.endswith("Z")
    assert [f.folder_id for f in under_prod.folders.folder] == [prod_eu]
    keyword = rm_models.ListFoldersForParentRequest(query_keyword="DE")
    assert [f.folder_name for f in client.list_folders_for_parent(keyword).body.folders.folder] == ["dev"]


def test_list_accounts_shows_the_folder_chain_in_the_resource_directory_path(fresh: Emulator) -> None:
    prod = fresh.create_folder("prod")
    eu = fresh.create_folder("eu", prod)
    member = fresh.create_member_account("deep", folder_id=eu)

    accounts = sdk.rm(fresh).list_accounts(rm_models.ListAccountsRequest(page_size=10)).body.accounts.account
    [listed] = [a for a in accounts if a.account_id == member]

    assert listed.folder_id == eu
    assert listed.resource_directory_path.split("/")[1:] == [fresh.root_folder_id, prod, eu, member]


def test_create_cloud_account_goes_into_an_existing_folder(fresh: Emulator) -> None:
    folder = fresh.create_folder("new-hires")
    request = rm_models.CreateCloudAccountRequest(display_name="hire-1", email="h@example.com", parent_folder_id=folder)
    account = sdk.rm(fresh).create_cloud_account(request).body.account
    assert account.folder_id == folder
    assert members_of(sdk.rm(fresh), folder) == [account.account_id]


def test_folder_reads_need_the_management_account_and_the_permission(fresh: Emulator) -> None:
    member = fresh.create_member_account("not-a-manager")
    request = rm_models.ListAccountsForParentRequest()
    member_client = sdk.rm(fresh, fresh.root_key_of(member))
    sdk.expect_error(partial(member_client.list_accounts_for_parent, request), 404, "EntityNotExists.ResourceDirectory")
    nobody = fresh.create_user(fresh.management_account_id, "no-rd", ["AliyunRAMReadOnlyAccess"])
    sdk.expect_error(partial(sdk.rm(fresh, nobody).list_accounts_for_parent, request), 403, "NoPermission")
    reader = fresh.create_user(fresh.management_account_id, "rd-reader", ["AliyunResourceDirectoryReadOnlyAccess"])
    assert members_of(sdk.rm(fresh, reader), None) == [fresh.management_account_id, member]


def test_state_file_keeps_folders_and_their_members(tmp_path: Path) -> None:
    state = tmp_path / "cloud.sqlite"
    with Emulator(state_file=state) as first:
        prod = first.create_folder("prod")
        member = first.create_member_account("kept", folder_id=prod)

    with Emulator(state_file=state) as second:
        assert members_of(sdk.rm(second), prod) == [member]
        top = sdk.rm(second).list_folders_for_parent(rm_models.ListFoldersForParentRequest()).body.folders.folder
        assert [f.folder_name for f in top] == ["prod"]


def test_create_folder_refuses_bad_names_and_unknown_parents(fresh: Emulator) -> None:
    with pytest.raises(ValueError, match="folder names"):
        fresh.create_folder("has space")
    with pytest.raises(KeyError):
        fresh.create_folder("orphan", "fd-0000000000")
    with pytest.raises(KeyError):
        fresh.create_member_account("homeless", folder_id="fd-0000000000")


def test_a_1000_member_directory_is_quick_to_build_and_walks_in_11_pages_of_100(fresh: Emulator) -> None:
    started = time.perf_counter()
    created = fresh.create_member_accounts(1000, prefix="sweep")
    assert time.perf_counter() - started < 5.0, "building the sweep's directory must stay cheap"
    client = sdk.rm(fresh)

    seen: list[str] = []
    page = 1
    while True:
        body = client.list_accounts(rm_models.ListAccountsRequest(page_number=page, page_size=100)).body
        assert (body.total_count, body.page_size, body.page_number) == (1001, 100, page)
        seen.extend(a.account_id for a in body.accounts.account)
        if page * body.page_size >= body.total_count:
            break
        page += 1

    assert page == 11 and len(seen) == len(set(seen)) == 1001
    assert seen == [fresh.management_account_id, *created]
