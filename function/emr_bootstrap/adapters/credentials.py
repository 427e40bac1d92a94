"""Credentials the runtime hands over, as plain data (stdlib only: no SDK import on the cold path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class FunctionCredentials:
    """FC puts a temporary STS key of the function's role on ``context.credentials`` (python3.10) or in the
    ``ALIBABA_CLOUD_*`` variables (python3.12; docs/fc-notes.md §1.3)."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None

    @classmethod
    def from_invocation(cls, context: Any, env: Mapping[str, str]) -> FunctionCredentials | None:
        """The context's credentials, else the ``ALIBABA_CLOUD_*`` variables; None when neither has a key (the
        alibabacloud-credentials default chain is used then)."""
        creds = getattr(context, "credentials", None)
        key_id = getattr(creds, "access_key_id", None) or env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        secret = getattr(creds, "access_key_secret", None) or env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        token = getattr(creds, "security_token", None) or env.get("ALIBABA_CLOUD_SECURITY_TOKEN")
        if not key_id or not secret:
            return None
        return cls(key_id, secret, token or None)

    def __repr__(self) -> str:  # never print a secret, even by accident
        return f"FunctionCredentials(access_key_id={self.access_key_id!r}, ...)"
