"""One FC3 HTTP event in, one FC3 HTTP reply out (docs/fc-notes.md §2.1, §2.3). The HTTP function serves only HTTP.

In order, each step refusing before the next runs (README "HTTP API"):

1. the allow-list setting: unusable -> 500, nobody is served;
2. the caller: with ``EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS`` set, an event whose ``requestContext.accountId`` is not
   listed -> 403, whatever else it is (no accountId, not an HTTP envelope, not JSON, too large): only the FC event
   is decoded for this, never the body, and the reply says nothing of the route or the body;
3. the envelope: anything that is not an FC3 HTTP trigger event (a bare request, a CloudEvent, a timer event) ->
   400 ``not-http-event`` (413 when it is over the event size limit); nothing runs;
4. the route (404), the method (405 with ``Allow``; HEAD is served on GET routes, with the GET reply's status and
   headers and an empty body);
5. the query: any parameter but ``dryRun`` on a POST route -> 400 naming it; ``dryRun=true`` makes the run a dry
   run whatever the body says, ``dryRun=false`` changes nothing (the query can only narrow);
6. for a POST, the content type (415) and the body size (413), then the body, validated by the core's own rules
   (400), and the route's handler.

Never raises. Stdlib only.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.adapters.settings import id_list
from emr_bootstrap.api import statuses
from emr_bootstrap.api.routes import ROUTES, Call
from emr_bootstrap.core.request import ACCOUNT_ID, MAX_PAYLOAD_BYTES
from emr_bootstrap.core.result import invalid
from emr_bootstrap.intake.events import MAX_EVENT_BYTES
from emr_bootstrap.intake.http_event import parse_http
from emr_bootstrap.shared import safe_json
from emr_bootstrap.shared.errors import BootstrapError, InvalidRequest, render_error
from emr_bootstrap.shared.safe_json import shown

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.api.routes import Route
    from emr_bootstrap.application.app import Application
    from emr_bootstrap.application.invocation import Invocation

log = logging.getLogger("emr_bootstrap.api")

# Comma-separated account IDs; when set, only callers whose request FC signed as one of them are served.
ALLOWED_CALLERS_VAR: Final = "EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS"
JSON_MEDIA_TYPE: Final = "application/json"
# The one query parameter, on POST routes only: it can make a run a dry run, never the reverse.
DRY_RUN_PARAMETER: Final = "dryRun"


def allowed_callers(env: Mapping[str, str]) -> frozenset[str] | None:
    """The allow-list, or None when the variable is unset (every caller FC let through is served)."""
    return id_list(env, ALLOWED_CALLERS_VAR, ACCOUNT_ID, "account IDs of 10-20 digits")


def handle(
    raw: bytes, invocation: Invocation, app: Application, env: Mapping[str, str], routes: tuple[Route, ...] = ROUTES
) -> dict[str, Any]:
    """The reply to one HTTP trigger event. Never raises: a bug becomes a 500 logged with its type only."""
    started = time.monotonic()
    request_id = invocation.request_id
    method = path = ""
    try:
        document = _document(raw)
        envelope = _envelope(document)
        if envelope is not None:
            http = envelope["requestContext"]["http"]
            method, path = http["method"].upper(), str(http.get("path") or envelope.get("rawPath") or "/")
        reply = _dispatch(len(raw), document, envelope, invocation, app, env, routes)
    except Exception as exc:
        log.error("unexpected error in the HTTP API", extra={"requestId": request_id, "errorType": type(exc).__name__})
        reply = statuses.server_failure(render_error(exc), request_id)
    if method == "HEAD":
        reply["body"] = ""  # HEAD: the GET reply's status and headers, no body
    log.info(
        "http reply",
        extra={
            "requestId": request_id,
            "method": method[:16],
            "path": path[:256],
            "status": reply["statusCode"],
            "durationMs": int((time.monotonic() - started) * 1000),
        },
    )
    return reply


def _document(raw: bytes) -> dict[str, Any] | None:
    """The FC event as a JSON object, or None when it is not one (too large, not UTF-8, not JSON, not an object)."""
    if len(raw) > MAX_EVENT_BYTES:
        return None
    try:
        document = safe_json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError and JsonRejected are ValueErrors
        return None
    return document if isinstance(document, dict) else None


def _envelope(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """The FC3 HTTP envelope (version v1 with a ``requestContext.http.method``), or None for anything else."""
    context = document.get("requestContext") if document is not None else None
    http = context.get("http") if isinstance(context, dict) else None
    if document is None or document.get("version") != "v1" or not isinstance(http, dict):
        return None
    return document if isinstance(http.get("method"), str) else None


def _caller(document: dict[str, Any] | None) -> str:
    """``requestContext.accountId``: the account FC says signed the request; "" when the event names none."""
    context = document.get("requestContext") if document is not None else None
    caller = context.get("accountId") if isinstance(context, dict) else None
    return caller if isinstance(caller, str) else ""


def _dispatch(
    size: int,
    document: dict[str, Any] | None,
    envelope: dict[str, Any] | None,
    invocation: Invocation,
    app: Application,
    env: Mapping[str, str],
    routes: tuple[Route, ...],
) -> dict[str, Any]:
    request_id = invocation.request_id
    try:
        allowed = allowed_callers(env)
    except BootstrapError as exc:  # an unusable allow-list: refuse everyone rather than guess
        return statuses.server_failure(render_error(exc), request_id)
    if allowed is not None and (caller := _caller(document)) not in allowed:
        return statuses.caller_not_allowed(caller, request_id)
    if envelope is None:
        return statuses.too_large(size, request_id) if size > MAX_EVENT_BYTES else statuses.not_http_event(request_id)
    http = envelope["requestContext"]["http"]
    method = http["method"].upper()
    path = str(http.get("path") or envelope.get("rawPath") or "/")
    on_path = [route for route in routes if route.path == path]
    if not on_path:
        known = sorted({f"{route.method} {route.path}" for route in routes if route.path.startswith("/v")})
        return statuses.route_not_found(path, known, request_id)
    served = {r.method for r in on_path} | ({"HEAD"} if any(r.method == "GET" for r in on_path) else set())
    route = next((r for r in on_path if r.method == ("GET" if method == "HEAD" else method)), None)
    if route is None:
        return statuses.method_not_allowed(method, path, sorted(served), request_id)
    try:
        dry_run = _query(envelope.get("queryParameters"), route)
    except InvalidRequest as exc:
        return statuses.result_reply(invalid(exc, request_id))
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
    return route.handler(Call(trigger, invocation, app, dry_run=dry_run))


def _query(parameters: Any, route: Route) -> bool:
    """Whether the query asks for a dry run. Only ``dryRun`` is known (POST routes), and it can only narrow:
    ``true`` makes the run a dry run, ``false`` leaves the body's choice. Raises InvalidRequest naming the first
    unknown parameter, or a ``dryRun`` that is neither (a repeated one arrives comma-joined, so it is neither)."""
    query = {str(k): str(v) for k, v in parameters.items()} if isinstance(parameters, dict) else {}
    known = (DRY_RUN_PARAMETER,) if route.takes_body else ()
    unknown = sorted(name for name in query if name not in known)
    if unknown:
        names = ", ".join(shown(name) for name in unknown[:5])
        takes = f"this route takes only {DRY_RUN_PARAMETER}" if known else "this route takes none"
        raise InvalidRequest(f"query.{unknown[0][:40]}", "unknown-field", f"unknown query parameter {names}; {takes}")
    value = query.get(DRY_RUN_PARAMETER)
    if value not in (None, "true", "false"):
        raise InvalidRequest(f"query.{DRY_RUN_PARAMETER}", "enum", f"must be true or false, got {shown(str(value))}")
    return value == "true"


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


__all__ = ["ALLOWED_CALLERS_VAR", "DRY_RUN_PARAMETER", "allowed_callers", "handle"]
