"""Comparing a role's policies with the documents of deploy/policies, statement by statement.

Statements are compared after normalization (a lone ``Action``/``Resource`` string as a one-item list, actions
lower-cased since RAM matches them case-insensitively, lists sorted), so formatting and order do not count. A role
passes when its custom policies hold every shipped statement, and nothing more than the opt-in management-account
policy and ``mns:SendMessage`` (the async failure destination, deploy/policies/README.md) that the README adds.
"""

from __future__ import annotations

import json
from typing import Any, Final

EXTRA_ALLOWED_ACTIONS: Final = frozenset({"mns:sendmessage"})


def json_or_text(value: Any) -> Any:
    """A JSON text as its value (so that spacing does not count), anything else as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def normalized(statement: dict[str, Any]) -> str:
    canonical: dict[str, Any] = {}
    for key, value in statement.items():
        if key == "Action" or key == "NotAction":
            canonical[key] = sorted(str(a).lower() for a in _listed(value))
        elif key in ("Resource", "NotResource"):
            canonical[key] = sorted(str(r) for r in _listed(value))
        else:
            canonical[key] = value
    return json.dumps(canonical, sort_keys=True)


def statements(document: Any) -> set[str]:
    found = document.get("Statement") if isinstance(document, dict) else None
    return {normalized(s) for s in _listed(found) if isinstance(s, dict)}


def _actions(canonical: set[str]) -> list[str]:
    return sorted({a for text in canonical for a in json.loads(text).get("Action", [])})


def trust_problems(shipped: dict[str, Any], trust_text: str) -> list[str]:
    """The role's trust policy against function-trust-policy.json: exactly the same statements."""
    try:
        trust = json.loads(trust_text)
    except ValueError:
        return ["its trust policy is not JSON"]
    if statements(trust) != statements(shipped):
        return ["its trust policy differs from function-trust-policy.json (it must trust fc.aliyuncs.com only)"]
    return []


def permission_problems(shipped: dict[str, Any], management: dict[str, Any], attached: dict[str, Any]) -> list[str]:
    """``attached``: the role's policies by name (a custom one's document; None for a system policy)."""
    held: set[str] = set()
    for document in attached.values():
        if document is not None:
            held |= statements(document)
    problems = []
    missing = statements(shipped) - held
    if missing:
        problems.append(
            f"its policies lack {len(missing)} shipped statement(s) (actions {', '.join(_actions(missing))})"
        )
    extra = held - statements(shipped) - statements(management)
    beyond = [a for a in _actions(extra) if a not in EXTRA_ALLOWED_ACTIONS]
    if beyond:
        problems.append(f"its policies grant more than deploy/policies: {', '.join(beyond)}")
    systems = [name for name, document in attached.items() if document is None]
    if systems:
        problems.append(f"system policies attached: {', '.join(systems)}")
    return problems
