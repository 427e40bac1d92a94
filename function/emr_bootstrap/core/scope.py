"""Which accounts the function may act on: the deployment's scope rules, applied by the core.

The function acts only on active members of its own Resource Directory (the directory says so: see
``reconcile``). The deployment narrows that further, never wider: the management account is out unless included
on purpose, and allowed folders, an allow list and a deny list can shrink the set. Nothing a caller sends can change
these rules: they come from the environment alone. Pure: no SDK, no environment.

The management account is the directory's ``MasterAccountId`` (Resource Manager GetResourceDirectory), never
inferred from the function's own account. When it cannot be learned, no account can be shown not to be it, so
every account is refused (``ManagementAccountUnknown``): the exclusion fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import ErrorInfo

if TYPE_CHECKING:
    from emr_bootstrap.core.cloud import AccountInfo

# Causes that keep their own code (and hint) when the management account cannot be learned: the operator's fix is
# a grant, a key or an endpoint setting, which that code already says (and the CLI's exit code follows it).
OWN_CODES: Final = frozenset(
    {codes.NO_PERMISSION, codes.CREDENTIALS_MISSING, codes.ENDPOINT_UNREACHABLE, "SignatureDoesNotMatch"}
)
OWN_CODE_PREFIXES: Final = ("InvalidAccessKeyId", "InvalidSecurityToken", "Forbidden")


@dataclass(frozen=True)
class Scope:
    include_management_account: bool = False
    # None: every folder. Otherwise an account is in scope when one of these folders is on its directory path.
    allowed_folders: frozenset[str] | None = None
    # None: every account. Otherwise only these.
    allowed_accounts: frozenset[str] | None = None
    denied_accounts: frozenset[str] = frozenset()

    def refuse_before_lookup(self, account_id: str, management: str | ErrorInfo | None) -> ErrorInfo | None:
        """Why ``account_id`` is out of scope by the lists and the management account (no member read needed).

        ``management``: the directory's management account, or why it could not be learned (then every account
        is refused with that error: ``ManagementAccountUnknown``, or the cause's own code for a permission,
        credentials or endpoint problem), or None when the deployment includes the management account and so
        never asked."""
        return self.refuse_by_lists(account_id) or self.refuse_management(account_id, management)

    def refuse_by_lists(self, account_id: str) -> ErrorInfo | None:
        """Why the deny or allow list keeps ``account_id`` out, or None: decided before any call."""
        if account_id in self.denied_accounts:
            return _out_of_scope(account_id, "it is on the deny list (EMR_BOOTSTRAP_ACCOUNT_DENYLIST)")
        if self.allowed_accounts is not None and account_id not in self.allowed_accounts:
            return _out_of_scope(account_id, "it is not on the allow list (EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST)")
        return None

    def refuse_management(self, account_id: str, management: str | ErrorInfo | None) -> ErrorInfo | None:
        """Why ``account_id`` may be the management account, or None (see :meth:`refuse_before_lookup`)."""
        if self.include_management_account:
            return None
        if isinstance(management, ErrorInfo):
            return management
        if management is None:  # not asked: nothing shows this account is not the management account
            return ErrorInfo(
                codes.MANAGEMENT_ACCOUNT_UNKNOWN,
                "not attempted: the management account was not learned",
                codes.hint_for(codes.MANAGEMENT_ACCOUNT_UNKNOWN),
            )
        if account_id == management:
            return ErrorInfo(
                codes.MANAGEMENT_ACCOUNT_EXCLUDED,
                f"account {account_id} is the management account of the Resource Directory",
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


def management_unknown(cause: ErrorInfo) -> ErrorInfo:
    """Why no account is acted on: the management account could not be learned (``cause``, GetResourceDirectory's
    error). As transient as its cause, so that an event is retried when the cause may pass. A permission or
    credentials problem, or an unreachable endpoint, keeps its own code (see OWN_CODES)."""
    why = "the Resource Directory's management account could not be learned, so no account can be shown not to be it"
    if cause.code in OWN_CODES or cause.code.startswith(OWN_CODE_PREFIXES):
        return ErrorInfo(
            cause.code,
            f"{cause.message} (not attempted: {why})",
            cause.hint,
            cause.request_id,
            transient_status=cause.transient,
        )
    return ErrorInfo(
        codes.MANAGEMENT_ACCOUNT_UNKNOWN,
        f"not attempted: {why} ({cause.code}: {cause.message})",
        codes.hint_for(codes.MANAGEMENT_ACCOUNT_UNKNOWN),
        cause.request_id,
        transient_status=cause.transient,
    )


def _out_of_scope(account_id: str, why: str) -> ErrorInfo:
    return ErrorInfo(
        codes.ACCOUNT_OUT_OF_SCOPE,
        f"account {account_id} is out of scope: {why}",
        codes.hint_for(codes.ACCOUNT_OUT_OF_SCOPE),
    )
