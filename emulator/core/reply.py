"""What the wire layer writes back: a status, headers and a body (a JSON object or raw bytes)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
BINARY_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """One HTTP response. RPC services answer JSON objects; ROA actions (FC's InvokeFunction) may answer raw bytes."""

    status: int
    body: dict[str, Any] | bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_CONTENT_TYPE

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def error_code(self) -> str | None:
        """The error code of a JSON error body (RPC and FC both call it ``Code``), else None."""
        if self.status < 400 or isinstance(self.body, bytes):
            return None
        code = self.body.get("Code")
        return None if code is None else str(code)
