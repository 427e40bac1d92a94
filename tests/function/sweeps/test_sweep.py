"""The sweep's rules on fakes: requests and tokens, selection, resumption that loses and repeats nothing."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AccountInfo, AccountPage
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.shared.errors import CloudError, InvalidRequest
from emr_bootstrap.shared.timing import Deadline
from emr_bootstrap.sweeps.sweep import Sweeper
from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_batch, parse_sweep_request

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, fast_settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
MEMBERS = [str(3000000000000000 + n) for n in range(250)]


def sweeper(
    directory: FakeDirectory, connector: FakeConnector | None = None, clock: FakeClock | None = None
) -> Sweeper:
    reconciler = Reconciler(
        connector or FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings(clock)
    )
    return Sweeper(reconciler, directory, now=lambda: NOW)


def sweep(payload: dict[str, object], directory: FakeDirectory, **kwargs: Any) -> dict[str, Any]:
    deadline = kwargs.pop("deadline", None) or Deadline.never()
    result = sweeper(directory, **kwargs).run(
        parse_sweep_request({"action": "sweep", **payload}), request_id="s", deadline=deadline
    )
    return result.to_dict()


def test_every_member_of_every_page_is_swept_in_listing_order() -> None:
    directory = FakeDirectory(members=MEMBERS)

    result = sweep({}, directory)

    assert result["sweep"] == {"listed": 250, "selected": 250, "pages": 3, "hop": 1, "stopped": "done"}
    assert result["summary"]["accountStatus"]["succeeded"] == 250
    assert directory.asked == []  # the listing said it all: no GetAccount


def test_folder_include_and_exclude_filters_narrow_the_sweep() -> None:
    directory = FakeDirectory(members=MEMBERS[:4])
    directory.paths[MEMBERS[0]] = f"rd-1/r-root/fd-prod/{MEMBERS[0]}"
    directory.paths[MEMBERS[1]] = f"rd-1/r-root/fd-prod/fd-emr/{MEMBERS[1]}"

    result = sweep({"folderIds": ["fd-prod"], "excludeAccountIds": [MEMBERS[1]]}, directory)
    assert [a["accountId"] for a in result["accounts"]] == [MEMBERS[0]]

    result = sweep({"accountIds": [MEMBERS[2], MEMBERS[3]]}, directory)
    assert sorted(a["accountId"] for a in result["accounts"]) == [MEMBERS[2], MEMBERS[3]]


class TimedDirectory(FakeDirectory):
    def __init__(self, times: dict[str, tuple[str, str]]) -> None:
        super().__init__(members=list(times))
        self.times = times

    def info(self, account_id: str) -> AccountInfo:
        joined, modified = self.times[account_id]
        return AccountInfo(account_id, "CreateSuccess", join_time=joined, modify_time=modified)


def test_recent_changes_select_accounts_that_joined_or_changed_within_the_window() -> None:
    old, recent = "2026-11-20T00:00:00.000Z", (NOW - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    a, b, c, d = MEMBERS[:4]
    directory = TimedDirectory({a: (old, old), b: (recent, recent), c: (old, recent), d: (old, "garbled")})

    result = sweep({"changedWithinMinutes": 10}, directory)

    # An unreadable time counts as recent: one account read too many beats one missed.
    assert sorted(x["accountId"] for x in result["accounts"]) == [b, c, d]


def test_out_of_time_the_sweep_stops_starting_accounts_and_its_token_resumes_exactly_there() -> None:
    directory = FakeDirectory(members=MEMBERS[:30])
    clock = FakeClock()
    connector = FakeConnector()
    done: list[str] = []
    payload: dict[str, object] = {}
    for _ in range(40):
        # No time left to start more than the first account: every invocation makes progress, one account.
        deadline = Deadline(at=clock() + 1, margin_s=5, clock=clock)
        result = sweep(payload, directory, connector=connector, clock=clock, deadline=deadline)
        done += [a["accountId"] for a in result["accounts"]]
        if "nextToken" not in result:
            break
        payload = {"nextToken": result["nextToken"]}
    assert done == MEMBERS[:30]


def test_a_listing_that_fails_midway_keeps_the_work_done_and_says_where_to_resume() -> None:
    class Failing(FakeDirectory):
        def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
            if page_number == 2:
                raise CloudError("Throttling.User", "slow down", status=400)
            return super().list_accounts(page_number, page_size)

    result = sweep({}, Failing(members=MEMBERS[:150]))

    assert result["status"] == "partial" and result["error"]["code"] == "Throttling.User"
    resumed = parse_sweep_request({"action": "sweep", "nextToken": result["nextToken"]})
    assert resumed.start == Position(2, 0)


def test_the_token_round_trips_the_options_and_refuses_anything_else() -> None:
    request = parse_sweep_request({"action": "sweep", "dryRun": True, "folderIds": ["fd-a"], "changedWithinMinutes": 5})
    resumed = parse_sweep_request({"action": "sweep", "nextToken": request.token(Position(3, 7))})
    assert (resumed.start, resumed.dry_run, resumed.folder_ids, resumed.changed_within_minutes) == (
        Position(3, 7),
        True,
        frozenset({"fd-a"}),
        5,
    )
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "page": 0, "offset": 0, "options": {}}).encode()).decode()
    for token in ("not-a-token", forged, "", 7):
        with pytest.raises(InvalidRequest, match="nextToken"):
            parse_sweep_request({"action": "sweep", "nextToken": token})
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_request({"action": "sweep", "nextToken": request.token(Position()), "dryRun": False})
    assert caught.value.rule == "token-options"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"folderIds": ["prod"]}, "folderIds[0]"),
        ({"accountIds": []}, "accountIds"),
        ({"changedWithinMinutes": 0}, "changedWithinMinutes"),
        ({"changedWithinMinutes": True}, "changedWithinMinutes"),
        ({"roles": ["NotARole"]}, "roles[0]"),
        ({"scope": "all"}, "scope"),
    ],
)
def test_an_unusable_sweep_request_names_the_field(payload: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_request({"action": "sweep", **payload})
    assert caught.value.field == field


def test_a_batch_is_a_get_first_request_with_its_share_of_the_quota() -> None:
    batch = parse_sweep_batch({"action": "sweep-batch", "accountIds": MEMBERS[:2], "share": 0.25, "dryRun": True})
    assert (batch.request.account_ids, batch.request.strategy, batch.share) == (tuple(MEMBERS[:2]), "get-first", 0.25)
    with pytest.raises(InvalidRequest, match="share"):
        parse_sweep_batch({"action": "sweep-batch", "accountIds": MEMBERS[:1], "share": 2})


class RecordingDispatcher:
    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def invoke_async(self, payload: Any) -> str:
        self.payloads.append(dict(payload))
        return f"req-{len(self.payloads)}"


def test_fanned_out_batches_each_name_their_own_chunk_even_when_the_sweep_names_accounts() -> None:
    from emr_bootstrap.sweeps.sweep import FanOut

    directory = FakeDirectory(members=MEMBERS[:10])
    dispatcher = RecordingDispatcher()
    request = parse_sweep_request({"action": "sweep", "accountIds": MEMBERS[:5], "dryRun": True})

    result = sweeper(directory).run(
        request, request_id="s", deadline=Deadline.never(), fan_out=FanOut(dispatcher, batch_size=2)
    )

    assert [p["accountIds"] for p in dispatcher.payloads] == [MEMBERS[0:2], MEMBERS[2:4], MEMBERS[4:5]]
    assert all(p["action"] == "sweep-batch" and p["dryRun"] is True for p in dispatcher.payloads)
    assert [b["accounts"] for b in result.to_dict()["sweep"]["batches"]] == [2, 2, 1]


def test_fanned_out_batches_are_balanced_so_no_batch_leaves_its_share_of_the_quota_unused() -> None:
    from emr_bootstrap.sweeps.sweep import FanOut

    dispatcher = RecordingDispatcher()
    request = parse_sweep_request({"action": "sweep", "dryRun": True})

    sweeper(FakeDirectory(members=MEMBERS[:7])).run(
        request, request_id="s", deadline=Deadline.never(), fan_out=FanOut(dispatcher, batch_size=3)
    )

    assert [p["accountIds"] for p in dispatcher.payloads] == [MEMBERS[0:3], MEMBERS[3:5], MEMBERS[5:7]]
    assert [p["share"] for p in dispatcher.payloads] == [0.333333] * 3


def test_a_sweep_asks_get_role_alone_of_a_role_that_does_not_exist_and_lists_no_policies() -> None:
    connector = FakeConnector()

    result = sweep({"dryRun": True}, FakeDirectory(members=MEMBERS[:1]), connector=connector)

    planned = [r for r in result["accounts"][0]["roles"] if r["outcome"] == "planned"]
    calls = connector.accounts[MEMBERS[0]].calls
    # README "What an account costs": a sweep reads get-first, so a missing role costs one read, not two.
    assert planned and calls["GetRole"] == len(planned) and calls["ListPoliciesForRole"] == 0
