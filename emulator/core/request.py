"""The parsed HTTP request every layer after the socket works with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WireRequest:
    method: str
    path: str
    query: list[tuple[str, str]]  # decoded pairs, in wire order
    headers: dict[str, list[str]]  # lower-cased names
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)
