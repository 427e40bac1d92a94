"""A sweep of a directory of two ListAccounts pages, stopped after every account and resumed by its token each
time, end to end through the official SDK against the emulator: each member gets exactly one session and its
roles exactly once, whether the sweep stopped at the last account of a page or the first of the next."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator
from tests.e2e.conftest import DEFAULT_ROLES, function_calls_that_remove
from tests.e2e.test_scope_end_to_end import sessions_into

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import LeakWatch

# The management account and 100 members fill the first page (100 accounts) and spill one member onto the second.
MEMBERS = 100


@pytest.fixture
def world(leak_watch: LeakWatch) -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator
        leak_watch.secrets |= emulator.issued_secrets()
        assert function_calls_that_remove(emulator) == []


def resumed_until_done(fc: LocalFunctionCompute, payload: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    results = [fc.invoke(payload)]
    while "nextToken" in results[-1]:
        assert len(results) < limit, "the chain of tokens did not end"
        results.append(fc.invoke({"action": "sweep", "nextToken": results[-1]["nextToken"]}))
    return results


def test_a_sweep_stopped_after_every_account_and_resumed_by_its_token_visits_each_member_once(world: Emulator) -> None:
    members = world.create_member_accounts(MEMBERS)
    # The margin equals the function's timeout: each invocation starts one account and returns its token.
    with LocalFunctionCompute(world, extra_env={"EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "300"}) as fc:
        mark = len(world.calls)
        results = resumed_until_done(fc, {"action": "sweep"}, limit=2 * (MEMBERS + 1))

    assert len(results) == MEMBERS + 1  # one account per invocation, the management account's skip included
    assert sessions_into(world, mark) == dict.fromkeys(members, 1)
    creates = Counter(c.account_id for c in world.calls[mark:] if c.action == "CreateRole" and c.ok)
    assert creates == dict.fromkeys(members, len(DEFAULT_ROLES))
    assert [r["status"] for r in results] == ["succeeded"] * len(results)
