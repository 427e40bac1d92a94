"""FC 2023-03-30's read APIs of a function's configuration: GetFunction, ListTriggers, GetAsyncInvokeConfig (ROA, GET).

Requests as ``alibabacloud-fc20230330`` 4.8.3 builds them (``client.py``): ``GET /2023-03-30/functions/{name}``
(query ``qualifier``), ``GET /2023-03-30/functions/{name}/triggers`` (query ``prefix``, ``limit``, ``nextToken``),
``GET /2023-03-30/functions/{name}/async-invoke-config`` (query ``qualifier``); each answers a JSON body whose field
names are the SDK models' (``models/_function.py`` Function, ``_list_triggers_output.py`` ListTriggersOutput of
``_trigger.py`` Trigger, ``_async_config.py`` AsyncConfig). ``Trigger.triggerConfig`` is a JSON *string*.
A function without an asynchronous configuration: 404 ``AsyncConfigNotExists``, the code
aliyun/terraform-provider-alicloud's FC 3.0 service (``alicloud/service_alicloud_fcv3_v2.go``) treats as "not found";
its status is unconfirmed (docs/fc-notes.md §5.4, F14). RAM actions ``fc:GetFunction``, ``fc:ListTriggers``,
``fc:GetAsyncInvokeConfig`` on the function's ARN (the resource form is F13's question).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from emulator.core.errors import ApiError
from emulator.core.reply import JSON_CONTENT_TYPE, Reply
from emulator.core.service import Route
from emulator.fc import exceptions as err
from emulator.fc.models import LATEST

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler
    from emulator.fc.models import Function

VERSION = "2023-03-30"
FUNCTION_PATH = re.compile(rf"/{VERSION}/functions/(?P<functionName>[^/]+)")
TRIGGERS_PATH = re.compile(rf"/{VERSION}/functions/(?P<functionName>[^/]+)/triggers")
ASYNC_CONFIG_PATH = re.compile(rf"/{VERSION}/functions/(?P<functionName>[^/]+)/async-invoke-config")
# ListTriggers' limit: the SDK docstring gives no range; 1-100 with 20 by default is assumed (unconfirmed, F14).
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def iso_time(epoch: float) -> str:
    """FC 3.0 times (createdTime, lastModifiedTime) as UTC ISO 8601, e.g. ``2023-03-30T08:02:19Z`` (the SDK
    examples' form; unconfirmed, F14)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _reply(ctx: Context, body: dict[str, Any]) -> Reply:
    """FC answers the JSON object itself (no RequestId field), the request ID in ``x-fc-request-id``."""
    return Reply(200, body, {err.REQUEST_ID_HEADER: ctx.request_id}, JSON_CONTENT_TYPE)


def _function(ctx: Context, auth_action: str) -> Function:
    name = ctx.path_params["functionName"]
    account_id = ctx.account.account_id
    function = ctx.cloud.functions.get(account_id, name)
    resource = function.arn if function else f"acs:fc:cn-hangzhou:{account_id}:functions/{name}"
    try:
        ctx.authorize(auth_action, resource)
    except ApiError as denied:
        raise err.access_denied(auth_action, resource) from denied
    if function is None:
        raise err.function_not_found(name)
    qualifier = ctx.get("qualifier")
    if not function.has_qualifier(qualifier):
        raise err.qualifier_not_found(name, qualifier or LATEST)
    return function


def get_function(ctx: Context) -> Reply:
    function = _function(ctx, "fc:GetFunction")
    created = iso_time(function.created_at)
    return _reply(
        ctx,
        {
            "functionName": function.name,
            "functionArn": function.arn,
            "functionId": f"{function.account_id}-{function.name}",
            "state": "Active",
            "lastUpdateStatus": "Successful",
            "createdTime": created,
            "lastModifiedTime": created,
            **function.config,
        },
    )


def list_triggers(ctx: Context) -> Reply:
    function = _function(ctx, "fc:ListTriggers")
    prefix = ctx.get("prefix") or ""
    raw_limit = ctx.get("limit") or str(DEFAULT_LIMIT)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise err.invalid_argument(f"invalid limit '{raw_limit}', expected 1 to {MAX_LIMIT}")
    start = ctx.get("nextToken") or ""
    names = sorted(t["triggerName"] for t in function.triggers if str(t["triggerName"]).startswith(prefix))
    names = [n for n in names if n >= start]
    page, rest = names[: int(raw_limit)], names[int(raw_limit) :]
    by_name = {t["triggerName"]: t for t in function.triggers}
    created = iso_time(function.created_at)
    triggers = [
        {
            "triggerId": f"{function.name}-{name}",
            "qualifier": LATEST,
            "status": "Ready",
            "targetArn": function.arn,
            "createdTime": created,
            "lastModifiedTime": created,
            **by_name[name],
        }
        for name in page
    ]
    return _reply(ctx, {"triggers": triggers, **({"nextToken": rest[0]} if rest else {})})


def get_async_invoke_config(ctx: Context) -> Reply:
    function = _function(ctx, "fc:GetAsyncInvokeConfig")
    if function.async_config is None:
        raise ApiError(404, "AsyncConfigNotExists", f"async config of function '{function.name}' does not exist")
    created = iso_time(function.created_at)
    return _reply(
        ctx, {"functionArn": function.arn, "createdTime": created, "lastModifiedTime": created, **function.async_config}
    )


HANDLERS: dict[str, Handler] = {
    "GetFunction": get_function,
    "ListTriggers": list_triggers,
    "GetAsyncInvokeConfig": get_async_invoke_config,
}
ROUTES = (
    Route("GET", FUNCTION_PATH, "GetFunction"),
    Route("GET", TRIGGERS_PATH, "ListTriggers"),
    Route("GET", ASYNC_CONFIG_PATH, "GetAsyncInvokeConfig"),
)
