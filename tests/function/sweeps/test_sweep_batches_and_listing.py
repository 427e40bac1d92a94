"""Sweeps as the operator sees their results: fan-out batches and what each carries, the listing's last page,
recent-change windows at their edge and in any time zone, resume tokens, failures kept per account, and accounts
already done that get no write."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AccountInfo, AccountPage
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.shared.errors import CloudError
from emr_bootstrap.shared.timing import Deadline
from emr_bootstrap.sweeps.sweep import FanOut, Sweeper
from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_request, read_token

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, FakeRam, fast_settings

if TYPE_CHECKING:
    import logging

    import pytest

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
MEMBERS = [str(4000000000000000 + n) for n in range(250)]


class Dispatcher:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.fail_on = fail_on or set()

    def invoke_async(self, payload: Any) -> str:
        self.payloads.append(dict(payload))
        if len(self.payloads) in self.fail_on:
            raise CloudError("AccessDenied", "not allowed to invoke", status=403)
        return f"inv-{len(self.payloads)}"


def run(
    payload: dict[str, Any],
    directory: FakeDirectory,
    *,
    connector: FakeConnector | None = None,
    fan_out: FanOut | None = None,
    continues: bool = False,
    deadline: Deadline | None = None,
) -> dict[str, Any]:
    reconciler = Reconciler(connector or FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())
    sweeper = Sweeper(reconciler, directory, now=lambda: NOW)
    request = parse_sweep_request({"action": "sweep", **payload})
    kwargs: dict[str, Any] = {"fan_out": fan_out}
    if continues:
        kwargs["continues"] = True
    result = sweeper.run(request, request_id="sweep-1", deadline=deadline or Deadline.never(), **kwargs)
    return result.to_dict()


def token_document(token: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(read_token(token))
    return document


def test_a_fanned_out_sweep_hands_each_batch_its_accounts_options_and_share() -> None:
    dispatcher = Dispatcher()
    result = run(
        {
            "dryRun": True,
            "roles": ["AliyunEMRDefaultRole"],
            "excludeAccountIds": [MEMBERS[0]],
            "changedWithinMinutes": 10080,
        },
        FakeDirectory(members=MEMBERS),
        fan_out=FanOut(dispatcher, batch_size=100, threshold=250),
    )
    # 249 accounts in batches of at most 100: three balanced ones (83 each), not 100, 100 and 49.
    assert [p["accountIds"] for p in dispatcher.payloads] == [MEMBERS[1:84], MEMBERS[84:167], MEMBERS[167:]]
    for payload in dispatcher.payloads:
        assert {key: value for key, value in payload.items() if key not in ("accountIds", "firstPage")} == {
            "action": "sweep-batch",
            "share": 0.333333,
            "dryRun": True,
            "roles": ["AliyunEMRDefaultRole"],
        }
    assert result["sweep"] == {
        "listed": 250,
        "selected": 249,
        "pages": 3,
        "batches": [
            {"requestId": "inv-1", "accounts": 83},
            {"requestId": "inv-2", "accounts": 83},
            {"requestId": "inv-3", "accounts": 83},
        ],
        "hop": 1,
        "stopped": "done",
    }
    assert result["requestId"] == "sweep-1" and result["dryRun"] is True


def test_a_directory_smaller_than_the_threshold_is_swept_in_process() -> None:
    dispatcher = Dispatcher()
    result = run({}, FakeDirectory(members=MEMBERS[:5]), fan_out=FanOut(dispatcher, batch_size=2, threshold=6))
    assert dispatcher.payloads == [] and "batches" not in result["sweep"]
    assert result["summary"]["accountStatus"]["succeeded"] == 5


def test_a_batch_that_cannot_be_invoked_reports_its_accounts_and_the_others_still_go() -> None:
    dispatcher = Dispatcher(fail_on={1})
    result = run({}, FakeDirectory(members=MEMBERS[:3]), fan_out=FanOut(dispatcher, batch_size=2))
    assert result["sweep"]["batches"] == [{"requestId": "inv-2", "accounts": 1}]
    assert [p["share"] for p in dispatcher.payloads] == [0.5, 0.5]
    failed = {a["accountId"]: a for a in result["accounts"]}
    assert sorted(failed) == MEMBERS[:2]
    for account in failed.values():
        assert account["status"] == "failed" and account["durationMs"] == 0
        assert account["error"]["code"] == "AccessDenied"
        assert account["error"]["message"] == "InvokeFunction: not allowed to invoke"


def test_the_listing_ends_at_its_last_full_page_without_reading_another() -> None:
    directory = FakeDirectory(members=MEMBERS[:200])
    result = run({}, directory)
    assert result["sweep"] == {
        "listed": 200,
        "selected": 200,
        "pages": 2,
        "hop": 1,
        "stopped": "done",
    } and directory.pages_read == [1, 2]


class TimedDirectory(FakeDirectory):
    def __init__(self, times: dict[str, str]) -> None:
        super().__init__(members=list(times))
        self.times = times

    def info(self, account_id: str) -> AccountInfo:
        return AccountInfo(account_id, "CreateSuccess", join_time=self.times[account_id], modify_time="2020-01-01Z")


def test_recent_change_windows_include_their_edge_and_read_any_time_zone() -> None:
    a, b, c, d = MEMBERS[:4]
    directory = TimedDirectory(
        {
            a: (NOW - timedelta(minutes=10)).isoformat(),  # exactly at the edge
            b: "2026-11-29T06:55:00-05:00",  # 11:55 UTC: recent
            c: "2026-11-29T11:55:00",  # no zone: UTC
            d: "2026-11-29T12:55:00+05:00",  # 07:55 UTC: old
        }
    )
    result = run({"changedWithinMinutes": 10}, directory)
    assert sorted(x["accountId"] for x in result["accounts"]) == [a, b, c]


def test_a_direct_sweep_stopped_by_its_deadline_gets_a_token_that_does_not_continue_itself() -> None:
    clock_deadline = Deadline(at=0.0, margin_s=1.0, clock=lambda: 0.0)
    stopped = run({}, FakeDirectory(members=MEMBERS[:3]), deadline=clock_deadline)
    document = token_document(stopped["nextToken"])
    assert (document["page"], document["offset"], document["continues"]) == (1, 1, False)
    continuing = run({}, FakeDirectory(members=MEMBERS[:3]), deadline=clock_deadline, continues=True)
    assert token_document(continuing["nextToken"])["continues"] is True


def test_a_listing_that_fails_at_once_is_a_failed_sweep_naming_list_accounts() -> None:
    class Refusing(FakeDirectory):
        def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
            raise CloudError("NoPermission", "not allowed", status=403)

    result = run({}, Refusing(members=MEMBERS[:3]))
    assert result["status"] == "failed" and result["accounts"] == []
    assert result["error"]["code"] == "NoPermission" and result["error"]["message"] == "ListAccounts: not allowed"
    assert token_document(result["nextToken"])["page"] == 1


def test_a_sweep_of_accounts_already_done_writes_nothing_and_lists_none_of_them() -> None:
    connector = FakeConnector()
    directory = FakeDirectory(members=MEMBERS[:3])
    run({}, directory, connector=connector)
    before = {account: dict(ram.calls) for account, ram in connector.accounts.items()}
    again = run({}, directory, connector=connector)
    for account, ram in connector.accounts.items():
        assert ram.calls["CreateRole"] == before[account]["CreateRole"]  # read first: no write to an account done
    assert again["status"] == "succeeded" and again["accounts"] == []
    assert isinstance(again["summary"]["durationMs"], int)


def test_a_bug_in_one_account_is_reported_for_it_and_logged_with_its_ids(
    monkeypatch: pytest.MonkeyPatch, emr_logs: list[logging.LogRecord]
) -> None:
    original = Reconciler.account

    def flaky(self: Reconciler, account_id: str, *args: Any, **kwargs: Any) -> Any:
        if account_id == MEMBERS[1]:
            raise RuntimeError("boom")
        return original(self, account_id, *args, **kwargs)

    monkeypatch.setattr(Reconciler, "account", flaky)
    result = run({}, FakeDirectory(members=MEMBERS[:3]))
    (failed,) = [a for a in result["accounts"] if a["status"] == "failed"]
    assert failed["accountId"] == MEMBERS[1] and failed["status"] == "failed" and failed["durationMs"] == 0
    assert failed["error"]["code"] == "InternalError" and failed["error"]["message"] == "unexpected RuntimeError"
    (record,) = [r for r in emr_logs if r.getMessage() == "unexpected error" and r.name == "emr_bootstrap.sweep"]
    logged: Any = record
    assert record.getMessage() == "unexpected error" and record.exc_info is not None
    assert (logged.requestId, logged.accountId) == ("sweep-1", MEMBERS[1])
    assert result["summary"]["accountStatus"]["succeeded"] == 2


def test_a_resumed_sweep_starts_at_its_position() -> None:
    request = parse_sweep_request({"action": "sweep"})
    token = request.token(Position(2, 10))
    directory = FakeDirectory(members=MEMBERS)
    result = run({"nextToken": token}, directory)
    assert result["sweep"] == {
        "listed": 140,
        "selected": 140,
        "pages": 2,
        "hop": 2,
        "stopped": "done",
    } and directory.pages_read == [2, 3]


def test_a_batch_never_carries_the_folder_filter_it_was_chosen_by() -> None:
    dispatcher = Dispatcher()
    directory = FakeDirectory(members=MEMBERS[:3])
    for account in MEMBERS[:3]:
        directory.paths[account] = f"rd-1/r-root/fd-prod/{account}"
    run({"folderIds": ["fd-prod"]}, directory, fan_out=FanOut(dispatcher, batch_size=10))
    (payload,) = dispatcher.payloads
    assert payload == {"action": "sweep-batch", "accountIds": MEMBERS[:3], "share": 1.0, "firstPage": 1}


def test_a_sweep_logs_under_its_request_and_reports_its_duration(emr_logs: list[logging.LogRecord]) -> None:
    class Ticking:
        now = 0.0

        def __call__(self) -> float:
            self.now += 1.0
            return self.now

        def sleep(self, seconds: float) -> None:
            self.now += seconds

    clock = Ticking()
    directory = FakeDirectory(members=MEMBERS[:2])
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings(clock))  # type: ignore[arg-type]
    result = Sweeper(reconciler, directory, now=lambda: NOW).run(
        parse_sweep_request({"action": "sweep"}), request_id="sweep-7", deadline=Deadline.never()
    )
    assert result.duration_ms > 0 and result.to_dict()["summary"]["durationMs"] == result.duration_ms
    roles = [r for r in emr_logs if r.getMessage().startswith("role ")]
    assert roles and {r.requestId for r in roles} == {"sweep-7"}  # type: ignore[attr-defined]


def test_a_swept_account_waits_for_new_roles_only_until_the_invocations_deadline() -> None:
    clock = FakeClock()
    ram = FakeRam(MEMBERS[0])
    ram.attach_not_found = 10_000
    directory = FakeDirectory(members=MEMBERS[:1])
    settings = fast_settings(clock, propagation_timeout_s=5.0)
    reconciler = Reconciler(FakeConnector({MEMBERS[0]: ram}), directory, catalog=load_catalog(), settings=settings)
    result = Sweeper(reconciler, directory, now=lambda: NOW).run(
        parse_sweep_request({"action": "sweep", "roles": ["AliyunEMRDefaultRole"]}),
        request_id="s",
        deadline=Deadline(at=2.0, margin_s=0.0, clock=clock),
    )
    (account,) = result.accounts
    assert account.roles[0].error is not None and account.roles[0].error.code == "PropagationTimeout"
    assert clock.now <= 2.0
