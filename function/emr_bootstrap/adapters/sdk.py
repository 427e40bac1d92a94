"""The core's ports (``cloud.py``) over the official Alibaba SDKs: RAM per account, AssumeRole into member
accounts with a least-privilege session policy, and ``connect``, which builds them for one invocation. Shared
plumbing (credentials, configuration, error translation) is in ``sdk_common``; the directory in ``sdk_directory``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient

from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.sdk_common import credential_client, openapi_config, retrier, to_cloud_error, translated
from emr_bootstrap.adapters.sdk_directory import SdkDirectory
from emr_bootstrap.adapters.sdk_fc import SdkDispatcher, dispatcher_endpoint
from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from collections.abc import Callable

    from alibabacloud_credentials.client import Client as CredentialClient

    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.catalog import RoleSpec
    from emr_bootstrap.core.pacing import CallStats, Retrier
    from emr_bootstrap.core.request import Mode

__all__ = ["SdkConnector", "SdkDirectory", "SdkRam", "connect", "member_session_policy", "to_cloud_error"]

T = TypeVar("T")

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


class SdkRam:
    """:class:`~emr_bootstrap.core.cloud.RamApi` over ``alibabacloud_ram20150501``; safe to share between threads."""

    def __init__(self, client: RamClient, account_id: str, retrier: Retrier) -> None:
        self._client = client
        self._account_id = account_id
        self._retrier = retrier

    def _call(self, action: str, fn: Callable[[], T]) -> T:
        return self._retrier.call(action, self._account_id, translated(fn))

    def get_role(self, role_name: str) -> RoleState:
        request = ram_models.GetRoleRequest(role_name=role_name)
        return _role_state(self._call("GetRole", lambda: self._client.get_role(request)).body.role)

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        request = ram_models.ListPoliciesForRoleRequest(role_name=role_name)
        body = self._call("ListPoliciesForRole", lambda: self._client.list_policies_for_role(request)).body
        policies = body.policies.policy if body.policies and body.policies.policy else []
        return [AttachedPolicy(name=p.policy_name, type=p.policy_type) for p in policies]

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        request = ram_models.CreateRoleRequest(
            role_name=role_name, assume_role_policy_document=trust_policy, description=description
        )
        return _role_state(self._call("CreateRole", lambda: self._client.create_role(request)).body.role)

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState:
        request = ram_models.UpdateRoleRequest(role_name=role_name, new_assume_role_policy_document=trust_policy)
        return _role_state(self._call("UpdateRole", lambda: self._client.update_role(request)).body.role)

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        request = ram_models.AttachPolicyToRoleRequest(
            policy_type="System", policy_name=policy_name, role_name=role_name
        )
        self._call("AttachPolicyToRole", lambda: self._client.attach_policy_to_role(request))


def _role_state(role: Any) -> RoleState:
    return RoleState(
        name=role.role_name or "",
        arn=role.arn or "",
        trust_policy=role.assume_role_policy_document or "",
        description=role.description or "",
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
    """:class:`~emr_bootstrap.core.cloud.AccountConnector`: own account with own credentials, members by AssumeRole."""

    def __init__(
        self,
        settings: Settings,
        credential: CredentialClient,
        own_account_id: str | None,
        retrier: Retrier,
        request_id: str = "",
    ) -> None:
        self._settings = settings
        self._retrier = retrier
        self.session_name = session_name(request_id)
        self._credential = credential
        self._own_account_id = own_account_id
        self._lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._sts: StsClient | None = None

    def ram_for(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> SdkRam:
        if account_id == self.own_account_id():
            credential = self._credential
        else:
            credential = self._assume_member_role(account_id, roles, mode)
        client = RamClient(openapi_config(self._settings, self._settings.ram, credential))
        return SdkRam(client, account_id, self._retrier)

    def own_account_id(self) -> str:
        """FC tells us the account (context.account_id / FC_ACCOUNT_ID); otherwise ask STS once, even when many
        accounts are reconciled concurrently."""
        with self._identity_lock:
            if self._own_account_id is None:
                call = translated(lambda: self._sts_client().get_caller_identity())
                body = self._retrier.call("GetCallerIdentity", "caller", call).body
                self._own_account_id = str(body.account_id)
            return self._own_account_id

    def member_role_arn(self, account_id: str) -> str:
        return f"acs:ram::{account_id}:role/{self._settings.member_role}"

    def _sts_client(self) -> StsClient:
        with self._lock:
            if self._sts is None:
                self._sts = StsClient(openapi_config(self._settings, self._settings.sts, self._credential))
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
            call = translated(lambda: self._sts_client().assume_role(request))
            body = self._retrier.call("AssumeRole", account_id, call).body
        except CloudError as err:
            # The code stays the cloud's (the core maps EntityNotExist.Role to AccessRoleMissing); the message
            # names the role, so that an operator sees which role in which account was missing or refused.
            raise CloudError(
                err.code, f"AssumeRole {role_arn} failed: {err.message}", status=err.status, request_id=err.request_id
            ) from err
        creds = body.credentials
        return credential_client(
            FunctionCredentials(creds.access_key_id, creds.access_key_secret, creds.security_token)
        )


def session_name(request_id: str) -> str:
    """``emr-bootstrap.<request ID>``: every write in a member account's ActionTrail leads back to the invocation."""
    suffix = _SESSION_NAME_CHARS.sub("-", request_id)
    return f"{SESSION_NAME}.{suffix}"[:64] if suffix else SESSION_NAME


@dataclass(frozen=True)
class SdkPorts:
    connector: SdkConnector
    directory: SdkDirectory
    stats: CallStats
    dispatcher: SdkDispatcher | None


def connect(
    settings: Settings,
    credentials: FunctionCredentials | None,
    own_account_id: str | None,
    request_id: str = "",
    *,
    share: float = 1.0,
    function: tuple[str | None, str | None, str | None] = (None, None, None),
    deadline: float | None = None,
) -> SdkPorts:
    """The SDK adapters for one invocation, sharing one credential, one pacer and one set of call counts.
    ``share``: the part of the caller's AssumeRole quota this invocation may use (fan-out batches split it).
    ``function``: this function's (name, qualifier, region), for the async dispatcher; without a name, none.
    ``deadline``: when the invocation ends (``time.monotonic``); no paced call waits past it."""
    credential = credential_client(credentials)
    paced = retrier(settings, share=share, deadline=deadline)
    name, qualifier, region = function
    endpoint = dispatcher_endpoint(settings, own_account_id, region)
    dispatcher = None
    if name and endpoint is not None:
        dispatcher = SdkDispatcher(
            settings, credential, paced, function_name=name, qualifier=qualifier, endpoint=endpoint
        )
    return SdkPorts(
        SdkConnector(settings, credential, own_account_id, paced, request_id),
        SdkDirectory(settings, credential, paced),
        paced.stats,
        dispatcher,
    )
