"""Matching an action or a resource ARN against the patterns of a statement.

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.core.policy.statements import Statement


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """Whole-string match where ``*`` is any run of characters (also empty) and ``?`` exactly one.

    No other metacharacters (unlike fnmatch, ``[`` is literal). Greedy two-pointer matcher: O(len * len) worst
    case, no regex backtracking blow-up on patterns such as ``*a*a*a*b``.
    """
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return _match(pattern, value)


@lru_cache(maxsize=8192)
def _match(pattern: str, value: str) -> bool:
    # Memoized and with a fast path for patterns without wildcards: every call is authorized against its session
    # and identity policies, and this matcher was the emulator's largest cost per call (docs/performance.md).
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    p = v = 0
    star, resume = -1, 0
    n, m = len(value), len(pattern)
    while v < n:
        if p < m and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == value[v]):
            p, v = p + 1, v + 1
        elif p < m and pattern[p] == "*":
            star, resume = p, v
            p += 1
        elif star >= 0:  # let the last star swallow one more character and retry
            resume += 1
            p, v = star + 1, resume
        else:
            return False
    while p < m and pattern[p] == "*":
        p += 1
    return p == m


def action_matches(pattern: str, action: str) -> bool:
    """Action names match case-insensitively ("mostly case-insensitive" [ELEM]), service prefix included."""
    return wildcard_match(pattern, action)


def resource_matches(pattern: str, resource: str) -> bool:
    """Match a Resource pattern against a concrete resource ARN ``acs:<code>:<region>:<account>:<relative-id>``.

    Decisions (unconfirmed beyond the role-name case rule of [REF 2.4]):
    - ``"*"`` matches everything.
    - Both sides are split into the five ARN fields (the relative id may contain ``:``) and matched field by
      field, so a wildcard never spans fields; ``*`` matches an empty field (``acs:ram:*:...`` matches the empty
      RAM region).
    - Service code, region and account match case-insensitively. The relative id matches case-insensitively for
      RAM resources (RAM lowercases role ARNs and role names are looked up case-insensitively) and
      case-sensitively for every other service (e.g. OSS object keys are case-sensitive).
    - A pattern or resource that is not a five-field ARN is matched as a whole string, case-insensitively.
    Callers pass the resource RAM's authorization docs name for the action, e.g. ``acs:ram::<acct>:role/*``
    for ListRoles; a literal resource ``"*"`` is matched by pattern ``"*"`` only.
    """
    if pattern == "*":
        return True
    p_fields, r_fields = pattern.split(":", 4), resource.split(":", 4)
    if len(p_fields) != 5 or len(r_fields) != 5:
        return wildcard_match(pattern, resource)
    if not all(wildcard_match(p, r) for p, r in zip(p_fields[:4], r_fields[:4], strict=True)):
        return False
    return wildcard_match(p_fields[4], r_fields[4], case_sensitive=r_fields[1].lower() != "ram")


def statement_action_matches(statement: Statement, action: str) -> bool:
    hit = any(action_matches(p, action) for p in statement.actions)
    return hit != statement.not_action


def statement_resource_matches(statement: Statement, resource: str) -> bool:
    if statement.resources is None:  # no Resource element (trust-style statement): applies to any resource
        return True
    hit = any(resource_matches(p, resource) for p in statement.resources)
    return hit != statement.not_resource
