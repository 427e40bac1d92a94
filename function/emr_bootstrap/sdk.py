"""The core's cloud interface (``cloud.py``) implemented over the official Alibaba SDKs.

Everything SDK-specific lives here: credentials, endpoints, timeouts, retries, AssumeRole into member accounts,
and the translation of SDK exceptions into :class:`~emr_bootstrap.cloud.CloudError`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config as OpenApiConfig
from darabonba.exceptions import UnretryableException
from darabonba.policy.retry import RetryOptions

from emr_bootstrap import codes
from emr_bootstrap.cloud import AccountInfo, AccountPage, AttachedPolicy, RoleState
from emr_bootstrap.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Callable

    from emr_bootstrap.catalog import RoleSpec
    from emr_bootstrap.credentials import FunctionCredentials
    from emr_bootstrap.request import Mode
    from emr_bootstrap.settings import Endpoint, Settings

# darabonba-core attaches a DEBUG StreamHandler to its own logger at import; keep it quiet (we log JSON).
logging.getLogger("darabonba-core").setLevel(logging.WARNING)

T = TypeVar("T")
# A host in a transport error's text (urllib3/requests name it as host='...' or in a URL).
_HOST = re.compile(r"host='([^']+)'|https?://([^/:?\s]+)")

# Exception names darabonba retries whatever their code: 5xx responses (ServerException), responses with a
# server-sent retry-after (ThrottlingException) and transport errors (RetryError wraps connection resets, refused
# connections and timeouts). Codes are matched through the table (codes.sdk_retries), see _RetriedCodes.
RETRYABLE_EXCEPTIONS = ("ServerException", "ThrottlingException", "RetryError")

# What a member session may do, per mode: the session policy allows nothing else (least privilege per session).
MEMBER_SESSION_ACTIONS: dict[Mode, tuple[str, ...]] = {
    "read": ("ram:GetRole", "ram:ListPoliciesForRole"),
    "write": ("ram:GetRole", "ram:ListPoliciesForRole", "ram:CreateRole", "ram:AttachPolicyToRole"),
    "repair": (
        "ram:GetRole",
        "ram:ListPoliciesForRole",
        "ram:CreateRole",
        "ram:AttachPolicyToRole",
        "ram:UpdateRole",
    ),
}
SESSION_NAME = "emr-bootstrap"
# RoleSessionName: 2-64 of letters, digits and . @ - _ (STS AssumeRole; docs/alibaba-cloud.md §3).
_SESSION_NAME_CHARS = re.compile(r"[^A-Za-z0-9.@_-]")
SESSION_DURATION_S = 3600


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


class _RetriedCodes(list[str]):
    """darabonba matches a retry condition's ``errorCode`` with ``code in errorCode``; this list answers from the
    code table instead, so that every ``Throttling*`` code and ``Rejected.Throttling`` are retried whatever the
    HTTP status (docs/alibaba-cloud.md §1.3, §5.5)."""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and codes.sdk_retries(code)


def retry_options(max_attempts: int, backoff_ms: int = 200) -> RetryOptions:
    # RuntimeOptions.autoretry is ignored by tea-openapi 0.4.6; only Config.retry_options is honoured. darabonba's
    # maxAttempts counts the first try (DaraCore.should_retry: retry while retries_attempted < maxAttempts), so N
    # attempts are N calls. Full jitter spreads the retries of concurrent workers.
    return RetryOptions(
        {
            "retryable": True,
            "retryCondition": [
                {
                    "maxAttempts": max_attempts,
                    "errorCode": _RetriedCodes(sorted(c for c in codes.CODES if codes.sdk_retries(c))),
                    "exception": list(RETRYABLE_EXCEPTIONS),
                    "backoff": {"policy": "FullJitter", "period": backoff_ms, "cap": 15 * backoff_ms},
                    "maxDelay": 25 * backoff_ms,
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
        retry_options=retry_options(settings.max_attempts, settings.retry_backoff_ms),
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
            return CloudError(codes.ENDPOINT_UNREACHABLE, f"request failed after retries: {_transport_reason(inner)}")
    return CloudError(codes.ENDPOINT_UNREACHABLE, f"request failed: {_transport_reason(exc)}")


def _transport_reason(exc: BaseException) -> str:
    """A transport failure as its type and, when one can be found, the host it was talking to."""
    message = getattr(exc, "message", None)  # darabonba's RetryError keeps the transport error's text here
    match = _HOST.search(message if isinstance(message, str) else str(exc))
    host = (match.group(1) or match.group(2)) if match else None
    return f"{type(exc).__name__} talking to {host}" if host else type(exc).__name__


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


class SdkDirectory:
    """:class:`~emr_bootstrap.cloud.AccountDirectory` over ``alibabacloud_resourcemanager20200331``, with the
    function's own credentials."""

    def __init__(self, settings: Settings, credential: CredentialClient) -> None:
        from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient

        self._client = ResourceManagerClient(_openapi_config(settings, settings.resourcemanager, credential))

    def get_account(self, account_id: str) -> AccountInfo:
        from alibabacloud_resourcemanager20200331 import models as rm_models

        request = rm_models.GetAccountRequest(account_id=account_id)
        return _account_info(_call(lambda: self._client.get_account(request)).body.account)

    def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
        from alibabacloud_resourcemanager20200331 import models as rm_models

        request = rm_models.ListAccountsRequest(page_number=page_number, page_size=page_size)
        body = _call(lambda: self._client.list_accounts(request)).body
        accounts = body.accounts.account if body.accounts and body.accounts.account else []
        return AccountPage(tuple(_account_info(a) for a in accounts), int(body.total_count or 0))


def _account_info(account: Any) -> AccountInfo:
    return AccountInfo(
        account_id=str(account.account_id or ""),
        status=str(account.status or ""),
        display_name=account.display_name or "",
        folder_id=account.folder_id or "",
        join_time=account.join_time or "",
        modify_time=account.modify_time or "",
        path=account.resource_directory_path or "",
    )


def member_session_policy(account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> str:
    """The session policy for a member account: only the mode's RAM actions, only on the roles to reconcile.

    The access role is usually an administrator; the session policy narrows this session to least privilege
    (AssumeRole ``Policy``, docs/alibaba-cloud.md §3). ARNs are lower-cased as RAM emits them (§2.4).
    AttachPolicyToRole is also authorized against the policy (legacy RAM API reference: resources
    ``role/<name>`` and ``acs:ram:*:system:policy/<name>``), so the roles' system policies are named too. The
    roles come from the core, which got them from its catalog: this adapter never reads a catalog of its own.
    """
    actions = MEMBER_SESSION_ACTIONS[mode]
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": [f"acs:ram:*:{account_id}:role/{name}" for name in sorted({r.name.lower() for r in roles})],
        }
    ]
    policies = sorted({spec.policy_name for spec in roles})
    if "ram:AttachPolicyToRole" in actions and policies:
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

    def __init__(
        self, settings: Settings, credential: CredentialClient, own_account_id: str | None, request_id: str = ""
    ) -> None:
        self._settings = settings
        self.session_name = session_name(request_id)
        self._credential = credential
        self._own_account_id = own_account_id
        self._lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._sts: StsClient | None = None

    def ram_for(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> SdkRam:
        if account_id == self.own_account_id():
            return SdkRam(RamClient(_openapi_config(self._settings, self._settings.ram, self._credential)))
        credential = self._assume_member_role(account_id, roles, mode)
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

    def _assume_member_role(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> CredentialClient:
        role_arn = self.member_role_arn(account_id)
        request = sts_models.AssumeRoleRequest(
            role_arn=role_arn,
            role_session_name=self.session_name,
            duration_seconds=SESSION_DURATION_S,
            policy=member_session_policy(account_id, roles, mode),
        )
        try:
            body = _call(lambda: self._sts_client().assume_role(request)).body
        except CloudError as err:
            # The code stays the cloud's (the core maps EntityNotExist.Role to AccessRoleMissing); the message
            # names the role, so that an operator sees which role in which account was missing or refused.
            raise CloudError(
                err.code, f"AssumeRole {role_arn} failed: {err.message}", status=err.status, request_id=err.request_id
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


def session_name(request_id: str) -> str:
    """``emr-bootstrap.<request ID>``: every write in a member account's ActionTrail leads back to the invocation."""
    suffix = _SESSION_NAME_CHARS.sub("-", request_id)
    return f"{SESSION_NAME}.{suffix}"[:64] if suffix else SESSION_NAME


def connect(
    settings: Settings, credentials: FunctionCredentials | None, own_account_id: str | None, request_id: str = ""
) -> tuple[SdkConnector, SdkDirectory]:
    """The SDK adapters for one invocation: the account connector and the Resource Directory."""
    credential = credential_client(credentials)
    return SdkConnector(settings, credential, own_account_id, request_id), SdkDirectory(settings, credential)
