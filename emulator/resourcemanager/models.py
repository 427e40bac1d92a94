"""The resource directory: member accounts and the access role the management account uses to enter them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from emulator.core import clock
from emulator.core.state import ROOT_FOLDER_ID, Account
from emulator.ram.models import RamBackend

if TYPE_CHECKING:
    from emulator.core.policy import SystemPolicy
    from emulator.core.state import Cloud

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
    account_name_prefix: str | None = None,
) -> Account:
    """A member of the management account's directory; invited members are CloudAccounts (§4)."""
    now = clock.now()
    management = cloud.management
    with cloud.lock:
        account_id = cloud.next_account_id()
        created = join_method == "created"
        account = Account(
            account_id=account_id,
            display_name=display_name,
            account_name=f"{account_name_prefix or 'member' + account_id[-4:]}@{management.account_id}.onaliyun.com",
            status=status or ("CreateSuccess" if created else "InviteSuccess"),
            type="ResourceAccount" if created else "CloudAccount",
            join_method=join_method,
            join_time=now,
            modify_time=now,
            resource_directory_id=management.resource_directory_id,
            folder_id=ROOT_FOLDER_ID,
        )
        cloud.accounts[account_id] = account
    if access_role:
        ram = RamBackend(account, system)
        ram.create_role(
            ACCESS_ROLE_NAME, access_role_trust(management.account_id), ACCESS_ROLE_DESCRIPTION, None, now=now
        )
        ram.attach_policy_to_role(ACCESS_ROLE_NAME, "System", ACCESS_ROLE_POLICY, now=now)
    cloud.add_account(account)
    cloud.root_key(account_id)
    return account


def directory_members(cloud: Cloud, directory_id: str) -> list[Account]:
    """The management account first, then members in the order they joined (unconfirmed order)."""
    with cloud.lock:
        members = [a for a in cloud.accounts.values() if a.resource_directory_id == directory_id]
    return sorted(members, key=lambda a: (not a.is_management, a.join_time, int(a.account_id)))
