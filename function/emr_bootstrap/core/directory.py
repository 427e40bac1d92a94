"""Reading the Resource Directory for many accounts at once, at the least cost in calls.

A request may name up to 1,000 accounts, any of them made up. One GetAccount each would cost as many calls; a
ListAccounts page holds 100 members. So for more than a few accounts the directory is listed, as long as listing
costs fewer calls than the GetAccounts it saves, and what it does not list is not a member. Pure: the directory
is a port.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError, ErrorInfo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from emr_bootstrap.core.cloud import AccountDirectory, AccountInfo

PAGE_SIZE: Final = 100
# Up to this many accounts, one GetAccount each is no dearer than a first ListAccounts page and more precise.
DIRECT_LOOKUPS: Final = 5


def not_in_directory(account_id: str, request_id: str | None = None) -> ErrorInfo:
    return ErrorInfo(
        codes.ACCOUNT_NOT_IN_DIRECTORY,
        f"account {account_id} is not a member of the function's Resource Directory",
        codes.hint_for(codes.ACCOUNT_NOT_IN_DIRECTORY),
        request_id,
    )


def lookup_many(
    directory: AccountDirectory, account_ids: Sequence[str], first_page: int | None = None
) -> dict[str, AccountInfo | ErrorInfo]:
    """What the directory says of each of ``account_ids``, from ListAccounts pages, when that is cheaper than a
    GetAccount each; an empty or partial answer leaves the rest to GetAccount. Never raises for cloud errors.

    ``first_page``: where a fan-out batch's accounts start in the listing (the sweep that made the batch saw it).
    Reading starts there, goes on to the last page, then wraps around to the pages before it, and stops as soon as
    every account is found. The hint is trusted for nothing but the order of reading: an account is reported not in
    the directory only after every page was read, so a wrong or forged hint, or a listing whose order changed since
    the sweep (unconfirmed, README "Sweeps"), costs calls, never a wrong answer."""
    wanted = set(account_ids)
    if len(wanted) <= DIRECT_LOOKUPS:
        return {}
    start = first_page or 1
    # With a hint the accounts should sit on the next pages: that many are read whatever the rule below says.
    expected = math.ceil(len(wanted) / PAGE_SIZE) + 1 if first_page else 1
    found: dict[str, AccountInfo | ErrorInfo] = {}
    try:
        first = directory.list_accounts(start, PAGE_SIZE)
        _keep(first.accounts, wanted, found)
        pages = math.ceil(first.total / PAGE_SIZE)
        # Every page once, from the hint on, wrapping around. A hint past the end spent the read above on an empty
        # page, or an error that leaves every account to GetAccount (which answer is unconfirmed: alibaba-cloud A17).
        order = [p for p in (*range(start + 1, pages + 1), *range(1, min(start, pages + 1))) if p != start]
        for read, page_number in enumerate(order, start=1):
            unknown = len(wanted) - len(found)
            if not unknown:
                return found
            # Listing the rest is worth it only if more accounts than pages are still unknown.
            if read >= expected and len(order) - read + 1 >= unknown:
                return found
            _keep(directory.list_accounts(page_number, PAGE_SIZE).accounts, wanted, found)
    except CloudError:
        return found  # the accounts not found yet fall back to GetAccount, which reports its own error
    for account_id in wanted - set(found):
        found[account_id] = not_in_directory(account_id)
    return found


def _keep(accounts: Sequence[AccountInfo], wanted: set[str], found: dict[str, AccountInfo | ErrorInfo]) -> None:
    for info in accounts:
        if info.account_id in wanted:
            found[info.account_id] = info
