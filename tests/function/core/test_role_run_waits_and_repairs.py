"""A run as the operator reads it in the logs (one line per cloud call, per role, per account and per request, with
the fields the README names, at WARNING when something needs attention) and in the result (what a member account
that cannot be entered, a directory that does not know an account, or a deadline says)."""

from __future__ import annotations

import json
import threading
from typing import Any

from emr_bootstrap.core.catalog import CATALOG_PATH, load_catalog, parse_catalog
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.shared.errors import CloudError
from emr_bootstrap.shared.timing import Deadline

from tests.function.fakes import FakeClock as FakeClockForDeadline
from tests.function.fakes import FakeConnector, FakeRam, bootstrap, fast_settings

A, B = "1234567890123456", "6543210987654321"


def test_a_failed_trust_repair_names_the_call_that_failed() -> None:
    spec = load_catalog().require("AliyunEMRDefaultRole")
    drifted = FakeRam(B)
    drifted.seed_role(spec.name, '{"Statement": [], "Version": "1"}', [(spec.policy_name, "System")])
    drifted.fail[("UpdateRole", None)] = CloudError("NoPermission", "denied", status=403)
    repair = parse_request({"accountIds": [B], "roles": [spec.name], "drift": "repair"})
    (role,) = bootstrap(repair, FakeConnector({B: drifted}), request_id="r").accounts[0].roles
    assert role.error is not None and role.error.message == "UpdateRole: denied"


def test_waiting_for_a_new_role_stops_at_the_invocations_deadline() -> None:
    for knob, message in (
        ("attach_not_found", "AttachPolicyToRole still answered EntityNotExist.Role 5s after the role was created"),
        ("invisible_reads", "the writes succeeded but the policy attachment did not show in reads within 5s"),
    ):
        clock = FakeClockForDeadline()
        ram = FakeRam(A)
        setattr(ram, knob, 10_000)
        settings = fast_settings(clock, propagation_timeout_s=5.0)
        deadline = Deadline(at=2.0, margin_s=0.0, clock=clock)
        request = parse_request({"accountIds": [A], "roles": ["AliyunEMRDefaultRole"], "strategy": "create-first"})
        result = bootstrap(request, FakeConnector({A: ram}), request_id="r", settings=settings, deadline=deadline)
        (role,) = result.accounts[0].roles
        assert role.outcome == "failed" and role.error is not None and role.error.code == "PropagationTimeout"
        assert role.error.message == message
        assert clock.now <= 2.0


def test_a_repair_whose_trust_and_attachment_never_show_times_out_naming_both() -> None:
    spec = load_catalog().require("AliyunEMRDefaultRole")
    clock = FakeClockForDeadline()
    ram = FakeRam(A)
    ram.seed_role(spec.name, '{"Statement": [], "Version": "1"}')
    ram.stale_trust_reads = ram.invisible_reads = 10_000
    request = parse_request({"accountIds": [A], "roles": [spec.name], "drift": "repair"})
    deadline = Deadline(at=2.0, margin_s=0.0, clock=clock)
    settings = fast_settings(clock, propagation_timeout_s=5.0)
    result = bootstrap(request, FakeConnector({A: ram}), request_id="r", settings=settings, deadline=deadline)
    (role,) = result.accounts[0].roles
    assert role.error is not None and role.error.code == "PropagationTimeout"
    assert role.error.message == (
        "the writes succeeded but the role's trust policy and the policy attachment did not show in reads within 5s"
    )
    assert clock.now <= 2.0


def test_a_role_that_exists_but_is_not_yet_readable_is_waited_for_not_created_again() -> None:
    spec = load_catalog().require("AliyunEMRDefaultRole")
    ram = FakeRam(A)
    ram.seed_role(spec.name, spec.trust_policy, [(spec.policy_name, "System")])
    ram._roles[spec.name.lower()].hidden_get_reads = 2  # a concurrent run's create, not visible yet
    request = parse_request({"accountIds": [A], "roles": [spec.name], "strategy": "create-first"})
    (role,) = bootstrap(request, FakeConnector({A: ram}), request_id="r").accounts[0].roles
    assert role.outcome == "unchanged" and ram.calls["CreateRole"] == 1


def test_a_role_never_readable_after_create_said_it_exists_times_out_saying_so() -> None:
    spec = load_catalog().require("AliyunEMRDefaultRole")
    ram = FakeRam(A)
    ram.seed_role(spec.name, spec.trust_policy, [(spec.policy_name, "System")])
    ram._roles[spec.name.lower()].hidden_get_reads = 10_000
    clock = FakeClockForDeadline()
    request = parse_request({"accountIds": [A], "roles": [spec.name], "strategy": "create-first"})
    deadline = Deadline(at=2.0, margin_s=0.0, clock=clock)
    settings = fast_settings(clock, propagation_timeout_s=5.0)
    (role,) = (
        bootstrap(request, FakeConnector({A: ram}), request_id="r", settings=settings, deadline=deadline)
        .accounts[0]
        .roles
    )
    assert role.error is not None
    assert role.error.message == "CreateRole said the role exists, but GetRole did not show it within 5s"
    assert clock.now <= 2.0


def test_verification_repeats_only_the_reads_still_unconfirmed() -> None:
    spec = load_catalog().require("AliyunEMRDefaultRole")
    stale = FakeRam(A)
    stale.seed_role(spec.name, '{"Statement": [], "Version": "1"}', [(spec.policy_name, "System")])
    stale.stale_trust_reads = 2
    repair = parse_request({"accountIds": [A], "roles": [spec.name], "drift": "repair"})
    (role,) = bootstrap(repair, FakeConnector({A: stale}), request_id="r").accounts[0].roles
    assert role.outcome == "updated"
    # observe: 1 GetRole + 1 List; verify the repaired trust only: it shows on the 3rd GetRole.
    assert (stale.calls["GetRole"], stale.calls["ListPoliciesForRole"]) == (4, 1)
    unattached = FakeRam(B)
    unattached.seed_role(spec.name, spec.trust_policy)
    unattached.invisible_reads = 2
    plain = parse_request({"accountIds": [B], "roles": [spec.name]})
    (role,) = bootstrap(plain, FakeConnector({B: unattached}), request_id="r").accounts[0].roles
    assert role.outcome == "updated"
    # observe: 1 GetRole + 1 List; verify the attachment only: it shows on the 3rd List.
    assert (unattached.calls["GetRole"], unattached.calls["ListPoliciesForRole"]) == (1, 4)


class Gathering(FakeRam):
    """RAM whose first ``parties`` GetRole calls wait for each other: they only pass if the roles run at once."""

    def __init__(self, account_id: str, parties: int) -> None:
        super().__init__(account_id)
        self.barrier = threading.Barrier(parties, timeout=5)
        self._first_reads = 0
        self._count = threading.Lock()

    def get_role(self, role_name: str) -> Any:
        with self._count:
            self._first_reads += 1
            gather = self._first_reads <= self.barrier.parties
        if gather:
            self.barrier.wait()
        return super().get_role(role_name)


def test_every_role_of_an_account_runs_at_once_however_many_the_catalog_has() -> None:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    template = raw["roles"][0]
    raw["roles"] += [{**template, "name": f"ExtraAlwaysRole{n}"} for n in range(8)]
    catalog = parse_catalog(raw)
    ram = Gathering(A, parties=10)
    request = parse_request({"accountIds": [A]}, catalog=catalog)
    result = bootstrap(request, FakeConnector({A: ram}), request_id="r", catalog=catalog)
    (account,) = result.accounts
    assert len(account.roles) == 10 and {role.outcome for role in account.roles} == {"created"}
