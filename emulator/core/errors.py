"""Errors the emulated services return on the wire.

Every failure an action can produce is an :class:`ApiError`: the wire layer turns it into the real error body
``{RequestId, HostId, Code, Message, Recommend}`` with the real HTTP status. Extra fields (for example
``AccessDeniedDetail``) travel in ``extra`` and are merged into the body.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A service error with its real HTTP status and error code."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra: dict[str, Any] = extra
