"""Resource Manager's folder reads: ListAccountsForParent and ListFoldersForParent (API 2020-03-31).

Parameters and shapes: SDK 2.6.2 ``ListAccountsForParentRequest``/``ResponseBody``, ``ListFoldersForParent…``;
API pages https://alibabacloud.com/help/en/resource-management/api-listaccountsforparent ("Queries the information
of members in a folder"; ParentFolderId, QueryKeyword "such as the display name of a member. Fuzzy match",
PageNumber, PageSize 1-100 default 10, Tag, IncludeTags; 400 InvalidParameter.ParentFolderId when the id is not
``r-`` + 6 or ``fd-`` + 10 letters/digits, https://help.aliyun.com/document_detail/604178.html) and
https://alibabacloud.com/help/en/resource-management/api-listfoldersforparent ("first-level subfolders" only; an
empty ParentFolderId means the root, SDK docstring).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.core import clock
from emulator.core.state import ROOT_FOLDER_ID
from emulator.resourcemanager import exceptions as err
from emulator.resourcemanager import models
from emulator.resourcemanager.common import (
    account_summary,
    directory_of,
    folder_path,
    folder_resource,
    include_tags,
    page_of,
    paging,
)

if TYPE_CHECKING:
    from emulator.core.service import Context
    from emulator.core.state import Account, Folder

FOLDER_ID = re.compile(r"^(r-[A-Za-z0-9]{6}|fd-[A-Za-z0-9]{10})$")
# ListAccountsForParent items have no ResourceDirectoryPath (SDK 2.6.2 ListAccountsForParentResponseBodyAccountsAccount)
ACCOUNT_FIELDS = (
    "AccountId",
    "DisplayName",
    "FolderId",
    "JoinMethod",
    "JoinTime",
    "ModifyTime",
    "ResourceDirectoryId",
    "Status",
    "Type",
)


def _parent(ctx: Context, action: str) -> Folder:
    """The ParentFolderId asked for (the root when empty; unconfirmed for ListAccountsForParent), authorized."""
    parent_id = ctx.get("ParentFolderId")
    if parent_id is not None and not FOLDER_ID.fullmatch(parent_id):
        raise err.invalid_parent_folder()
    directory = directory_of(ctx)
    folder = ctx.cloud.folders.get(parent_id or ROOT_FOLDER_ID)
    if folder is None or folder.directory_id != directory:
        raise err.folder_not_found(parent_id or ROOT_FOLDER_ID)
    ctx.authorize(f"resourcemanager:{action}", folder_resource(ctx, folder_path(ctx.cloud, folder.folder_id)))
    return folder


def _matches(keyword: str | None, *values: str) -> bool:
    """Fuzzy match: a case-insensitive substring (the exact matching rule is unconfirmed)."""
    return keyword is None or any(keyword.lower() in value.lower() for value in values)


def list_accounts_for_parent(ctx: Context) -> dict[str, Any]:
    page_number, page_size = paging(ctx)
    folder = _parent(ctx, "ListAccountsForParent")
    keyword = ctx.get("QueryKeyword")
    members: list[Account] = [
        a
        for a in models.directory_members(ctx.cloud, folder.directory_id)
        if a.folder_id == folder.folder_id and _matches(keyword, a.display_name, a.account_id)
    ]
    tags: dict[str, Any] = {"Tags": {"Tag": []}} if include_tags(ctx) else {}  # Tag filters: accepted, ignored
    items = []
    for account in page_of(members, page_number, page_size):
        summary = account_summary(ctx.cloud, account)
        items.append({k: summary[k] for k in ACCOUNT_FIELDS} | tags)
    return {
        "TotalCount": len(members),
        "PageNumber": page_number,
        "PageSize": page_size,
        "Accounts": {"Account": items},
    }


def list_folders_for_parent(ctx: Context) -> dict[str, Any]:
    page_number, page_size = paging(ctx)
    folder = _parent(ctx, "ListFoldersForParent")
    keyword = ctx.get("QueryKeyword")
    children = [f for f in models.child_folders(ctx.cloud, folder.folder_id) if _matches(keyword, f.name)]
    items = [
        {"FolderId": f.folder_id, "FolderName": f.name, "CreateTime": clock.iso_millis(f.create_time)}
        for f in page_of(children, page_number, page_size)
    ]
    return {
        "TotalCount": len(children),
        "PageNumber": page_number,
        "PageSize": page_size,
        "Folders": {"Folder": items},
    }
