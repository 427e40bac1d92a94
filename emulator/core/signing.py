"""Signature verification: V3 ``ACS3-HMAC-SHA256`` (tea-openapi) and V1 HMAC-SHA1 (credentials' RamRoleArn).

Both algorithms follow docs/alibaba-cloud.md §5.1 and §5.2, which were checked against the SDK's own signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from emulator.core.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from emulator.core.request import WireRequest

V3_ALGORITHM = "ACS3-HMAC-SHA256"
_ALWAYS_SIGNED = frozenset({"host", "content-type"})
NONCE_WINDOW_S = 15 * 60
_PRUNE_AT = 100_000  # entries before expired nonces are dropped
_V3_AUTH = re.compile(r"^(?P<alg>\S+) Credential=(?P<ak>[^,]+),SignedHeaders=(?P<sh>[^,]*),Signature=(?P<sig>\S+)$")


@dataclass(frozen=True)
class SignedCredentials:
    """What a request claims: its key id, its token, and how to check the signature once the secret is known."""

    scheme: str  # "V3" | "V1"
    access_key_id: str
    security_token: str | None
    nonce: str | None
    verify: Callable[[str], None]


def incomplete(message: str) -> ApiError:
    return ApiError(400, "IncompleteSignature", message)


def mismatch(string_to_sign: str) -> ApiError:
    return ApiError(
        400,
        "SignatureDoesNotMatch",
        f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
    )


def extract(request: WireRequest) -> SignedCredentials:
    """Pick the scheme: V3 signs with an ``Authorization`` header, V1 with ``Signature`` in the query."""
    authorization = request.header("authorization")
    if authorization is not None:
        return _extract_v3(request, authorization)
    if "Signature" in request.params:
        return _extract_v1(request)
    raise incomplete("The request signature does not conform to Aliyun standards.")


def claimed_access_key_id(request: WireRequest) -> str:
    """The key id a request names (for error messages), or "" when it names none."""
    authorization = request.header("authorization")
    if authorization is not None:
        match = _V3_AUTH.match(authorization.strip())
        return match["ak"] if match else ""
    return request.params.get("AccessKeyId", "")


class NonceRegistry:
    """Signature nonces seen recently, per access key: a replayed request is ``SignatureNonceUsed``.

    Alibaba documents the code (docs/alibaba-cloud.md §5.1); how long RAM remembers a nonce is unconfirmed, so we keep
    one for :data:`NONCE_WINDOW_S` (the usual 15-minute validity of a signed request).
    """

    def __init__(self, window_s: float = NONCE_WINDOW_S) -> None:
        self._lock = threading.Lock()
        self._window_s = window_s
        self._seen: dict[tuple[str, str], float] = {}

    def use(self, access_key_id: str, nonce: str, now: float) -> None:
        with self._lock:
            if len(self._seen) >= _PRUNE_AT:
                self._seen = {k: t for k, t in self._seen.items() if now - t < self._window_s}
            seen_at = self._seen.get((access_key_id, nonce))
            if seen_at is not None and now - seen_at < self._window_s:
                raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._seen[(access_key_id, nonce)] = now

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


# --- V3 ----------------------------------------------------------------------------------------------
def _extract_v3(request: WireRequest, authorization: str) -> SignedCredentials:
    match = _V3_AUTH.match(authorization.strip())
    if match is None:
        raise incomplete("The Authorization header is malformed.")
    if match["alg"] != V3_ALGORITHM:
        raise incomplete(f"The signature algorithm {match['alg']} is not supported.")
    signed_headers = match["sh"].split(";") if match["sh"] else []
    # "All common headers except Authorization must be signed if present" (docs/alibaba-cloud.md §5.1): otherwise
    # x-acs-action, x-acs-version or x-acs-security-token could be swapped without breaking the signature.
    must_sign = {"host", "x-acs-date"} | {n for n in request.headers if n in _ALWAYS_SIGNED or n.startswith("x-acs-")}
    unsigned = sorted(must_sign - set(signed_headers))
    if unsigned:
        raise incomplete(f"SignedHeaders must include {', '.join(unsigned)}.")
    for name in signed_headers:
        if name not in request.headers:
            raise incomplete(f"The signed header {name} is missing from the request.")

    def verify(secret: str) -> None:
        string_to_sign = v3_string_to_sign(request, signed_headers)
        expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["sig"].lower()):
            raise mismatch(string_to_sign)

    return SignedCredentials(
        "V3", match["ak"], request.header("x-acs-security-token"), request.header("x-acs-signature-nonce"), verify
    )


def v3_canonical_request(request: WireRequest, signed_headers: list[str]) -> str:
    # Keys are not encoded by the SDK signer; values are quote(v, safe='~') (tea-openapi utils.py).
    pairs = sorted(request.query, key=lambda kv: kv[0])
    canonical_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in pairs)
    canonical_headers = "".join(
        f"{name}:{','.join(sorted(v.strip() for v in request.headers[name]))}\n" for name in sorted(signed_headers)
    )
    body_hash = hashlib.sha256(request.body).hexdigest()
    return "\n".join(
        [
            request.method,
            request.path or "/",
            canonical_query,
            canonical_headers,
            ";".join(sorted(signed_headers)),
            body_hash,
        ]
    )


def v3_string_to_sign(request: WireRequest, signed_headers: list[str]) -> str:
    canonical = v3_canonical_request(request, signed_headers)
    return f"{V3_ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


# --- V1 ----------------------------------------------------------------------------------------------
def _extract_v1(request: WireRequest) -> SignedCredentials:
    params = request.params
    access_key_id = params.get("AccessKeyId")
    if not access_key_id:
        raise incomplete("The AccessKeyId parameter is missing.")
    if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
        raise incomplete(f"The signature method {params['SignatureMethod']} is not supported.")

    def verify(secret: str) -> None:
        signature = params["Signature"]
        candidates = [v1_string_to_sign(request, quote_plus), v1_string_to_sign(request, _rfc3986)]
        for string_to_sign in candidates:
            expected = base64.b64encode(
                hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
            ).decode()
            if hmac.compare_digest(expected, signature):
                return
        raise mismatch(candidates[0])

    return SignedCredentials("V1", access_key_id, params.get("SecurityToken"), params.get("SignatureNonce"), verify)


def _rfc3986(text: str) -> str:
    """Alibaba's documented V1 percent-encoding (space -> %20); the SDK uses quote_plus, so accept both."""
    return quote(text, safe="~")


def v1_string_to_sign(request: WireRequest, encode: Callable[[str], str]) -> str:
    pairs = sorted((k, v) for k, v in request.query if k != "Signature")
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    return f"{request.method}&{encode('/')}&{encode(canonical)}"
