"""The resource directory: folders, member accounts and the access role the management account uses to enter them."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from emulator.core import clock, ids
from emulator.core.state import ACCOUNT_STATUSES, ROOT_FOLDER_ID, STATUSES_WITHOUT_RAM, Account, Folder
from emulator.ram.models import RamBackend

if TYPE_CHECKING:
    from emulator.core.policy import SystemPolicy
    from emulator.core.state import Cloud

# "1 to 24 characters in length and can contain letters, digits, underscores (_), periods (.), and hyphens (-)"
# (SDK 2.6.2 CreateFolderRequest.folder_name).
FOLDER_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,24}$")
ACCESS_ROLE_NAME = "ResourceDirectoryAccountAccessRole"
ACCESS_ROLE_POLICY = "AdministratorAccess"
ACCESS_ROLE_DESCRIPTION = "The management account of the resource directory uses this role to access the member."
# The real member also gets the service-linked AliyunServiceRoleForResourceDirectory; not emulated.


def access_role_trust(management_account_id: str) -> str:
    """The member trusts the management account (docs/alibaba-cloud.md §3.1; exact document unconfirmed)."""
    statement = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"RAM": [f"acs:ram::{management_account_id}:root"]},
    }
    return json.dumps({"Statement": [statement], "Version": "1"})


def create_member_account(
    cloud: Cloud,
    system: dict[str, SystemPolicy],
    display_name: str,
    *,
    access_role: bool = True,
    status: str | None = None,
    join_method: str = "created",
    account_type: str | None = None,
    account_name: str | None = None,
    account_name_prefix: str | None = None,
    folder_id: str | None = None,
    account_id: str | None = None,
) -> Account:
    """A member of the management account's directory.

    ``status`` defaults to CreateSuccess (created) or InviteSuccess (invited). ``account_type`` defaults to
    CloudAccount for invited members and for the statuses only CreateCloudAccount gives (§4), else
    ResourceAccount. A member in a status of STATUSES_WITHOUT_RAM gets its access role only once it is created
    (:func:`set_account_status`). ``folder_id`` defaults to the root folder. ``account_id`` defaults to the next
    free ID; a given one must be 10-20 digits and not taken (ValueError).
    """
    folder_id = folder_id or ROOT_FOLDER_ID
    if folder_id not in cloud.folders:
        raise KeyError(f"no folder {folder_id}")
    created = join_method == "created"
    status = status or ("CreateSuccess" if created else "InviteSuccess")
    _check_status(status)
    if account_type is None:
        account_type = "CloudAccount" if not created or status in STATUSES_WITHOUT_RAM else "ResourceAccount"
    now = clock.now()
    management = cloud.management
    if account_id is not None and not re.fullmatch(r"[0-9]{10,20}", account_id):
        raise ValueError(f"account IDs are 10-20 digits, got {account_id!r}")
    with cloud.lock:
        if account_id is not None and account_id in cloud.accounts:
            raise ValueError(f"account {account_id} exists already")
        account_id = account_id or cloud.next_account_id()
        prefix = account_name_prefix or f"member{account_id[-4:]}"
        account = Account(
            account_id=account_id,
            display_name=display_name,
            account_name=account_name or f"{prefix}@{management.account_id}.onaliyun.com",
            status=status,
            type=account_type,
            join_method=join_method,
            join_time=now,
            modify_time=now,
            resource_directory_id=management.resource_directory_id,
            folder_id=folder_id,
        )
        cloud.accounts[account_id] = account
    if access_role and account.has_ram:
        _add_access_role(account, system, management.account_id, now)
    cloud.add_account(account)
    cloud.root_key(account_id)
    return account


def create_folder(cloud: Cloud, name: str, parent_id: str | None = None) -> Folder:
    """A folder under ``parent_id`` (default: the root) of the management account's directory."""
    if not FOLDER_NAME.fullmatch(name):
        raise ValueError(f"folder names are 1-24 letters, digits, '_', '.' or '-', got {name!r}")
    parent = cloud.folders.get(parent_id or ROOT_FOLDER_ID)
    if parent is None:
        raise KeyError(f"no folder {parent_id}")
    folder = Folder(ids.folder_id(), name, parent.folder_id, parent.directory_id, clock.now())
    cloud.add_folder(folder)
    return folder


def child_folders(cloud: Cloud, parent_id: str) -> list[Folder]:
    """First-level subfolders only (ListFoldersForParent's documented scope), oldest first."""
    with cloud.lock:
        children = [f for f in cloud.folders.values() if f.parent_id == parent_id]
    return sorted(children, key=lambda f: (f.create_time, f.folder_id))


def set_account_status(
    cloud: Cloud, system: dict[str, SystemPolicy], account_id: str, status: str, *, access_role: bool = True
) -> Account:
    """Move a member to ``status``; once it is created (e.g. CreateVerifying -> CreateSuccess) it gets the access
    role, as the directory creates it with the account (§3.1), unless ``access_role`` is False."""
    _check_status(status)
    account = cloud.account(account_id)
    if account is None or account.is_management:
        raise KeyError(f"no member account {account_id}")
    with account.lock:
        had_ram = account.has_ram
        account.status = status
        account.modify_time = clock.now()
        if access_role and account.has_ram and not had_ram and ACCESS_ROLE_NAME.lower() not in account.roles:
            _add_access_role(account, system, cloud.management_account_id, account.modify_time)
    cloud.persist_account(account)
    return account


def _check_status(status: str) -> None:
    if status not in ACCOUNT_STATUSES:
        raise ValueError(f"status must be one of {sorted(ACCOUNT_STATUSES)}, got {status!r}")


def _add_access_role(account: Account, system: dict[str, SystemPolicy], management_id: str, now: float) -> None:
    ram = RamBackend(account, system)
    ram.create_role(ACCESS_ROLE_NAME, access_role_trust(management_id), ACCESS_ROLE_DESCRIPTION, None, now=now)
    ram.attach_policy_to_role(ACCESS_ROLE_NAME, "System", ACCESS_ROLE_POLICY, now=now)


def directory_members(cloud: Cloud, directory_id: str) -> list[Account]:
    """The management account first, then members in the order they joined (unconfirmed order)."""
    with cloud.lock:
        members = [a for a in cloud.accounts.values() if a.resource_directory_id == directory_id]
    return sorted(members, key=lambda a: (not a.is_management, a.join_time, int(a.account_id)))
