"""Which accounts the function may act on: the deployment's scope rules, applied by the core.

The function acts only on active members of its own Resource Directory (the directory says so: see
``reconcile``). The deployment narrows that further, never wider: the management account (the function's own) is
out unless included on purpose, and allowed folders, an allow list and a deny list can shrink the set. Nothing a
caller sends can change these rules: they come from the environment alone. Pure: no SDK, no environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from emr_bootstrap import codes
from emr_bootstrap.errors import ErrorInfo

if TYPE_CHECKING:
    from emr_bootstrap.cloud import AccountInfo


@dataclass(frozen=True)
class Scope:
    include_management_account: bool = False
    # None: every folder. Otherwise an account is in scope when one of these folders is on its directory path.
    allowed_folders: frozenset[str] | None = None
    # None: every account. Otherwise only these.
    allowed_accounts: frozenset[str] | None = None
    denied_accounts: frozenset[str] = frozenset()

    def refuse_before_lookup(self, account_id: str, own_account_id: str | None) -> ErrorInfo | None:
        """Why ``account_id`` is out of scope by the lists alone (no directory read needed), or None."""
        if account_id in self.denied_accounts:
            return _out_of_scope(account_id, "it is on the deny list (EMR_BOOTSTRAP_ACCOUNT_DENYLIST)")
        if self.allowed_accounts is not None and account_id not in self.allowed_accounts:
            return _out_of_scope(account_id, "it is not on the allow list (EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST)")
        if account_id == own_account_id and not self.include_management_account:
            return ErrorInfo(
                codes.MANAGEMENT_ACCOUNT_EXCLUDED,
                f"account {account_id} is the management account, where the function runs",
                codes.hint_for(codes.MANAGEMENT_ACCOUNT_EXCLUDED),
            )
        return None

    def refuse_after_lookup(self, info: AccountInfo) -> ErrorInfo | None:
        """Why the directory's member ``info`` is out of scope by its folder, or None."""
        if self.allowed_folders is None:
            return None
        path = set(info.path.split("/")) | ({info.folder_id} if info.folder_id else set())
        if path & self.allowed_folders:
            return None
        return _out_of_scope(
            info.account_id,
            f"its folder path {info.path or info.folder_id or '(unknown)'} has none of the allowed folders "
            "(EMR_BOOTSTRAP_ALLOWED_FOLDERS)",
        )


def _out_of_scope(account_id: str, why: str) -> ErrorInfo:
    return ErrorInfo(
        codes.ACCOUNT_OUT_OF_SCOPE,
        f"account {account_id} is out of scope: {why}",
        codes.hint_for(codes.ACCOUNT_OUT_OF_SCOPE),
    )
