"""RAM's wire layer: read parameters, authorize, call the backend, shape the body as the SDK models parse it.

Body shapes follow ``alibabacloud_ram20150501/models/*_response_body.py`` (1.3.0).
Authorization resources: ``acs:ram:*:<account>:role/<name>``, ``…:policy/<name>`` (``acs:ram:*:system:policy/<name>``
for system policies), ``…:user/<name>``; CreateUser ``user/*``; attaching checks the role or user and the policy.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from emulator.core.service import Service
from emulator.ram import exceptions as err
from emulator.ram import validation as check
from emulator.ram.models import MAX_ACCESS_KEYS_PER_USER, RamBackend

if TYPE_CHECKING:
    from emulator.core.service import Context, Handler
    from emulator.ram.entities import Role
    from emulator.ram.models import PolicyView

VERSION = "2015-05-01"


def resource(ctx: Context, kind: str, name: str) -> str:
    return f"acs:ram:*:{ctx.caller.account_id}:{kind}/{name}"


def policy_resource(ctx: Context, policy_type: str, name: str) -> str:
    """System policies live in the ``system`` account (RAM API docs for GetPolicy, AttachPolicyToUser/Role)."""
    owner = "system" if policy_type == "System" else ctx.caller.account_id
    return f"acs:ram:*:{owner}:policy/{name}"


def backend(ctx: Context) -> RamBackend:
    return RamBackend(ctx.account, ctx.system_policies)


# --- shapes ----------------------------------------------------------------------------------------
def role_summary(role: Role) -> dict[str, Any]:
    return {
        "RoleId": role.role_id,
        "RoleName": role.name,
        "Arn": role.arn,
        "Description": role.description,
        "CreateDate": role.create_date,
        "UpdateDate": role.update_date,
        "MaxSessionDuration": role.max_session_duration,
    }


def role_detail(role: Role, account_id: str) -> dict[str, Any]:
    return {
        **role_summary(role),
        "AssumeRolePolicyDocument": role.trust_document,
        "RolePrincipalName": f"{role.name}@role.{account_id}.onaliyunservice.com",
        "IsServiceLinkedRole": False,
    }


def policy_summary(view: PolicyView) -> dict[str, Any]:
    return {
        "PolicyName": view.name,
        "PolicyType": view.policy_type,
        "Description": view.description,
        "DefaultVersion": view.default_version,
        "CreateDate": view.create_date,
        "UpdateDate": view.update_date,
    }


# --- paging ----------------------------------------------------------------------------------------
def encode_marker(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_marker(marker: str) -> str:
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise err.invalid_marker() from None


# --- roles -----------------------------------------------------------------------------------------
def create_role(ctx: Context) -> dict[str, Any]:
    name = check.role_name(ctx.require("RoleName"))
    trust = ctx.require("AssumeRolePolicyDocument")
    description = check.description(ctx.get("Description"))
    max_session = check.max_session_duration(ctx.get("MaxSessionDuration"))
    ctx.authorize("ram:CreateRole", resource(ctx, "role", name))
    role = backend(ctx).create_role(name, trust, description, max_session, now=ctx.now, visible_at=ctx.visible_at())
    body = role_detail(role, ctx.caller.account_id)
    shape = ("RoleId", "RoleName", "Arn", "Description", "AssumeRolePolicyDocument", "CreateDate")
    return {"Role": {**{k: body[k] for k in shape}, "MaxSessionDuration": role.max_session_duration}}


def get_role(ctx: Context) -> dict[str, Any]:
    name = check.role_name(ctx.require("RoleName"))
    ctx.authorize("ram:GetRole", resource(ctx, "role", name))
    role = backend(ctx).get_role(name, now=ctx.now)
    return {"Role": role_detail(role, ctx.caller.account_id)}


def update_role(ctx: Context) -> dict[str, Any]:
    name = check.role_name(ctx.require("RoleName"))
    description = ctx.get("NewDescription")
    if description is not None:
        check.description(description, "NewDescription")
    max_session = check.max_session_duration(ctx.get("NewMaxSessionDuration"), "NewMaxSessionDuration")
    ctx.authorize("ram:UpdateRole", resource(ctx, "role", name))
    role = backend(ctx).update_role(
        name,
        trust_document=ctx.get("NewAssumeRolePolicyDocument"),
        description=description,
        max_session_duration=max_session,
        now=ctx.now,
    )
    detail = role_detail(role, ctx.caller.account_id)
    detail.pop("RolePrincipalName")
    detail.pop("IsServiceLinkedRole")
    return {"Role": detail}


def delete_role(ctx: Context) -> dict[str, Any]:
    name = check.role_name(ctx.require("RoleName"))
    ctx.authorize("ram:DeleteRole", resource(ctx, "role", name))
    backend(ctx).delete_role(name)
    return {}


def list_roles(ctx: Context) -> dict[str, Any]:
    limit = check.max_items(ctx.get("MaxItems"))
    marker = ctx.get("Marker")
    ctx.authorize("ram:ListRoles", resource(ctx, "role", "*"))
    roles = backend(ctx).list_roles(now=ctx.now)
    if marker is not None:
        start = decode_marker(marker)
        if not start.isdigit():
            raise err.invalid_marker()
        roles = [r for r in roles if r.seq >= int(start)]
    page, rest = roles[:limit], roles[limit:]
    body: dict[str, Any] = {"IsTruncated": bool(rest), "Roles": {"Role": [role_summary(r) for r in page]}}
    if rest:
        body["Marker"] = encode_marker(str(rest[0].seq))
    return body


# --- attachments -----------------------------------------------------------------------------------
def _attachment_params(ctx: Context) -> tuple[str, str, str]:
    policy_type = check.policy_type(ctx.require("PolicyType"))
    policy_name = check.policy_name(ctx.require("PolicyName"))
    role_name = check.role_name(ctx.require("RoleName"))
    return policy_type, policy_name, role_name


def attach_policy_to_role(ctx: Context) -> dict[str, Any]:
    policy_type, policy_name, role_name = _attachment_params(ctx)
    ctx.authorize("ram:AttachPolicyToRole", resource(ctx, "role", role_name))
    ctx.authorize("ram:AttachPolicyToRole", policy_resource(ctx, policy_type, policy_name))
    backend(ctx).attach_policy_to_role(role_name, policy_type, policy_name, now=ctx.now, visible_at=ctx.visible_at())
    return {}


def detach_policy_from_role(ctx: Context) -> dict[str, Any]:
    policy_type, policy_name, role_name = _attachment_params(ctx)
    ctx.authorize("ram:DetachPolicyFromRole", resource(ctx, "role", role_name))
    backend(ctx).detach_policy_from_role(role_name, policy_type, policy_name)
    return {}


def list_policies_for_role(ctx: Context) -> dict[str, Any]:
    role_name = check.role_name(ctx.require("RoleName"))
    ctx.authorize("ram:ListPoliciesForRole", resource(ctx, "role", role_name))
    attached = backend(ctx).policies_for_role(role_name, now=ctx.now)
    items = [
        {
            "PolicyName": view.name,
            "PolicyType": view.policy_type,
            "Description": view.description,
            "DefaultVersion": view.default_version,
            "AttachDate": attachment.attach_date,
        }
        for attachment, view in attached
    ]
    return {"Policies": {"Policy": items}}


# --- policies --------------------------------------------------------------------------------------
def get_policy(ctx: Context) -> dict[str, Any]:
    policy_type = check.policy_type(ctx.require("PolicyType"))
    name = check.policy_name(ctx.require("PolicyName"))
    ctx.authorize("ram:GetPolicy", policy_resource(ctx, policy_type, name))
    ram = backend(ctx)
    view = ram.find_policy(policy_type, name)
    return {
        "Policy": {
            **policy_summary(view),
            "AttachmentCount": ram.attachment_count(policy_type, view.name),
            "PolicyDocument": view.document,
        },
        "DefaultPolicyVersion": {
            "VersionId": view.default_version,
            "IsDefaultVersion": True,
            "PolicyDocument": view.document,
            "CreateDate": view.create_date,
        },
    }


def list_policies(ctx: Context) -> dict[str, Any]:
    policy_type = ctx.get("PolicyType")
    if policy_type is not None:
        check.policy_type(policy_type)
    limit = check.max_items(ctx.get("MaxItems"))
    ctx.authorize("ram:ListPolicies", resource(ctx, "policy", "*"))
    ram = backend(ctx)
    views = ram.list_policies(policy_type)
    marker = ctx.get("Marker")
    if marker is not None:
        keys = [f"{v.policy_type}:{v.name}" for v in views]
        start = decode_marker(marker)
        if start not in keys:
            raise err.invalid_marker()
        views = views[keys.index(start) :]
    page, rest = views[:limit], views[limit:]
    items = [{**policy_summary(v), "AttachmentCount": ram.attachment_count(v.policy_type, v.name)} for v in page]
    body: dict[str, Any] = {"IsTruncated": bool(rest), "Policies": {"Policy": items}}
    if rest:
        body["Marker"] = encode_marker(f"{rest[0].policy_type}:{rest[0].name}")
    return body


def create_policy(ctx: Context) -> dict[str, Any]:
    name = check.policy_name(ctx.require("PolicyName"))
    document = ctx.require("PolicyDocument")
    description = check.description(ctx.get("Description"))
    ctx.authorize("ram:CreatePolicy", resource(ctx, "policy", name))
    created = backend(ctx).create_policy(name, document, description, now=ctx.now)
    return {
        "Policy": {
            "PolicyName": created.name,
            "PolicyType": "Custom",
            "Description": created.description,
            "DefaultVersion": created.default_version,
            "CreateDate": created.create_date,
        }
    }


# --- users and keys --------------------------------------------------------------------------------
def create_user(ctx: Context) -> dict[str, Any]:
    name = check.user_name(ctx.require("UserName"))
    ctx.authorize("ram:CreateUser", resource(ctx, "user", "*"))
    user = backend(ctx).create_user(
        name,
        display_name=ctx.get("DisplayName"),
        comments=ctx.get("Comments") or "",
        email=ctx.get("Email") or "",
        mobile_phone=ctx.get("MobilePhone") or "",
        now=ctx.now,
    )
    return {
        "User": {
            "UserId": user.user_id,
            "UserName": user.name,
            "DisplayName": user.display_name,
            "Comments": user.comments,
            "Email": user.email,
            "MobilePhone": user.mobile_phone,
            "CreateDate": user.create_date,
        }
    }


def create_access_key(ctx: Context) -> dict[str, Any]:
    requested = ctx.get("UserName")
    # Without UserName the key is for the caller itself (the root account or the calling user).
    user_name = requested if requested is not None else ctx.caller.user_name
    target = resource(ctx, "user", user_name) if user_name else f"acs:ram:*:{ctx.caller.account_id}:root"
    ctx.authorize("ram:CreateAccessKey", target)
    if user_name is not None:
        user = backend(ctx).get_user(check.user_name(user_name))
        with ctx.account.lock:
            if len(ctx.cloud.keys_of_user(ctx.caller.account_id, user.name)) >= MAX_ACCESS_KEYS_PER_USER:
                raise err.access_key_limit()
            key = ctx.cloud.add_access_key(ctx.caller.account_id, user.name)
    else:
        key = ctx.cloud.add_access_key(ctx.caller.account_id, None)
    return {
        "AccessKey": {
            "AccessKeyId": key.access_key_id,
            "AccessKeySecret": key.secret,
            "Status": key.status,
            "CreateDate": key.create_date,
        }
    }


def attach_policy_to_user(ctx: Context) -> dict[str, Any]:
    policy_type = check.policy_type(ctx.require("PolicyType"))
    policy_name = check.policy_name(ctx.require("PolicyName"))
    user_name = check.user_name(ctx.require("UserName"))
    ctx.authorize("ram:AttachPolicyToUser", resource(ctx, "user", user_name))
    ctx.authorize("ram:AttachPolicyToUser", policy_resource(ctx, policy_type, policy_name))
    backend(ctx).attach_policy_to_user(user_name, policy_type, policy_name, now=ctx.now)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "UpdateRole": update_role,
    "DeleteRole": delete_role,
    "ListRoles": list_roles,
    "AttachPolicyToRole": attach_policy_to_role,
    "DetachPolicyFromRole": detach_policy_from_role,
    "ListPoliciesForRole": list_policies_for_role,
    "GetPolicy": get_policy,
    "ListPolicies": list_policies,
    "CreatePolicy": create_policy,
    "CreateUser": create_user,
    "CreateAccessKey": create_access_key,
    "AttachPolicyToUser": attach_policy_to_user,
}

SERVICE = Service(
    product="Ram",
    version=VERSION,
    host_id="ram.aliyuncs.com",
    handlers=HANDLERS,
    mutating=frozenset(
        {
            "CreateRole",
            "UpdateRole",
            "DeleteRole",
            "AttachPolicyToRole",
            "DetachPolicyFromRole",
            "CreatePolicy",
            "CreateUser",
            "AttachPolicyToUser",
        }
    ),
)
