"""How many accounts one invocation reconciles at once (``EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS``), counted without
timing: every account blocks in ``ram_for`` until the test has counted the account workers.

A ThreadPoolExecutor starts one thread per submitted task, up to ``max_workers``, while no worker is idle; no worker
is idle here (each blocks), so once every account is submitted the number of live ``emr-account*`` threads is
exactly the limit (or the number of accounts, if smaller).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.cloud import Ports as CloudPorts
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import BootstrapJob

from tests.function.fakes import FakeConnector, FakeDirectory, FakeRam, LaggingView

if TYPE_CHECKING:
    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.catalog import RoleSpec
    from emr_bootstrap.core.request import Mode
    from emr_bootstrap.core.result import Result

WAIT_S = 10.0  # only ever reached when the code under test is broken


class GatedConnector(FakeConnector):
    """Every ``ram_for`` waits until ``release`` is set; ``entered`` counts the calls waiting or done."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = 0
        self._entered_changed = threading.Condition()

    def ram_for(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> FakeRam | LaggingView:
        with self._entered_changed:
            self.entered += 1
            self._entered_changed.notify_all()
        if not self.release.wait(WAIT_S):
            raise TimeoutError("the test never released the accounts")
        return super().ram_for(account_id, roles, mode)

    def wait_until_entered(self, count: int) -> None:
        with self._entered_changed:
            assert self._entered_changed.wait_for(lambda: self.entered >= count, WAIT_S), self.entered


def waiting_for_results(thread: threading.Thread) -> bool:
    """Whether ``thread`` is inside ``Executor.map``'s result iterator, i.e. has submitted every task. That
    generator only starts running once ``map`` has submitted them all (CPython's concurrent.futures)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "result_iterator" and frame.f_code.co_filename.endswith("_base.py"):
            return True
        frame = frame.f_back
    return False


def account_workers() -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("emr-account"))


@pytest.mark.parametrize(
    ("setting", "accounts", "expected"),
    [("2", 5, 2), ("1", 3, 1), ("4", 3, 3), (None, 20, 16)],
    ids=["2-of-5", "1-of-3", "limit-above-the-accounts", "default-16-of-20"],
)
def test_an_invocation_reconciles_at_most_the_configured_number_of_accounts_at_once(
    setting: str | None, accounts: int, expected: int
) -> None:
    connector = GatedConnector()

    def ports(settings: Settings, invocation: Invocation) -> CloudPorts:
        return CloudPorts(connector, FakeDirectory())

    env = {"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": setting} if setting is not None else {}
    ids = tuple(str(1234567890123000 + n) for n in range(accounts))
    results: list[Result] = []
    invoker = threading.Thread(
        target=lambda: results.append(
            Application(env, ports=ports).run(BootstrapJob(BootstrapRequest(account_ids=ids)), Invocation("r"))
        ),
        name="invoker",
    )
    invoker.start()
    try:
        connector.wait_until_entered(expected)
        deadline = time.monotonic() + WAIT_S
        while not waiting_for_results(invoker) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert waiting_for_results(invoker), "the invocation never submitted all its accounts"
        workers = account_workers()
        entered = connector.entered
    finally:
        connector.release.set()
        invoker.join(WAIT_S)

    assert len(workers) == expected, workers
    assert entered == expected
    (result,) = results
    assert result.status == "succeeded"
    assert [a.account_id for a in result.accounts] == list(ids)
    assert account_workers() == []  # the pool is shut down with the invocation
