"""The fault matrix: a fresh account, an account already done, and a sweep, under each fault alone and all of them
mixed, with fixed seeds. Every run either converges to exactly the catalog's roles and attachments, or reports the
account failed with the true (transient) cause, and then the next run converges. Nothing is created twice and
nothing outside the catalog is touched."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

FAULTS: dict[str, dict[str, Any]] = {
    "throttling": {"throttle_rate": 0.10},
    "server-errors": {"error_rate": 0.05},
    "dropped": {"drop_rate": 0.02},
    "lost-responses": {"lost_response_rate": 0.02},
    "eventual-consistency": {"consistency_delay_ms": 500},
    "quotas": {},
    "mixed": {
        "throttle_rate": 0.10,
        "error_rate": 0.05,
        "drop_rate": 0.02,
        "lost_response_rate": 0.02,
        "consistency_delay_ms": 500,
    },
}
TRANSIENT = {"Throttling.User", "ServiceUnavailable", "InternalError", "EndpointUnreachable", "PropagationTimeout"}
ENV = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "4", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}


def outcome_is_true(result: dict[str, Any]) -> bool:
    """Converged, or every failure names a transient cause."""
    for account in result["accounts"]:
        if account["status"] == "failed":
            codes = {account["error"]["code"]} if account["error"] else set()
            codes |= {r["error"]["code"] for r in account["roles"] if r["error"]}
            if not codes or not codes <= TRANSIENT:
                return False
    return True


def assert_exact(inspector: Inspector, member: str) -> None:
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")], (member, name)
        assert inspector.trust_services(member, name)


def created(emu: Emulator, members: list[str], mark: int) -> Counter[tuple[str, str]]:
    return Counter(
        (c.account_id, c.params.get("RoleName", ""))
        for c in emu.calls[mark:]
        if c.action == "CreateRole" and c.ok and c.account_id in members
    )


# One seed per single fault, three for the mix.
RUNS = [(fault, 1) for fault in sorted(FAULTS) if fault != "mixed"] + [("mixed", seed) for seed in (1, 2, 3)]


@pytest.mark.parametrize("case", ["fresh", "done", "sweep"])
@pytest.mark.parametrize(("fault", "seed"), RUNS)
def test_every_run_converges_or_names_a_transient_cause_and_the_next_run_converges(
    emu: Emulator, inspector: Inspector, fault: str, seed: int, case: str
) -> None:
    members = [emu.create_member_account(f"{fault}-{case}-{n}") for n in range(3 if case == "sweep" else 1)]
    with LocalFunctionCompute(emu, extra_env=ENV) as fc:
        if case == "done":
            fc.invoke({"accountIds": members})
        mark = len(emu.calls)
        emu.faults.seed(seed)
        emu.faults.enable_quotas()
        emu.faults.set(None, **FAULTS[fault])
        payload: dict[str, Any] = {"accountIds": members, "strategy": "create-first"}
        if case == "done":
            payload = {"accountIds": members}
        elif case == "sweep":
            payload = {"action": "sweep", "accountIds": members}
        try:
            first = fc.invoke(payload)
        finally:
            emu.faults.clear()
        second = fc.invoke(payload)

    assert outcome_is_true(first), first
    assert second["status"] == "succeeded", second
    for member in members:
        assert_exact(inspector, member)
    creations = created(emu, members, mark)
    assert all(count == 1 for count in creations.values()), creations  # nothing created twice
    expected = 0 if case == "done" else len(members) * len(DEFAULT_ROLES)
    assert sum(creations.values()) == expected
    touched = {c.params.get("RoleName") for c in emu.calls[mark:] if c.account_id in members and "RoleName" in c.params}
    assert touched <= set(DEFAULT_ROLES)  # nothing outside the catalog


def test_a_run_interrupted_between_create_and_attach_is_completed_by_the_next(
    emu: Emulator, inspector: Inspector
) -> None:
    member = emu.create_member_account("interrupted")
    with LocalFunctionCompute(emu, extra_env={**ENV, "EMR_BOOTSTRAP_MAX_ATTEMPTS": "1"}) as fc:
        emu.faults.set("AttachPolicyToRole", drop_rate=1.0)  # the run dies after CreateRole, before the attach
        try:
            first = fc.invoke({"accountIds": [member], "strategy": "create-first"})
        finally:
            emu.faults.clear()
        second = fc.invoke({"accountIds": [member]})

    assert {r["error"]["code"] for r in first["accounts"][0]["roles"]} == {"EndpointUnreachable"}
    assert {r["outcome"] for r in second["accounts"][0]["roles"]} == {"updated"}
    assert_exact(inspector, member)
