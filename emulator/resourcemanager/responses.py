"""Resource Manager's wire layer; shapes follow ``alibabacloud_resourcemanager20200331/models`` (2.6.2).

Authorization resources: ``acs:resourcemanager:*:<caller account>:account/<member id or *>`` (unconfirmed form);
folders (``emulator.resourcemanager.folders``) ``…:folder/<resource directory path>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.core import clock, ids
from emulator.core.service import Service
from emulator.resourcemanager import exceptions as err
from emulator.resourcemanager import folders, models
from emulator.resourcemanager.common import (
    account_summary,
    directory_of,
    include_tags,
    page_of,
    paging,
    resource,
)

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler

VERSION = "2020-03-31"
# CreateCloudAccount: "2 to 50 characters … letters, digits, underscores (_), periods (.), and hyphens (-)" (SDK model).
CLOUD_ACCOUNT_DISPLAY_NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,50}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The member stays in this status until someone confirms the email (docs/alibaba-cloud.md §4).
CLOUD_ACCOUNT_INITIAL_STATUS = "CreateVerifying"


def list_accounts(ctx: Context) -> dict[str, Any]:
    # Parameters (SDK 2.6.2 ListAccountsRequest): IncludeTags, PageNumber, PageSize, Tag; no QueryKeyword (that is
    # ListAccountsForParent's). Tag filters are accepted and ignored (members carry no tags).
    page_number, page_size = paging(ctx)
    ctx.authorize("resourcemanager:ListAccounts", resource(ctx, "*"))
    members = models.directory_members(ctx.cloud, directory_of(ctx))
    tags: dict[str, Any] = {"Tags": {"Tag": []}} if include_tags(ctx) else {}
    items = [account_summary(ctx.cloud, a) | tags for a in page_of(members, page_number, page_size)]
    return {
        "TotalCount": len(members),
        "PageNumber": page_number,
        "PageSize": page_size,
        "Accounts": {"Account": items},
    }


def get_account(ctx: Context) -> dict[str, Any]:
    account_id = ctx.require("AccountId")
    if not account_id.isdigit():
        raise err.invalid("AccountId")
    ctx.authorize("resourcemanager:GetAccount", resource(ctx, account_id))
    directory = directory_of(ctx)
    account = ctx.cloud.account(account_id)
    if account is None or account.resource_directory_id != directory:
        raise err.account_not_found(account_id)
    return {
        "Account": account_summary(ctx.cloud, account)
        | {
            "AccountName": account.account_name,
            "Location": f"root/{account.display_name}",
            "IdentityInformation": "",
            "EmailStatus": "",
            "Tags": [],
        }
    }


def get_resource_directory(ctx: Context) -> dict[str, Any]:
    """The directory the caller manages or belongs to (members get it too), per the API page
    https://www.alibabacloud.com/help/en/resource-management/resource-directory/developer-reference/api-resourcemanager-2020-03-31-getresourcedirectory
    and SDK 2.6.2 ``GetResourceDirectoryResponseBodyResourceDirectory``. No parameters. An account in no
    directory: 404 ResourceDirectoryNotInUse. RAM resource: "all resources" on the API page; which resource string
    RAM evaluates for it is unconfirmed (docs/alibaba-cloud.md A9): here ``acs:resourcemanager:*:<caller>:*``."""
    ctx.authorize("resourcemanager:GetResourceDirectory", f"acs:resourcemanager:*:{ctx.caller.account_id}:*")
    directory_id = ctx.account.resource_directory_id
    if directory_id is None:
        raise err.directory_not_in_use()
    management = ctx.cloud.management
    root = next(f for f in ctx.cloud.folders.values() if f.directory_id == directory_id and f.parent_id is None)
    return {
        "ResourceDirectory": {
            "ResourceDirectoryId": directory_id,
            "RootFolderId": root.folder_id,
            "CreateTime": clock.iso_millis(root.create_time),  # the root folder is created with the directory
            "MasterAccountId": management.account_id,
            "MasterAccountName": management.display_name,
            # Control policies and member deletion are not emulated; both start disabled (unconfirmed defaults).
            "ControlPolicyStatus": "Disabled",
            "MemberDeletionStatus": "Disabled",
            "IdentityInformation": "",
        }
    }


def create_resource_account(ctx: Context) -> dict[str, Any]:
    display_name = ctx.require("DisplayName")
    if not 2 <= len(display_name) <= 50:
        raise err.invalid("DisplayName")
    ctx.authorize("resourcemanager:CreateResourceAccount", resource(ctx, "*"))
    directory_of(ctx)
    account = models.create_member_account(
        ctx.cloud, ctx.system_policies, display_name, account_name_prefix=ctx.get("AccountNamePrefix")
    )
    summary = account_summary(ctx.cloud, account)
    summary.pop("ResourceDirectoryPath")
    return {"Account": summary | {"AccountName": account.account_name}}


def create_cloud_account(ctx: Context) -> dict[str, Any]:
    """Asynchronous: the member is CreateVerifying (no RAM yet) until its email is confirmed (harness only)."""
    display_name = ctx.require("DisplayName")
    if not CLOUD_ACCOUNT_DISPLAY_NAME.fullmatch(display_name):
        raise err.invalid("DisplayName")
    email = ctx.require("Email")
    if not EMAIL.fullmatch(email):
        raise err.invalid("Email")
    parent = ctx.get("ParentFolderId")
    ctx.authorize("resourcemanager:CreateCloudAccount", resource(ctx, "*"))
    directory_of(ctx)
    if parent is not None and parent not in ctx.cloud.folders:
        raise err.folder_not_found(parent)
    # PayerAccountId (the settlement account) has nothing to change here.
    account = models.create_member_account(
        ctx.cloud,
        ctx.system_policies,
        display_name,
        status=CLOUD_ACCOUNT_INITIAL_STATUS,
        account_type="CloudAccount",
        account_name=email,
        folder_id=parent,
    )
    summary = account_summary(ctx.cloud, account)
    shape = (
        "AccountId",
        "DisplayName",
        "FolderId",
        "JoinMethod",
        "ModifyTime",
        "ResourceDirectoryId",
        "Status",
        "Type",
    )
    return {
        "Account": {k: summary[k] for k in shape} | {"AccountName": account.account_name, "RecordId": ids.record_id()}
    }


HANDLERS: dict[str, Handler] = {
    "CreateCloudAccount": create_cloud_account,
    "CreateResourceAccount": create_resource_account,
    "ListAccounts": list_accounts,
    "GetAccount": get_account,
    "GetResourceDirectory": get_resource_directory,
    "ListAccountsForParent": folders.list_accounts_for_parent,
    "ListFoldersForParent": folders.list_folders_for_parent,
}

SERVICE = Service(
    product="ResourceManager",
    version=VERSION,
    host_id="resourcemanager.aliyuncs.com",
    handlers=HANDLERS,
    mutating=frozenset(),
)
