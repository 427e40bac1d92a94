"""Which service and action a request is for.

ROA services (FC 2023-03-30) own a path prefix and route on method + path; everything else is RPC, dispatched on
``x-acs-action``/``x-acs-version`` (V3, tea-openapi) or ``Action``/``Version`` (V1, credentials' RamRoleArn).
A path under an ROA prefix that matches no route is that service's ``PathNotSupported`` (FC's error table:
400 "'%s' against '%s' is not supported", https://www.alibabacloud.com/help/en/functioncompute/error-codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from emulator.core.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from emulator.core.request import WireRequest
    from emulator.core.service import Service

ACTION_HEADER, VERSION_HEADER = "x-acs-action", "x-acs-version"
UNKNOWN_ACTION = (404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
# Unconfirmed status: 400, like the other parameter errors of the gateway.
UNKNOWN_VERSION = (400, "InvalidVersion", "Specified parameter Version is not valid.")


@dataclass(frozen=True)
class Target:
    """The service (None when the version is unknown), the action, the path parameters, and the routing error to
    answer instead of running anything (in the service's own error style when the service is known)."""

    service: Service | None
    action: str
    path_params: dict[str, str] = field(default_factory=dict)
    error: ApiError | None = None


def resolve(request: WireRequest, rpc: Mapping[str, Service], roa: Iterable[Service]) -> Target:
    for service in roa:
        if service.path_prefix is not None and request.path.startswith(service.path_prefix):
            return _resolve_roa(request, service)
    params = request.params
    action = request.header(ACTION_HEADER) or params.get("Action") or ""
    version = request.header(VERSION_HEADER) or params.get("Version") or ""
    rpc_service = rpc.get(version)
    if rpc_service is None:
        return Target(None, action, error=ApiError(*UNKNOWN_VERSION))
    if action not in rpc_service.handlers:
        return Target(rpc_service, action, error=ApiError(*UNKNOWN_ACTION))
    return Target(rpc_service, action)


def _resolve_roa(request: WireRequest, service: Service) -> Target:
    for route in service.routes:
        match = route.pattern.fullmatch(request.path)
        if match is not None and route.method == request.method:
            return Target(service, route.action, {k: unquote(v) for k, v in match.groupdict().items()})
    message = f"'{request.method}' against '{request.path}' is not supported"
    return Target(service, "", error=ApiError(400, "PathNotSupported", message))
