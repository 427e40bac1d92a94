"""Resource Manager's wire layer; shapes follow ``alibabacloud_resourcemanager20200331/models`` (2.6.2).

Authorization resources: ``acs:resourcemanager:*:<caller account>:account/<member id or *>`` (unconfirmed form).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.core import clock, ids
from emulator.core.service import Service
from emulator.core.state import ROOT_FOLDER_ID
from emulator.resourcemanager import exceptions as err
from emulator.resourcemanager import models

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler
    from emulator.core.state import Account

VERSION = "2020-03-31"
PAGE_SIZE_RANGE = (1, 100)
PAGE_SIZE_DEFAULT = 10
# CreateCloudAccount: "2 to 50 characters … letters, digits, underscores (_), periods (.), and hyphens (-)" (SDK model).
CLOUD_ACCOUNT_DISPLAY_NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,50}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The member stays in this status until someone confirms the email (docs/alibaba-cloud.md §4).
CLOUD_ACCOUNT_INITIAL_STATUS = "CreateVerifying"


def resource(ctx: Context, account_id: str) -> str:
    return f"acs:resourcemanager:*:{ctx.caller.account_id}:account/{account_id}"


def directory_of(ctx: Context) -> str:
    """Only the directory's management account may manage members (docs/alibaba-cloud.md §4)."""
    account = ctx.account
    if not account.is_management or account.resource_directory_id is None:
        raise err.directory_not_enabled()
    return account.resource_directory_id


def account_summary(account: Account) -> dict[str, Any]:
    return {
        "AccountId": account.account_id,
        "DisplayName": account.display_name,
        "Status": account.status,
        "Type": account.type,
        "FolderId": account.folder_id,
        "ResourceDirectoryId": account.resource_directory_id,
        "ResourceDirectoryPath": f"{account.resource_directory_id}/{account.folder_id}/{account.account_id}",
        "JoinMethod": account.join_method,
        "JoinTime": clock.iso_millis(account.join_time),
        "ModifyTime": clock.iso_millis(account.modify_time),
    }


def _positive(value: str | None, param: str, default: int, maximum: int | None = None) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1 or (maximum is not None and int(value) > maximum):
        raise err.invalid(param)
    return int(value)


def list_accounts(ctx: Context) -> dict[str, Any]:
    page_number = _positive(ctx.get("PageNumber"), "PageNumber", 1)
    page_size = _positive(ctx.get("PageSize"), "PageSize", PAGE_SIZE_DEFAULT, PAGE_SIZE_RANGE[1])
    ctx.authorize("resourcemanager:ListAccounts", resource(ctx, "*"))
    members = models.directory_members(ctx.cloud, directory_of(ctx))
    page = members[(page_number - 1) * page_size : page_number * page_size]
    include_tags = ctx.get("IncludeTags") in ("True", "true")
    items = [account_summary(a) | ({"Tags": {"Tag": []}} if include_tags else {}) for a in page]
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
        "Account": account_summary(account)
        | {
            "AccountName": account.account_name,
            "Location": f"root/{account.display_name}",
            "IdentityInformation": "",
            "EmailStatus": "",
            "Tags": [],
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
    summary = account_summary(account)
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
    if parent is not None and parent != ROOT_FOLDER_ID:
        raise err.folder_not_found(parent)
    # PayerAccountId (the settlement account) has nothing to change here.
    account = models.create_member_account(
        ctx.cloud,
        ctx.system_policies,
        display_name,
        status=CLOUD_ACCOUNT_INITIAL_STATUS,
        account_type="CloudAccount",
        account_name=email,
    )
    summary = account_summary(account)
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
}

SERVICE = Service(
    product="ResourceManager",
    version=VERSION,
    host_id="resourcemanager.aliyuncs.com",
    handlers=HANDLERS,
    mutating=frozenset(),
)
