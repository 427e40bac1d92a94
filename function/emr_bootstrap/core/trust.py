"""Semantic comparison of RAM trust policies.

A trust policy is compared as the set of *grants* it makes: one grant per (Effect, Action, principal type,
principal value) with the statement's other elements (Condition, Resource, NotAction, ...) attached. Listing a
value or not, key order, statement order, duplicate statements and splitting one statement into several do not
change the set, so they compare equal. Anything that adds a grant (another service, another account) or removes
one compares different: a widened trust is never "equal".

Case: the cloud ignores case in action names (``sts:AssumeRole``; "mostly case-insensitive", docs/alibaba-cloud.md
§2.3), in service principals (DNS names) and in RAM ARNs (role and account names are matched case-insensitively,
§2.4), so those compare case-insensitively. Effect also compares case-insensitively: a document the cloud stored
is one it accepted, and an accepted "allow" can only mean Allow. Element names ("Statement", "Principal", ...)
and condition values compare exactly. ``Sid`` is ignored: it labels a statement and grants nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_IGNORED_ELEMENTS = frozenset({"Sid"})
_GRANT_ELEMENTS = frozenset({"Effect", "Action", "Principal"})
_MAX_LISTED = 3


class TrustPolicyShapeError(ValueError):
    """The document is not a policy this module understands."""


@dataclass(frozen=True, order=True)
class Grant:
    effect: str
    action: str
    principal_type: str
    principal: str
    # Canonical JSON of the statement's other elements ("{}" when there are none).
    rest: str

    @property
    def who(self) -> tuple[str, str, str]:
        """The action and principal, without the conditions: what an Allow lets happen at most."""
        return (self.action, self.principal_type, self.principal)

    def describe(self) -> str:
        who = f"{self.principal_type} {self.principal}" if self.principal_type else "any principal"
        text = f"{self.effect} {self.action} to {who}"
        return text if self.rest == "{}" else f"{text} with {self.rest}"


@dataclass(frozen=True)
class TrustComparison:
    # Short human description of the difference; None means equal (one field, so the two cannot disagree).
    difference: str | None = None
    # True when the actual policy allows a principal an action the expected one does not allow at all. A
    # Condition on an allowed principal, or an extra Deny, narrows: it is a difference, never a widening.
    widened: bool = False
    # True when every principal the expected policy allows is still allowed the action (with or without extra
    # conditions): the catalog's service can still assume the role, so nothing needs restoring.
    expected_principals_allowed: bool = True

    @property
    def equal(self) -> bool:
        return self.difference is None


def _as_list(value: object, element: str) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [value]
    raise TrustPolicyShapeError(f"{element} must be a string or a list, got {type(value).__name__}")


def _strings(value: object, element: str) -> list[str]:
    items = _as_list(value, element)
    if not all(isinstance(item, str) for item in items):
        raise TrustPolicyShapeError(f"{element} must contain strings")
    return [item for item in items if isinstance(item, str)]


def _canonical_value(value: object) -> object:
    """Order-free canonical form for Condition/Resource/...: a scalar equals a one-item list."""
    if isinstance(value, Mapping):
        return {str(key): _canonical_value(item) for key, item in value.items()}
    items = value if isinstance(value, list) else [value]
    return sorted({json.dumps(_canonical_value(item) if isinstance(item, (Mapping, list)) else item) for item in items})


def _principals(value: object) -> list[tuple[str, str]]:
    if value is None:
        return [("", "*")]
    if isinstance(value, str):  # "Principal": "*" style
        return [("", value.lower())]
    if not isinstance(value, Mapping):
        raise TrustPolicyShapeError("Principal must be an object")
    pairs: list[tuple[str, str]] = []
    for principal_type, names in value.items():
        pairs.extend((str(principal_type), name.lower()) for name in _strings(names, f"Principal.{principal_type}"))
    return pairs


def _statement_grants(statement: object) -> set[Grant]:
    if not isinstance(statement, Mapping):
        raise TrustPolicyShapeError("each Statement must be an object")
    effect = statement.get("Effect")
    if not isinstance(effect, str):
        raise TrustPolicyShapeError("Effect must be a string")
    actions = _strings(statement["Action"], "Action") if "Action" in statement else ["(no Action)"]
    rest = {
        key: _canonical_value(value)
        for key, value in statement.items()
        if key not in _GRANT_ELEMENTS and key not in _IGNORED_ELEMENTS
    }
    rest_json = json.dumps(rest, sort_keys=True)
    return {
        Grant(effect.capitalize(), action.lower(), principal_type, principal, rest_json)
        for action in actions
        for principal_type, principal in _principals(statement.get("Principal"))
    }


def parse_policy(document: str | Mapping[str, Any]) -> Mapping[str, Any]:
    """The policy as a mapping; raises :class:`TrustPolicyShapeError` for non-JSON or non-object text."""
    if isinstance(document, Mapping):
        return document
    try:
        parsed = json.loads(document)
    except ValueError as exc:
        raise TrustPolicyShapeError("not valid JSON") from exc
    if not isinstance(parsed, Mapping):
        raise TrustPolicyShapeError("not a JSON object")
    return parsed


def grants(document: str | Mapping[str, Any]) -> tuple[object, frozenset[Grant]]:
    """(Version, grants) of a policy document."""
    policy = parse_policy(document)
    statements = policy.get("Statement")
    if statements is None:
        raise TrustPolicyShapeError("Statement is missing")
    statement_list = statements if isinstance(statements, list) else [statements]
    result: set[Grant] = set()
    for statement in statement_list:
        result |= _statement_grants(statement)
    return policy.get("Version"), frozenset(result)


def _listing(prefix: str, items: list[Grant]) -> str:
    shown = ", ".join(grant.describe() for grant in items[:_MAX_LISTED])
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return f"{prefix} {shown}{more}"


def compare_trust(expected: str | Mapping[str, Any], actual: str | Mapping[str, Any]) -> TrustComparison:
    """Compare ``actual`` against ``expected`` semantically (see the module docstring)."""
    expected_version, expected_grants = grants(expected)
    try:
        actual_version, actual_grants = grants(actual)
    except TrustPolicyShapeError as exc:
        return TrustComparison(f"trust policy is {exc}")  # widened: False, the default
    added = sorted(actual_grants - expected_grants)
    missing = sorted(expected_grants - actual_grants)
    parts = []
    if actual_version != expected_version:
        parts.append(f"Version is {json.dumps(actual_version)}, expected {json.dumps(expected_version)}")
    if added:
        parts.append(_listing("also has", added))
    if missing:
        parts.append(_listing("lacks", missing))
    if not parts:
        return TrustComparison()
    expected_allowed = {grant.who for grant in expected_grants if grant.effect == "Allow"}
    actual_allowed = {grant.who for grant in actual_grants if grant.effect == "Allow"}
    widened = any(grant.effect == "Allow" and grant.who not in expected_allowed for grant in added)
    return TrustComparison(
        "; ".join(parts), widened=widened, expected_principals_allowed=expected_allowed <= actual_allowed
    )
