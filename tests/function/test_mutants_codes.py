"""What an operator reads in a failed result's hint, and when a code counts as server trouble."""

from __future__ import annotations

from emr_bootstrap import codes


def test_an_unknown_code_is_server_trouble_from_status_500_on() -> None:
    assert codes.describe("SomethingNew", 500).transient and codes.describe("SomethingNew", 500).sdk_retries
    assert not codes.describe("SomethingNew", 499).transient
    assert not codes.describe("SomethingNew").transient and codes.describe("SomethingNew").hint is None


def test_a_refused_assume_role_hint_says_how_to_let_the_function_in() -> None:
    assert codes.hint_for("NoPermission", "AssumeRole") == (
        "The function's identity may not assume the member access role: grant it sts:AssumeRole on that role, "
        "and make sure the role trusts the management account."
    )


def test_a_refused_directory_read_names_the_resource_manager_permission() -> None:
    for action in ("GetAccount", "ListAccounts"):
        assert codes.hint_for("NoPermission", action) == (
            f"Grant resourcemanager:{action} to the function's role (deploy/policies/function-event-role-policy.json, "
            "function-http-role-policy.json)."
        )


def test_a_refused_ram_call_names_the_permission_or_says_which_are_needed() -> None:
    named = codes.hint_for("NoPermission", "CreateRole") or ""
    assert named.startswith("Grant ram:CreateRole to the identity the function uses in this account")
    unnamed = codes.hint_for("NoPermission") or ""
    assert unnamed.startswith("Grant the RAM actions it needs to the identity the function uses in this account")
    assert "{permission}" not in named + unnamed


def test_codes_without_a_hint_have_none() -> None:
    assert codes.hint_for("InvalidRequest") is None and codes.hint_for("SomethingNew", "GetRole") is None
