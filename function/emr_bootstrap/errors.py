"""Our own error codes, one exception class per failure mode, and the renderer used by results.

Codes are a stable public contract (they appear in results): extend, never rename. Cloud errors keep the
cloud's own code (``NoPermission``, ``EntityNotExist.Policy``, ...) so users can search for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from emr_bootstrap.cloud import NO_PERMISSION, POLICY_NOT_FOUND, ROLE_NOT_FOUND, CloudError

if TYPE_CHECKING:
    from emr_bootstrap.result import Result


class BootstrapError(Exception):
    """Base of every error this function raises on purpose."""

    code: ClassVar[str] = "InternalError"
    default_hint: ClassVar[str | None] = None

    def __init__(self, message: str, *, hint: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.request_id = request_id


class InvalidRequest(BootstrapError):
    """The request payload is malformed; nothing was called."""

    code = "InvalidRequest"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule


class CatalogError(BootstrapError):
    """The bundled role catalog is invalid (a packaging bug, not a user error)."""

    code = "CatalogInvalid"

    def __init__(self, entry: str, rule: str, message: str) -> None:
        super().__init__(f"catalog {entry}: {message} (rule {rule})")
        self.entry = entry
        self.rule = rule


class AccessRoleMissing(BootstrapError):
    """The member access role the function assumes is absent in the target account."""

    code = "AccessRoleMissing"
    default_hint = (
        "Create ResourceDirectoryAccountAccessRole (or the role named by EMR_BOOTSTRAP_MEMBER_ROLE) in the "
        "account, trusting the management account; invited accounts may lack it. Or set "
        "EMR_BOOTSTRAP_MEMBER_ROLE to a role that exists there."
    )


class PropagationTimeout(BootstrapError):
    """A write succeeded but did not become visible to reads before the deadline."""

    code = "PropagationTimeout"
    default_hint = "RAM is eventually consistent; re-run the request, it is idempotent."


class ConfigurationError(BootstrapError):
    """The deployment is misconfigured (environment variables, credentials); no account was touched."""

    code = "ConfigurationError"
    default_hint = "Fix the function's environment variables or role (see the README), then re-run."


class InternalError(BootstrapError):
    """A bug: an exception nobody expected. Reported per role so one bug never hides other results."""

    code = "InternalError"
    default_hint = "This is a bug in emr-bootstrap; re-run, and report it with the requestId if it persists."


@dataclass(frozen=True)
class ErrorInfo:
    """An error as a result reports it."""

    code: str
    message: str
    hint: str | None = None
    request_id: str | None = None
    # For InvalidRequest: the wire field and the rule it broke.
    field: str | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.rule is not None:
            out["rule"] = self.rule
        if self.hint is not None:
            out["hint"] = self.hint
        if self.request_id is not None:
            out["requestId"] = self.request_id
        return out


def cloud_hint(code: str, action: str | None = None) -> str | None:
    """A remediation hint for a cloud error code, or None when we have nothing useful to say."""
    if code == NO_PERMISSION:
        what = f"ram:{action}" if action and action != "AssumeRole" else "the RAM actions it needs"
        if action == "AssumeRole":
            return (
                "The function's identity may not assume the member access role: grant it sts:AssumeRole on "
                "that role, and make sure the role trusts the management account."
            )
        return (
            f"Grant {what} to the identity the function uses in this account (the member access role or the "
            "function role); the minimum set is ram:GetRole, ram:ListPoliciesForRole, ram:CreateRole, "
            "ram:AttachPolicyToRole and, for drift repair, ram:UpdateRole."
        )
    if code == AccessRoleMissing.code:  # the SDK adapter reports a missing member role with our code
        return AccessRoleMissing.default_hint
    if code == "EndpointUnreachable":
        return "The cloud endpoint could not be reached after retries; check the endpoint settings and network."
    if code == "CredentialsMissing":
        return "The function has no credentials: give the function a role (FC service role) and re-run."
    if code.startswith("Throttling"):
        return "RAM throttled the calls and retries were exhausted; re-run later or lower the concurrency."
    if code == POLICY_NOT_FOUND:
        return "The system policy is not available in this site or account; check the catalog for this site."
    if code == ROLE_NOT_FOUND:
        return "The role disappeared while the function was working on it; re-run the request."
    if code in ("ServiceUnavailable", "InternalError") or code.startswith("Transport"):
        return "The cloud did not answer successfully after retries; re-run later, the request is idempotent."
    if code.startswith("LimitExceeded"):
        return "An account quota is exhausted (roles per account or policies per role); raise it or clean up."
    return None


def render_error(exc: BaseException, *, action: str | None = None) -> ErrorInfo:
    """Any exception as ``{code, message, hint?, requestId?}``. Never includes credentials: messages come from
    our own text or the cloud's error message, and unexpected exceptions are reduced to their type."""
    if isinstance(exc, InvalidRequest):
        return ErrorInfo(exc.code, exc.message, exc.hint, exc.request_id, field=exc.field, rule=exc.rule)
    if isinstance(exc, BootstrapError):
        return ErrorInfo(exc.code, exc.message, exc.hint, exc.request_id)
    if isinstance(exc, CloudError):
        message = f"{action}: {exc.message}" if action else exc.message
        return ErrorInfo(exc.code, message, cloud_hint(exc.code, action), exc.request_id)
    # Unexpected exceptions may carry arbitrary text (even request parameters); keep only the type.
    where = f" during {action}" if action else ""
    return ErrorInfo(InternalError.code, f"unexpected {type(exc).__name__}{where}", InternalError.default_hint)


# Failures that may pass on their own: worth another run of the (idempotent) work. NoPermission, InvalidRequest,
# EntityNotExist.Policy and the like are not: a retry would fail the same way.
TRANSIENT_CODES = frozenset(
    {
        AccessRoleMissing.code,  # RD may create the member's access role moments after the account (unconfirmed)
        PropagationTimeout.code,
        "EndpointUnreachable",
        "ServiceUnavailable",
        "InternalError",
    }
)


def is_transient(code: str) -> bool:
    return code in TRANSIENT_CODES or code.startswith("Throttling")


def transient_failure_codes(result: Result) -> list[str]:
    """The codes of the failures in ``result`` that a later run may not meet again (empty when none)."""
    codes = [account.error.code for account in result.accounts if account.error is not None]
    codes += [role.error.code for account in result.accounts for role in account.roles if role.error is not None]
    return sorted({code for code in codes if is_transient(code)})
