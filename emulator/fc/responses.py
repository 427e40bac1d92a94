"""FC 2023-03-30's wire layer: InvokeFunction, ROA-style.

The request, as ``alibabacloud-fc20230330`` 4.8.3 builds it (``client.py`` ``invoke_function_with_options``):
``POST /2023-03-30/functions/{functionName}/invocations`` (name percent-encoded), optional query ``qualifier``,
headers ``x-fc-invocation-type`` (Sync | Async), ``x-fc-log-type`` (None | Tail), ``x-fc-async-task-id``, the event
as the raw body (``application/octet-stream``), signed with ACS3-HMAC-SHA256 over the path and the body's hash
(tea-openapi 0.4.6 ``do_request``/``get_authorization``). The SDK returns status, headers and the raw body.
API page: https://www.alibabacloud.com/help/en/functioncompute/developer-reference/api-fc-2023-03-30-invokefunction.
"""

from __future__ import annotations

import json
import re
import traceback
from typing import TYPE_CHECKING, Any

from emulator.core import ids
from emulator.core.errors import ApiError
from emulator.core.reply import BINARY_CONTENT_TYPE, JSON_CONTENT_TYPE, Reply
from emulator.core.service import Route, Service
from emulator.fc import config
from emulator.fc import exceptions as err
from emulator.fc.models import DEFAULT_REGION, LATEST, AsyncInvocation, Function, InvocationContext

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler

VERSION = "2023-03-30"
ACTION = "InvokeFunction"
AUTH_ACTION = "fc:InvokeFunction"  # the API page's RAM authorization table
INVOKE_PATH = re.compile(rf"/{VERSION}/functions/(?P<functionName>[^/]+)/invocations")
# "The maximum payload for a synchronous invocation is 32 MB, and ... for an asynchronous invocation is 128 KB"
# (https://www.alibabacloud.com/help/doc-detail/2527064.html; docs/fc-notes.md §5.1). KB/MB = 1024 units
# (unconfirmed).
ASYNC_PAYLOAD_LIMIT = 128 * 1024
SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024
INVOCATION_TYPE_HEADER, LOG_TYPE_HEADER = "x-fc-invocation-type", "x-fc-log-type"
ASYNC_TASK_ID_HEADER = "x-fc-async-task-id"
INVOCATION_TYPES = ("Sync", "Async")  # Sync is the default (API page)
LOG_TYPES = ("None", "Tail")
# "must start with an English letter ... or an underscore (_) ... letters, digits, underscores, hyphens ... cannot
# exceed 128 characters" (SDK models/_invoke_function_headers.py).
ASYNC_TASK_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
# A handler that raises: FC answers with this header and the body {errorMessage, errorType, stackTrace}, the stack as
# one [file, line, function, code] list per frame ("Error handling" of the Python runtime,
# https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/error-handling-1-1; docs/fc-notes.md §5.4). The
# status stays 200 (the page gives none: unconfirmed, F15).
ERROR_TYPE_HEADER = "x-fc-error-type"
UNHANDLED = "UnhandledInvocationError"


def invoke_function(ctx: Context) -> Reply:
    request = ctx.request
    assert request is not None  # ROA handlers always get the request
    name = ctx.path_params["functionName"]
    qualifier = ctx.get("qualifier")
    invocation_type = request.header(INVOCATION_TYPE_HEADER) or "Sync"
    if invocation_type not in INVOCATION_TYPES:
        raise err.invalid_argument(f"invalid invocation type '{invocation_type}', expected Sync or Async")
    log_type = request.header(LOG_TYPE_HEADER) or "None"
    if log_type not in LOG_TYPES:
        raise err.invalid_argument(f"invalid log type '{log_type}', expected None or Tail")
    task_id = request.header(ASYNC_TASK_ID_HEADER)
    if task_id is not None and not ASYNC_TASK_ID.fullmatch(task_id):
        raise err.invalid_argument(f"invalid async task id '{task_id}'")
    limit = ASYNC_PAYLOAD_LIMIT if invocation_type == "Async" else SYNC_PAYLOAD_LIMIT
    if len(request.body) > limit:
        raise err.entity_too_large(limit)
    account_id = ctx.account.account_id
    resource = f"acs:fc:{DEFAULT_REGION}:{account_id}:functions/{name}"
    try:
        ctx.authorize(AUTH_ACTION, resource)
    except ApiError as denied:
        raise err.access_denied(AUTH_ACTION, resource) from denied
    function = ctx.cloud.functions.get(account_id, name)
    if function is None:
        raise err.function_not_found(name)
    if not function.has_qualifier(qualifier):
        raise err.qualifier_not_found(name, qualifier or LATEST)
    headers = {err.REQUEST_ID_HEADER: ctx.request_id}
    if invocation_type == "Async":
        ctx.cloud.functions.enqueue(
            AsyncInvocation(
                request_id=ctx.request_id,
                account_id=account_id,
                function_name=name,
                qualifier=qualifier,
                body=request.body,
                invoked_at=ctx.now,
                caller_arn=ctx.caller.arn,
                async_task_id=task_id,
            )
        )
        return Reply(202, b"", headers, BINARY_CONTENT_TYPE)  # queued, answered at once (docs/fc-notes.md §5.2)
    return _run_sync(ctx, function, qualifier or LATEST, headers)


def _run_sync(ctx: Context, function: Function, qualifier: str, headers: dict[str, str]) -> Reply:
    if function.handler is None:
        return Reply(200, b"", headers, BINARY_CONTENT_TYPE)
    assert ctx.request is not None
    context = InvocationContext(ctx.request_id, function.account_id, function.region, function.name, qualifier)
    try:
        output = function.handler(ctx.request.body, context)
    except Exception as exc:  # the function failed: FC still answers 200, and says so in a header
        body = {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "stackTrace": [
                [f'File "{frame.filename}"', f"line {frame.lineno}", f"in {frame.name}", frame.line or ""]
                for frame in traceback.extract_tb(exc.__traceback__)
            ],
        }
        return Reply(200, body, {**headers, ERROR_TYPE_HEADER: UNHANDLED}, JSON_CONTENT_TYPE)
    return Reply(200, _as_bytes(output), headers, BINARY_CONTENT_TYPE)


def _as_bytes(output: Any) -> bytes:
    if output is None:
        return b""
    if isinstance(output, bytes):
        return output
    if isinstance(output, str):
        return output.encode("utf-8")
    return json.dumps(output).encode("utf-8")


HANDLERS: dict[str, Handler] = {ACTION: invoke_function, **config.HANDLERS}

SERVICE = Service(
    product="FC",
    version=VERSION,
    host_id="fc.aliyuncs.com",
    handlers=HANDLERS,
    mutating=frozenset(),
    path_prefix=f"/{VERSION}/",
    routes=(Route("POST", INVOKE_PATH, ACTION), *config.ROUTES),
    render_error=err.render,
    new_request_id=ids.fc_request_id,
    logged_headers=(INVOCATION_TYPE_HEADER, ASYNC_TASK_ID_HEADER),
)
