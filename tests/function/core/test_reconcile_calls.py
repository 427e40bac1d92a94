"""What each strategy costs in calls per role (README, "What it does": the table of call costs), against the
in-memory RAM fake. ``get-first`` is the sweep's: GetRole, then ListPoliciesForRole only if the role exists, and
one ListPoliciesForRole to verify the writes; the end-to-end counts through the SDK are in
tests/e2e/test_call_costs_end_to_end.py."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.request import parse_request

from tests.function.fakes import FakeConnector, FakeRam, fast_settings, reconcile_account

if TYPE_CHECKING:
    from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
    from emr_bootstrap.core.request import Strategy

ACCOUNT = "1234567890123456"
CATALOG = load_catalog()
SPEC = CATALOG.require("AliyunEMRDefaultRole")


class OrderedRam(FakeRam):
    """Records the order of the calls, each with whether another call of the same role was in flight."""

    def __init__(self) -> None:
        super().__init__(ACCOUNT)
        self.order: list[str] = []
        self.overlapped = False
        self._in_flight = 0
        self._order_lock = threading.Lock()

    def _track(self, action: str) -> None:
        with self._order_lock:
            self.order.append(action)
            self._in_flight += 1
            self.overlapped |= self._in_flight > 1

    def _done(self) -> None:
        with self._order_lock:
            self._in_flight -= 1

    def get_role(self, role_name: str) -> RoleState:
        self._track("GetRole")
        try:
            return super().get_role(role_name)
        finally:
            self._done()

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        self._track("ListPoliciesForRole")
        try:
            return super().list_policies_for_role(role_name)
        finally:
            self._done()

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        self._track("CreateRole")
        try:
            return super().create_role(role_name, trust_policy, description)
        finally:
            self._done()

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        self._track("AttachPolicyToRole")
        try:
            super().attach_system_policy(role_name, policy_name)
        finally:
            self._done()


def one_role(ram: FakeRam, strategy: Strategy, **fields: object) -> str:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [SPEC.name], **fields})
    account = reconcile_account(
        ACCOUNT, request, FakeConnector({ACCOUNT: ram}), strategy=strategy, settings=fast_settings()
    )
    (role,) = account.roles
    return role.outcome


def done(ram: OrderedRam) -> OrderedRam:
    ram.seed_role(SPEC.name, SPEC.trust_policy, [(SPEC.policy_name, "System")])
    return ram


def test_get_first_on_a_fresh_account_reads_once_writes_and_verifies_with_one_list() -> None:
    ram = OrderedRam()
    assert one_role(ram, "get-first") == "created"
    assert ram.order == ["GetRole", "CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"]


def test_get_first_on_a_done_account_reads_get_then_list_one_after_the_other() -> None:
    ram = done(OrderedRam())
    assert one_role(ram, "get-first") == "unchanged"
    assert ram.order == ["GetRole", "ListPoliciesForRole"] and not ram.overlapped


def test_get_first_dry_run_of_a_fresh_account_reads_only_get_role() -> None:
    ram = OrderedRam()
    assert one_role(ram, "get-first", dryRun=True) == "planned"
    assert ram.order == ["GetRole"]


def test_get_first_waits_out_a_role_not_yet_readable_after_create_said_it_exists() -> None:
    ram = done(OrderedRam())
    ram._roles[SPEC.name.lower()].hidden_get_reads = 1  # GetRole misses it once: looks fresh, CreateRole says exists
    assert one_role(ram, "get-first") == "unchanged"
    assert ram.order == ["GetRole", "CreateRole", "GetRole", "ListPoliciesForRole"]


@pytest.mark.parametrize(
    ("strategy", "fresh", "ready"),
    [
        # Requests: both reads at once (one round trip) whatever they find; the writes read back with one list.
        (
            "read-first",
            ["GetRole", "ListPoliciesForRole", "CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"],
            2,
        ),
        # Events: no read before the writes.
        ("create-first", ["CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"], 3),
        ("get-first", ["GetRole", "CreateRole", "AttachPolicyToRole", "ListPoliciesForRole"], 2),
    ],
)
def test_calls_per_role_by_strategy(strategy: Strategy, fresh: list[str], ready: int) -> None:
    new = OrderedRam()
    one_role(new, strategy)
    assert sorted(new.order) == sorted(fresh)
    old = done(OrderedRam())
    one_role(old, strategy)
    assert len(old.order) == ready and old.write_calls == (1 if strategy == "create-first" else 0)


class LateListRam(OrderedRam):
    """ListPoliciesForRole answers EntityNotExist.Role for the first ``late`` calls (a create not yet visible)."""

    def __init__(self, late: int) -> None:
        super().__init__()
        self.late = late

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        if self.late > 0:
            self.late -= 1
            self._track("ListPoliciesForRole")
            self._done()
            raise self._not_found(role_name)
        return super().list_policies_for_role(role_name)


def test_verifying_after_create_retries_a_list_that_does_not_see_the_new_role_yet() -> None:
    ram = LateListRam(late=2)
    assert one_role(ram, "create-first") == "created"
    assert ram.order == ["CreateRole", "AttachPolicyToRole", *["ListPoliciesForRole"] * 3]
