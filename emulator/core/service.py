"""What a service is to the wire layer: a product, a version, a table of action handlers and, for ROA services
(path-routed, like FC's ``POST /2023-03-30/functions/{functionName}/invocations``), their routes and error style."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.core import authz, ids
from emulator.core.errors import ApiError

if TYPE_CHECKING:
    import re

    from emulator.core.faults import Faults
    from emulator.core.identity import Caller
    from emulator.core.policy import SystemPolicy
    from emulator.core.reply import Reply
    from emulator.core.request import WireRequest
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
    request: WireRequest | None = None  # ROA handlers read headers and the body from it
    path_params: dict[str, str] = field(default_factory=dict)  # decoded, from the route's named groups
    request_id: str = ""

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


# An RPC handler returns the JSON body (RequestId is added for it); an ROA handler may return a whole Reply.
Handler = Callable[[Context], "dict[str, Any] | Reply"]
ErrorRenderer = Callable[[ApiError, str, "WireRequest"], "Reply"]


@dataclass(frozen=True)
class Route:
    """``method`` + a full match of the raw (still percent-encoded) path; named groups are path parameters."""

    method: str
    pattern: re.Pattern[str]
    action: str


@dataclass(frozen=True)
class Service:
    product: str  # used in Recommend URLs: Ram | Sts | ResourceManager
    version: str
    host_id: str  # the HostId of error bodies
    handlers: dict[str, Handler]
    mutating: frozenset[str]  # actions after which the caller's account is persisted
    # ROA only: every path under ``path_prefix`` belongs to this service and must match one of ``routes``.
    path_prefix: str | None = None
    routes: tuple[Route, ...] = ()
    # None: the RPC error body {RequestId, HostId, Code, Message, Recommend}; else the service's own shape.
    render_error: ErrorRenderer | None = None
    new_request_id: Callable[[], str] = ids.request_id
    # Request headers worth keeping in the call log (ROA actions carry parameters in headers).
    logged_headers: tuple[str, ...] = ()
