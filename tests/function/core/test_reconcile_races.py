"""Concurrent runs against one account: races are decided by the cloud, and every run reports the truth."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
from emr_bootstrap.core.request import parse_request

from tests.function.core.test_reconcile import ACCOUNT, ALL_ROLES, CATALOG, DEFAULT_ROLES, outcomes, roles_of, run
from tests.function.fakes import FakeConnector, FakeRam, bootstrap, fast_settings

if TYPE_CHECKING:
    from emr_bootstrap.core.result import Result


RACERS = 50


class ReadsBeforeWritesRam(FakeRam):
    """A scripted schedule for read-first races: CreateRole of a role waits until every racer has read it once, so
    every racer sees the role missing and tries to create it, whatever the thread scheduling."""

    def __init__(self, account_id: str, readers: int) -> None:
        super().__init__(account_id)
        self._readers = readers
        self._first_reads: Counter[str] = Counter()
        self._gate = threading.Condition()

    def get_role(self, role_name: str) -> RoleState:
        with self._gate:
            self._first_reads[role_name.lower()] += 1
            self._gate.notify_all()
        return super().get_role(role_name)

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        with self._gate:
            all_read = self._gate.wait_for(lambda: self._first_reads[role_name.lower()] >= self._readers, timeout=10)
        assert all_read, f"only {self._first_reads[role_name.lower()]} of {self._readers} racers read {role_name}"
        return super().create_role(role_name, trust_policy, description)


@pytest.mark.parametrize("strategy", ["create-first", "read-first"])
def test_fifty_concurrent_runs_leave_one_role_per_name_attached_once_and_all_succeed(strategy: str) -> None:
    # Reads lag the writes, as RAM does: runs that still see no policy attach again. Each run sees every write two
    # reads late on its own budget and polls on its own fake clock, so no run can spend another's patience and the
    # outcome does not depend on thread scheduling (a budget or a clock shared by all runs did).
    # create-first racers all write first; read-first racers are held so that all of them read before any write.
    ram = FakeRam(ACCOUNT) if strategy == "create-first" else ReadsBeforeWritesRam(ACCOUNT, RACERS)
    connector = FakeConnector({ACCOUNT: ram}, view_lag_reads=2)
    request = parse_request({"accountIds": [ACCOUNT], "roles": ALL_ROLES, "strategy": strategy})
    start = threading.Barrier(RACERS, timeout=10)
    results: list[Result] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        result = bootstrap(request, connector, request_id="race", settings=fast_settings())
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == RACERS
    assert all(result.status == "succeeded" for result in results), [
        r.to_dict() for r in results if r.status != "succeeded"
    ][:1]
    assert ram.role_names == sorted(ALL_ROLES)
    # The race really happened: every racer tried to create every role, and the losers met EntityAlreadyExists.
    for name in ALL_ROLES:
        assert ram.calls_by_role[("CreateRole", name)] == RACERS
    for name in ALL_ROLES:
        assert len(ram.policies(name)) == 1
        # Exactly one run can say it created each role; the others report what they really did.
        created = sum(outcomes(r)[name] == "created" for r in results)
        assert created == 1
        assert all(outcomes(r)[name] in ("created", "updated", "unchanged") for r in results)


class LosesRaceRam(FakeRam):
    """Another run's write lands between this run's read and its write (deterministic race)."""

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        spec = CATALOG.require(role_name)
        self.seed_role(role_name, spec.trust_policy)  # the other run created it...
        return super().create_role(role_name, trust_policy, description)  # ...so ours meets EntityAlreadyExists

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        self._roles[role_name.lower()].policies.append(AttachedPolicy(policy_name, "System"))
        super().attach_system_policy(role_name, policy_name)  # EntityAlreadyExists.Role.Policy


@pytest.mark.parametrize("strategy", ["create-first", "read-first"])
def test_losing_both_races_reports_unchanged_after_verifying(strategy: str) -> None:
    ram = LosesRaceRam(ACCOUNT)
    ram.invisible_reads = 2
    result = run({"accountIds": [ACCOUNT], "strategy": strategy}, FakeConnector({ACCOUNT: ram}))
    assert outcomes(result) == dict.fromkeys(DEFAULT_ROLES, "unchanged")
    assert all(role.changes == () for role in roles_of(result).values())
    for name in DEFAULT_ROLES:
        assert ram.calls_by_role[("CreateRole", name)] == ram.calls_by_role[("AttachPolicyToRole", name)] == 1
        assert len(ram.policies(name)) == 1
