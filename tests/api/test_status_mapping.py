"""How a result becomes an HTTP status: each account is ok (succeeded, or skipped on purpose), unknown (not in the
directory), busy (throttled, or not reached before the deadline) or failed; the mix decides."""

from __future__ import annotations

import pytest
from emr_bootstrap.api.statuses import status_of
from emr_bootstrap.core.result import AccountResult, Result, RoleResult, invalid
from emr_bootstrap.shared.errors import ErrorInfo, InvalidRequest

RETRY = {"Retry-After": "5"}


def ok(account_id: str = "1000000000000002") -> AccountResult:
    return AccountResult(account_id, "succeeded", (RoleResult("AliyunEMRDefaultRole", "created"),))


def skipped(code: str) -> AccountResult:
    return AccountResult.skipped("1000000000000003", ErrorInfo(code, "why"))


def failed(*role_codes: str) -> AccountResult:
    roles = tuple(RoleResult(f"Role{i}", "failed", error=ErrorInfo(code, "no")) for i, code in enumerate(role_codes))
    return AccountResult("1000000000000004", "failed", roles)


def late() -> AccountResult:
    return AccountResult.not_attempted("1000000000000005", ErrorInfo("DeadlineReached", "late"))


def result(*accounts: AccountResult) -> Result:
    return Result.of_accounts(accounts, dry_run=False, request_id="r", duration_ms=1)


@pytest.mark.parametrize(
    ("accounts", "expected"),
    [
        ((ok(),), (200, {})),
        ((ok(), skipped("AccountNotReady"), skipped("ManagementAccountExcluded")), (200, {})),
        ((skipped("AccountOutOfScope"),), (200, {})),
        ((ok(), skipped("AccountNotInDirectory")), (207, {})),
        ((ok(), failed("NoPermission")), (207, {})),
        ((ok(), late()), (207, {})),
        ((skipped("AccountNotInDirectory"),), (404, {})),
        ((failed("NoPermission"),), (502, {})),
        ((failed("NoPermission"), skipped("AccountNotInDirectory")), (502, {})),
        ((failed("ServiceUnavailable", "EndpointUnreachable"),), (502, RETRY)),
        ((failed("ServiceUnavailable", "NoPermission"),), (502, {})),
        ((failed("Throttling.User", "Rejected.Throttling"),), (503, RETRY)),
        ((late(), failed("Throttling.User"), skipped("AccountNotInDirectory")), (503, RETRY)),
    ],
    ids=[
        "all-succeeded",
        "skipped-on-purpose-is-success",
        "out-of-scope-only",
        "succeeded-and-unknown",
        "succeeded-and-refused",
        "succeeded-and-late",
        "all-unknown",
        "all-refused",
        "refused-and-unknown",
        "server-trouble-only",
        "server-trouble-and-refusal",
        "throttled-only",
        "busy-and-unknown",
    ],
)
def test_the_mix_of_account_outcomes_decides_the_status(
    accounts: tuple[AccountResult, ...], expected: tuple[int, dict[str, str]]
) -> None:
    assert status_of(result(*accounts)) == expected


def test_an_invalid_request_is_400_and_an_oversized_one_413() -> None:
    assert status_of(invalid(InvalidRequest("accountIds[0]", "account-id", "bad"), "r")) == (400, {})
    assert status_of(invalid(InvalidRequest("$", "max-size", "big"), "r")) == (413, {})


def test_a_failure_before_any_account_is_500_and_an_ignored_event_200() -> None:
    configuration = Result("failed", False, "r", error=ErrorInfo("ConfigurationError", "bad setting"))

    assert status_of(configuration) == (500, {})
    assert status_of(Result("ignored", False, "r", reason="a timer")) == (200, {})
