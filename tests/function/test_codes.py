"""The one table of error codes: SDK retries, hints and event retries all read it."""

from __future__ import annotations

import pytest
from darabonba.core import DaraCore
from darabonba.policy.retry import RetryPolicyContext
from emr_bootstrap import codes
from emr_bootstrap.sdk import retry_options


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


class _Failure(Exception):
    def __init__(self, code: str, name: str = "ClientException") -> None:
        super().__init__(code)
        self.code = code
        self.name = name


def calls_made(max_attempts: int, failure: _Failure) -> int:
    """How many calls darabonba's own retry loop makes when every call fails with ``failure``."""
    options = retry_options(max_attempts)
    calls = 0
    context = RetryPolicyContext(retries_attempted=0)
    while DaraCore.should_retry(options, context):
        calls += 1
        context = RetryPolicyContext(retries_attempted=calls, exception=failure)
    return calls


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
def test_n_attempts_mean_n_calls(attempts: int) -> None:
    assert calls_made(attempts, _Failure("Throttling.User")) == attempts


@pytest.mark.parametrize("code", ["Rejected.Throttling", "Throttling.Brand.New", "ServiceUnavailable"])
def test_the_sdk_retries_codes_from_the_table_including_throttling_prefixes(code: str) -> None:
    assert calls_made(3, _Failure(code)) == 3


def test_the_sdk_does_not_retry_a_code_that_would_fail_the_same_way() -> None:
    assert calls_made(5, _Failure("NoPermission")) == 1


@pytest.mark.parametrize("name", ["ServerException", "RetryError", "ThrottlingException"])
def test_the_sdk_retries_5xx_transport_and_retry_after_failures_whatever_their_code(name: str) -> None:
    assert calls_made(4, _Failure("AnyCode", name)) == 4
