"""RAM ARNs: role ARNs as RAM emits them, and the principal ARNs trust policies name.

Source tags ([ELEM], [SYNTAX], [EVAL], [REF]) are listed in :mod:`emulator.core.policy`.
"""

from __future__ import annotations

import re

# acs:ram::<account>:root | user/<name> | role/<name>
RAM_PRINCIPAL_RE = re.compile(r"^acs:ram::([^:]+):(root|user/.+|role/.+)$", re.IGNORECASE)
ROLE_ARN_RE = re.compile(r"^acs:ram::([^:]+):role/([^/]+)$", re.IGNORECASE)


def role_arn(account_id: str, role_name: str) -> str:
    """``acs:ram::<acct>:role/<lowercased name>``: RAM emits role ARNs lowercased (working assumption, [REF 2.4])."""
    return f"acs:ram::{account_id}:role/{role_name.lower()}"


def parse_role_arn(arn: str) -> tuple[str, str] | None:
    """``(account_id, role_name)`` of a role ARN (prefix matched case-insensitively), or None if it is not one.

    The role name is returned as written; compare it case-insensitively.
    """
    match = ROLE_ARN_RE.match(arn)
    return (match.group(1), match.group(2)) if match else None
