"""Is the event path working? The daily sweep (a whole-directory timer sweep) reports the accounts whose roles it
had to create although they joined long ago: the new-account event should have done it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from emr_bootstrap.adapters.settings import Settings
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.application.sweep_runner import run_sweep
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AccountInfo, Ports
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import SweepJob, SweepOrigin
from emr_bootstrap.shared.timing import Deadline
from emr_bootstrap.sweeps.sweep import MISSED_LIST_CAP, Sweeper
from emr_bootstrap.sweeps.sweep_request import parse_sweep_request

from tests.function.fakes import FakeConnector, FakeDirectory, fast_settings

OLD = [str(7000000000000000 + n) for n in range(3)]
NEW = str(7100000000000000)
DONE = str(7200000000000000)
UNREADABLE = str(7300000000000000)


def iso(minutes_ago: float) -> str:
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JoinedDirectory(FakeDirectory):
    """Members that joined ``joined[account]`` (an ISO time, or any text)."""

    def __init__(self, joined: dict[str, str]) -> None:
        super().__init__(members=list(joined))
        self.joined = joined

    def info(self, account_id: str) -> AccountInfo:
        base = super().info(account_id)
        return AccountInfo(account_id, base.status, path=base.path, join_time=self.joined.get(account_id, ""))


def daily(
    joined: dict[str, str],
    *,
    payload: dict[str, Any] | None = None,
    origin: SweepOrigin = "timer",
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    directory = JoinedDirectory(joined)
    connector = FakeConnector()
    reconciler = Reconciler(connector, directory, catalog=load_catalog(), settings=fast_settings())
    # DONE already has its roles (an earlier run, or the event, created them).
    assert reconciler.run(BootstrapRequest(account_ids=(DONE,)), request_id="before").status == "succeeded"
    job = SweepJob(parse_sweep_request(payload or {"action": "sweep"}), origin)
    settings = Settings.from_env(env or {})
    invocation = Invocation("daily-1", may_invoke_itself=True)
    return run_sweep(job, reconciler, Ports(connector, directory), settings, invocation, Deadline.never()).to_dict()


def test_the_daily_sweep_reports_accounts_it_gave_roles_long_after_they_joined_and_logs_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    joined = {**dict.fromkeys(OLD, iso(24 * 60)), NEW: iso(5), DONE: iso(24 * 60), UNREADABLE: "not a time"}

    with caplog.at_level(logging.INFO, logger="emr_bootstrap"):
        result = daily(joined)

    assert result["summary"]["missedByEvents"] == {"count": 3, "accountIds": sorted(OLD)}
    (line,) = [r for r in caplog.records if r.getMessage() == "accounts missed by events"]
    logged: Any = line
    assert (logged.count, logged.accountIds, logged.requestId) == (3, sorted(OLD), "daily-1")


def test_the_threshold_is_a_setting() -> None:
    joined = {OLD[0]: iso(30), OLD[1]: iso(90)}

    default = daily(joined)
    tighter = daily(joined, env={"EMR_BOOTSTRAP_MISSED_EVENT_AFTER_MINUTES": "20"})

    assert default["summary"]["missedByEvents"]["accountIds"] == [OLD[1]]
    assert tighter["summary"]["missedByEvents"]["accountIds"] == sorted(OLD[:2])


def test_the_list_is_capped_and_the_count_is_exact() -> None:
    many = {str(7400000000000000 + n): iso(600) for n in range(MISSED_LIST_CAP + 20)}

    missed = daily(many)["summary"]["missedByEvents"]

    assert missed["count"] == MISSED_LIST_CAP + 20 and len(missed["accountIds"]) == MISSED_LIST_CAP


def test_a_daily_sweep_that_created_nothing_reports_zero() -> None:
    assert daily({DONE: iso(600)})["summary"]["missedByEvents"] == {"count": 0, "accountIds": []}


@pytest.mark.parametrize(
    ("payload", "origin"),
    [
        ({"action": "sweep"}, "direct"),
        ({"action": "sweep", "changedWithinMinutes": 10}, "timer"),
        ({"action": "sweep", "excludeAccountIds": [OLD[0]]}, "timer"),
        ({"action": "sweep", "accountIds": OLD}, "timer"),
    ],
)
def test_only_the_unfiltered_timer_sweep_reports_it(payload: dict[str, Any], origin: SweepOrigin) -> None:
    result = daily(dict.fromkeys(OLD, iso(600)), payload=payload, origin=origin)

    assert "missedByEvents" not in result["summary"]


def test_an_account_that_joined_exactly_the_threshold_ago_is_not_counted_as_missed() -> None:
    now = datetime(2026, 12, 6, 6, 0, tzinfo=timezone.utc)
    at, before = now - timedelta(minutes=60), now - timedelta(minutes=60, milliseconds=1)
    joined = {OLD[0]: at.isoformat(), OLD[1]: before.isoformat()}
    directory = JoinedDirectory(joined)
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())
    sweeper = Sweeper(reconciler, directory, now=lambda: now)

    hop = sweeper.hop(
        parse_sweep_request({"action": "sweep"}), request_id="d", deadline=Deadline.never(), missed_after_minutes=60
    )

    assert hop.result.to_dict()["summary"]["missedByEvents"] == {"count": 1, "accountIds": [OLD[1]]}
