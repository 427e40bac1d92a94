"""What a service is to the wire layer: a product, a version and a table of action handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.core import authz
from emulator.core.errors import ApiError

if TYPE_CHECKING:
    from emulator.core.faults import Faults
    from emulator.core.identity import Caller
    from emulator.core.policy import SystemPolicy
    from emulator.core.state import Account, Cloud


@dataclass
class Context:
    """Everything a handler needs for one call."""

    cloud: Cloud
    caller: Caller
    params: dict[str, str]
    faults: Faults
    action: str
    now: float
    system_policies: dict[str, SystemPolicy]

    @property
    def account(self) -> Account:
        """The account the call acts in: always the caller's own (keys from AssumeRole act in the role's)."""
        account = self.cloud.account(self.caller.account_id)
        if account is None:  # the account vanished (reset) while its key was still in use
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        return account

    def authorize(self, auth_action: str, resource: str) -> None:
        authz.authorize(self.cloud, self.caller, self.system_policies, auth_action, resource)

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value != "" else None

    def require(self, name: str) -> str:
        value = self.params.get(name)
        if value is None:
            # Unconfirmed code shape; RM documents MissingParameter.AccountId (docs/alibaba-cloud.md §4).
            raise ApiError(
                400,
                f"MissingParameter.{name}",
                f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
            )
        return value

    def visible_at(self) -> float:
        return self.faults.visible_at(self.action, self.now)


Handler = Callable[[Context], dict[str, Any]]


@dataclass(frozen=True)
class Service:
    product: str  # used in Recommend URLs: Ram | Sts | ResourceManager
    version: str
    host_id: str  # the HostId of error bodies
    handlers: dict[str, Handler]
    mutating: frozenset[str]  # actions after which the caller's account is persisted
