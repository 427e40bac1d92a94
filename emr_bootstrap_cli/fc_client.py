"""Function Compute 3.0 for the operator: InvokeFunction (sync) and the reads ``doctor`` needs, through the official
``alibabacloud_fc20230330`` client with the operator's credentials.

Endpoints (devsapp/fc3 ``src/resources/fc/impl/client.ts``, docs/fc-notes.md §5.3): InvokeFunction goes to
``<account>.<region>.fc.aliyuncs.com``, the other APIs to ``fcv3.<region>.aliyuncs.com``. ``--endpoint-url`` (an
emulator) or ``EMR_BOOTSTRAP_FC_ENDPOINT`` replaces both, like the other endpoints.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from emr_bootstrap.adapters.settings import Endpoint, Settings, parse_endpoint
from emr_bootstrap.shared.errors import CloudError, SettingsError

from emr_bootstrap_cli.errors import UsageProblem

if TYPE_CHECKING:
    from collections.abc import Callable

    from alibabacloud_fc20230330.client import Client as FcClient

    from emr_bootstrap_cli.target import Target

T = TypeVar("T")
ERROR_TYPE_HEADER: Final = "x-fc-error-type"  # HandledInvocationError | UnhandledInvocationError (§5.2)
REQUEST_ID_HEADER: Final = "x-fc-request-id"


def endpoint(target: Target, endpoint_url: str | None, region: str, *, invoke: bool) -> Endpoint:
    """``--endpoint-url``, else ``EMR_BOOTSTRAP_FC_ENDPOINT``, else FC's own endpoint for ``region``."""
    try:
        if endpoint_url:
            return parse_endpoint("--endpoint-url", endpoint_url)
        configured = Settings.from_env(target.env).fc_endpoint
    except SettingsError as exc:
        raise UsageProblem(exc.message, f"Fix {exc.variable}.") from exc
    if configured is not None:
        return configured
    if invoke:
        return Endpoint(f"{target.caller_account()}.{region}.fc.aliyuncs.com", "https")
    return Endpoint(f"fcv3.{region}.aliyuncs.com", "https")


def client(target: Target, fc_endpoint: Endpoint) -> FcClient:
    from alibabacloud_fc20230330.client import Client as FcClient
    from emr_bootstrap.adapters.sdk_common import credential_client, openapi_config

    settings = Settings.from_env(target.env)
    return FcClient(openapi_config(settings, fc_endpoint, credential_client(target.credentials)))


@dataclass(frozen=True)
class Invocation:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def request_id(self) -> str:
        return self.headers.get(REQUEST_ID_HEADER, "")

    @property
    def error_type(self) -> str | None:
        return self.headers.get(ERROR_TYPE_HEADER)


def translated(fn: Callable[[], T]) -> Callable[[], T]:
    """The function's SDK error translation, imported on use (the credentials library must not be imported before
    ``main`` turns the ECS metadata link off)."""
    from emr_bootstrap.adapters.sdk_common import translated as translate

    return translate(fn)


def invoke_sync(fc: FcClient, name: str, qualifier: str | None, body: bytes) -> Invocation:
    """A synchronous InvokeFunction; FC errors raise :class:`CloudError` with FC's code."""
    from alibabacloud_fc20230330 import models as fc_models
    from darabonba.runtime import RuntimeOptions

    request = fc_models.InvokeFunctionRequest(body=body, qualifier=qualifier)
    headers = fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Sync")
    # A sync invocation lasts as long as the function runs (timeout up to 600 s in s.yaml): no read timeout.
    runtime = RuntimeOptions(read_timeout=660_000)
    response = translated(lambda: fc.invoke_function_with_options(name, request, headers, runtime))()
    raw: Any = response.body
    data = raw.read() if hasattr(raw, "read") else bytes(raw or b"")
    return Invocation(
        int(response.status_code or 0), {k.lower(): str(v) for k, v in (response.headers or {}).items()}, data
    )


def get_function(fc: FcClient, name: str) -> dict[str, Any]:
    from alibabacloud_fc20230330 import models as fc_models

    response = translated(lambda: fc.get_function(name, fc_models.GetFunctionRequest()))()
    return dict(response.body.to_map())


def list_triggers(fc: FcClient, name: str) -> list[dict[str, Any]]:
    """Every trigger, each with ``triggerConfig`` decoded from its JSON string."""
    from alibabacloud_fc20230330 import models as fc_models

    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        request = fc_models.ListTriggersRequest(limit=100, next_token=token)
        body = translated(functools.partial(fc.list_triggers, name, request))().body.to_map()
        for trigger in body.get("triggers") or []:
            try:
                trigger["triggerConfig"] = json.loads(trigger.get("triggerConfig") or "{}")
            except ValueError:
                trigger["triggerConfig"] = {}
            found.append(trigger)
        token = body.get("nextToken")
        if not token:
            return found


def get_async_invoke_config(fc: FcClient, name: str) -> dict[str, Any] | None:
    """The function's asynchronous configuration; None when it has none (``AsyncConfigNotExists``)."""
    from alibabacloud_fc20230330 import models as fc_models

    try:
        response = translated(lambda: fc.get_async_invoke_config(name, fc_models.GetAsyncInvokeConfigRequest()))()
    except CloudError as exc:
        if exc.code == "AsyncConfigNotExists":
            return None
        raise
    return dict(response.body.to_map())
