"""Trust policies: may this principal assume the role?

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.core.policy.arns import RAM_PRINCIPAL_RE
from emulator.core.policy.documents import validated
from emulator.core.policy.matching import statement_action_matches

if TYPE_CHECKING:
    from collections.abc import Mapping

_PRINCIPAL_KINDS = frozenset({"account-root", "user", "role", "service"})


@dataclass(frozen=True)
class Principal:
    kind: str  # "account-root" | "user" | "role" | "service"
    account_id: str | None
    name: str | None  # user or role name, or service name like "ecs.aliyuncs.com"

    def __post_init__(self) -> None:
        if self.kind not in _PRINCIPAL_KINDS:
            raise ValueError(f"unknown principal kind {self.kind!r}")


def _ram_principal_matches(value: str, principal: Principal) -> bool:
    match = RAM_PRINCIPAL_RE.match(value)
    if match is None or principal.account_id is None or match.group(1) != principal.account_id:
        return False
    identity = match.group(2)
    if identity.lower() == "root":
        # The account as a whole: every RAM user and role of it [REF 2.3]. The root identity itself also
        # matches; that STS refuses root callers is the STS service's check, not the trust policy's.
        return principal.kind in ("account-root", "user", "role")
    kind, _, name = identity.partition("/")
    return principal.kind == kind.lower() and principal.name is not None and name.lower() == principal.name.lower()


def _service_principal_matches(value: str, principal: Principal) -> bool:
    if principal.kind != "service" or principal.name is None:
        return False
    # Some service trust entries are written "<account-id>@<service>" (unconfirmed form); then the account
    # must match too.
    account, at, service = value.rpartition("@")
    return service.lower() == principal.name.lower() and (not at or account == principal.account_id)


def _principal_matches(principals: Mapping[str, tuple[str, ...]], principal: Principal) -> bool:
    # Federated principals (SAML/OIDC providers) never match: the emulator has no federated callers.
    return any(_ram_principal_matches(v, principal) for v in principals.get("RAM", ())) or any(
        _service_principal_matches(v, principal) for v in principals.get("Service", ())
    )


def trust_allows(trust_document: Mapping[str, Any], principal: Principal, action: str = "sts:AssumeRole") -> bool:
    """Does the role's trust policy let ``principal`` perform ``action`` (normally sts:AssumeRole) on the role?

    ``Principal.RAM`` ``acs:ram::<acct>:root`` trusts every user and role of that account;
    ``...:user/<name>`` and ``...:role/<name>`` trust only that identity (name case-insensitive, account exact);
    ``Principal.Service`` values trust that service principal (case-insensitive). Values may be a string or a
    list. Wildcard principals are rejected at parse time (see ``parse_policy_document``). A matching Deny wins;
    Resource is ignored (the resource is the role); statements without Principal trust nobody. Conditions are
    treated as in ``evaluate``: an Allow with a Condition never applies, a Deny with one always does.
    """
    allowed = False
    for statement in validated(trust_document):
        if statement.principal is None or not statement_action_matches(statement, action):
            continue
        if not _principal_matches(statement.principal, principal):
            continue
        if not statement.allow:
            return False
        if not statement.conditional:
            allowed = True
    return allowed
