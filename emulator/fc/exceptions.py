"""FC 2023-03-30 errors and their wire shape.

Sources:
- Body ``{"Code", "Message", "RequestId"}`` (example: FunctionNotFound, "function not found",
  ``1-64e70cf1-5cbef92ea8fc8c42899cf5d1``): https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-struct-error.
  The SDK (tea-openapi 0.4.6 ``do_request``) reads ``Code``/``Message``/``RequestId`` from it.
- Codes and messages of FC 3.0: https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes
  (404 FunctionNotFound "function '%s' does not exist.", EntityTooLarge "payload size exceeds maximum allowed size
  (%s bytes)", InternalServerError "an internal error has occurred. Please retry.", InvalidAccessKeyID "invalid
  access key ID '%s'"; that page gives no status for most codes).
- Statuses: FC's error table, https://www.alibabacloud.com/help/en/functioncompute/error-codes (400 InvalidArgument,
  400 PathNotSupported, 400 EntityTooLarge, 403 AccessDenied, 403 SignatureNotMatch with its message, 403
  InvalidAccessKeyID; 429 ResourceExhausted and 500 InternalServerError in the older list,
  https://developer.aliyun.com/ask/279119).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.core import signing
from emulator.core.errors import ApiError
from emulator.core.faults import Throttled
from emulator.core.reply import JSON_CONTENT_TYPE, Reply

if TYPE_CHECKING:
    from emulator.core.request import WireRequest

REQUEST_ID_HEADER = "x-fc-request-id"  # "X-Fc-Request-Id" common response header (help doc 53251)
SIGNATURE_NOT_MATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your access key and signing method"
)
INTERNAL_SERVER_ERROR = "an internal error has occurred. Please retry."
# Unconfirmed message (the tables give none); the code and status are FC's for exceeded concurrency.
RESOURCE_EXHAUSTED = "Rate exceeded: too many requests or too much concurrency for this function or account."


def function_not_found(name: str) -> ApiError:
    return ApiError(404, "FunctionNotFound", f"function '{name}' does not exist.")


def qualifier_not_found(name: str, qualifier: str) -> ApiError:
    # Unconfirmed for FC 3.0: the FC 2.0 table's AliasNotFound "alias '%s' of service '%s' does not exist".
    return ApiError(404, "AliasNotFound", f"alias '{qualifier}' of function '{name}' does not exist")


def entity_too_large(limit: int) -> ApiError:
    return ApiError(400, "EntityTooLarge", f"payload size exceeds maximum allowed size ({limit} bytes)")


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, "InvalidArgument", message)


def access_denied(action: str, resource: str) -> ApiError:
    # FC's message is "%s"; this wording is ours (unconfirmed).
    message = f"You are not authorized to do this action. Action: {action}, Resource: {resource}"
    return ApiError(403, "AccessDenied", message)


def translate(error: ApiError, request: WireRequest) -> ApiError:
    """An error raised by the shared layers (signatures, keys, faults, bugs), as FC words it."""
    if isinstance(error, Throttled):  # FC throttles with 429 ResourceExhausted whatever throttle_code says
        return ApiError(429, "ResourceExhausted", RESOURCE_EXHAUSTED)
    if error.code == "SignatureDoesNotMatch":
        return ApiError(403, "SignatureNotMatch", SIGNATURE_NOT_MATCH)
    if error.code == "InvalidAccessKeyId.NotFound":
        return ApiError(403, "InvalidAccessKeyID", f"invalid access key ID '{signing.claimed_access_key_id(request)}'")
    if error.code == "NoPermission":
        return ApiError(403, "AccessDenied", error.message)
    if error.code == "InternalError":
        return ApiError(500, "InternalServerError", INTERNAL_SERVER_ERROR)
    # IncompleteSignature, SignatureNonceUsed, MissingSecurityToken, InvalidSecurityToken.*, ServiceUnavailable:
    # kept as the gateway words them (FC's own codes for these are unconfirmed).
    return error


def render(error: ApiError, request_id: str, request: WireRequest) -> Reply:
    """The FC error reply: ``{Code, Message, RequestId}`` with the real status and ``x-fc-request-id``."""
    headers = {REQUEST_ID_HEADER: request_id, **(error.headers if isinstance(error, Throttled) else {})}
    error = translate(error, request)
    body = {"Code": error.code, "Message": error.message, "RequestId": request_id}
    return Reply(error.status, body, headers, JSON_CONTENT_TYPE)
