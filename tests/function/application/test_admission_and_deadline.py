"""The core learns each account's directory status before any write, and stops starting accounts near the
invocation's deadline (fakes only; the wire is covered in tests/e2e)."""

from __future__ import annotations

import threading

import pytest
from emr_bootstrap.core.cloud import ACTIVE_ACCOUNT_STATUSES, CloudError
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.core.scope import Scope
from emr_bootstrap.shared.timing import Deadline

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, FakeRam, bootstrap, fast_settings

MEMBER, OTHER = "1234567890123456", "6543210987654321"


def request(*accounts: str, strategy: str = "read-first", dry_run: bool = False) -> BootstrapRequest:
    return BootstrapRequest(account_ids=accounts, strategy=strategy, dry_run=dry_run)  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", ["create-first", "read-first"])
def test_account_not_active_yet_is_skipped_as_not_ready_with_no_write(strategy: str) -> None:
    directory = FakeDirectory()
    directory.statuses[MEMBER] = "CreateVerifying"
    connector = FakeConnector()

    result = bootstrap(request(MEMBER, strategy=strategy), connector, request_id="r", directory=directory)

    (account,) = result.accounts
    assert account.status == "skipped" and account.roles == ()
    assert account.skip is not None and account.skip.code == "AccountNotReady"
    assert "CreateVerifying" in account.skip.message and account.skip.hint and "sweep" in account.skip.hint
    assert account.directory_status == "CreateVerifying"
    assert result.status == "succeeded"  # not ready is not a failure
    ram = connector.accounts.get(MEMBER)
    assert ram is None or ram.write_calls == 0
    assert result.to_dict()["accounts"][0]["skipped"]["code"] == "AccountNotReady"


def test_read_first_asks_the_directory_before_assuming_a_role_so_a_not_ready_account_costs_no_assume_role() -> None:
    directory = FakeDirectory()
    directory.statuses[MEMBER] = "CreateVerifying"
    connector = FakeConnector()

    bootstrap(request(MEMBER), connector, request_id="r", directory=directory)

    assert directory.asked == [MEMBER]
    assert connector.opened == []


class GatedDirectory(FakeDirectory):
    """GetAccount answers only once AssumeRole has started: it proves the two run at the same time."""

    def __init__(self, connector_started: threading.Event) -> None:
        super().__init__()
        self.connector_started = connector_started

    def get_account(self, account_id: str):
        assert self.connector_started.wait(timeout=10), "AssumeRole did not start while GetAccount was running"
        return super().get_account(account_id)


class SignallingConnector(FakeConnector):
    def __init__(self, started: threading.Event) -> None:
        super().__init__()
        self.started = started

    def ram_for(self, account_id, roles, mode):
        self.started.set()
        return super().ram_for(account_id, roles, mode)


def test_create_first_asks_the_directory_concurrently_with_assume_role() -> None:
    started = threading.Event()
    connector = SignallingConnector(started)

    result = bootstrap(
        request(MEMBER, strategy="create-first"), connector, request_id="r", directory=GatedDirectory(started)
    )

    assert result.status == "succeeded"
    assert connector.accounts[MEMBER].calls["CreateRole"] == 2


def test_account_outside_the_directory_is_skipped_and_never_assumed() -> None:
    directory = FakeDirectory()
    directory.missing.add(OTHER)
    connector = FakeConnector()

    result = bootstrap(request(MEMBER, OTHER), connector, request_id="r", directory=directory)

    skipped = next(a for a in result.accounts if a.account_id == OTHER)
    assert skipped.status == "skipped" and skipped.skip is not None
    assert skipped.skip.code == "AccountNotInDirectory"
    assert [opened for opened, _ in connector.opened] == [MEMBER]


def test_own_account_when_included_is_reconciled_even_when_the_directory_does_not_list_it() -> None:
    directory = FakeDirectory()
    connector = FakeConnector(own_account_id=MEMBER)
    directory.fail[MEMBER] = CloudError("EntityNotExists.ResourceDirectory", "no directory", status=404)

    result = bootstrap(
        request(MEMBER), connector, request_id="r", directory=directory, scope=Scope(include_management_account=True)
    )

    assert result.accounts[0].status == "succeeded"


def test_directory_failure_fails_the_account_naming_get_account_and_the_permission() -> None:
    directory = FakeDirectory()
    directory.fail[MEMBER] = CloudError("NoPermission", "You are not authorized", status=403, request_id="RM-1")
    connector = FakeConnector()

    result = bootstrap(request(MEMBER), connector, request_id="r", directory=directory)

    (account,) = result.accounts
    assert account.status == "failed" and account.error is not None
    assert account.error.code == "NoPermission" and account.error.message.startswith("GetAccount")
    assert account.error.hint is not None and "resourcemanager:GetAccount" in account.error.hint
    assert connector.opened == []


@pytest.mark.parametrize("status", sorted(ACTIVE_ACCOUNT_STATUSES))
def test_every_documented_get_account_status_is_active(status: str) -> None:
    directory = FakeDirectory()
    directory.statuses[MEMBER] = status

    result = bootstrap(request(MEMBER), FakeConnector(), request_id="r", directory=directory)

    assert result.accounts[0].status == "succeeded"


@pytest.mark.parametrize("status", ["CreateVerifying", "CreateFailed", "Removed", "SomethingNew", ""])
def test_any_other_status_is_not_ready(status: str) -> None:
    directory = FakeDirectory()
    directory.statuses[MEMBER] = status

    result = bootstrap(request(MEMBER), FakeConnector(), request_id="r", directory=directory)

    assert result.accounts[0].status == "skipped"


def test_past_the_deadline_no_account_is_started_and_none_is_failed() -> None:
    clock = FakeClock()
    connector = FakeConnector()
    deadline = Deadline(at=10.0, margin_s=25.0, clock=clock)

    result = bootstrap(
        request(MEMBER, OTHER), connector, request_id="r", settings=fast_settings(clock), deadline=deadline
    )

    assert [a.status for a in result.accounts] == ["not-attempted", "not-attempted"]
    assert all(a.skip is not None and a.skip.code == "DeadlineReached" and a.skip.hint for a in result.accounts)
    assert result.status == "partial"
    assert connector.opened == []
    assert result.summary()["accountStatus"]["not-attempted"] == 2


class ClockMovingRam(FakeRam):
    """Each CreateRole takes ten (fake) seconds."""

    def __init__(self, account_id: str, clock: FakeClock) -> None:
        super().__init__(account_id)
        self.fake_clock = clock

    def create_role(self, role_name: str, trust_policy: str, description: str):
        self.fake_clock.sleep(10.0)
        return super().create_role(role_name, trust_policy, description)


def test_accounts_started_before_the_deadline_finish_and_later_ones_are_not_attempted() -> None:
    clock = FakeClock()
    connector = FakeConnector({MEMBER: ClockMovingRam(MEMBER, clock), OTHER: ClockMovingRam(OTHER, clock)})
    deadline = Deadline(at=40.0, margin_s=25.0, clock=clock)
    settings = fast_settings(clock, max_concurrent_accounts=1)

    result = bootstrap(request(MEMBER, OTHER), connector, request_id="r", settings=settings, deadline=deadline)

    assert [a.status for a in result.accounts] == ["succeeded", "not-attempted"]
    assert connector.accounts[OTHER].calls["CreateRole"] == 0


def test_polling_never_waits_past_the_deadline() -> None:
    clock = FakeClock()
    ram = FakeRam(MEMBER)
    ram.invisible_reads = 10_000
    deadline = Deadline(at=1.0, margin_s=0.0, clock=clock)
    settings = fast_settings(clock, propagation_timeout_s=60.0)

    result = bootstrap(
        request(MEMBER), FakeConnector({MEMBER: ram}), request_id="r", settings=settings, deadline=deadline
    )

    assert {r.error.code for r in result.accounts[0].roles if r.error} == {"PropagationTimeout"}
    assert clock.now <= 1.0 + 1e-9
