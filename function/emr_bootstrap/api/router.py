"""One FC3 HTTP event in, one FC3 HTTP reply out (docs/fc-notes.md §2.1, §2.3).

In order: the caller allow-list (403), the route (404), the method (405 with ``Allow``), for a POST the content
type (415) and the body size (413), then the body, validated by the core's own rules (400), and the route's
handler. An event that is not an HTTP envelope (the HTTP function invoked directly) is run like the event
function runs it, and its result mapped to a status the same way. Never raises. Stdlib only.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap import safe_json
from emr_bootstrap.api import statuses
from emr_bootstrap.api.routes import ROUTES, Call
from emr_bootstrap.errors import BootstrapError, InvalidRequest, render_error
from emr_bootstrap.events import MAX_EVENT_BYTES
from emr_bootstrap.http_event import parse_http
from emr_bootstrap.jobs import from_event
from emr_bootstrap.request import ACCOUNT_ID, MAX_PAYLOAD_BYTES
from emr_bootstrap.result import invalid
from emr_bootstrap.settings import id_list

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.api.routes import Route
    from emr_bootstrap.app import Application, Invocation

log = logging.getLogger("emr_bootstrap.api")

# Comma-separated account IDs; when set, only callers whose request FC signed as one of them are served.
ALLOWED_CALLERS_VAR: Final = "EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS"
JSON_MEDIA_TYPE: Final = "application/json"


def allowed_callers(env: Mapping[str, str]) -> frozenset[str] | None:
    """The allow-list, or None when the variable is unset (every caller FC let through is served)."""
    return id_list(env, ALLOWED_CALLERS_VAR, ACCOUNT_ID, "account IDs of 10-20 digits")


def handle(
    raw: bytes, invocation: Invocation, app: Application, env: Mapping[str, str], routes: tuple[Route, ...] = ROUTES
) -> dict[str, Any]:
    """The reply to one HTTP trigger event. Never raises: a bug becomes a 500 logged with its type only."""
    started = time.monotonic()
    request_id = invocation.request_id
    try:
        envelope = _envelope(raw)
        if envelope is None:  # not an HTTP envelope: the HTTP function invoked directly
            job = from_event(raw, request_id=request_id, own_account_id=invocation.own_account_id)
            return statuses.result_reply(app.run(job, invocation))
        reply = _dispatch(envelope, invocation, app, env, routes)
    except Exception as exc:
        log.error("unexpected error in the HTTP API", extra={"requestId": request_id, "errorType": type(exc).__name__})
        return statuses.server_failure(render_error(exc), request_id)
    http = envelope.get("requestContext", {}).get("http", {})
    log.info(
        "http reply",
        extra={
            "requestId": request_id,
            "method": str(http.get("method", ""))[:16],
            "path": str(http.get("path", ""))[:256],
            "status": reply["statusCode"],
            "durationMs": int((time.monotonic() - started) * 1000),
        },
    )
    return reply


def _envelope(raw: bytes) -> dict[str, Any] | None:
    """The FC3 HTTP envelope with a usable ``requestContext.http.method``, or None for anything else (which the
    event parser then reports precisely)."""
    if len(raw) > MAX_EVENT_BYTES:
        return None
    try:
        document = safe_json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError and JsonRejected are ValueErrors
        return None
    if not isinstance(document, dict) or "requestContext" not in document or "version" not in document:
        return None
    context = document["requestContext"]
    http = context.get("http") if isinstance(context, dict) else None
    if document.get("version") != "v1" or not isinstance(http, dict) or not isinstance(http.get("method"), str):
        return None
    return document


def _dispatch(
    envelope: dict[str, Any],
    invocation: Invocation,
    app: Application,
    env: Mapping[str, str],
    routes: tuple[Route, ...],
) -> dict[str, Any]:
    request_id = invocation.request_id
    context = envelope["requestContext"]
    http = context["http"]
    method = http["method"].upper()
    path = str(http.get("path") or envelope.get("rawPath") or "/")
    try:
        allowed = allowed_callers(env)
    except BootstrapError as exc:  # an unusable allow-list: refuse everyone rather than guess
        return statuses.server_failure(render_error(exc), request_id)
    caller = str(context.get("accountId") or "")
    if allowed is not None and caller not in allowed:
        return statuses.caller_not_allowed(caller, request_id)
    on_path = [route for route in routes if route.path == path]
    if not on_path:
        known = sorted({f"{route.method} {route.path}" for route in routes if route.path.startswith("/v")})
        return statuses.route_not_found(path, known, request_id)
    route = next((r for r in on_path if r.method == method), None)
    if route is None:
        return statuses.method_not_allowed(method, path, sorted({r.method for r in on_path}), request_id)
    headers = envelope.get("headers")
    lowered = {str(k).lower(): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
    if route.takes_body:
        content_type = lowered.get("content-type", "")
        if not _is_json(content_type):
            return statuses.unsupported_media_type(content_type, request_id)
        size = _body_size(envelope)
        if size > MAX_PAYLOAD_BYTES:
            return statuses.too_large(size, request_id)
    try:
        trigger = parse_http(envelope if route.takes_body else {**envelope, "body": None})
    except InvalidRequest as exc:  # the body is not JSON, not an object, or refused by the hardened decoder
        return statuses.result_reply(invalid(exc, request_id))
    return route.handler(Call(trigger, invocation, app))


def _is_json(content_type: str) -> bool:
    """``application/json``, with parameters allowed; a charset must be UTF-8 (RFC 8259 §8.1)."""
    media_type, *parameters = (part.strip().lower() for part in content_type.split(";"))
    if media_type != JSON_MEDIA_TYPE:
        return False
    charsets = [p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset=")]
    return all(charset in ("utf-8", "utf8") for charset in charsets)


def _body_size(envelope: Mapping[str, Any]) -> int:
    """The body's size in bytes as the client sent it (after base64 decoding); 0 for none."""
    body = envelope.get("body")
    if not isinstance(body, str):
        return 0
    if envelope.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError):
            return len(body)  # parse_http reports the bad encoding
    return len(body.encode("utf-8", "surrogatepass"))


__all__ = ["ALLOWED_CALLERS_VAR", "allowed_callers", "handle"]
