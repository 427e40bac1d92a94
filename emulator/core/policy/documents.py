"""Policy documents as the API takes them: text in, parsed JSON out, or the documented error.

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.core.errors import ApiError
from emulator.core.policy.statements import PolicyGrammarError, statements

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emulator.core.policy.statements import PolicyKind, Statement

MALFORMED_CODE = "MalformedPolicyDocument"
MALFORMED_MESSAGE = "The policy format is invalid."
# [REF] 1.3: 400, as the legacy RAM UpdateRole/CreateRole API docs say
# (https://help-w.com/aliyun/aliyunqi/1523801005.html); an earlier reading of the RM mirror gave 409.
MALFORMED_STATUS = 400
# [REF] 3: "The size of Policy must be smaller than 2048 bytes."
SESSION_POLICY_MAX_BYTES = 2048


def malformed() -> ApiError:
    return ApiError(MALFORMED_STATUS, MALFORMED_CODE, MALFORMED_MESSAGE)


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
    - not JSON or not the grammar below: 400 ``MalformedPolicyDocument`` "The policy format is invalid."

    Grammar enforced [SYNTAX][ELEM]: a JSON object with exactly ``Version`` (the string "1") and ``Statement``
    (a non-empty list of statements, or one statement object). A statement has ``Effect`` Allow|Deny, exactly
    one of ``Action``/``NotAction`` (``"*"`` or ``<code>:<name>``, string or non-empty list), at most one of
    ``Resource``/``NotResource``, optional ``Principal`` (RAM/Service/Federated), ``Condition`` and ``Sid``.
    ``Resource``/``NotResource`` is required unless the statement has a ``Principal``. ``kind="trust"``
    requires a Principal in every statement; ``kind="permission"`` forbids it. Unknown or duplicate keys are
    rejected.
    """
    if not isinstance(text, str):
        raise malformed()
    if len(text) > max_length:
        # Message text unconfirmed; only the code is documented [REF 1.3].
        raise ApiError(
            400, f"InvalidParameter.{param}.Length", f"The length of {param} exceeds {max_length} characters."
        )
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
        statements(document, kind)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and PolicyGrammarError are ValueErrors
        raise malformed() from exc
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


def validated(document: Mapping[str, Any]) -> tuple[Statement, ...]:
    try:
        return statements(document)
    except PolicyGrammarError as exc:  # a stored policy should never be malformed: fail loudly
        raise malformed() from exc
