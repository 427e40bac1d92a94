"""RAM entities as plain records; the rules that change them live in :mod:`emulator.ram.models`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Attachment:
    policy_type: str  # "System" | "Custom"
    policy_name: str
    attach_date: str
    visible_at: float = 0.0  # eventual consistency: hidden from reads until then

    @property
    def key(self) -> str:
        return attachment_key(self.policy_type, self.policy_name)


def attachment_key(policy_type: str, policy_name: str) -> str:
    return f"{policy_type}:{policy_name}"


@dataclass
class Role:
    role_id: str
    name: str  # stored with the creator's case; looked up case-insensitively
    arn: str
    trust_document: str
    description: str
    max_session_duration: int
    create_date: str
    update_date: str
    seq: int  # creation order, used for ListRoles paging
    visible_at: float = 0.0
    attachments: dict[str, Attachment] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Role:
        attachments = {k: Attachment(**v) for k, v in raw.pop("attachments").items()}
        return cls(**raw, attachments=attachments)


@dataclass
class User:
    user_id: str
    name: str
    display_name: str
    comments: str
    email: str
    mobile_phone: str
    create_date: str
    attachments: dict[str, Attachment] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> User:
        attachments = {k: Attachment(**v) for k, v in raw.pop("attachments").items()}
        return cls(**raw, attachments=attachments)


@dataclass
class CustomPolicy:
    name: str
    description: str
    document: str
    create_date: str
    update_date: str
    default_version: str = "v1"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
