"""Authorization of every call for the identity that signed it (the policy language is emulator.core.policy).

root key: everything. RAM user: the policies attached to it. Assumed role: the role's policies, narrowed by
the session policy given to AssumeRole. A denial is 403 ``NoPermission`` with an ``AccessDeniedDetail``.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from emulator.core import policy
from emulator.core.errors import ApiError

if TYPE_CHECKING:
    from emulator.core.identity import Caller
    from emulator.core.state import Account, Cloud
    from emulator.ram.entities import Attachment

NO_PERMISSION_MESSAGE = "You are not authorized to do this action. You should be authorized by RAM."
# Unconfirmed: the PolicyType reported when only the session policy denies (docs/alibaba-cloud.md §1.2 lists
# AccountLevelIdentityBasedPolicy as an example value).
IDENTITY_POLICY_TYPE = "AccountLevelIdentityBasedPolicy"
SESSION_POLICY_TYPE = "SessionPolicy"


def attached_documents(
    account: Account, attachments: dict[str, Attachment], system: dict[str, policy.SystemPolicy]
) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for attachment in attachments.values():
        if attachment.policy_type == "System":
            found = system.get(attachment.policy_name)
            if found is not None:
                documents.append(found.document)
        else:
            custom = account.policies.get(attachment.policy_name)
            if custom is not None:
                documents.append(json.loads(custom.document))
    return documents


def identity_documents(cloud: Cloud, caller: Caller, system: dict[str, policy.SystemPolicy]) -> list[dict[str, Any]]:
    account = cloud.account(caller.account_id)
    if account is None:
        return []
    with account.lock:
        if caller.kind == "user":
            user = account.users.get((caller.user_name or "").lower())
            return attached_documents(account, user.attachments, system) if user else []
        role = account.roles.get((caller.role_name or "").lower())
        return attached_documents(account, role.attachments, system) if role else []


def authorize(cloud: Cloud, caller: Caller, system: dict[str, policy.SystemPolicy], action: str, resource: str) -> None:
    if caller.kind == "root":
        return
    documents = identity_documents(cloud, caller, system)
    if caller.kind == "role":
        session = json.loads(caller.session_policy) if caller.session_policy else None
        decision = policy.evaluate_session(documents, session, action, resource)
    else:
        decision = policy.evaluate(documents, action, resource)
    if decision.allowed:
        return
    policy_type = IDENTITY_POLICY_TYPE
    if caller.kind == "role" and caller.session_policy and policy.evaluate(documents, action, resource).allowed:
        policy_type = SESSION_POLICY_TYPE
    raise no_permission(caller, action, explicit=decision.explicit_deny, policy_type=policy_type)


def no_permission(
    caller: Caller,
    action: str,
    *,
    explicit: bool = False,
    policy_type: str = IDENTITY_POLICY_TYPE,
    message: str = NO_PERMISSION_MESSAGE,
) -> ApiError:
    detail = {
        "AuthAction": action,
        "AuthPrincipalType": caller.principal_type,
        "AuthPrincipalOwnerId": caller.account_id,
        "AuthPrincipalDisplayName": caller.display_name,
        "NoPermissionType": "ExplicitDeny" if explicit else "ImplicitDeny",
        "PolicyType": policy_type,
    }
    # Real messages are opaque; ours decode to the same detail (base64 JSON) to help debugging.
    encoded = base64.b64encode(json.dumps(detail, sort_keys=True).encode()).decode()
    detail["EncodedDiagnosticMessage"] = encoded
    return ApiError(403, "NoPermission", message, AccessDeniedDetail=detail)
