"""What Resource Manager's handlers share: paging, the caller's directory, resource ARNs, the account summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core import clock
from emulator.resourcemanager import exceptions as err

if TYPE_CHECKING:
    from emulator.core.service import Context
    from emulator.core.state import Account, Cloud

# PageNumber "Minimum value: 1. Default value: 1", PageSize "Valid values: 1 to 100. Default value: 10" (SDK 2.6.2
# ListAccountsRequest, ListAccountsForParentRequest, ListFoldersForParentRequest).
PAGE_SIZE_RANGE = (1, 100)
PAGE_SIZE_DEFAULT = 10


def resource(ctx: Context, account_id: str) -> str:
    return f"acs:resourcemanager:*:{ctx.caller.account_id}:account/{account_id}"


def folder_resource(ctx: Context, directory_path: str) -> str:
    """``acs:resourcemanager:*:{#accountId}:folder/{#ResourceDirectoryPath}`` (ListAccountsForParent's RAM table,
    https://www.alibabacloud.com/help/ja/resource-management/resource-directory/developer-reference/api-resourcemanager-2020-03-31-listaccountsforparent)."""
    return f"acs:resourcemanager:*:{ctx.caller.account_id}:folder/{directory_path}"


def directory_of(ctx: Context) -> str:
    """Only the directory's management account may manage members (docs/alibaba-cloud.md §4)."""
    account = ctx.account
    if not account.is_management or account.resource_directory_id is None:
        raise err.directory_not_enabled()
    return account.resource_directory_id


def folder_path(cloud: Cloud, folder_id: str | None) -> str:
    """``rd-…/r-…/fd-…``: the directory, then the folders from the root down."""
    chain = cloud.folder_chain(folder_id) if folder_id else []
    if not chain:
        return folder_id or ""
    return "/".join([chain[0].directory_id, *(f.folder_id for f in chain)])


def account_summary(cloud: Cloud, account: Account) -> dict[str, Any]:
    return {
        "AccountId": account.account_id,
        "DisplayName": account.display_name,
        "Status": account.status,
        "Type": account.type,
        "FolderId": account.folder_id,
        "ResourceDirectoryId": account.resource_directory_id,
        "ResourceDirectoryPath": f"{folder_path(cloud, account.folder_id)}/{account.account_id}",
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


def paging(ctx: Context) -> tuple[int, int]:
    """``(PageNumber, PageSize)``, or ``InvalidParameter.PageNumber`` / ``InvalidParameter.PageSize``."""
    page_number = _positive(ctx.get("PageNumber"), "PageNumber", 1)
    page_size = _positive(ctx.get("PageSize"), "PageSize", PAGE_SIZE_DEFAULT, PAGE_SIZE_RANGE[1])
    return page_number, page_size


def page_of(items: list[Any], page_number: int, page_size: int) -> list[Any]:
    return items[(page_number - 1) * page_size : page_number * page_size]


def include_tags(ctx: Context) -> bool:
    return ctx.get("IncludeTags") in ("True", "true")
