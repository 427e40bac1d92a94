"""What every SDK adapter shares: credentials, client configuration, and SDK exceptions as CloudErrors.

Retries are ours, not darabonba's (``emr_bootstrap.core.pacing.Retrier``): the SDK makes one attempt per call, so that
every attempt is paced at the quota and every retry and throttle is counted. Stdlib and SDK only.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, TypeVar

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config as OpenApiConfig
from darabonba.exceptions import UnretryableException
from darabonba.policy.retry import RetryOptions

from emr_bootstrap.core.pacing import CallStats, Pacer, Retrier
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Callable

    from emr_bootstrap.adapters.credentials import FunctionCredentials
    from emr_bootstrap.adapters.settings import Endpoint, Settings

# darabonba-core attaches a DEBUG StreamHandler to its own logger at import; keep it quiet (we log JSON).
logging.getLogger("darabonba-core").setLevel(logging.WARNING)

T = TypeVar("T")
# A host in a transport error's text (urllib3/requests name it as host='...' or in a URL).
_HOST = re.compile(r"host='([^']+)'|https?://([^/:?\s]+)")
# One attempt per SDK call: darabonba retries nothing (DaraCore.should_retry returns False after the first try
# when retryable is false). RuntimeOptions.autoretry is ignored by tea-openapi 0.4.6; Config.retry_options is not.
SINGLE_ATTEMPT = RetryOptions({"retryable": False})


def credential_client(credentials: FunctionCredentials | None) -> CredentialClient:
    """The given credentials, or the alibabacloud-credentials default chain (environment variables,
    ~/.aliyun/config.json profiles, credentials.ini, ECS RAM role); a chain that finds nothing fails on the first
    call with ``CredentialsMissing``."""
    if credentials is None:
        return CredentialClient()
    if credentials.security_token:
        return CredentialClient(
            CredentialConfig(
                type="sts",
                access_key_id=credentials.access_key_id,
                access_key_secret=credentials.access_key_secret,
                security_token=credentials.security_token,
            )
        )
    return CredentialClient(
        CredentialConfig(
            type="access_key",
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret,
        )
    )


def openapi_config(settings: Settings, endpoint: Endpoint, credential: CredentialClient) -> OpenApiConfig:
    return OpenApiConfig(
        credential=credential,
        endpoint=endpoint.host,
        protocol=endpoint.protocol,
        connect_timeout=settings.connect_timeout_ms,
        read_timeout=settings.read_timeout_ms,
        retry_options=SINGLE_ATTEMPT,
    )


def retrier(
    settings: Settings, *, share: float = 1.0, stats: CallStats | None = None, deadline: float | None = None
) -> Retrier:
    """The invocation's retrier: ``EMR_BOOTSTRAP_MAX_ATTEMPTS`` calls at most, paced at the configured rates, none
    waiting past ``deadline`` (``time.monotonic``; None: no limit)."""
    return Retrier(
        settings.max_attempts,
        settings.retry_backoff_ms,
        pacer=Pacer(settings.rate_limits, share=share, deadline=deadline),
        stats=stats or CallStats(),
    )


def to_cloud_error(exc: Exception) -> CloudError:
    """Translate an SDK exception, keeping the cloud's code and request id; never the signature, keys or the
    request URL (its query carries the call's parameters and, for V1, the signature)."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, AlibabaCloudException):
        data = exc.data if isinstance(exc.data, dict) else {}
        return CloudError(
            str(exc.code or "UnknownError"),
            str(data.get("Message") or exc.message),
            status=exc.status_code,
            request_id=exc.request_id,
        )
    if isinstance(exc, CredentialException):
        return CloudError(codes.CREDENTIALS_MISSING, f"no usable credentials: {exc}")
    if isinstance(exc, UnretryableException):
        inner = exc.inner_exception
        if isinstance(inner, CredentialException):
            return to_cloud_error(inner)
        if inner is not None and not isinstance(inner, UnretryableException):
            return CloudError(codes.ENDPOINT_UNREACHABLE, f"request failed: {_transport_reason(inner)}")
    return CloudError(codes.ENDPOINT_UNREACHABLE, f"request failed: {_transport_reason(exc)}")


def _transport_reason(exc: BaseException) -> str:
    """A transport failure as its type and, when one can be found, the host it was talking to."""
    message = getattr(exc, "message", None)  # darabonba's RetryError keeps the transport error's text here
    match = _HOST.search(message if isinstance(message, str) else str(exc))
    host = (match.group(1) or match.group(2)) if match else None
    return f"{type(exc).__name__} talking to {host}" if host else type(exc).__name__


def translated(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` with every SDK failure raised as a CloudError carrying the cloud's code."""

    def call() -> T:
        try:
            return fn()
        except Exception as exc:
            raise to_cloud_error(exc) from exc

    return call
