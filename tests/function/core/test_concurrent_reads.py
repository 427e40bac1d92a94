"""GetRole and ListPoliciesForRole of one role run concurrently when a role is first read (README: read-first "GetRole
and ListPoliciesForRole concurrently"); the verifying read after a write is one ListPoliciesForRole.

Deterministic: until the first write, each of the two reads waits at a two-party barrier before answering, so it
only gets through when the other read of the same role is in flight at the same time. Run one after the other, the
first read would wait for a partner that never comes; the barrier then breaks and the role fails.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.request import parse_request

from tests.function.fakes import FakeConnector, FakeRam, bootstrap

if TYPE_CHECKING:
    from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
    from emr_bootstrap.core.result import Result

ACCOUNT = "1234567890123456"
ROLE = load_catalog().require("AliyunEMRDefaultRole")
WAIT_S = 5.0  # only ever reached when the reads are sequential


class PairedReadsRam(FakeRam):
    """A RAM whose GetRole and ListPoliciesForRole each wait for the other to be in flight too."""

    def __init__(self) -> None:
        super().__init__(ACCOUNT)
        self.pair = threading.Barrier(2, timeout=WAIT_S)
        self.pairs_met = 0
        self._count = threading.Lock()

    def _meet(self) -> None:
        if self.calls["AttachPolicyToRole"] or self.calls["UpdateRole"]:  # reading back a write: nothing to pair with
            return
        if self.pair.wait() == 0:
            with self._count:
                self.pairs_met += 1

    def get_role(self, role_name: str) -> RoleState:
        self._meet()
        return super().get_role(role_name)

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        self._meet()
        return super().list_policies_for_role(role_name)


def run(ram: FakeRam, **fields: object) -> Result:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [ROLE.name], **fields})
    return bootstrap(request, FakeConnector({ACCOUNT: ram}), request_id="req-reads")


def outcome(result: Result) -> tuple[str, str | None]:
    (role,) = result.accounts[0].roles
    return role.outcome, role.error.code if role.error else None


def test_read_first_run_of_a_fresh_account_reads_with_a_concurrent_pair_and_verifies_with_one_list() -> None:
    ram = PairedReadsRam()

    result = run(ram)

    assert outcome(result) == ("created", None)
    # One pair to learn the role is missing; ListPoliciesForRole alone verifies the writes.
    assert ram.pairs_met == 1
    assert (ram.calls["GetRole"], ram.calls["ListPoliciesForRole"]) == (1, 2)


def test_read_first_run_of_a_ready_account_reads_each_role_with_one_concurrent_pair() -> None:
    ram = PairedReadsRam()
    ram.seed_role(ROLE.name, ROLE.trust_policy, [(ROLE.policy_name, "System")])

    result = run(ram)

    assert outcome(result) == ("unchanged", None)
    assert ram.pairs_met == 1
    assert ram.write_calls == 0


def test_dry_run_reads_each_role_with_one_concurrent_pair() -> None:
    ram = PairedReadsRam()

    result = run(ram, dryRun=True)

    assert outcome(result) == ("planned", None)
    assert ram.pairs_met == 1


@pytest.mark.parametrize("seeded_policies", [[(ROLE.policy_name, "System")], []], ids=["complete", "no-policy"])
def test_create_first_run_that_meets_an_existing_role_reads_it_with_concurrent_reads(
    seeded_policies: list[tuple[str, str]],
) -> None:
    ram = PairedReadsRam()
    ram.seed_role(ROLE.name, ROLE.trust_policy, seeded_policies)

    result = run(ram, strategy="create-first")

    assert outcome(result) == (("unchanged", None) if seeded_policies else ("updated", None))
    # EntityAlreadyExists.Role -> one concurrent pair to read the role; attaching the policy adds one verifying list.
    assert ram.pairs_met == 1
    assert (ram.calls["GetRole"], ram.calls["ListPoliciesForRole"]) == (1, 1 if seeded_policies else 2)
