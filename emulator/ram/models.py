"""RAM semantics for one account: roles, attachments, custom policies and users.

Every method takes the account's lock, so concurrent calls against one account serialise (50 concurrent
CreateRole for one name: exactly one wins) while other accounts proceed.
Reads pass ``now`` to honour eventual consistency; writes always see everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.core import clock, ids, policy
from emulator.ram import exceptions as err
from emulator.ram.entities import Attachment, CustomPolicy, Role, User, attachment_key

if TYPE_CHECKING:
    from emulator.core.state import Account

# Quotas from the RAM limits page (docs/alibaba-cloud.md §1.4); custom-per-role was 5 on an older page.
MAX_ROLES_PER_ACCOUNT = 1000
MAX_SYSTEM_POLICIES_PER_ROLE = 20
MAX_CUSTOM_POLICIES_PER_ROLE = 10
MAX_SYSTEM_POLICIES_PER_USER = 20
MAX_CUSTOM_POLICIES_PER_USER = 10
MAX_ACCESS_KEYS_PER_USER = 2
DEFAULT_MAX_SESSION_DURATION = 3600
# Unconfirmed: the maximum trust-policy length; we use the custom-policy maximum.
TRUST_POLICY_MAX_LENGTH = 6144
POLICY_DOCUMENT_MAX_LENGTH = 6144
# System policies carry no dates in our catalogue; a fixed, plausible one.
SYSTEM_POLICY_DATE = "2015-04-01T00:00:00Z"


def document_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))


@dataclass(frozen=True)
class PolicyView:
    """A system or custom policy as the read actions show it."""

    name: str
    policy_type: str
    description: str
    default_version: str
    document: str
    create_date: str
    update_date: str

    @classmethod
    def of_system(cls, system: policy.SystemPolicy) -> PolicyView:
        return cls(
            system.name,
            "System",
            system.description,
            system.default_version,
            document_text(system.document),
            SYSTEM_POLICY_DATE,
            SYSTEM_POLICY_DATE,
        )

    @classmethod
    def of_custom(cls, custom: CustomPolicy) -> PolicyView:
        return cls(
            custom.name,
            "Custom",
            custom.description,
            custom.default_version,
            custom.document,
            custom.create_date,
            custom.update_date,
        )


T = TypeVar("T")


def by_name(policies: dict[str, T], name: str) -> T | None:
    """Policy names are case-insensitive: the exact key first, else any key equal but for case."""
    found = policies.get(name)
    if found is None:
        lowered = name.lower()
        found = next((value for key, value in policies.items() if key.lower() == lowered), None)
    return found


class RamBackend:
    def __init__(self, account: Account, system_policies: dict[str, policy.SystemPolicy]) -> None:
        self.account = account
        self.system = system_policies

    # --- roles -------------------------------------------------------------------------------------
    def create_role(
        self,
        name: str,
        trust_document: str,
        description: str,
        max_session_duration: int | None,
        *,
        now: float,
        visible_at: float = 0.0,
    ) -> Role:
        policy.parse_policy_document(
            trust_document, param="AssumeRolePolicyDocument", max_length=TRUST_POLICY_MAX_LENGTH, kind="trust"
        )
        with self.account.lock:
            if name.lower() in self.account.roles:
                raise err.role_exists(name)
            if len(self.account.roles) >= MAX_ROLES_PER_ACCOUNT:
                raise err.role_limit()
            stamp = clock.iso_seconds(now)
            role = Role(
                role_id=ids.numeric_id(),
                name=name,
                arn=policy.role_arn(self.account.account_id, name),
                trust_document=trust_document,
                description=description,
                max_session_duration=max_session_duration or DEFAULT_MAX_SESSION_DURATION,
                create_date=stamp,
                update_date=stamp,
                seq=self.account.next_role_seq,
                visible_at=visible_at,
            )
            self.account.next_role_seq += 1
            self.account.roles[name.lower()] = role
            return role

    def get_role(self, name: str, *, now: float | None = None) -> Role:
        with self.account.lock:
            role = self.account.roles.get(name.lower())
            if role is None or (now is not None and role.visible_at > now):
                raise err.role_not_found(name)
            return role

    def update_role(
        self,
        name: str,
        *,
        trust_document: str | None,
        description: str | None,
        max_session_duration: int | None,
        now: float,
    ) -> Role:
        if trust_document is not None:
            policy.parse_policy_document(
                trust_document,
                param="NewAssumeRolePolicyDocument",
                max_length=TRUST_POLICY_MAX_LENGTH,
                kind="trust",
            )
        with self.account.lock:
            role = self.get_role(name)
            if trust_document is not None:
                role.trust_document = trust_document
            if description is not None:
                role.description = description
            if max_session_duration is not None:
                role.max_session_duration = max_session_duration
            role.update_date = clock.iso_seconds(now)
            return role

    def delete_role(self, name: str) -> None:
        with self.account.lock:
            role = self.get_role(name)
            if role.attachments:
                raise err.delete_conflict()
            del self.account.roles[role.name.lower()]

    def list_roles(self, *, now: float) -> list[Role]:
        with self.account.lock:
            visible = [r for r in self.account.roles.values() if r.visible_at <= now]
        return sorted(visible, key=lambda r: r.seq)

    # --- policies ----------------------------------------------------------------------------------
    def find_policy(self, policy_type: str, name: str) -> PolicyView:
        """The policy named ``name`` in any letter case (RAM resolves ``AliyunOssFullAccess`` to
        ``AliyunOSSFullAccess``, github.com/alibaba/funcraft/issues/508); the view carries the stored name."""
        if policy_type == "System":
            system = by_name(self.system, name)
            if system is not None:
                return PolicyView.of_system(system)
        else:
            with self.account.lock:
                custom = by_name(self.account.policies, name)
            if custom is not None:
                return PolicyView.of_custom(custom)
        raise err.policy_not_found(policy_type, name)

    def list_policies(self, policy_type: str | None) -> list[PolicyView]:
        views: list[PolicyView] = []
        if policy_type in (None, "System"):
            views += [self.find_policy("System", name) for name in sorted(self.system)]
        if policy_type in (None, "Custom"):
            with self.account.lock:
                names = list(self.account.policies)
            views += [self.find_policy("Custom", name) for name in names]
        return views

    def create_policy(self, name: str, document: str, description: str, *, now: float) -> CustomPolicy:
        policy.parse_policy_document(
            document, param="PolicyDocument", max_length=POLICY_DOCUMENT_MAX_LENGTH, kind="permission"
        )
        with self.account.lock:
            # Unconfirmed: a custom policy may not reuse a system policy's name.
            if by_name(self.account.policies, name) is not None or by_name(self.system, name) is not None:
                raise err.policy_exists(name)
            stamp = clock.iso_seconds(now)
            created = CustomPolicy(
                name=name, description=description, document=document, create_date=stamp, update_date=stamp
            )
            self.account.policies[name] = created
            return created

    def attachment_count(self, policy_type: str, name: str) -> int:
        key = attachment_key(policy_type, name)
        with self.account.lock:
            attachment_sets = [r.attachments for r in self.account.roles.values()]
            attachment_sets += [u.attachments for u in self.account.users.values()]
            return sum(1 for attachments in attachment_sets if key in attachments)

    # --- role attachments --------------------------------------------------------------------------
    def attach_policy_to_role(
        self, role_name: str, policy_type: str, policy_name: str, *, now: float, visible_at: float = 0.0
    ) -> None:
        with self.account.lock:
            role = self.get_role(role_name)
            name = self.find_policy(policy_type, policy_name).name
            key = attachment_key(policy_type, name)
            if key in role.attachments:
                raise err.role_policy_exists()
            if self._count(role.attachments, policy_type) >= _role_limit(policy_type):
                raise err.role_policy_limit()
            role.attachments[key] = Attachment(policy_type, name, clock.iso_seconds(now), visible_at)

    def detach_policy_from_role(self, role_name: str, policy_type: str, policy_name: str) -> None:
        with self.account.lock:
            role = self.get_role(role_name)
            key = attachment_key(policy_type, self.find_policy(policy_type, policy_name).name)
            if key not in role.attachments:
                raise err.role_policy_not_found()
            del role.attachments[key]

    def policies_for_role(self, role_name: str, *, now: float) -> list[tuple[Attachment, PolicyView]]:
        with self.account.lock:
            role = self.get_role(role_name, now=now)
            visible = [a for a in role.attachments.values() if a.visible_at <= now]
        return [(a, self.find_policy(a.policy_type, a.policy_name)) for a in visible]

    @staticmethod
    def _count(attachments: dict[str, Attachment], policy_type: str) -> int:
        return sum(1 for a in attachments.values() if a.policy_type == policy_type)

    # --- users -------------------------------------------------------------------------------------
    def create_user(
        self, name: str, *, display_name: str | None, comments: str, email: str, mobile_phone: str, now: float
    ) -> User:
        with self.account.lock:
            if name.lower() in self.account.users:
                raise err.user_exists(name)
            user = User(
                user_id=ids.numeric_id(),
                name=name,
                display_name=display_name or name,
                comments=comments,
                email=email,
                mobile_phone=mobile_phone,
                create_date=clock.iso_seconds(now),
            )
            self.account.users[name.lower()] = user
            return user

    def get_user(self, name: str) -> User:
        with self.account.lock:
            user = self.account.users.get(name.lower())
            if user is None:
                raise err.user_not_found(name)
            return user

    def attach_policy_to_user(self, user_name: str, policy_type: str, policy_name: str, *, now: float) -> None:
        with self.account.lock:
            user = self.get_user(user_name)
            name = self.find_policy(policy_type, policy_name).name
            key = attachment_key(policy_type, name)
            if key in user.attachments:
                raise err.user_policy_exists()
            limit = MAX_SYSTEM_POLICIES_PER_USER if policy_type == "System" else MAX_CUSTOM_POLICIES_PER_USER
            if self._count(user.attachments, policy_type) >= limit:
                raise err.user_policy_limit()
            user.attachments[key] = Attachment(policy_type, name, clock.iso_seconds(now))


def _role_limit(policy_type: str) -> int:
    return MAX_SYSTEM_POLICIES_PER_ROLE if policy_type == "System" else MAX_CUSTOM_POLICIES_PER_ROLE
