"""Dispatch one request: pick the service and action, authenticate, apply faults, run, shape the reply.

Transport-free so it can be exercised without sockets; :mod:`emulator.core.server` feeds it HTTP requests.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.core import clock, identity, ids, policy, signing
from emulator.core.calllog import CallLog, CallRecord, redact
from emulator.core.errors import ApiError
from emulator.core.faults import DroppedConnection, Faults, LostResponse, Throttled
from emulator.core.service import Context, Service
from emulator.ram.responses import SERVICE as RAM
from emulator.resourcemanager.responses import SERVICE as RESOURCE_MANAGER
from emulator.sts.responses import SERVICE as STS

if TYPE_CHECKING:
    from emulator.core.identity import Caller
    from emulator.core.request import WireRequest
    from emulator.core.state import Cloud

SERVICES: dict[str, Service] = {s.version: s for s in (RAM, STS, RESOURCE_MANAGER)}
GATEWAY_HOST_ID = "aliyuncs.com"
# Dispatch on headers (V3, tea-openapi) or on query parameters (V1, credentials' RamRoleArn provider).
ACTION_HEADER, VERSION_HEADER = "x-acs-action", "x-acs-version"
UNKNOWN_ACTION = (404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
# Unconfirmed status: 400, like the other parameter errors of the gateway.
UNKNOWN_VERSION = (400, "InvalidVersion", "Specified parameter Version is not valid.")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def error_body(error: ApiError, request_id: str, service: Service | None) -> dict[str, Any]:
    product = service.product if service else "Ram"
    body: dict[str, Any] = {
        "RequestId": request_id,
        "HostId": service.host_id if service else GATEWAY_HOST_ID,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product}",
    }
    body.update(error.extra)
    return body


class App:
    def __init__(self, cloud: Cloud, faults: Faults, calls: CallLog) -> None:
        self.cloud = cloud
        self.faults = faults
        self.calls = calls
        self.system_policies = policy.load_system_policies()
        self.nonces = signing.NonceRegistry()

    def handle(self, request: WireRequest) -> Reply:
        """Answer one request; raises DroppedConnection when a fault says to hang up (before or after the action)."""
        request_id = ids.request_id()
        params = request.params
        action = request.header(ACTION_HEADER) or params.get("Action") or ""
        version = request.header(VERSION_HEADER) or params.get("Version") or ""
        service = SERVICES.get(version)
        caller: Caller | None = None
        try:
            if service is None:
                raise ApiError(*UNKNOWN_VERSION)
            if action not in service.handlers:
                raise ApiError(*UNKNOWN_ACTION)
            credentials = signing.extract(request)
            caller, secret = identity.authenticate(self.cloud, credentials.access_key_id, credentials.security_token)
            credentials.verify(secret)
            if credentials.nonce:
                self.nonces.use(credentials.access_key_id, credentials.nonce, clock.now())
            self.faults.before_call(action, caller.account_id)
            context = Context(
                cloud=self.cloud,
                caller=caller,
                params=params,
                faults=self.faults,
                action=action,
                now=clock.now(),
                system_policies=self.system_policies,
            )
            body = service.handlers[action](context)
            if action in service.mutating:
                self.cloud.persist_account(context.account)
            reply = Reply(200, {"RequestId": request_id, **body})
        except DroppedConnection:
            self._log(request_id, service, action, caller, params, "ConnectionDropped", 0)
            raise
        except ApiError as error:
            headers = error.headers if isinstance(error, Throttled) else {}
            reply = Reply(error.status, error_body(error, request_id, service), headers)
        except Exception:  # a bug in the emulator: answer like the real service would, and say why on stderr
            traceback.print_exc(file=sys.stderr)
            internal = ApiError(500, "InternalError", "The request processing has failed due to some unknown error.")
            reply = Reply(500, error_body(internal, request_id, service))
        code = "OK" if reply.status < 400 else str(reply.body.get("Code"))
        # Only a success can be lost: the point is a client that cannot tell whether its write happened.
        lost = reply.status < 400 and self.faults.response_lost(action)
        self._log(request_id, service, action, caller, params, code, reply.status, response_lost=lost)
        if lost:
            raise LostResponse(action)
        return reply

    def _log(
        self,
        request_id: str,
        service: Service | None,
        action: str,
        caller: Caller | None,
        params: dict[str, str],
        code: str,
        status: int,
        *,
        response_lost: bool = False,
    ) -> None:
        hidden = {"Action", "Version", "AccessKeyId", "Format", "SignatureMethod", "SignatureVersion", "Timestamp"}
        self.calls.append(
            CallRecord(
                action=action,
                service=service.product if service else "",
                caller_arn=caller.arn if caller else None,
                account_id=caller.account_id if caller else None,
                params={k: v for k, v in redact(params).items() if k not in hidden},
                code=code,
                status=status,
                timestamp=clock.now(),
                request_id=request_id,
                response_lost=response_lost,
            )
        )
