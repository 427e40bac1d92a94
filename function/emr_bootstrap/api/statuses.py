"""HTTP statuses for results, and the reply shapes every route shares.

Every reply is JSON, carries the request ID in the ``x-emr-bootstrap-request-id`` header and in the body, and a
refusal (4xx) is a result of status ``invalid`` whose ``error`` names what was wrong. How a result maps to a status:

===== =====================================================================================================
200   every account succeeded or was skipped on purpose (not ready, out of scope, the management account)
207   some accounts succeeded or were skipped on purpose, others did not: the body has each account's details
400   the request is invalid (``error.field`` and ``error.rule`` say why, ``error.hint`` what to do), or the event is
      not an FC3 HTTP trigger event (rule ``not-http-event``)
403   the caller's account is not in ``EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS`` (or the event names none)
404   an unknown route, or every account is ``AccountNotInDirectory``
405   a method the route does not serve (``Allow`` lists those it does; GET routes serve HEAD too)
413   the body is over 64 KiB (rule ``max-size``)
415   a POST body that is not ``application/json`` (field ``header.Content-Type``)
500   the function cannot run: its configuration, credentials or a bug (no account was attempted)
502   no account succeeded and the cloud said why (NoPermission, 5xx, unreachable, ...)
503   no account succeeded and each was throttled or not reached before the deadline; ``Retry-After`` is set
===== =====================================================================================================

A 502 also carries ``Retry-After`` when every failure may pass on its own (5xx, unreachable, propagation).
Stdlib only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final, Literal

from emr_bootstrap.core.request import MAX_PAYLOAD_BYTES
from emr_bootstrap.core.result import Result, invalid
from emr_bootstrap.intake.http_event import http_reply
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import ErrorInfo
from emr_bootstrap.shared.rule_hints import rule_hint

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.core.result import AccountResult

REQUEST_ID_HEADER: Final = "x-emr-bootstrap-request-id"
# Seconds a client should wait before retrying a throttled or unreachable run (the run is idempotent).
RETRY_AFTER_S: Final = 5

# The API's own error codes, beside the function's (emr_bootstrap.shared.codes).
ROUTE_NOT_FOUND: Final = "RouteNotFound"
METHOD_NOT_ALLOWED: Final = "MethodNotAllowed"
CALLER_NOT_ALLOWED: Final = "CallerNotAllowed"
# Rules of an invalid request that mean "too large" (413): the core's payload limit and the event size limit.
TOO_LARGE_RULES: Final = frozenset({"max-size", "event-too-large"})

Kind = Literal["ok", "unknown", "busy", "failed"]


def _account_codes(account: AccountResult) -> list[str]:
    problems = [account.error, *(role.error for role in account.roles)]
    return [problem.code for problem in problems if problem is not None]


def _kind(account: AccountResult) -> Kind:
    """ok: succeeded or skipped on purpose; unknown: not in the directory; busy: throttled or not reached before
    the deadline; failed: anything else."""
    if account.status == "succeeded":
        return "ok"
    if account.status == "skipped":
        not_member = account.skip is not None and account.skip.code == codes.ACCOUNT_NOT_IN_DIRECTORY
        return "unknown" if not_member else "ok"
    if account.status == "not-attempted":
        return "busy"
    found = _account_codes(account)
    return "busy" if found and all(codes.THROTTLING_MARK in code for code in found) else "failed"


def status_of(result: Result) -> tuple[int, dict[str, str]]:
    """The HTTP status for ``result`` and the headers that go with it (``Retry-After``)."""
    retry = {"Retry-After": str(RETRY_AFTER_S)}
    if result.status == "invalid":
        rule = result.error.rule if result.error is not None else None
        return (413 if rule in TOO_LARGE_RULES else 400), {}
    if not result.accounts:
        # ignored (an event sent to the HTTP function), or failed before any account: settings, credentials, a bug.
        return (500 if result.status == "failed" else 200), {}
    kinds = [_kind(account) for account in result.accounts]
    if all(kind == "ok" for kind in kinds):
        return 200, {}
    if "ok" in kinds:
        return 207, {}
    if all(kind == "unknown" for kind in kinds):
        return 404, {}
    if all(kind in ("busy", "unknown") for kind in kinds):
        return 503, retry
    failed = [code for account in result.accounts if _kind(account) == "failed" for code in _account_codes(account)]
    return 502, (retry if failed and all(codes.is_transient(code) for code in failed) else {})


def with_request_id(reply: dict[str, Any], request_id: str) -> dict[str, Any]:
    reply["headers"] = {**reply.get("headers", {}), REQUEST_ID_HEADER: request_id, "Cache-Control": "no-store"}
    return reply


def result_reply(result: Result) -> dict[str, Any]:
    if result.status == "invalid" and result.error is not None and not result.error.hint:
        # Every refusal says what to do: an error built without a hint gets its rule's.
        result = replace(result, error=replace(result.error, hint=rule_hint(result.error.rule)))
    status, headers = status_of(result)
    return with_request_id(http_reply(status, result.to_dict(), headers), result.request_id)


def document_reply(document: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    """A 200 reply with a JSON document of the API's own (catalog, health, the OpenAPI description)."""
    return with_request_id(http_reply(200, document), request_id)


def refusal(status: int, error: ErrorInfo, request_id: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A 4xx reply whose body is an ``invalid`` result naming what was wrong; nothing was called."""
    return with_request_id(http_reply(status, invalid(error, request_id).to_dict(), headers), request_id)


def server_failure(error: ErrorInfo, request_id: str) -> dict[str, Any]:
    """A 500 reply: the function cannot serve the request (its settings, or a bug); no account was attempted."""
    return result_reply(Result("failed", False, request_id, error=error))


def route_not_found(path: str, known: list[str], request_id: str) -> dict[str, Any]:
    shown = path if len(path) <= 80 else path[:77] + "..."
    message = f"no route {shown}; the routes are {', '.join(known)}"
    return refusal(404, _refused(ROUTE_NOT_FOUND, message, "path", "route"), request_id)


def method_not_allowed(method: str, path: str, allowed: list[str], request_id: str) -> dict[str, Any]:
    message = f"{method[:16]} is not served on {path}; use {' or '.join(allowed)}"
    error = _refused(METHOD_NOT_ALLOWED, message, "method", "allowed-methods")
    return refusal(405, error, request_id, {"Allow": ", ".join(allowed)})


def caller_not_allowed(caller: str, request_id: str) -> dict[str, Any]:
    message = f"the caller's account {caller[:20] or '(unknown)'} may not use this API"
    error = _refused(CALLER_NOT_ALLOWED, message, "requestContext.accountId", "allowed-callers")
    return refusal(403, error, request_id)


def not_http_event(request_id: str) -> dict[str, Any]:
    """The HTTP function was invoked with something other than an FC3 HTTP trigger event (a bare request, a
    CloudEvent, a timer event): it serves only HTTP, so nothing runs."""
    message = (
        "$: the HTTP function serves only FC3 HTTP trigger events (version v1 with requestContext.http.method); "
        "this event is not one"
    )
    return refusal(400, _refused(codes.INVALID_REQUEST, message, "$", "not-http-event"), request_id)


def unsupported_media_type(content_type: str, request_id: str) -> dict[str, Any]:
    shown = (content_type[:60] or "(none)").replace("\n", " ")
    message = f"header.Content-Type: must be application/json, got {shown}"
    return refusal(415, _refused(codes.INVALID_REQUEST, message, "header.Content-Type", "media-type"), request_id)


def too_large(size: int, request_id: str) -> dict[str, Any]:
    message = f"$: the request must be at most {MAX_PAYLOAD_BYTES} bytes, got {size}"
    return refusal(413, _refused(codes.INVALID_REQUEST, message, "$", "max-size"), request_id)


def _refused(code: str, message: str, field: str, rule: str) -> ErrorInfo:
    """A refusal of the HTTP request: where (``field``), which rule, and the rule's hint (README "Errors")."""
    return ErrorInfo(code, message, rule_hint(rule), field=field, rule=rule)
