"""STS's wire layer; body shapes follow ``alibabacloud_sts20150401/models/*_response_body.py`` (1.2.0)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core import authz, clock, policy
from emulator.core.service import Service
from emulator.sts import exceptions as err
from emulator.sts import models

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler

VERSION = "2015-04-01"
ROOT_CANNOT_ASSUME = "Roles may not be assumed by root accounts."


def assume_role(ctx: Context) -> dict[str, Any]:
    role_arn = ctx.require("RoleArn")
    session_name = models.validate_session_name(ctx.require("RoleSessionName"))
    duration = models.requested_duration(ctx.get("DurationSeconds"))
    models.validate_external_id(ctx.get("ExternalId"))
    session_policy = ctx.get("Policy")
    if session_policy is not None:
        policy.parse_session_policy(session_policy)
    account_id, role_name = models.parse_target(role_arn)
    if ctx.caller.kind == "root":
        raise authz.no_permission(ctx.caller, "sts:AssumeRole", message=ROOT_CANNOT_ASSUME)
    # The resource is the role's ARN with an empty region (help.aliyun.com/document_detail/371860.html).
    ctx.authorize("sts:AssumeRole", policy.role_arn(account_id, role_name))
    role = models.find_role(ctx.cloud, account_id, role_name)
    if not models.trusts(role, ctx.caller):
        raise authz.no_permission(ctx.caller, "sts:AssumeRole", policy_type="TrustPolicy")
    if duration > role.max_session_duration:
        raise err.duration(models.MIN_DURATION_SECONDS, role.max_session_duration)
    issued = models.issue(ctx.cloud, account_id, role, session_name, ctx.now + duration, session_policy)
    body: dict[str, Any] = {
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "AccessKeySecret": issued.secret,
            "SecurityToken": issued.token,
            "Expiration": clock.iso_seconds(issued.expiration),
        },
        "AssumedRoleUser": {
            "Arn": f"{policy.role_arn(account_id, role.name)}/{session_name}",
            "AssumedRoleId": f"{role.role_id}:{session_name}",
        },
    }
    source_identity = ctx.get("SourceIdentity")
    if source_identity is not None:
        body["SourceIdentity"] = source_identity
    return body


def get_caller_identity(ctx: Context) -> dict[str, Any]:
    # "No authorization for this operation" (help.aliyun.com …/api-sts-2015-04-01-getcalleridentity).
    caller = ctx.caller
    body: dict[str, Any] = {"AccountId": caller.account_id, "Arn": caller.arn}
    if caller.kind == "root":
        body |= {"IdentityType": "Account", "PrincipalId": caller.account_id, "UserId": caller.account_id}
    elif caller.kind == "user":
        body |= {"IdentityType": "RAMUser", "PrincipalId": caller.user_id, "UserId": caller.user_id}
    else:
        body |= {
            "IdentityType": "AssumedRoleUser",
            "PrincipalId": f"{caller.role_id}:{caller.session_name}",
            "RoleId": caller.role_id,
        }
    return body


HANDLERS: dict[str, Handler] = {"AssumeRole": assume_role, "GetCallerIdentity": get_caller_identity}

SERVICE = Service(product="Sts", version=VERSION, host_id="sts.aliyuncs.com", handlers=HANDLERS, mutating=frozenset())
