"""Chains of sweeps end to end, through the handlers and the emulated FC InvokeFunction: they stay on the version
they started on, they end when the directory cannot be listed, only the event function continues them, and the
daily sweep says which accounts the event path missed."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from emulator.local_fc import LocalFunctionCompute
from tests.api.test_router import envelope
from tests.e2e import test_sweep_end_to_end

if TYPE_CHECKING:
    from emulator.testing import Emulator

DAILY = {"triggerTime": "2026-11-29T03:00:00Z", "triggerName": "sweep-daily", "payload": '{"action": "sweep"}'}
# The fixture: an emulator of each test's own, checked afterwards for leaks and removals.
world = test_sweep_end_to_end.world
# The margin equals the function's timeout: every invocation starts exactly one account.
ONE_PER_HOP = {"EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "300"}


def run_chain(fc: LocalFunctionCompute, first: Any) -> tuple[list[dict[str, Any]], list[str | None]]:
    """The first invocation and every asynchronous one it leads to; the qualifier FC recorded for each of those."""
    results, qualifiers = [fc.invoke(first)], []
    while queued := fc.drain_invocations():
        assert len(results) < 100, "the chain did not end"
        qualifiers += [invocation.qualifier for invocation in queued]
        results += [fc.invoke(invocation.body) for invocation in queued]
    return results, qualifiers


def test_a_sweep_running_under_an_alias_continues_on_that_alias(world: Emulator) -> None:
    world.create_member_accounts(2)
    with LocalFunctionCompute(world, qualifier="prod", extra_env=ONE_PER_HOP) as fc:
        results, qualifiers = run_chain(fc, DAILY)

    assert len(results) == 3 and qualifiers == ["prod", "prod"]
    assert [r["sweep"]["stopped"] for r in results] == ["deadline", "deadline", "done"]


def test_a_sweep_running_under_an_alias_fans_out_to_that_alias(world: Emulator) -> None:
    world.create_member_accounts(5)
    env = {"EMR_BOOTSTRAP_FANOUT": "always", "EMR_BOOTSTRAP_FANOUT_BATCH_SIZE": "2"}
    with LocalFunctionCompute(world, qualifier="prod", extra_env=env) as fc:
        results, qualifiers = run_chain(fc, DAILY)

    assert qualifiers == ["prod"] * 3 and all(r["status"] == "succeeded" for r in results)


def test_the_qualifier_setting_overrides_the_one_the_invocation_ran_under(world: Emulator) -> None:
    world.create_member_accounts(1)
    env = {**ONE_PER_HOP, "EMR_BOOTSTRAP_QUALIFIER": "LATEST"}
    with LocalFunctionCompute(world, qualifier="prod", extra_env=env) as fc:
        _, qualifiers = run_chain(fc, DAILY)

    assert qualifiers == ["LATEST"]


def test_a_timer_sweep_that_cannot_list_the_directory_reports_the_error_and_invokes_nothing(world: Emulator) -> None:
    world.create_member_accounts(3)
    world.faults.set("ListAccounts", error_rate=1.0)
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_MAX_ATTEMPTS": "2"}) as fc:
        results, _ = run_chain(fc, DAILY)

    (only,) = results
    assert only["status"] == "failed" and only["error"]["code"] == "ServiceUnavailable"
    assert only["sweep"]["stopped"] == "error" and "continuedBy" not in only["sweep"]


def continuing_token(page: int, offset: int) -> str:
    """A token that claims to belong to a self-continuing chain, as a hostile caller would write it."""
    document = {"v": 1, "page": page, "offset": offset, "options": {}, "continues": True, "hop": 1, "from": [1, 0]}
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def test_the_http_function_never_continues_or_fans_out_whatever_the_token_says(world: Emulator) -> None:
    world.create_member_accounts(3)
    env = {**ONE_PER_HOP, "EMR_BOOTSTRAP_FANOUT": "always"}
    body = json.dumps({"nextToken": continuing_token(1, 1)})
    with LocalFunctionCompute(world, extra_env=env) as fc:
        resumed = fc.invoke(envelope("POST", "/v1/sweep", body), handler="http_handler")
        fresh = fc.invoke(envelope("POST", "/v1/sweep", "{}"), handler="http_handler")
        queued = fc.drain()

    assert queued == []
    for reply in (resumed, fresh):
        sweep = json.loads(reply["body"])["sweep"]
        assert sweep["stopped"] == "deadline" and "continuedBy" not in sweep and "batches" not in sweep


def test_a_direct_sweep_on_the_event_function_continues_only_a_token_of_a_continuing_chain(world: Emulator) -> None:
    world.create_member_accounts(3)
    with LocalFunctionCompute(world, extra_env=ONE_PER_HOP) as fc:
        direct = fc.invoke({"action": "sweep"})
        after_direct = fc.drain()
        forged, qualifiers = run_chain(fc, {"action": "sweep", "nextToken": continuing_token(1, 1)})

    assert after_direct == [] and direct["sweep"]["stopped"] == "deadline"
    # A forged continuing token gets one chain, bounded like the timer's: the accounts from its position on.
    assert [r["sweep"]["hop"] for r in forged] == [2, 3, 4] and forged[-1]["sweep"]["stopped"] == "done"
    assert qualifiers == ["LATEST", "LATEST"]


def test_the_daily_sweep_reports_accounts_that_joined_long_ago_but_had_no_roles(world: Emulator) -> None:
    missed = world.create_member_accounts(3)
    for account in [*missed, world.management_account_id]:
        world.age_account(account, days=2)
    fresh = world.create_member_account("joined-just-now")
    with LocalFunctionCompute(world) as fc:
        daily = fc.invoke(DAILY)
        again = fc.invoke(DAILY)
        direct = fc.invoke({"action": "sweep"})

    assert daily["summary"]["missedByEvents"] == {"count": 3, "accountIds": sorted(missed)}
    assert fresh not in daily["summary"]["missedByEvents"]["accountIds"]
    assert again["summary"]["missedByEvents"] == {"count": 0, "accountIds": []}
    assert "missedByEvents" not in direct["summary"]
