"""Pure parameter validators for RAM, with the real error codes (docs/alibaba-cloud.md §1.3).

Kept free of state so property tests can check them directly, and one SDK test checks the wire agrees.
"""

from __future__ import annotations

import re

from emulator.core.errors import ApiError

ROLE_NAME_MAX = 64
ROLE_NAME_CHARS = re.compile(r"^[A-Za-z0-9.\-]*$")
# Users: letters, digits, periods, hyphens and underscores, 1-64 (RAM CreateUser doc).
USER_NAME_MAX = 64
USER_NAME_CHARS = re.compile(r"^[A-Za-z0-9.\-_]*$")
# Policies: letters, digits and hyphens, 1-128 (RM-mirror GetPolicy, docs/alibaba-cloud.md §1.3).
POLICY_NAME_MAX = 128
POLICY_NAME_CHARS = re.compile(r"^[A-Za-z0-9\-]*$")
DESCRIPTION_MAX = 1024
MAX_SESSION_DURATION_RANGE = (3600, 43200)
POLICY_TYPES = ("System", "Custom")
MAX_ITEMS_RANGE = (1, 1000)
MAX_ITEMS_DEFAULT = 100


def _name(value: str, param: str, chars: re.Pattern[str], maximum: int) -> str:
    # Length is checked first, so an over-long name always reports .Length (choice; unconfirmed order).
    if not 1 <= len(value) <= maximum:
        raise ApiError(400, f"InvalidParameter.{param}.Length", f"The length of {param} must be 1 to {maximum}.")
    if not chars.fullmatch(value):
        raise ApiError(
            400, f"InvalidParameter.{param}.InvalidChars", f"The specified {param} contains invalid characters."
        )
    return value


def role_name(value: str, param: str = "RoleName") -> str:
    return _name(value, param, ROLE_NAME_CHARS, ROLE_NAME_MAX)


def user_name(value: str) -> str:
    return _name(value, "UserName", USER_NAME_CHARS, USER_NAME_MAX)


def policy_name(value: str) -> str:
    return _name(value, "PolicyName", POLICY_NAME_CHARS, POLICY_NAME_MAX)


def policy_type(value: str) -> str:
    if value not in POLICY_TYPES:
        raise ApiError(400, "InvalidParameter.PolicyType", 'The parameter - "PolicyType" is incorrect.')
    return value


def description(value: str | None, param: str = "Description") -> str:
    if value is None:
        return ""
    if len(value) > DESCRIPTION_MAX:
        # Unconfirmed code; follows the InvalidParameter.<Param>.Length pattern.
        raise ApiError(
            400, f"InvalidParameter.{param}.Length", f"The length of {param} must not exceed {DESCRIPTION_MAX}."
        )
    return value


def max_session_duration(value: str | None, param: str = "MaxSessionDuration") -> int | None:
    if value is None:
        return None
    low, high = MAX_SESSION_DURATION_RANGE
    if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        # Unconfirmed code (docs/alibaba-cloud.md §1.3 CreateRole: "most likely").
        raise ApiError(400, f"InvalidParameter.{param}", f"The parameter {param} must be between {low} and {high}.")
    return int(value)


def max_items(value: str | None) -> int:
    if value is None:
        return MAX_ITEMS_DEFAULT
    low, high = MAX_ITEMS_RANGE
    if not value.isdigit() or not low <= int(value) <= high:
        raise ApiError(400, "InvalidParameter.MaxItems", f"The parameter MaxItems must be between {low} and {high}.")
    return int(value)
