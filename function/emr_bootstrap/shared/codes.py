"""The one table of error codes: what each code means to this function.

For every code a result can carry (the cloud's own codes and ours) the table says:

* ``transient``: the failure may pass on its own, so another run of the (idempotent) work is worth it. A
  new-account event whose failures include one raises ``EventDeliveryFailed`` so that FC's async retry runs again.
* ``sdk_retries``: the SDK adapter retries the call itself, with jittered backoff, up to
  ``EMR_BOOTSTRAP_MAX_ATTEMPTS`` calls in all.
* ``hint``: what the operator can do about it.

Codes are matched exactly, then by family: any code that contains ``Throttling`` (``Throttling.User``,
``Rejected.Throttling``, a future ``Throttling.*``) is throttling, as the Terraform provider's ``NeedRetry`` treats it
(aliyun/terraform-provider-alicloud, alicloud/errors.go), and whatever the HTTP status, because whether RAM answers
throttling with 400 or 429 is unconfirmed (docs/alibaba-cloud.md §1.3). Stdlib only: imported on every cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The cloud's codes that the core reacts to (docs/alibaba-cloud.md §1.3, §3, §4).
ROLE_NOT_FOUND: Final = "EntityNotExist.Role"
ROLE_EXISTS: Final = "EntityAlreadyExists.Role"
POLICY_ALREADY_ATTACHED: Final = "EntityAlreadyExists.Role.Policy"
POLICY_NOT_FOUND: Final = "EntityNotExist.Policy"
NO_PERMISSION: Final = "NoPermission"
ACCOUNT_NOT_FOUND: Final = "EntityNotExists.Account"
DIRECTORY_NOT_FOUND: Final = "EntityNotExists.ResourceDirectory"
# GetResourceDirectory's one documented error: the caller is in no directory (docs/alibaba-cloud.md §4).
DIRECTORY_NOT_IN_USE: Final = "ResourceDirectoryNotInUse"

# Our own codes.
ENDPOINT_UNREACHABLE: Final = "EndpointUnreachable"
CREDENTIALS_MISSING: Final = "CredentialsMissing"
ACCESS_ROLE_MISSING: Final = "AccessRoleMissing"
PROPAGATION_TIMEOUT: Final = "PropagationTimeout"
ACCOUNT_NOT_READY: Final = "AccountNotReady"
ACCOUNT_NOT_IN_DIRECTORY: Final = "AccountNotInDirectory"
ACCOUNT_OUT_OF_SCOPE: Final = "AccountOutOfScope"
MANAGEMENT_ACCOUNT_EXCLUDED: Final = "ManagementAccountExcluded"
MANAGEMENT_ACCOUNT_UNKNOWN: Final = "ManagementAccountUnknown"
DEADLINE_REACHED: Final = "DeadlineReached"
INTERNAL_ERROR: Final = "InternalError"
INVALID_REQUEST: Final = "InvalidRequest"
CONFIGURATION_ERROR: Final = "ConfigurationError"
CATALOG_INVALID: Final = "CatalogInvalid"
EXTRA_POLICIES_ATTACHED: Final = "ExtraPoliciesAttached"


@dataclass(frozen=True)
class CodeInfo:
    transient: bool
    sdk_retries: bool
    hint: str | None = None


_SERVER_TROUBLE = CodeInfo(
    True, True, "The cloud did not answer successfully after retries; re-run later, the request is idempotent."
)
_THROTTLED = CodeInfo(
    True,
    True,
    "The cloud throttled the calls and retries were exhausted; re-run later or lower the concurrency "
    "(EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS).",
)
_UNKNOWN = CodeInfo(False, False, None)

CODES: Final[dict[str, CodeInfo]] = {
    NO_PERMISSION: CodeInfo(
        False,
        False,
        "Grant {permission} to the identity the function uses in this account (the member access role or the "
        "function role); the minimum set is ram:GetRole, ram:ListPoliciesForRole, ram:CreateRole, "
        "ram:AttachPolicyToRole and, for drift repair, ram:UpdateRole.",
    ),
    ACCESS_ROLE_MISSING: CodeInfo(
        # Resource Directory creates the access role with the account; an event may arrive moments before it
        # exists (unconfirmed), so another run is worth it.
        True,
        False,
        "Resource Directory creates ResourceDirectoryAccountAccessRole in every member (created or invited), but it "
        "can be deleted by hand. Recreate it in the account, trusting the management account, or set "
        "EMR_BOOTSTRAP_MEMBER_ROLE to a role that exists there.",
    ),
    PROPAGATION_TIMEOUT: CodeInfo(True, False, "RAM is eventually consistent; re-run the request, it is idempotent."),
    ENDPOINT_UNREACHABLE: CodeInfo(
        True,
        True,  # connection refused, reset or timed out: another attempt may get through
        "The cloud endpoint could not be reached after retries; check the EMR_BOOTSTRAP_*_ENDPOINT settings and "
        "the function's network.",
    ),
    CREDENTIALS_MISSING: CodeInfo(
        False,
        False,
        "The function has no credentials: give the function a role (s.yaml `role`), or set the "
        "alibabacloud-credentials default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ~/.aliyun/config.json).",
    ),
    DEADLINE_REACHED: CodeInfo(
        True,
        False,
        "The invocation ran out of time before this account was started. Re-run for the accounts not attempted, "
        "or raise the function's timeout.",
    ),
    ACCOUNT_NOT_READY: CodeInfo(
        # Not a failure: the account is not active yet. The sweep reaches it once it is; an event retry would not.
        False,
        False,
        "The account is not active in the Resource Directory yet (an account created with CreateCloudAccount "
        "waits for email confirmation). It gets its roles from the next sweep after it becomes active.",
    ),
    ACCOUNT_NOT_IN_DIRECTORY: CodeInfo(
        False,
        False,
        "The account is not a member of the function's Resource Directory; check the account ID.",
    ),
    ACCOUNT_OUT_OF_SCOPE: CodeInfo(
        False,
        False,
        "The deployment's scope leaves this account out (EMR_BOOTSTRAP_ALLOWED_FOLDERS, "
        "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST, EMR_BOOTSTRAP_ACCOUNT_DENYLIST); change those settings if it should be in.",
    ),
    MANAGEMENT_ACCOUNT_EXCLUDED: CodeInfo(
        False,
        False,
        "The management account is left alone unless the deployment sets "
        "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT=true.",
    ),
    MANAGEMENT_ACCOUNT_UNKNOWN: CodeInfo(
        # Transient or not as its cause (ErrorInfo.transient_status): a flaky call passes, a missing grant does not.
        False,
        False,
        "The function learns the management account from Resource Manager GetResourceDirectory and acts on no "
        "account until it knows it: grant resourcemanager:GetResourceDirectory to the function's role, deploy it in "
        "the management account of a Resource Directory, and re-run; or set "
        "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT=true to act without excluding it.",
    ),
    DIRECTORY_NOT_FOUND: CodeInfo(
        False,
        False,
        "The function's account has no Resource Directory, or is not its management account; deploy the function "
        "in the management account.",
    ),
    DIRECTORY_NOT_IN_USE: CodeInfo(
        False,
        False,
        "The function's account is in no Resource Directory; deploy the function in the management account.",
    ),
    POLICY_NOT_FOUND: CodeInfo(
        False, False, "The system policy is not available in this site or account; check the catalog for this site."
    ),
    ROLE_NOT_FOUND: CodeInfo(False, False, "The role disappeared while the function was working on it; re-run."),
    "ServiceUnavailable": _SERVER_TROUBLE,
    "ServiceTimeout": _SERVER_TROUBLE,
    INTERNAL_ERROR: CodeInfo(
        True,
        True,
        "The cloud, or this function, failed unexpectedly. Re-run; if it persists, report it with the requestId.",
    ),
    "Rejected.Throttling": _THROTTLED,
    INVALID_REQUEST: CodeInfo(False, False, None),
    CONFIGURATION_ERROR: CodeInfo(
        False, False, "Fix the function's environment variables or role (see the README), then re-run."
    ),
    "AccessDenied": CodeInfo(
        False,
        False,
        "Function Compute refused the asynchronous invocation: grant the function's role fc:InvokeFunction on the "
        "function itself (deploy/policies/function-event-role-policy.json).",
    ),
    CATALOG_INVALID: CodeInfo(False, False, "The bundled role catalog is invalid: a packaging bug; report it."),
    EXTRA_POLICIES_ATTACHED: CodeInfo(
        # Not a failure: the role stays drifted until somebody decides what those policies are for.
        False,
        False,
        "The role carries policies beyond the catalog's, so restoring the catalog's trust would hand them to the "
        "catalog's service; the function never does that. Detach them yourself (or move that use to a role of "
        "another name), then run again with drift=repair.",
    ),
}

# Families of codes, matched when no exact entry exists: throttling anywhere in the code, the others by prefix.
THROTTLING_MARK: Final = "Throttling"
PREFIXES: Final[tuple[tuple[str, CodeInfo], ...]] = (
    (
        "LimitExceeded",
        CodeInfo(False, False, "An account quota is exhausted (roles per account or policies per role); raise it."),
    ),
    ("Transport", _SERVER_TROUBLE),
)


def describe(code: str, status: int | None = None) -> CodeInfo:
    """What ``code`` means. An unknown code answered with a 5xx status is server trouble, like the Terraform
    provider's ``NeedRetry`` treats it (aliyun/terraform-provider-alicloud, alicloud/errors.go)."""
    info = CODES.get(code)
    if info is not None:
        return info
    if THROTTLING_MARK in code:
        return _THROTTLED
    for prefix, family in PREFIXES:
        if code.startswith(prefix):
            return family
    if status is not None and status >= 500:
        return _SERVER_TROUBLE
    return _UNKNOWN


def is_transient(code: str) -> bool:
    return describe(code).transient


def sdk_retries(code: str) -> bool:
    return describe(code).sdk_retries


def hint_for(code: str, action: str | None = None) -> str | None:
    """The operator's hint for ``code``; for NoPermission it names the permission ``action`` needed."""
    if code == NO_PERMISSION and action == "AssumeRole":
        return (
            "The function's identity may not assume the member access role: grant it sts:AssumeRole on that role, "
            "and make sure the role trusts the management account."
        )
    if code == NO_PERMISSION and action in ("GetAccount", "ListAccounts", "GetResourceDirectory"):
        return (
            f"Grant resourcemanager:{action} to the function's role (deploy/policies/function-event-role-policy.json, "
            "function-http-role-policy.json)."
        )
    hint = describe(code).hint
    if hint is None:
        return None
    return hint.replace("{permission}", f"ram:{action}" if action else "the RAM actions it needs")
