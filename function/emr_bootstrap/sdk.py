"""The core's cloud interface (``cloud.py``) implemented over the official Alibaba SDKs.

Everything SDK-specific lives here: credentials, endpoints, timeouts, retries, AssumeRole into member accounts,
and the translation of SDK exceptions into :class:`~emr_bootstrap.cloud.CloudError`.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config as OpenApiConfig
from darabonba.exceptions import UnretryableException
from darabonba.policy.retry import RetryOptions

from emr_bootstrap.catalog import load_catalog
from emr_bootstrap.cloud import AttachedPolicy, CloudError, RoleState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from emr_bootstrap.settings import Endpoint, Settings

# darabonba-core attaches a DEBUG StreamHandler to its own logger at import; keep it quiet (we log JSON).
logging.getLogger("darabonba-core").setLevel(logging.WARNING)

T = TypeVar("T")

# Our own codes for failures that carry no cloud code.
ENDPOINT_UNREACHABLE = "EndpointUnreachable"
CREDENTIALS_MISSING = "CredentialsMissing"

# Codes worth another attempt: throttling and server-side trouble (alibaba-api.md §1.3 cross-cutting errors).
RETRYABLE_CODES = (
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "Throttling.System",
    "ServiceUnavailable",
    "InternalError",
    "ServiceTimeout",
)
# Exception names darabonba matches on: 5xx responses, server-sent retry-after, and transport errors (RetryError
# wraps connection resets, refused connections and timeouts).
RETRYABLE_EXCEPTIONS = ("ServerException", "ThrottlingException", "RetryError")

# The actions the function performs on the EMR roles in a member account; the session policy allows nothing else.
MEMBER_SESSION_ACTIONS = (
    "ram:GetRole",
    "ram:CreateRole",
    "ram:UpdateRole",
    "ram:ListPoliciesForRole",
    "ram:AttachPolicyToRole",
)
SESSION_NAME = "emr-bootstrap"
SESSION_DURATION_S = 3600


@dataclass(frozen=True)
class FunctionCredentials:
    """The function's own credentials: FC injects a temporary STS key of the function's role."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None

    @classmethod
    def from_invocation(cls, context: Any, env: Mapping[str, str]) -> FunctionCredentials:
        """python3.10 puts them on ``context.credentials``; python3.12 only in the environment."""
        creds = getattr(context, "credentials", None)
        key_id = getattr(creds, "access_key_id", None) or env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        secret = getattr(creds, "access_key_secret", None) or env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        token = getattr(creds, "security_token", None) or env.get("ALIBABA_CLOUD_SECURITY_TOKEN")
        if not key_id or not secret:
            raise CloudError(
                CREDENTIALS_MISSING,
                "no credentials: neither context.credentials nor ALIBABA_CLOUD_ACCESS_KEY_ID/"
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET are set; give the function a role (s.yaml `role`)",
            )
        return cls(key_id, secret, token or None)

    def credential_client(self) -> CredentialClient:
        if self.security_token:
            config = CredentialConfig(
                type="sts",
                access_key_id=self.access_key_id,
                access_key_secret=self.access_key_secret,
                security_token=self.security_token,
            )
        else:
            config = CredentialConfig(
                type="access_key", access_key_id=self.access_key_id, access_key_secret=self.access_key_secret
            )
        return CredentialClient(config)

    def __repr__(self) -> str:  # never print a secret, even by accident
        return f"FunctionCredentials(access_key_id={self.access_key_id!r}, ...)"


def _retry_options(max_attempts: int) -> RetryOptions:
    # RuntimeOptions.autoretry is ignored by tea-openapi 0.4.6; only Config.retry_options is honoured
    # (alibaba-api.md §5.5). Full jitter spreads the retries of concurrent workers.
    return RetryOptions(
        {
            "retryable": True,
            "retryCondition": [
                {
                    "maxAttempts": max_attempts - 1,
                    "errorCode": list(RETRYABLE_CODES),
                    "exception": list(RETRYABLE_EXCEPTIONS),
                    "backoff": {"policy": "FullJitter", "period": 200, "cap": 3000},
                    "maxDelay": 5000,
                }
            ],
        }
    )


def _openapi_config(settings: Settings, endpoint: Endpoint, credential: CredentialClient) -> OpenApiConfig:
    return OpenApiConfig(
        credential=credential,
        endpoint=endpoint.host,
        protocol=endpoint.protocol,
        connect_timeout=settings.connect_timeout_ms,
        read_timeout=settings.read_timeout_ms,
        retry_options=_retry_options(settings.max_attempts),
    )


def to_cloud_error(exc: Exception) -> CloudError:
    """Translate an SDK exception, keeping the cloud's code and request id; never the signature or keys."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, AlibabaCloudException):
        data = exc.data if isinstance(exc.data, dict) else {}
        code = str(exc.code or "UnknownError")
        return CloudError(
            code,
            str(data.get("Message") or exc.message),
            status=exc.status_code,
            request_id=exc.request_id,
            retryable=code in RETRYABLE_CODES or (exc.status_code or 0) >= 500,
        )
    if isinstance(exc, UnretryableException):
        inner = exc.inner_exception
        if inner is not None and not isinstance(inner, UnretryableException):
            # Credential-provider failures surface here too; their text names the provider, not the secret.
            reason = getattr(inner, "message", None) or str(inner)
            return CloudError(ENDPOINT_UNREACHABLE, f"request failed after retries: {reason}", retryable=True)
    return CloudError(ENDPOINT_UNREACHABLE, f"{type(exc).__name__}: {exc}", retryable=True)


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except Exception as exc:  # every SDK failure becomes a CloudError with the cloud's code
        raise to_cloud_error(exc) from exc


class SdkRam:
    """:class:`~emr_bootstrap.cloud.RamApi` over ``alibabacloud_ram20150501``; safe to share between threads."""

    def __init__(self, client: RamClient) -> None:
        self._client = client

    def get_role(self, role_name: str) -> RoleState:
        body = _call(lambda: self._client.get_role(ram_models.GetRoleRequest(role_name=role_name))).body
        return _role_state(body.role)

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        request = ram_models.ListPoliciesForRoleRequest(role_name=role_name)
        body = _call(lambda: self._client.list_policies_for_role(request)).body
        policies = body.policies.policy if body.policies and body.policies.policy else []
        return [AttachedPolicy(name=p.policy_name, type=p.policy_type) for p in policies]

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        request = ram_models.CreateRoleRequest(
            role_name=role_name, assume_role_policy_document=trust_policy, description=description
        )
        return _role_state(_call(lambda: self._client.create_role(request)).body.role)

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState:
        request = ram_models.UpdateRoleRequest(role_name=role_name, new_assume_role_policy_document=trust_policy)
        return _role_state(_call(lambda: self._client.update_role(request)).body.role)

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        request = ram_models.AttachPolicyToRoleRequest(
            policy_type="System", policy_name=policy_name, role_name=role_name
        )
        _call(lambda: self._client.attach_policy_to_role(request))


def _role_state(role: Any) -> RoleState:
    return RoleState(
        name=role.role_name or "",
        arn=role.arn or "",
        trust_policy=role.assume_role_policy_document or "",
        description=role.description or "",
    )


def member_session_policy(account_id: str, role_names: list[str]) -> str:
    """The session policy for a member account: only the EMR role actions, only on the requested roles.

    The access role is usually an administrator; the session policy narrows this session to least privilege
    (AssumeRole ``Policy``, alibaba-api.md §3). ARNs are lower-cased as RAM emits them (§2.4). AttachPolicyToRole
    is also authorized against the policy (legacy RAM API reference: resources ``role/<name>`` and
    ``acs:ram:*:system:policy/<name>``), so the catalog's system policies of those roles are named too.
    """
    catalog = load_catalog()
    policies = sorted({spec.policy_name for name in role_names if (spec := catalog.get(name)) is not None})
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": list(MEMBER_SESSION_ACTIONS),
            "Resource": [f"acs:ram:*:{account_id}:role/{name.lower()}" for name in sorted(role_names)],
        }
    ]
    if policies:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "ram:AttachPolicyToRole",
                "Resource": [f"acs:ram:*:system:policy/{name}" for name in policies],
            }
        )
    return json.dumps({"Version": "1", "Statement": statements}, separators=(",", ":"))


class SdkConnector:
    """:class:`~emr_bootstrap.cloud.AccountConnector`: own account with own credentials, members by AssumeRole."""

    def __init__(self, settings: Settings, credentials: FunctionCredentials, own_account_id: str | None) -> None:
        self._settings = settings
        self._credential = credentials.credential_client()
        self._own_account_id = own_account_id
        self._lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._sts: StsClient | None = None

    def ram_for(self, account_id: str, role_names: list[str]) -> SdkRam:
        if account_id == self.own_account_id():
            return SdkRam(RamClient(_openapi_config(self._settings, self._settings.ram, self._credential)))
        credential = self._assume_member_role(account_id, role_names)
        return SdkRam(RamClient(_openapi_config(self._settings, self._settings.ram, credential)))

    def own_account_id(self) -> str:
        """FC tells us the account (context.account_id / FC_ACCOUNT_ID); otherwise ask STS once, even when many
        accounts are reconciled concurrently."""
        with self._identity_lock:
            if self._own_account_id is None:
                body = _call(lambda: self._sts_client().get_caller_identity()).body
                self._own_account_id = str(body.account_id)
            return self._own_account_id

    def member_role_arn(self, account_id: str) -> str:
        return f"acs:ram::{account_id}:role/{self._settings.member_role}"

    def _sts_client(self) -> StsClient:
        with self._lock:
            if self._sts is None:
                self._sts = StsClient(_openapi_config(self._settings, self._settings.sts, self._credential))
            return self._sts

    def _assume_member_role(self, account_id: str, role_names: list[str]) -> CredentialClient:
        role_arn = self.member_role_arn(account_id)
        request = sts_models.AssumeRoleRequest(
            role_arn=role_arn,
            role_session_name=SESSION_NAME,
            duration_seconds=SESSION_DURATION_S,
            policy=member_session_policy(account_id, role_names),
        )
        try:
            body = _call(lambda: self._sts_client().assume_role(request)).body
        except CloudError as err:
            # The code stays the cloud's (the core maps EntityNotExist.Role to AccessRoleMissing); the message
            # names the role, so that an operator sees which role in which account was missing or refused.
            raise CloudError(
                err.code,
                f"AssumeRole {role_arn} failed: {err.message}",
                status=err.status,
                request_id=err.request_id,
                retryable=err.retryable,
            ) from err
        creds = body.credentials
        return CredentialClient(
            CredentialConfig(
                type="sts",
                access_key_id=creds.access_key_id,
                access_key_secret=creds.access_key_secret,
                security_token=creds.security_token,
            )
        )
