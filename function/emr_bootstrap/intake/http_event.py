"""The FC3 HTTP trigger: the v1 request envelope -> :class:`~emr_bootstrap.intake.triggers.HttpInvocation`, and the
reply dict an event handler returns (docs/fc-notes.md §2.1, §2.3). Stdlib only."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from emr_bootstrap.intake.triggers import HttpInvocation, MalformedHttpEvent
from emr_bootstrap.shared import safe_json

if TYPE_CHECKING:
    from collections.abc import Mapping


def http_reply(
    status: int,
    body: Mapping[str, Any] | str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The dict an FC3 event handler returns to shape the HTTP response (docs/fc-notes.md §2.3).

    A mapping body is serialized as JSON with ``Content-Type: application/json``; a string is sent as text.
    """
    if isinstance(body, str):
        text, content_type = body, "text/plain; charset=utf-8"
    else:
        text, content_type = json_text(body), "application/json"
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type, **(headers or {})},
        "isBase64Encoded": False,
        "body": text,
    }


def parse_http(document: Mapping[str, Any]) -> HttpInvocation:
    if document.get("version") != "v1":
        raise MalformedHttpEvent(
            f"HTTP trigger event version {document.get('version')!r} is not supported; expected 'v1'"
        )
    context = document.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    if not isinstance(context, dict) or not isinstance(http, dict) or not isinstance(http.get("method"), str):
        raise MalformedHttpEvent("HTTP trigger event has no requestContext.http.method; expected the FC3 v1 envelope")
    body_payload, body_size = _http_body(document.get("body"), bool(document.get("isBase64Encoded")))
    headers = _mapping(document.get("headers"))
    query = _mapping(document.get("queryParameters"))
    return HttpInvocation(
        method=http["method"].upper(),
        path=str(http.get("path") or document.get("rawPath") or "/"),
        body_payload=body_payload,
        headers={str(k).lower(): str(v) for k, v in headers.items()},
        query={str(k): str(v) for k, v in query.items()},
        request_id=str(context.get("requestId", ""))[:128],
        source_ip=str(http.get("sourceIp", ""))[:64],
        caller_account_id=str(context.get("accountId", ""))[:64],
        user_agent=str(http.get("userAgent", ""))[:256],
        size=body_size,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _http_body(body: Any, is_base64: bool) -> tuple[dict[str, Any], int]:
    """The request body as a JSON object, and its size in bytes."""
    if body is None or body == "":
        return {}, 0  # GET, or a POST without a body: the core reports the missing fields
    if not isinstance(body, str):
        raise MalformedHttpEvent("HTTP trigger event 'body' is not a string")
    text = body
    if is_base64:
        try:
            text = base64.b64decode(body, validate=True).decode("utf-8-sig")
        except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            raise MalformedHttpEvent("request body is marked base64 but is not base64-encoded UTF-8 text") from exc
    try:
        payload = safe_json.loads(text)
    except safe_json.JsonRejected as exc:
        raise MalformedHttpEvent(f"request body is refused: {exc.message}", rule=exc.rule) from exc
    except json.JSONDecodeError as exc:
        raise MalformedHttpEvent(
            f"request body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'expected a JSON object such as {"accountIds": ["<16-digit account id>"], "dryRun": true}'
        ) from exc
    if not isinstance(payload, dict):
        raise MalformedHttpEvent(
            f"request body is a JSON {json_type(payload)}; "
            'expected a JSON object such as {"accountIds": ["<16-digit account id>"], "dryRun": true}'
        )
    return payload, len(text.encode("utf-8"))


def json_type(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "number", float: "number", type(None): "null", list: "array"}
    return names.get(type(value), "object")


def json_text(document: Any) -> str:
    """JSON that is always valid UTF-8: readable non-ASCII where it can be, escaped where it cannot."""
    text = json.dumps(document, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(document)
    return text
