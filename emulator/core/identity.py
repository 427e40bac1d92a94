"""Who signed a request: resolve an AccessKeyId (and STS token) to a caller and its signing secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from emulator.core import clock
from emulator.core.errors import ApiError

if TYPE_CHECKING:
    from emulator.core.state import Cloud

CallerKind = Literal["root", "user", "role"]

STS_KEY_PREFIX = "STS."


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    account_id: str
    access_key_id: str
    user_name: str | None = None
    user_id: str | None = None
    role_name: str | None = None
    role_id: str | None = None
    session_name: str | None = None
    session_policy: str | None = None

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"acs:ram::{self.account_id}:root"
        if self.kind == "user":
            return f"acs:ram::{self.account_id}:user/{self.user_name}"
        # GetCallerIdentity's form (help.aliyun.com/document_detail/43767.html); AssumeRole's own
        # AssumedRoleUser.Arn is acs:ram::<acct>:role/<role>/<session> instead. Lower-cased like role ARNs.
        return f"acs:ram::{self.account_id}:assumed-role/{(self.role_name or '').lower()}/{self.session_name}"

    @property
    def principal_type(self) -> str:
        """``AuthPrincipalType`` of AccessDeniedDetail (docs/alibaba-cloud.md §1.2)."""
        return {"root": "Account", "user": "SubUser", "role": "AssumedRoleUser"}[self.kind]

    @property
    def display_name(self) -> str:
        if self.kind == "user":
            return self.user_name or ""
        if self.kind == "role":
            return f"{self.role_name}:{self.session_name}"
        return self.account_id


def authenticate(cloud: Cloud, access_key_id: str, security_token: str | None) -> tuple[Caller, str]:
    """Return the caller and the secret its signature must be made with, or the real auth error."""
    if access_key_id.startswith(STS_KEY_PREFIX):
        return _authenticate_sts(cloud, access_key_id, security_token)
    key = cloud.access_keys.get(access_key_id)
    if key is None or key.status != "Active":
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if key.user_name is None:
        return Caller(kind="root", account_id=key.account_id, access_key_id=access_key_id), key.secret
    account = cloud.account(key.account_id)
    user = account.users.get(key.user_name.lower()) if account else None
    if user is None:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    caller = Caller(
        kind="user",
        account_id=key.account_id,
        access_key_id=access_key_id,
        user_name=user.name,
        user_id=user.user_id,
    )
    return caller, key.secret


def _authenticate_sts(cloud: Cloud, access_key_id: str, security_token: str | None) -> tuple[Caller, str]:
    issued = cloud.tokens.get(access_key_id)
    if issued is None:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if not security_token:
        # "Calling with STS credentials that lack a token gives MissingSecurityToken" (docs/alibaba-cloud.md §3).
        raise ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
    if security_token != issued.token:
        if any(other.token == security_token for other in cloud.tokens.values()):
            # A real token, issued with another STS key.
            mismatch = "Specified SecurityToken mismatch with the AccessKey."
            raise ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey", mismatch)
        # Not a token STS issued (real tokens are structured, so the service can tell; unconfirmed status).
        raise ApiError(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
    if clock.now() >= issued.expiration:
        raise ApiError(403, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
    caller = Caller(
        kind="role",
        account_id=issued.account_id,
        access_key_id=access_key_id,
        role_name=issued.role_name,
        role_id=issued.role_id,
        session_name=issued.session_name,
        session_policy=issued.session_policy,
    )
    return caller, issued.secret
