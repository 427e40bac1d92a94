"""Identifiers that look like the real ones (request ids, role ids, access keys, tokens)."""

from __future__ import annotations

import base64
import secrets
import string
import time
import uuid

_ALNUM = string.ascii_letters + string.digits


def request_id() -> str:
    """Upper-case UUID, as in the documented error example ``33D9749B-…``."""
    return str(uuid.uuid4()).upper()


def numeric_id(digits: int = 17) -> str:
    """RAM role and user ids are long decimal numbers (e.g. ``34458433936495****``)."""
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def _alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def access_key_id() -> str:
    """Long-term keys start with ``LTAI``; 24 characters in total."""
    return "LTAI" + _alnum(20)


def sts_access_key_id() -> str:
    """Temporary keys start with ``STS.`` (docs/alibaba-cloud.md §3 response example)."""
    return "STS." + _alnum(21)


def record_id() -> str:
    """The creation record of a CreateCloudAccount member (format unconfirmed)."""
    return "car-" + _alnum(12)


def folder_id() -> str:
    """Resource-directory folders: ``fd-`` + 10 letters/digits (RM ListAccountsForParent's ParentFolderId rule)."""
    return "fd-" + _alnum(10)


def access_key_secret() -> str:
    return _alnum(30)


def security_token() -> str:
    """Opaque; real tokens start with ``CAIS`` and are several hundred characters long."""
    return "CAIS" + base64.b64encode(secrets.token_bytes(240)).decode("ascii")


def fc_request_id() -> str:
    """FC 2023-03-30 request ids look like ``1-64e70cf1-5cbef92ea8fc8c42899cf5d1``: ``1-``, the time in 8 hex digits,
    ``-``, 24 hex digits (the example in https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-struct-error)."""
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
