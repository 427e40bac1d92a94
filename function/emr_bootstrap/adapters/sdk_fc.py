"""The async dispatcher port (``cloud.AsyncDispatcher``) over ``alibabacloud_fc20230330``: the function invokes
itself asynchronously, ``POST /2023-03-30/functions/{name}/invocations`` with ``x-fc-invocation-type: Async``
(docs/fc-notes.md §5). An async payload may be at most 128 KB; a sweep's batches are far below that."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.adapters.sdk_common import openapi_config, translated
from emr_bootstrap.adapters.settings import Endpoint
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_fc20230330.client import Client as FcClient

    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.pacing import Retrier

ASYNC_PAYLOAD_LIMIT: Final = 128 * 1024


class SdkDispatcher:
    def __init__(
        self,
        settings: Settings,
        credential: CredentialClient,
        retrier: Retrier,
        *,
        function_name: str,
        qualifier: str | None,
        endpoint: Endpoint,
    ) -> None:
        self._config = openapi_config(settings, endpoint, credential)
        self._client: FcClient | None = None
        self._retrier = retrier
        self.function_name = function_name
        self.qualifier = qualifier

    def invoke_async(self, payload: Mapping[str, Any]) -> str:
        body = json.dumps(payload, separators=(",", ":")).encode()
        if len(body) > ASYNC_PAYLOAD_LIMIT:
            raise CloudError(codes.INVALID_REQUEST, f"async payload of {len(body)} bytes exceeds 128 KB")
        # The FC SDK is imported on the first dispatch only: most invocations never fan out (cold-start budget).
        from alibabacloud_fc20230330 import models as fc_models
        from alibabacloud_fc20230330.client import Client as FcClient
        from darabonba.runtime import RuntimeOptions

        if self._client is None:
            self._client = FcClient(self._config)
        client = self._client
        request = fc_models.InvokeFunctionRequest(body=body, qualifier=self.qualifier)
        headers = fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Async")

        def invoke() -> Any:
            return client.invoke_function_with_options(self.function_name, request, headers, RuntimeOptions())

        response = self._retrier.call("InvokeFunction", "caller", translated(invoke))
        response_headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        return str(response_headers.get("x-fc-request-id", ""))


def dispatcher_endpoint(settings: Settings, account_id: str | None, region: str | None) -> Endpoint | None:
    """EMR_BOOTSTRAP_FC_ENDPOINT, else FC's own ``<account>.<region>.fc.aliyuncs.com``; None when unknown."""
    if settings.fc_endpoint is not None:
        return settings.fc_endpoint
    if account_id and region:
        return Endpoint(f"{account_id}.{region}.fc.aliyuncs.com", "https")
    return None
