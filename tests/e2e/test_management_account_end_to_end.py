"""The management account comes from the source (Resource Manager GetResourceDirectory), through the official SDK
against the emulator: learned once per instance, and where it cannot be learned nothing is written. Resource
Manager's ListAccounts quota is kept by the pacer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.sdk_directory import forget_management_accounts
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import BootstrapJob

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import WRITE_ACTIONS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emr_bootstrap.core.result import Result

    from emulator.testing import Emulator

FAST = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "2", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}


@pytest.fixture
def faults(emu: Emulator) -> Iterator[Emulator]:
    """The module's emulator, with faults switched off and what the instance learned forgotten after the test."""
    forget_management_accounts()
    yield emu
    emu.faults.clear()
    forget_management_accounts()


def cli_like_run(fc: LocalFunctionCompute, *accounts: str, env: dict[str, str] | None = None) -> Result:
    """A request through the application and the SDK adapters, the function's own account unknown (as in a CLI run)."""
    creds = fc.credentials()
    invocation = Invocation(
        "cli-like", credentials=FunctionCredentials(creds.access_key_id, creds.access_key_secret, creds.security_token)
    )
    environment = {k: v for k, v in fc.environment().items() if k != "FC_ACCOUNT_ID"} | FAST | (env or {})
    return Application(environment).run(BootstrapJob(BootstrapRequest(account_ids=accounts)), invocation)


def calls_since(emu: Emulator, mark: int, *actions: str) -> list[Any]:
    return [c for c in emu.calls[mark:] if c.action in actions]


def test_with_the_own_account_unknown_and_resource_manager_and_sts_failing_nothing_is_written(
    faults: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    faults.faults.set("GetResourceDirectory", error_rate=1.0)
    faults.faults.set("GetCallerIdentity", error_rate=1.0)
    mark = len(faults.calls)

    result = cli_like_run(fc, faults.management_account_id, member)

    assert {a.status for a in result.accounts} == {"failed"}
    errors = [a.error for a in result.accounts]
    assert all(e is not None and e.code == "ManagementAccountUnknown" and e.transient for e in errors)
    assert "ServiceUnavailable" in str(errors[0])
    assert calls_since(faults, mark, *WRITE_ACTIONS, "AssumeRole") == []
    assert len(calls_since(faults, mark, "GetResourceDirectory")) == 2  # one run: one call, retried once


def test_a_run_that_learns_the_management_account_skips_it_and_serves_the_member(
    faults: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(faults.calls)

    result = cli_like_run(fc, faults.management_account_id, member)

    by_id = {a.account_id: a for a in result.accounts}
    skip = by_id[faults.management_account_id].skip
    assert skip is not None and skip.code == "ManagementAccountExcluded"
    assert by_id[member].status == "succeeded"
    assert [c.account_id for c in calls_since(faults, mark, *WRITE_ACTIONS)] == [member] * len(
        calls_since(faults, mark, *WRITE_ACTIONS)
    )


def test_the_management_account_is_learned_once_per_instance(
    faults: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(faults.calls)

    for _ in range(3):  # three invocations of one instance: requests, a sweep's batches
        cli_like_run(fc, faults.management_account_id, member)
    fc.invoke({"accountIds": [member]})

    assert len(calls_since(faults, mark, "GetResourceDirectory")) == 1


def test_including_the_management_account_never_asks_for_it(
    faults: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    faults.faults.set("GetResourceDirectory", error_rate=1.0)
    mark = len(faults.calls)

    result = cli_like_run(fc, member, env={"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "true"})

    assert [a.status for a in result.accounts] == ["succeeded"]
    assert calls_since(faults, mark, "GetResourceDirectory") == []


@pytest.mark.parametrize(("pacing", "throttled"), [("ListAccounts=2", False), ("ListAccounts=0", True)])
def test_listing_the_directory_keeps_to_the_list_accounts_quota_only_when_paced(
    faults: Emulator, fc: LocalFunctionCompute, pacing: str, throttled: bool
) -> None:
    # Five pages of ListAccounts against a quota of 2 per second (the emulator's buckets, lowered for speed).
    while len(faults.state.accounts) <= 4 * 100:
        faults.create_member_account(f"pages-{len(faults.state.accounts)}", access_role=False)
    faults.faults.enable_quotas(True, ListAccounts=2.0)
    env = {"EMR_BOOTSTRAP_RATE_LIMITS": pacing, "EMR_BOOTSTRAP_MAX_ATTEMPTS": "12"}
    with LocalFunctionCompute(faults, extra_env=env) as paced:
        result = paced.invoke({"action": "sweep", "accountIds": [faults.management_account_id]})

    assert result["sweep"]["pages"] == 5, result
    assert (result["summary"]["cloudCalls"]["throttles"] > 0) is throttled


def test_a_batch_with_a_tiny_share_never_waits_past_the_deadline(faults: Emulator, fc: LocalFunctionCompute) -> None:
    # share 1e-6 is raised to the pacer's floor: the second caller-scoped call (GetAccount or AssumeRole) of the
    # invocation would come 10-20 s later, past the 3 s the invocation has. It is not made: not attempted.
    members = [faults.create_member_account(f"tiny-share-{n}") for n in range(2)]
    creds = fc.credentials()
    invocation = Invocation(
        "tiny-share",
        timeout_s=3.0,
        credentials=FunctionCredentials(creds.access_key_id, creds.access_key_secret, creds.security_token),
        own_account_id=fc.account_id,
    )
    job = BootstrapJob(BootstrapRequest(account_ids=tuple(members)), pacing_share=1e-6)

    result = Application(fc.environment() | FAST).run(job, invocation)

    statuses = sorted((a.status, a.skip.code if a.skip else None) for a in result.accounts)
    assert statuses == [("not-attempted", "DeadlineReached"), ("succeeded", None)]
