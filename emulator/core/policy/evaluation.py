"""Identity-based evaluation: do these policies (and a session policy) allow this action on this resource?

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.core.policy.documents import validated
from emulator.core.policy.matching import statement_action_matches, statement_resource_matches

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool  # True when a Deny statement matched (NoPermissionType ExplicitDeny vs ImplicitDeny)

    @property
    def no_permission_type(self) -> str | None:
        """``AccessDeniedDetail.NoPermissionType`` for a denial [REF 1.2], None when allowed."""
        if self.allowed:
            return None
        return "ExplicitDeny" if self.explicit_deny else "ImplicitDeny"


ALLOW = Decision(allowed=True, explicit_deny=False)
IMPLICIT_DENY = Decision(allowed=False, explicit_deny=False)
EXPLICIT_DENY = Decision(allowed=False, explicit_deny=True)


def evaluate(documents: Sequence[Mapping[str, Any]], action: str, resource: str) -> Decision:
    """Identity-based evaluation [EVAL]: any matching Deny -> explicit deny; else any matching Allow -> allow;
    else implicit deny. Statement and document order do not matter.

    Principal elements are ignored here (identity policies have none). Conditions: no request context reaches
    this function, so a statement with a non-empty ``Condition`` is treated conservatively: it never matches
    as an Allow and always matches as a Deny (a deliberate emulator choice, stricter than real RAM).
    Raises ``ApiError`` 400 MalformedPolicyDocument if a document is not valid policy grammar.
    """
    allowed = False
    for document in documents:
        for statement in validated(document):
            if not (statement_action_matches(statement, action) and statement_resource_matches(statement, resource)):
                continue
            if not statement.allow:
                return EXPLICIT_DENY
            if not statement.conditional:
                allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def evaluate_session(
    identity_documents: Sequence[Mapping[str, Any]],
    session_policy: Mapping[str, Any] | None,
    action: str,
    resource: str,
) -> Decision:
    """Assumed-role session: the role's policies must allow AND (no session policy, or it allows too).

    A Deny in either wins and is reported as explicit. A session policy can only narrow [REF 3].
    """
    role = evaluate(identity_documents, action, resource)
    if session_policy is None:
        return role
    session = evaluate([session_policy], action, resource)
    if role.explicit_deny or session.explicit_deny:
        return EXPLICIT_DENY
    return ALLOW if role.allowed and session.allowed else IMPLICIT_DENY
