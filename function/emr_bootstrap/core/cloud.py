"""The small ports the core is written against.

The core (plan, reconcile) never imports an SDK: it sees one account's RAM through :class:`RamApi`, reaches
accounts through :class:`AccountConnector`, and learns an account's membership and status from
:class:`AccountDirectory`. ``sdk.py`` implements them over the official Alibaba SDKs; unit tests may use
in-memory fakes. Every method raises :class:`CloudError` (with the cloud's code) when a call fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from emr_bootstrap.shared.codes import (
    NO_PERMISSION,
    POLICY_ALREADY_ATTACHED,
    POLICY_NOT_FOUND,
    ROLE_EXISTS,
    ROLE_NOT_FOUND,
)
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.core.catalog import RoleSpec
    from emr_bootstrap.core.pacing import CallStats
    from emr_bootstrap.core.request import Mode

__all__ = [
    "ACTIVE_ACCOUNT_STATUSES",
    "NO_PERMISSION",
    "POLICY_ALREADY_ATTACHED",
    "POLICY_NOT_FOUND",
    "ROLE_EXISTS",
    "ROLE_NOT_FOUND",
    "AccountConnector",
    "AccountDirectory",
    "AccountInfo",
    "AccountPage",
    "AsyncDispatcher",
    "AttachedPolicy",
    "CloudError",
    "Ports",
    "RamApi",
    "RoleState",
]

# The member statuses Resource Manager's GetAccount documents (2020-03-31; docs/alibaba-cloud.md §4). Each is an
# account that exists and works: the Promote* statuses are about upgrading a resource account to a cloud account,
# not about the account itself. Any other status, CreateVerifying (CreateCloudAccount waits for email confirmation)
# or one we have never seen, counts as not ready: the function acts only on accounts it knows to be active.
ACTIVE_ACCOUNT_STATUSES: Final = frozenset(
    {
        "CreateSuccess",
        "InviteSuccess",
        "PromoteVerifying",
        "PromoteFailed",
        "PromoteExpired",
        "PromoteCancelled",
        "PromoteSuccess",
    }
)


@dataclass(frozen=True)
class RoleState:
    """A role as GetRole/CreateRole/UpdateRole report it."""

    name: str
    arn: str
    trust_policy: str
    description: str


@dataclass(frozen=True)
class AttachedPolicy:
    """One entry of ListPoliciesForRole."""

    name: str
    type: str  # "System" or "Custom"


@dataclass(frozen=True)
class AccountInfo:
    """A member of the Resource Directory, as GetAccount (or a ListAccounts page) reports it."""

    account_id: str
    status: str
    display_name: str = ""
    folder_id: str = ""
    join_time: str = ""
    modify_time: str = ""
    # ResourceDirectoryPath: "<rd>/<root folder>/<folder>/.../<account>".
    path: str = ""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_ACCOUNT_STATUSES


class RamApi(Protocol):
    """RAM in one account, already authenticated."""

    def get_role(self, role_name: str) -> RoleState: ...

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]: ...

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState: ...

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState: ...

    def attach_system_policy(self, role_name: str, policy_name: str) -> None: ...


class AccountConnector(Protocol):
    """Opens RAM in a target account.

    For the account the function runs in this uses the function's own credentials; for any other account it
    assumes the member access role there, with a session policy built from ``roles`` (the catalog specs the core
    will reconcile) for the run's ``mode``. Raises :class:`CloudError` when the account cannot be reached (for
    example the access role is missing).
    """

    def own_account_id(self) -> str: ...

    def ram_for(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> RamApi: ...


@dataclass(frozen=True)
class AccountPage:
    """One page of ListAccounts, and how many members the directory has in all."""

    accounts: tuple[AccountInfo, ...]
    total: int


@dataclass(frozen=True)
class Ports:
    """The cloud as one invocation reaches it. ``stats`` counts the calls, retries and throttles behind them
    (None for fakes that do not count)."""

    connector: AccountConnector
    directory: AccountDirectory
    stats: CallStats | None = None
    # How the function invokes itself asynchronously (sweep fan-out, continuation); None where it cannot.
    dispatcher: AsyncDispatcher | None = None


class AsyncDispatcher(Protocol):
    """Invokes this function asynchronously (FC InvokeFunction, ``x-fc-invocation-type: Async``)."""

    def invoke_async(self, payload: Mapping[str, Any]) -> str:
        """Queue one invocation with ``payload`` as its event; returns the invocation's request ID."""
        ...


class AccountDirectory(Protocol):
    """The Resource Directory, read with the function's own credentials."""

    def get_account(self, account_id: str) -> AccountInfo:
        """The member ``account_id``; raises :class:`CloudError` ``EntityNotExists.Account`` when it is not one."""
        ...

    def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
        """One page (numbered from 1) of every member; ``page_size`` at most 100."""
        ...

    def management_account_id(self) -> str:
        """The directory's management account (GetResourceDirectory ``MasterAccountId``); raises
        :class:`CloudError` when it cannot be learned (no directory, no permission, the call failed)."""
        ...
