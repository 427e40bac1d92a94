"""The function's one exception hierarchy, and how an exception is rendered in a result.

Every error raised on purpose is a :class:`BootstrapError`; one subclass per failure mode. A caller that wants
everything catches the base; nothing needs to join unrelated exception types by hand. Codes are a stable public
contract (they appear in results): extend, never rename. Cloud errors keep the cloud's own code (``NoPermission``,
``EntityNotExist.Policy``, ...) so users can search for them. What each code means (transient, retried, hint)
lives in one table, :mod:`emr_bootstrap.shared.codes`. Stdlib only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from emr_bootstrap.shared import codes
from emr_bootstrap.shared.rule_hints import rule_hint


class BootstrapError(Exception):
    """Base of every error this function raises on purpose."""

    code: str = codes.INTERNAL_ERROR

    def __init__(self, message: str, *, hint: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self._hint = hint
        self.request_id = request_id

    @property
    def hint(self) -> str | None:
        return self._hint if self._hint is not None else codes.hint_for(self.code)

    @property
    def transient(self) -> bool:
        return codes.is_transient(self.code)


class InvalidRequest(BootstrapError):
    """The request (or the event carrying it) is malformed; nothing was called. ``field`` says where (``$`` the
    whole document, ``accountIds[3]`` a part), ``rule`` (kebab-case) which rule it broke; the hint is the rule's."""

    code = codes.INVALID_REQUEST

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule

    @property
    def hint(self) -> str | None:
        return self._hint if self._hint is not None else rule_hint(self.rule)


class ConfigurationError(BootstrapError):
    """The deployment is misconfigured (environment variables, credentials); no account was touched."""

    code = codes.CONFIGURATION_ERROR


class SettingsError(ConfigurationError):
    """An environment variable has a value the function cannot use."""

    def __init__(self, variable: str, value: str, rule: str) -> None:
        super().__init__(f"{variable}={value!r}: {rule}")
        self.variable = variable
        self.rule = rule


class CatalogError(BootstrapError):
    """The bundled role catalog is invalid (a packaging bug, not a user error)."""

    code = codes.CATALOG_INVALID

    def __init__(self, entry: str, rule: str, message: str) -> None:
        super().__init__(f"catalog {entry}: {message} (rule {rule})")
        self.entry = entry
        self.rule = rule


class CloudError(BootstrapError):
    """A call to the cloud failed. ``code`` is the cloud's error code, or ours for transport failures."""

    def __init__(self, code: str, message: str, *, status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def transient(self) -> bool:
        return codes.describe(self.code, self.status).transient


class AccessRoleMissing(BootstrapError):
    """The member access role the function assumes is absent in the target account."""

    code = codes.ACCESS_ROLE_MISSING


class PropagationTimeout(BootstrapError):
    """A write succeeded but did not become visible to reads before the deadline."""

    code = codes.PROPAGATION_TIMEOUT


class InternalError(BootstrapError):
    """A bug: an exception nobody expected. Reported per role so one bug never hides other results."""

    code = codes.INTERNAL_ERROR


class EventDeliveryFailed(BootstrapError):
    """A new-account event failed for a reason that may pass (AccessRoleMissing right after the account was
    created, PropagationTimeout, throttling, 5xx, the deadline). Raising makes FC's async retry run the idempotent
    work again (``asyncInvokeConfig.maxAsyncRetryAttempts``) and hands the message to an onFailure destination;
    returning would have ended the event's life with the account still lacking its roles."""

    code = "EventDeliveryFailed"

    def __init__(self, message: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        # The full result, for in-process callers (tests, the CLI); FC only sees the short message.
        self.result = result or {}


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
    # Whether the failure may pass, when the code alone cannot say (an unknown code answered with a 5xx status).
    # Not part of the result JSON.
    transient_status: bool | None = dataclasses.field(default=None, compare=False)

    @property
    def transient(self) -> bool:
        return self.transient_status if self.transient_status is not None else codes.is_transient(self.code)

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


def render_error(exc: BaseException, *, action: str | None = None) -> ErrorInfo:
    """Any exception as ``{code, message, hint?, requestId?}``. Never includes credentials: messages come from
    our own text or the cloud's error message, and unexpected exceptions are reduced to their type."""
    if isinstance(exc, InvalidRequest):
        return ErrorInfo(exc.code, exc.message, exc.hint, exc.request_id, field=exc.field, rule=exc.rule)
    if isinstance(exc, CloudError):
        message = f"{action}: {exc.message}" if action else exc.message
        return ErrorInfo(
            exc.code, message, codes.hint_for(exc.code, action), exc.request_id, transient_status=exc.transient
        )
    if isinstance(exc, BootstrapError):
        return ErrorInfo(exc.code, exc.message, exc.hint, exc.request_id)
    # Unexpected exceptions may carry arbitrary text (even request parameters); keep only the type.
    where = f" during {action}" if action else ""
    hint = codes.hint_for(codes.INTERNAL_ERROR)
    return ErrorInfo(codes.INTERNAL_ERROR, f"unexpected {type(exc).__name__}{where}", hint)
