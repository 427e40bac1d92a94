"""The small RAM/STS interface the core is written against.

The core (plan, reconcile) never imports an SDK: it sees one account's RAM through :class:`RamApi` and reaches
accounts through :class:`AccountConnector`. ``sdk.py`` implements both over the official Alibaba SDKs; unit tests
may use an in-memory fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Error codes the core reacts to. They are the cloud's own codes (alibaba-api.md §1.3, §3).
ROLE_NOT_FOUND = "EntityNotExist.Role"
ROLE_EXISTS = "EntityAlreadyExists.Role"
POLICY_ALREADY_ATTACHED = "EntityAlreadyExists.Role.Policy"
POLICY_NOT_FOUND = "EntityNotExist.Policy"
NO_PERMISSION = "NoPermission"


class CloudError(Exception):
    """A call to the cloud failed. ``code`` is the cloud's error code, or ours for transport failures."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retryable = retryable


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


class RamApi(Protocol):
    """RAM in one account, already authenticated. Methods raise :class:`CloudError`."""

    def get_role(self, role_name: str) -> RoleState: ...

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]: ...

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState: ...

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState: ...

    def attach_system_policy(self, role_name: str, policy_name: str) -> None: ...


class AccountConnector(Protocol):
    """Opens RAM in a target account.

    For the account the function runs in this uses the function's own credentials; for any other account it
    assumes the member access role there, with a session policy limited to ``role_names``. Raises
    :class:`CloudError` when the account cannot be reached (for example the access role is missing).
    """

    def ram_for(self, account_id: str, role_names: list[str]) -> RamApi: ...
