"""Dispatch one request: pick the service and action, authenticate, apply faults, run, shape the reply.

Transport-free so it can be exercised without sockets; :mod:`emulator.core.server` feeds it HTTP requests.
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING, Any

from emulator.core import clock, identity, ids, policy, routing, signing
from emulator.core.calllog import CallLog, CallRecord, redact
from emulator.core.errors import ApiError
from emulator.core.faults import DroppedConnection, Faults, LostResponse, Throttled
from emulator.core.reply import Reply
from emulator.core.service import Context, Service
from emulator.fc.responses import SERVICE as FUNCTION_COMPUTE
from emulator.ram.responses import SERVICE as RAM
from emulator.resourcemanager.responses import SERVICE as RESOURCE_MANAGER
from emulator.sts.responses import SERVICE as STS

if TYPE_CHECKING:
    from emulator.core.identity import Caller
    from emulator.core.request import WireRequest
    from emulator.core.state import Cloud

# RPC services by version; ROA services own a path prefix (emulator.core.routing).
SERVICES: dict[str, Service] = {s.version: s for s in (RAM, STS, RESOURCE_MANAGER)}
ROA_SERVICES: tuple[Service, ...] = (FUNCTION_COMPUTE,)
GATEWAY_HOST_ID = "aliyuncs.com"
REQUEST_ID_HEADER = "x-acs-request-id"
INTERNAL_ERROR = (500, "InternalError", "The request processing has failed due to some unknown error.")
__all__ = ["App", "Reply", "error_body"]


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
        target = routing.resolve(request, SERVICES, ROA_SERVICES)
        service, action = target.service, target.action
        request_id = service.new_request_id() if service else ids.request_id()
        params = {**request.params, **target.path_params}
        if service is not None:
            params.update({h: v for h in service.logged_headers if (v := request.header(h)) is not None})
        caller: Caller | None = None
        try:
            if target.error is not None:
                raise target.error
            assert service is not None  # a target without an error has a service
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
                request=request,
                path_params=target.path_params,
                request_id=request_id,
            )
            result = service.handlers[action](context)
            if action in service.mutating:
                self.cloud.persist_account(context.account)
            reply = result if isinstance(result, Reply) else self._rpc_reply(200, {"RequestId": request_id, **result})
        except DroppedConnection:
            self._log(request_id, service, action, caller, params, "ConnectionDropped", 0)
            raise
        except ApiError as error:
            reply = self._error_reply(error, request_id, service, request)
        except Exception:  # a bug in the emulator: answer like the real service would, and say why on stderr
            traceback.print_exc(file=sys.stderr)
            reply = self._error_reply(ApiError(*INTERNAL_ERROR), request_id, service, request)
        code = reply.error_code or ("OK" if reply.status < 400 else str(reply.status))
        # Only a success can be lost: the point is a client that cannot tell whether its write happened.
        lost = reply.status < 400 and self.faults.response_lost(action)
        self._log(request_id, service, action, caller, params, code, reply.status, response_lost=lost)
        if lost:
            raise LostResponse(action)
        return reply

    @staticmethod
    def _rpc_reply(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, body, {REQUEST_ID_HEADER: str(body.get("RequestId", "")), **(headers or {})})

    def _error_reply(self, error: ApiError, request_id: str, service: Service | None, request: WireRequest) -> Reply:
        if service is not None and service.render_error is not None:
            return service.render_error(error, request_id, request)
        headers = error.headers if isinstance(error, Throttled) else {}
        return self._rpc_reply(error.status, error_body(error, request_id, service), headers)

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
