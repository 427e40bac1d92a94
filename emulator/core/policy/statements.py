"""The policy grammar: one JSON policy object to validated statements in normal form, or why it is malformed.

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from emulator.core.policy.arns import RAM_PRINCIPAL_RE

PolicyKind = Literal["any", "permission", "trust"]
"""``permission``: identity policy or STS session policy (no Principal, Resource required).
``trust``: role trust policy (every statement names a Principal). ``any``: either, per statement."""

_TOP_KEYS = frozenset({"Version", "Statement"})
# "Sid" is not in the Alibaba grammar [SYNTAX]; accepted (as a string) because AWS-style documents carry it
# and rejecting it would be a gratuitous difference. Unconfirmed.
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"}
)
_PRINCIPAL_KEYS = frozenset({"RAM", "Service", "Federated"})  # [REF] 2.3
_ACTION_RE = re.compile(r"^(\*|[^:\s]+:[^:\s]+)$")  # "*" or "<ram-code>:<action-name>" [ELEM]
_FEDERATED_PRINCIPAL_RE = re.compile(r"^acs:ram::[^:]+:(saml-provider|oidc-provider)/.+$", re.IGNORECASE)


class PolicyGrammarError(ValueError):
    """Why a document is malformed. Kept as the ``ApiError``'s ``__cause__``; never sent on the wire."""


@dataclass(frozen=True)
class Statement:
    """A validated statement in normal form (lists are tuples, absent elements are None)."""

    allow: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource/NotResource element at all
    not_resource: bool
    principal: Mapping[str, tuple[str, ...]] | None
    conditional: bool  # a non-empty Condition block is present


def _string_list(value: Any, element: str) -> tuple[str, ...]:
    # [SYNTAX]: every multi-valued element takes a string or a list; both forms are equivalent.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise PolicyGrammarError(f"{element} must be a string or a non-empty list of strings")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise PolicyGrammarError(f"{element} values must be non-empty strings")
    return tuple(items)


def _principal(value: Any) -> dict[str, tuple[str, ...]]:
    # Wildcard principals ("Principal": "*" or "*" inside a value) are rejected: no source shows RAM accepting
    # them, and rejecting is visible where silently matching nobody would not be. Unconfirmed.
    if not isinstance(value, Mapping) or not value:
        raise PolicyGrammarError("Principal must be a non-empty object of RAM / Service / Federated")
    result: dict[str, tuple[str, ...]] = {}
    for key, raw in value.items():
        if key not in _PRINCIPAL_KEYS:
            raise PolicyGrammarError(f"unknown Principal type {key!r}")
        values = _string_list(raw, f"Principal.{key}")
        if any("*" in v for v in values):
            raise PolicyGrammarError("wildcards are not supported in Principal")
        pattern = {"RAM": RAM_PRINCIPAL_RE, "Federated": _FEDERATED_PRINCIPAL_RE}.get(key)
        if pattern is not None and not all(pattern.match(v) for v in values):
            raise PolicyGrammarError(f"Principal.{key} value is not a valid ARN")
        result[key] = values
    return result


def _has_condition(value: Any) -> bool:
    # {"<operator>": {"<key>": value | [values]}} [ELEM]. Operator names are not checked against a list
    # because the full operator set is not confirmed here.
    if not isinstance(value, Mapping):
        raise PolicyGrammarError("Condition must be an object")
    for operator, block in value.items():
        if not isinstance(operator, str) or not operator or not isinstance(block, Mapping) or not block:
            raise PolicyGrammarError("Condition must map operators to non-empty objects")
        for key, raw in block.items():
            values = raw if isinstance(raw, list | tuple) else [raw]
            if not isinstance(key, str) or not key or not values:
                raise PolicyGrammarError("Condition keys must be non-empty and have values")
            if any(v is None or isinstance(v, Mapping | list | tuple) for v in values):
                raise PolicyGrammarError("Condition values must be scalars")
    return bool(value)


def _statement(raw: Any, kind: PolicyKind) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyGrammarError("a statement must be an object")
    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        raise PolicyGrammarError(f"unknown statement element(s) {sorted(unknown)}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):  # exact case: the sources only ever show these spellings
        raise PolicyGrammarError("Effect must be Allow or Deny")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyGrammarError("a statement needs exactly one of Action / NotAction")  # [ELEM]
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyGrammarError("a statement takes at most one of Resource / NotResource")
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        raise PolicyGrammarError("Sid must be a string")

    not_action = "NotAction" in raw
    actions = _string_list(raw["NotAction" if not_action else "Action"], "Action")
    if not all(_ACTION_RE.match(a) for a in actions):
        raise PolicyGrammarError("actions are written <ram-code>:<action-name>")

    principal = _principal(raw["Principal"]) if "Principal" in raw else None
    if kind == "trust" and principal is None:
        raise PolicyGrammarError("a trust policy statement needs a Principal")
    if kind == "permission" and principal is not None:
        raise PolicyGrammarError("Principal is only allowed in trust policies")  # [ELEM]

    # Resource is required in identity statements [SYNTAX]; trust statements name a Principal instead and the
    # resource is the role itself ([REF] 2.2 trust documents have no Resource).
    not_resource = "NotResource" in raw
    resources: tuple[str, ...] | None = None
    if "Resource" in raw or not_resource:
        resources = _string_list(raw["NotResource" if not_resource else "Resource"], "Resource")
    elif principal is None:
        raise PolicyGrammarError("a statement without Principal needs Resource or NotResource")

    conditional = _has_condition(raw["Condition"]) if "Condition" in raw else False
    return Statement(effect == "Allow", actions, not_action, resources, not_resource, principal, conditional)


def statements(document: Any, kind: PolicyKind = "any") -> tuple[Statement, ...]:
    if not isinstance(document, Mapping):
        raise PolicyGrammarError("a policy must be a JSON object")
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise PolicyGrammarError(f"unknown top-level element(s) {sorted(unknown)}")
    if document.get("Version") != "1":  # the string "1" only [SYNTAX]; the number 1 is rejected (unconfirmed)
        raise PolicyGrammarError('Version must be "1"')
    statements = document.get("Statement")
    if isinstance(statements, Mapping):  # a single statement object is accepted (unconfirmed; AWS does)
        statements = [statements]
    if not isinstance(statements, list | tuple) or not statements:
        raise PolicyGrammarError("Statement must be a non-empty list")
    return tuple(_statement(s, kind) for s in statements)
