"""What one account costs on each path, counted in the emulator's call log (README, "What it does": the table of
call costs). Two default roles; no faults, so no call is repeated.

- a sweep reads get-first: AssumeRole, then per role GetRole, and ListPoliciesForRole only if the role exists; a
  fresh account 9 calls, a done one 5 (its ListAccounts page is shared by up to 100 accounts, not counted here);
- a new-account event is create-first: AssumeRole (beside the membership check), then per role CreateRole,
  AttachPolicyToRole and one verifying ListPoliciesForRole: 4 round trips on the critical path;
- a direct request checks membership first, then AssumeRole, then per role GetRole and ListPoliciesForRole at once
  (for latency), then only the missing writes and their verifying read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.conftest import DEFAULT_ROLES, sample_event

if TYPE_CHECKING:
    from emulator.core.calllog import CallRecord
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator


def account_calls(emu: Emulator, member: str, since: int) -> list[CallRecord]:
    """Every call made for ``member``: its membership check and AssumeRole (made from the management account) and
    the member session's calls, in the order the log holds them."""

    def about(call: CallRecord) -> bool:
        if call.account_id == member:
            return True
        return member in call.params.get("RoleArn", "") or call.params.get("AccountId") == member

    return [c for c in emu.calls[since:] if about(c)]


def per_role(calls: list[CallRecord]) -> dict[str, list[str]]:
    sequences: dict[str, list[str]] = {}
    for call in calls:
        if "RoleName" in call.params:
            sequences.setdefault(call.params["RoleName"], []).append(call.action)
    return sequences


def actions(calls: list[CallRecord]) -> list[str]:
    return [c.action for c in calls]


def test_a_fresh_account_in_a_sweep_costs_nine_calls(emu: Emulator, fc: LocalFunctionCompute, member: str) -> None:
    mark = len(emu.calls)

    result = fc.invoke({"action": "sweep", "accountIds": [member]})

    assert result["status"] == "succeeded"
    calls = account_calls(emu, member, mark)
    assert len(calls) <= 9 and actions(calls)[0] == "AssumeRole", actions(calls)
    assert "GetAccount" not in actions(calls)  # the listing page says what the account is
    for name, sequence in per_role(calls).items():
        assert sequence == ["GetRole", "CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"], (name, sequence)
    assert set(per_role(calls)) == set(DEFAULT_ROLES)


def test_a_done_account_in_a_sweep_costs_five_calls(emu: Emulator, fc: LocalFunctionCompute, member: str) -> None:
    fc.invoke({"accountIds": [member]})
    mark = len(emu.calls)

    result = fc.invoke({"action": "sweep", "accountIds": [member]})

    assert result["status"] == "succeeded"
    calls = account_calls(emu, member, mark)
    assert len(calls) == 5 and actions(calls)[0] == "AssumeRole", actions(calls)
    assert per_role(calls) == {key: ["GetRole", "ListPoliciesForRole"] for key in DEFAULT_ROLES}


def test_a_new_account_event_takes_four_round_trips_and_reads_nothing_before_it_writes(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(emu.calls)

    result = fc.invoke(sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id))

    assert result["status"] == "succeeded"
    calls = account_calls(emu, member, mark)
    session = [c for c in calls if c.account_id == member]
    before = actions(calls[: calls.index(session[0])])
    # Round trip 1: AssumeRole, with the membership check beside it (both end before any write).
    assert sorted(before) == ["AssumeRole", "GetAccount"], actions(calls)
    # Round trips 2-4, each role on its own thread: create, attach, one verifying read.
    chains = per_role(session)
    assert chains == {key: ["CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"] for key in DEFAULT_ROLES}
    assert 1 + max(len(chain) for chain in chains.values()) == 4
    assert len(calls) == 2 + 3 * len(DEFAULT_ROLES)


def test_a_request_checks_membership_assumes_reads_both_at_once_then_writes(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(emu.calls)

    fresh = fc.invoke({"accountIds": [member]})

    assert fresh["status"] == "succeeded"
    calls = account_calls(emu, member, mark)
    assert actions(calls)[:2] == ["GetAccount", "AssumeRole"]
    for name, sequence in per_role(calls).items():
        # The first two reads go out together (one round trip): the order between them is the network's.
        assert sorted(sequence[:2]) == ["GetRole", "ListPoliciesForRole"], (name, sequence)
        assert sequence[2:] == ["CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"], (name, sequence)
    # Membership, AssumeRole, the reads, create, attach, verify: 6 round trips; 12 calls.
    assert len(calls) == 2 + 5 * len(DEFAULT_ROLES)

    mark = len(emu.calls)
    again = fc.invoke({"accountIds": [member]})

    assert again["status"] == "succeeded"
    calls = account_calls(emu, member, mark)
    assert actions(calls)[:2] == ["GetAccount", "AssumeRole"]
    assert {name: sorted(seq) for name, seq in per_role(calls).items()} == {
        key: ["GetRole", "ListPoliciesForRole"] for key in DEFAULT_ROLES
    }
    assert len(calls) == 6  # membership, AssumeRole, the reads: 3 round trips, no write
