"""Corrected cloud facts, end to end through the official SDK against the emulator: retries count the first try,
accounts not active yet are skipped (not failed, not retried), accounts outside the directory get no AssumeRole."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, sample_event, writes_in

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector


@pytest.fixture
def faults(emu: Emulator) -> Iterator[Emulator]:
    emu.faults.seed(11)
    yield emu
    emu.faults.clear()


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
def test_max_attempts_n_makes_exactly_n_calls(emu: Emulator, faults: Emulator, attempts: int) -> None:
    member = emu.create_member_account("always-throttled")
    emu.faults.set("GetAccount", throttle_rate=1.0)
    env = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": str(attempts), "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    assert account["status"] == "failed" and account["error"]["code"] == "Throttling.User"
    assert len([c for c in emu.calls[mark:] if c.action == "GetAccount"]) == attempts


def test_event_for_a_cloud_account_still_verifying_is_skipped_with_no_write_and_no_retry(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector
) -> None:
    verifying = emu.create_member_account("verifying", status="CreateVerifying", join_method="created")
    event = sample_event("actiontrail-create-cloud-account.json", verifying, emu.management_account_id)
    mark = len(emu.calls)

    result = fc.invoke(event)  # returns: EventDeliveryFailed would have raised

    (account,) = result["accounts"]
    assert account["status"] == "skipped" and account["directoryStatus"] == "CreateVerifying"
    assert account["skipped"]["code"] == "AccountNotReady" and "sweep" in account["skipped"]["hint"]
    assert writes_in(emu, verifying, mark) == []
    assert result["status"] == "succeeded"


def test_account_that_becomes_active_gets_its_roles_on_the_next_run(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector
) -> None:
    member = emu.create_member_account("later", status="CreateVerifying")
    assert fc.invoke({"accountIds": [member]})["accounts"][0]["status"] == "skipped"

    emu.set_account_status(member, "CreateSuccess")
    result = fc.invoke({"accountIds": [member]})

    assert result["accounts"][0]["status"] == "succeeded"
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]


def test_request_for_an_account_outside_the_directory_makes_no_assume_role(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    outsider = "1999999999999998"
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [outsider]})

    (account,) = result["accounts"]
    assert account["status"] == "skipped" and account["skipped"]["code"] == "AccountNotInDirectory"
    assert [c.action for c in emu.calls[mark:]] == ["GetResourceDirectory", "GetAccount"]  # a fresh instance


@pytest.mark.parametrize("code", ["Throttling.User", "Rejected.Throttling", "Throttling"])
@pytest.mark.parametrize("status", [400, 429])
def test_throttling_is_retried_by_its_code_whatever_the_http_status(
    emu: Emulator, faults: Emulator, code: str, status: int
) -> None:
    member = emu.create_member_account("throttled")
    emu.faults.set("GetRole", throttle_rate=0.5, throttle_code=code, throttle_status=status)
    env = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "20", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": [member]})

    assert result["status"] == "succeeded", result
    assert code in {c.code for c in emu.calls[mark:]}, "the throttle must have fired"


def test_writes_whose_responses_are_lost_converge_to_exactly_the_catalog_state(
    emu: Emulator, faults: Emulator, inspector: Inspector
) -> None:
    member = emu.create_member_account("lossy")
    for action in ("CreateRole", "AttachPolicyToRole"):
        emu.faults.set(action, lost_response_rate=0.5)
    env = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "20", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        first = fc.invoke({"accountIds": [member], "strategy": "create-first"})
        emu.faults.clear()
        second = fc.invoke({"accountIds": [member]})

    assert any(c.response_lost for c in emu.calls[mark:]), "a write must have happened with its response lost"
    assert first["status"] == "succeeded", first
    # Whatever the first run could tell, the account holds each role once with its one policy, and a second run
    # finds nothing to do.
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]
        assert inspector.trust_services(member, name)
    assert {r["outcome"] for r in second["accounts"][0]["roles"]} == {"unchanged"}
