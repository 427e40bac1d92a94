"""The RAM policy language of the emulator: parse, validate and evaluate policy documents.

Pure module: no I/O except reading ``system_policies.json`` once, no threads, no global mutable state.

Sources (tags used in the comments below):

- [ELEM]   RAM "Permission policy elements", https://www.alibabacloud.com/help/en/doc-detail/93738.htm
- [SYNTAX] RAM "Policy structure and syntax", https://www.alibabacloud.com/help/document_detail/93739.html
- [EVAL]   RAM "How RAM evaluates policies", https://help.aliyun.com/en/ram/policy-evaluation-process
- [REF]    docs/alibaba-cloud.md (this repository), sections 1.3 (errors), 2.3 (policy language), 2.4 (ARNs), 3 (STS)

Behaviour no source states is marked "unconfirmed" where it is decided.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from emulator.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MALFORMED_CODE",
    "MALFORMED_MESSAGE",
    "MALFORMED_STATUS",
    "SESSION_POLICY_MAX_BYTES",
    "Decision",
    "PolicyGrammarError",
    "PolicyKind",
    "Principal",
    "SystemPolicy",
    "action_matches",
    "evaluate",
    "evaluate_session",
    "load_system_policies",
    "parse_policy_document",
    "parse_role_arn",
    "parse_session_policy",
    "resource_matches",
    "role_arn",
    "trust_allows",
    "wildcard_match",
]

MALFORMED_CODE = "MalformedPolicyDocument"
MALFORMED_MESSAGE = "The policy format is invalid."
# [REF] 1.3: 409 per the Resource Manager mirror of the RAM role APIs; the legacy Japanese CreateRole page
# says 400. We follow the newer source.
MALFORMED_STATUS = 409
# [REF] 3: "The size of Policy must be smaller than 2048 bytes."
SESSION_POLICY_MAX_BYTES = 2048

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
_RAM_PRINCIPAL_RE = re.compile(r"^acs:ram::([^:]+):(root|user/.+|role/.+)$", re.IGNORECASE)
_FEDERATED_PRINCIPAL_RE = re.compile(r"^acs:ram::[^:]+:(saml-provider|oidc-provider)/.+$", re.IGNORECASE)
_ROLE_ARN_RE = re.compile(r"^acs:ram::([^:]+):role/([^/]+)$", re.IGNORECASE)


class PolicyGrammarError(ValueError):
    """Why a document is malformed. Kept as the ``ApiError``'s ``__cause__``; never sent on the wire."""


# --------------------------------------------------------------------------------------------------------------
# Parsing and validation
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
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
        pattern = {"RAM": _RAM_PRINCIPAL_RE, "Federated": _FEDERATED_PRINCIPAL_RE}.get(key)
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


def _statement(raw: Any, kind: PolicyKind) -> _Statement:
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
    return _Statement(effect == "Allow", actions, not_action, resources, not_resource, principal, conditional)


def _statements(document: Any, kind: PolicyKind = "any") -> tuple[_Statement, ...]:
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


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last duplicate; an ambiguous policy is rejected instead (unconfirmed).
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PolicyGrammarError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise PolicyGrammarError(f"{name} is not JSON")


def parse_policy_document(text: str, *, param: str, max_length: int = 6144, kind: PolicyKind = "any") -> dict[str, Any]:
    """Parse and validate a RAM policy document (permission, trust or STS session policy).

    Returns the parsed JSON object unchanged (a single statement object stays a single object).

    Raises ``ApiError``:
    - ``len(text) > max_length`` (characters; unconfirmed whether RAM counts bytes): 400
      ``InvalidParameter.<param>.Length``. 6144 is RAM's documented custom-policy limit; the trust-policy limit
      is unconfirmed [REF 1.3].
    - not JSON or not the grammar below: 409 ``MalformedPolicyDocument`` "The policy format is invalid."

    Grammar enforced [SYNTAX][ELEM]: a JSON object with exactly ``Version`` (the string "1") and ``Statement``
    (a non-empty list of statements, or one statement object). A statement has ``Effect`` Allow|Deny, exactly
    one of ``Action``/``NotAction`` (``"*"`` or ``<code>:<name>``, string or non-empty list), at most one of
    ``Resource``/``NotResource``, optional ``Principal`` (RAM/Service/Federated), ``Condition`` and ``Sid``.
    ``Resource``/``NotResource`` is required unless the statement has a ``Principal``. ``kind="trust"``
    requires a Principal in every statement; ``kind="permission"`` forbids it. Unknown or duplicate keys are
    rejected.
    """
    if not isinstance(text, str):
        raise ApiError(MALFORMED_STATUS, MALFORMED_CODE, MALFORMED_MESSAGE)
    if len(text) > max_length:
        # Message text unconfirmed; only the code is documented [REF 1.3].
        raise ApiError(
            400, f"InvalidParameter.{param}.Length", f"The length of {param} exceeds {max_length} characters."
        )
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
        _statements(document, kind)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and PolicyGrammarError are ValueErrors
        raise ApiError(MALFORMED_STATUS, MALFORMED_CODE, MALFORMED_MESSAGE) from exc
    result: dict[str, Any] = document
    return result


def parse_session_policy(text: str) -> dict[str, Any]:
    """Parse the STS AssumeRole ``Policy`` parameter [REF 3].

    Over 2048 bytes (UTF-8, as the error message says) -> 400 ``InvalidParameter.PolicySize``; anything
    ``parse_policy_document(kind="permission")`` rejects -> 400 ``InvalidParameter.PolicyGrammar``.
    """
    if isinstance(text, str) and len(text.encode("utf-8")) > SESSION_POLICY_MAX_BYTES:
        raise ApiError(400, "InvalidParameter.PolicySize", "The size of Policy must be smaller than 2048 bytes.")
    try:
        return parse_policy_document(text, param="Policy", max_length=SESSION_POLICY_MAX_BYTES, kind="permission")
    except ApiError as exc:
        # Message text unconfirmed; the code is in the STS error table [REF 3].
        raise ApiError(400, "InvalidParameter.PolicyGrammar", "The policy grammar is invalid.") from exc


# --------------------------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------------------------


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """Whole-string match where ``*`` is any run of characters (also empty) and ``?`` exactly one.

    No other metacharacters (unlike fnmatch, ``[`` is literal). Greedy two-pointer matcher: O(len * len) worst
    case, no regex backtracking blow-up on patterns such as ``*a*a*a*b``.
    """
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    p = v = 0
    star, resume = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == value[v]):
            p, v = p + 1, v + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, v
            p += 1
        elif star >= 0:  # let the last star swallow one more character and retry
            resume += 1
            p, v = star + 1, resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


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


def _statement_action_matches(statement: _Statement, action: str) -> bool:
    hit = any(action_matches(p, action) for p in statement.actions)
    return hit != statement.not_action


def _statement_resource_matches(statement: _Statement, resource: str) -> bool:
    if statement.resources is None:  # no Resource element (trust-style statement): applies to any resource
        return True
    hit = any(resource_matches(p, resource) for p in statement.resources)
    return hit != statement.not_resource


# --------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------


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


def _validated(document: Mapping[str, Any]) -> tuple[_Statement, ...]:
    try:
        return _statements(document)
    except PolicyGrammarError as exc:  # a stored policy should never be malformed: fail loudly
        raise ApiError(MALFORMED_STATUS, MALFORMED_CODE, MALFORMED_MESSAGE) from exc


def evaluate(documents: Sequence[Mapping[str, Any]], action: str, resource: str) -> Decision:
    """Identity-based evaluation [EVAL]: any matching Deny -> explicit deny; else any matching Allow -> allow;
    else implicit deny. Statement and document order do not matter.

    Principal elements are ignored here (identity policies have none). Conditions: no request context reaches
    this function, so a statement with a non-empty ``Condition`` is treated conservatively: it never matches
    as an Allow and always matches as a Deny (a deliberate emulator choice, stricter than real RAM).
    Raises ``ApiError`` 409 MalformedPolicyDocument if a document is not valid policy grammar.
    """
    allowed = False
    for document in documents:
        for statement in _validated(document):
            if not (_statement_action_matches(statement, action) and _statement_resource_matches(statement, resource)):
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


# --------------------------------------------------------------------------------------------------------------
# Trust policies
# --------------------------------------------------------------------------------------------------------------

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
    match = _RAM_PRINCIPAL_RE.match(value)
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
    for statement in _validated(trust_document):
        if statement.principal is None or not _statement_action_matches(statement, action):
            continue
        if not _principal_matches(statement.principal, principal):
            continue
        if not statement.allow:
            return False
        if not statement.conditional:
            allowed = True
    return allowed


# --------------------------------------------------------------------------------------------------------------
# ARNs
# --------------------------------------------------------------------------------------------------------------


def role_arn(account_id: str, role_name: str) -> str:
    """``acs:ram::<acct>:role/<lowercased name>``: RAM emits role ARNs lowercased (working assumption, [REF 2.4])."""
    return f"acs:ram::{account_id}:role/{role_name.lower()}"


def parse_role_arn(arn: str) -> tuple[str, str] | None:
    """``(account_id, role_name)`` of a role ARN (prefix matched case-insensitively), or None if it is not one.

    The role name is returned as written; compare it case-insensitively.
    """
    match = _ROLE_ARN_RE.match(arn)
    return (match.group(1), match.group(2)) if match else None


# --------------------------------------------------------------------------------------------------------------
# System policies
# --------------------------------------------------------------------------------------------------------------

_SYSTEM_POLICIES_PATH = Path(__file__).with_name("system_policies.json")


@dataclass(frozen=True)
class SystemPolicy:
    name: str
    description: str
    document: dict[str, Any]
    default_version: str  # "v1" etc.


@cache
def _system_policies() -> dict[str, SystemPolicy]:
    raw = json.loads(_SYSTEM_POLICIES_PATH.read_text(encoding="utf-8"))
    policies: dict[str, SystemPolicy] = {}
    for name, entry in raw["Policies"].items():
        # Validate with our own grammar so a bad entry fails at first use, not at evaluation time.
        document = parse_policy_document(json.dumps(entry["PolicyDocument"]), param="PolicyDocument", kind="permission")
        policies[name] = SystemPolicy(
            name=name,
            description=entry["Description"],
            document=document,
            default_version=entry["DefaultVersion"],
        )
    return policies


def load_system_policies() -> dict[str, SystemPolicy]:
    """The system policies the emulated RAM knows, keyed by exact name (file read once, then cached).

    Returns a deep copy so callers cannot alter the cached documents.
    """
    return copy.deepcopy(_system_policies())
