"""The one table of error codes: SDK retries, hints and event retries all read it."""

from __future__ import annotations

import random

import pytest
from emr_bootstrap.core.pacing import CallStats, Retrier
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError


@pytest.mark.parametrize(
    "code",
    [
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "Throttling.System",
        "Throttling.Whatever",
        "Rejected.Throttling",
    ],
)
def test_throttling_codes_are_transient_and_retried_by_the_sdk(code: str) -> None:
    assert codes.is_transient(code) and codes.sdk_retries(code)
    assert "concurrency" in (codes.hint_for(code) or "")


@pytest.mark.parametrize("code", ["NoPermission", "EntityNotExist.Policy", "InvalidRequest", "AccountNotReady"])
def test_failures_a_retry_would_meet_again_are_neither_transient_nor_retried(code: str) -> None:
    assert not codes.is_transient(code) and not codes.sdk_retries(code)


def test_an_unknown_code_with_a_5xx_status_is_server_trouble() -> None:
    assert codes.describe("SomethingNew", 502).transient
    assert not codes.describe("SomethingNew", 400).transient


def test_access_role_hint_says_the_role_exists_in_every_member_but_can_be_deleted() -> None:
    hint = codes.hint_for(codes.ACCESS_ROLE_MISSING) or ""
    assert "invited accounts may lack it" not in hint
    assert "created or invited" in hint and "deleted by hand" in hint


def test_no_permission_hint_names_the_action_that_needed_it() -> None:
    assert "ram:CreateRole" in (codes.hint_for("NoPermission", "CreateRole") or "")
    assert "sts:AssumeRole" in (codes.hint_for("NoPermission", "AssumeRole") or "")
    assert "resourcemanager:GetAccount" in (codes.hint_for("NoPermission", "GetAccount") or "")


def calls_made(max_attempts: int, failure: CloudError) -> tuple[int, list[float], CallStats]:
    """How many calls the retrier makes when every call fails with ``failure``, and the backoffs it slept."""
    slept: list[float] = []
    stats = CallStats()
    retrier = Retrier(max_attempts, 200, stats=stats, sleep=slept.append, rng=random.Random(1))
    calls = 0

    def fail() -> None:
        nonlocal calls
        calls += 1
        raise failure

    with pytest.raises(CloudError):
        retrier.call("GetRole", "1234567890123456", fail)
    return calls, slept, stats


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
def test_n_attempts_mean_n_calls(attempts: int) -> None:
    calls, slept, stats = calls_made(attempts, CloudError("Throttling.User", "slow down", status=400))
    assert calls == attempts and len(slept) == attempts - 1
    assert (stats.calls, stats.retries, stats.throttles) == (attempts, attempts - 1, attempts)


@pytest.mark.parametrize(
    ("code", "status"), [("Rejected.Throttling", 400), ("Throttling.Brand.New", 429), ("ServiceUnavailable", 503)]
)
def test_the_retrier_retries_codes_from_the_table_including_throttling_prefixes(code: str, status: int) -> None:
    assert calls_made(3, CloudError(code, "x", status=status))[0] == 3


def test_an_unknown_5xx_code_is_retried_and_a_permanent_code_is_not() -> None:
    assert calls_made(4, CloudError("SomethingNew", "x", status=502))[0] == 4
    assert calls_made(5, CloudError("NoPermission", "x", status=403))[0] == 1


def test_backoff_is_full_jitter_capped_at_fifteen_times_the_base() -> None:
    _, slept, _ = calls_made(8, CloudError("Throttling.User", "x", status=400))
    assert all(0 <= s <= 15 * 0.2 for s in slept) and len(set(slept)) == len(slept)


# What an operator reads in a failed result's hint, and when a code counts as server trouble.
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
    for action in ("GetAccount", "ListAccounts", "GetResourceDirectory"):
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
