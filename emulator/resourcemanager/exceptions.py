"""Resource Manager's error codes ([META-RM] errorCodes, docs/alibaba-cloud.md §4)."""

from __future__ import annotations

from emulator.core.errors import ApiError


def directory_not_enabled() -> ApiError:
    # Also returned to member accounts, which are in a directory but may not manage it (unconfirmed).
    return ApiError(
        404,
        "EntityNotExists.ResourceDirectory",
        "The resource directory for the account is not enabled or the account is not its management account.",
    )


def directory_not_in_use() -> ApiError:
    # GetResourceDirectory's one documented error (API page, error codes table).
    return ApiError(
        404,
        "ResourceDirectoryNotInUse",
        "The specified account is not an Alibaba Cloud account or a member account of the resource directory.",
    )


def account_not_found(account_id: str) -> ApiError:
    return ApiError(404, "EntityNotExists.Account", f"The specified account does not exist: {account_id}.")


def invalid_parent_folder() -> ApiError:
    # ListAccountsForParent's error table, https://help.aliyun.com/document_detail/604178.html.
    return ApiError(400, "InvalidParameter.ParentFolderId", "The ParentFolderId is invalid.")


def folder_not_found(folder_id: str) -> ApiError:
    # Unconfirmed message.
    return ApiError(404, "EntityNotExists.Folder", f"The specified folder does not exist: {folder_id}.")


def invalid(param: str) -> ApiError:
    return ApiError(400, f"InvalidParameter.{param}", f"The parameter {param} is invalid.")
