"""STS semantics: who may assume which role, for how long, and the temporary credentials it issues."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from emulator.core import ids, policy
from emulator.core.state import SessionToken
from emulator.sts import exceptions as err

if TYPE_CHECKING:
    from emulator.core.identity import Caller
    from emulator.core.state import Cloud
    from emulator.ram.entities import Role

# docs/alibaba-cloud.md §3: 2-64 chars of letters, digits and . @ - _ (older docs: 2-32).
SESSION_NAME = re.compile(r"^[A-Za-z0-9.@_\-]{2,64}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/\-]{2,1224}$")
MIN_DURATION_SECONDS = 900
DEFAULT_DURATION_SECONDS = 3600


def validate_session_name(value: str) -> str:
    if not SESSION_NAME.fullmatch(value):
        raise err.invalid("RoleSessionName")
    return value


def validate_external_id(value: str | None) -> str | None:
    if value is not None and not EXTERNAL_ID.fullmatch(value):
        raise err.invalid("ExternalId")
    return value


def requested_duration(value: str | None) -> int:
    if value is None:
        return DEFAULT_DURATION_SECONDS
    if not value.isdigit() or int(value) < MIN_DURATION_SECONDS:
        raise err.duration(MIN_DURATION_SECONDS, DEFAULT_DURATION_SECONDS)
    return int(value)


def parse_target(role_arn: str) -> tuple[str, str]:
    parsed = policy.parse_role_arn(role_arn)
    if parsed is None:
        raise err.invalid("RoleArn", "The parameter RoleArn is wrongly formed.")
    return parsed


def find_role(cloud: Cloud, account_id: str, role_name: str) -> Role:
    account = cloud.account(account_id)
    if account is None or not account.has_ram:  # an account still being created has no roles yet
        raise err.role_not_found()
    with account.lock:
        role = account.roles.get(role_name.lower())
    if role is None:
        raise err.role_not_found()
    return role


def principal_of(caller: Caller) -> policy.Principal:
    if caller.kind == "user":
        return policy.Principal("user", caller.account_id, caller.user_name)
    if caller.kind == "role":
        return policy.Principal("role", caller.account_id, caller.role_name)
    return policy.Principal("account-root", caller.account_id, None)


def trusts(role: Role, caller: Caller) -> bool:
    return policy.trust_allows(json.loads(role.trust_document), principal_of(caller))


def issue(
    cloud: Cloud, account_id: str, role: Role, session_name: str, expiration: float, session_policy: str | None
) -> SessionToken:
    token = SessionToken(
        access_key_id=ids.sts_access_key_id(),
        secret=ids.access_key_secret(),
        token=ids.security_token(),
        account_id=account_id,
        role_name=role.name,
        role_id=role.role_id,
        session_name=session_name,
        expiration=expiration,
        session_policy=session_policy,
    )
    cloud.add_token(token)
    return token
