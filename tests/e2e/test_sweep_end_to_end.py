"""The sweep of a whole Resource Directory, end to end: the path that never misses an account. Each test has an
emulator of its own, so that the directory holds exactly the accounts it made."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator
from tests.e2e.conftest import DEFAULT_ROLES, EVENTS, Inspector, function_calls_that_remove

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import LeakWatch


@pytest.fixture
def world(leak_watch: LeakWatch) -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator
        leak_watch.secrets |= emulator.issued_secrets()
        assert function_calls_that_remove(emulator) == []


@pytest.fixture
def inspect(world: Emulator) -> Inspector:
    ak, secret = world.create_user(world.management_account_id, "inspector", policies=["AdministratorAccess"])
    return Inspector(world, ak, secret)


def creates_per_account(emu: Emulator, mark: int = 0) -> Counter[str]:
    return Counter(c.account_id for c in emu.calls[mark:] if c.action == "CreateRole" and c.ok and c.account_id)


def listed(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["accountId"]: a for a in result["accounts"]}


def test_a_sweep_gives_every_active_member_its_roles_and_says_why_it_skipped_the_rest(
    world: Emulator, inspect: Inspector
) -> None:
    members = world.create_member_accounts(24)
    verifying = world.create_member_account("verifying", status="CreateVerifying")
    no_access = world.create_member_account("no-access-role", access_role=False)
    denied = world.create_member_account("denied")
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": denied}) as fc:
        result = fc.invoke({"action": "sweep"})

    accounts = listed(result)
    assert all(accounts[m]["status"] == "succeeded" for m in members)
    assert accounts[verifying]["skipped"]["code"] == "AccountNotReady"
    assert accounts[no_access]["error"]["code"] == "AccessRoleMissing"
    assert accounts[denied]["skipped"]["code"] == "AccountOutOfScope"
    assert accounts[world.management_account_id]["skipped"]["code"] == "ManagementAccountExcluded"
    assert result["sweep"]["listed"] == 28 and "nextToken" not in result
    assert sorted(result["summary"]["needsAction"]) == sorted([verifying, no_access])
    for member in members:
        for name, policy in DEFAULT_ROLES.items():
            assert inspect.policies(member, name) == [(policy, "System")]


def test_a_second_sweep_changes_nothing_and_lists_only_what_needs_saying(world: Emulator) -> None:
    members = world.create_member_accounts(12)
    with LocalFunctionCompute(world) as fc:
        fc.invoke({"action": "sweep"})
        mark = len(world.calls)
        again = fc.invoke({"action": "sweep"})

    assert [c for c in world.calls[mark:] if c.action in ("CreateRole", "AttachPolicyToRole", "UpdateRole")] == []
    assert set(listed(again)) == {world.management_account_id}  # the skip is listed; unchanged ones are counted
    assert again["summary"]["unchangedNotListed"] == len(members)
    assert again["summary"]["accountStatus"]["succeeded"] == len(members)


def test_a_sweep_out_of_time_resumes_from_its_token_losing_nothing_and_repeating_nothing(world: Emulator) -> None:
    members = world.create_member_accounts(7)
    # The margin equals the function's timeout: no time is left to start a second account in any invocation.
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "300"}) as fc:
        results = [fc.invoke({"action": "sweep"})]
        while "nextToken" in results[-1]:
            results.append(fc.invoke({"action": "sweep", "nextToken": results[-1]["nextToken"]}))

    reconciled = [a["accountId"] for r in results for a in r["accounts"] if a["status"] == "succeeded"]
    assert sorted(reconciled) == sorted(members)  # each once: nothing repeated, nothing lost
    assert len(results) == len(members) + 1  # one account (or the management account's skip) per invocation
    assert creates_per_account(world) == dict.fromkeys(members, len(DEFAULT_ROLES))


def test_a_forged_token_is_refused_and_cannot_widen_the_scope(world: Emulator) -> None:
    member = world.create_member_account("kept-out")
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": member}) as fc:
        garbage = fc.invoke({"action": "sweep", "nextToken": "not-a-token"})
        # A well-formed token naming the denied account as a filter still meets the deployment's scope.
        forged = fc.invoke({"action": "sweep", "accountIds": [member]})

    assert garbage["status"] == "invalid" and garbage["error"]["field"] == "nextToken"
    assert listed(forged)[member]["skipped"]["code"] == "AccountOutOfScope"


def test_a_recent_changes_sweep_touches_only_accounts_that_joined_or_changed_recently(world: Emulator) -> None:
    old = [*world.create_member_accounts(5), world.management_account_id]
    for account in old:
        world.age_account(account, days=3)
    fresh = world.create_member_account("joined-now")
    activated = world.create_member_account("verified-now", status="CreateVerifying")
    world.age_account(activated, days=3)
    world.set_account_status(activated, "CreateSuccess")  # its status change moves ModifyTime
    with LocalFunctionCompute(world) as fc:
        mark = len(world.calls)
        result = fc.invoke({"action": "sweep", "changedWithinMinutes": 10})

    assert set(creates_per_account(world, mark)) == {fresh, activated}
    assert result["sweep"]["selected"] == 2


def test_a_fanned_out_sweep_runs_its_batches_as_async_invocations_end_to_end(
    world: Emulator, inspect: Inspector
) -> None:
    members = world.create_member_accounts(11)
    env = {"EMR_BOOTSTRAP_FANOUT": "always", "EMR_BOOTSTRAP_FANOUT_BATCH_SIZE": "4"}
    with LocalFunctionCompute(world, extra_env=env) as fc:
        result = fc.invoke({"action": "sweep"})
        batches = fc.drain()
        outcomes = [fc.invoke(body) for body in batches]

    # Eleven members and the management account, in batches of four; each batch checks its accounts again.
    assert [b["accounts"] for b in result["sweep"]["batches"]] == [4, 4, 4]
    assert all(b["requestId"] for b in result["sweep"]["batches"])
    assert all(len(body) < 128 * 1024 for body in batches)
    assert all(json.loads(body)["share"] == pytest.approx(1 / 3, abs=1e-5) for body in batches)
    assert [json.loads(body)["firstPage"] for body in batches] == [1, 1, 1]  # twelve accounts: one page
    done = [a["accountId"] for o in outcomes for a in o["accounts"] if a["status"] == "succeeded"]
    assert sorted(done) == sorted(members)
    assert all(o["status"] == "succeeded" for o in outcomes)
    for member in members:
        assert inspect.role(member, "AliyunEMRDefaultRole") is not None


def test_a_timer_sweep_out_of_time_continues_itself_until_the_directory_is_done(world: Emulator) -> None:
    members = world.create_member_accounts(2)  # three accounts, one per hop: within the bound of ceil(3/10) + 3
    timer = {"triggerTime": "2026-11-29T00:00:00Z", "triggerName": "daily", "payload": '{"action": "sweep"}'}
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "300"}) as fc:
        first = fc.invoke(timer)
        continued = []
        while queued := fc.drain():
            continued += [fc.invoke(body) for body in queued]

    assert first["sweep"]["continuedBy"] and "nextToken" in first
    assert "continuedBy" not in continued[-1]["sweep"] and "nextToken" not in continued[-1]
    assert [r["sweep"]["stopped"] for r in [first, *continued]] == ["deadline", "deadline", "done"]
    assert creates_per_account(world) == dict.fromkeys(members, len(DEFAULT_ROLES))


def test_an_event_without_an_account_id_sweeps_the_recent_changes(world: Emulator) -> None:
    fresh = world.create_member_account("joined")
    event = json.loads((EVENTS / "actiontrail-create-resource-account.json").read_text())
    event["aliyunaccountid"] = world.management_account_id
    event["data"]["userIdentity"]["accountId"] = world.management_account_id
    event["data"]["responseElements"] = {}
    event["data"].pop("referencedResources", None)
    with LocalFunctionCompute(world) as fc:
        result = fc.invoke(event)

    assert result["sweep"]["selected"] >= 1
    assert listed(result)[fresh]["status"] == "succeeded"


def test_two_sweeps_and_an_event_at_once_all_succeed_and_write_each_role_once(world: Emulator) -> None:
    members = world.create_member_accounts(10)
    event = json.loads((EVENTS / "actiontrail-create-resource-account.json").read_text())
    event["aliyunaccountid"] = event["data"]["userIdentity"]["accountId"] = world.management_account_id
    event["data"]["responseElements"]["Account"]["AccountId"] = members[0]
    with LocalFunctionCompute(world) as fc, ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(fc.invoke, [{"action": "sweep"}, {"action": "sweep"}, event]))

    assert [r["status"] for r in runs] == ["succeeded"] * 3
    assert creates_per_account(world) == dict.fromkeys(members, len(DEFAULT_ROLES))


def test_a_sweep_of_two_hundred_accounts_converges_exactly_under_quotas_and_faults(
    world: Emulator, inspect: Inspector
) -> None:
    members = world.create_member_accounts(200)
    world.faults.seed(2026)
    world.faults.enable_quotas()
    world.faults.set(None, latency_ms=1, throttle_rate=0.05, error_rate=0.03, drop_rate=0.02, lost_response_rate=0.02)
    env = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "12", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
    with LocalFunctionCompute(world, extra_env=env) as fc:
        first = fc.invoke({"action": "sweep"})
        world.faults.clear()
        second = fc.invoke({"action": "sweep"})

    assert first["status"] == "succeeded", first["summary"]
    calls = first["summary"]["cloudCalls"]
    assert calls["retries"] > 0 and calls["throttles"] > 0  # the faults fired, and were absorbed
    assert second["summary"]["unchangedNotListed"] == len(members)
    for member in members[::20]:
        for name, policy in DEFAULT_ROLES.items():
            assert inspect.policies(member, name) == [(policy, "System")]
    assert creates_per_account(world) == dict.fromkeys(members, len(DEFAULT_ROLES))
