"""A fan-out batch reads the directory from where its accounts were listed: the sweep hands each batch the page of
its first account, the batch starts there, stops once every account is found, wraps around to the pages before the
hint for the rest, and names an account not in the directory only after every page was read. A wrong or forged hint
costs calls, never a wrong answer."""

from __future__ import annotations

from typing import Any

import pytest
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AccountInfo, AccountPage
from emr_bootstrap.core.directory import lookup_many, not_in_directory
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.intake.jobs import BootstrapJob, request_job
from emr_bootstrap.shared.errors import CloudError, InvalidRequest
from emr_bootstrap.shared.timing import Deadline
from emr_bootstrap.sweeps.sweep import FanOut, Sweeper, batch_count
from emr_bootstrap.sweeps.sweep_request import MAX_PAGE, parse_sweep_batch, parse_sweep_request

from tests.function.fakes import FakeConnector, FakeDirectory, fast_settings

MEMBERS = [str(7000000000000000 + n) for n in range(1000)]  # ten pages
UNKNOWN = [str(8000000000000000 + n) for n in range(3)]


def members(found: dict[str, AccountInfo | Any]) -> set[str]:
    return {a for a, info in found.items() if isinstance(info, AccountInfo)}


def test_a_hinted_batch_reads_only_the_pages_its_accounts_are_on() -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = MEMBERS[430:630]
    found = lookup_many(directory, wanted, first_page=5)
    assert directory.pages_read == [5, 6, 7] and members(found) == set(wanted) and len(found) == len(wanted)


def test_a_batch_whose_accounts_moved_before_its_hint_wraps_around_and_finds_them() -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = MEMBERS[120:320]  # pages 2-4, the hint says 8: the listing's order changed since the sweep
    found = lookup_many(directory, wanted, first_page=8)
    assert directory.pages_read == [8, 9, 10, 1, 2, 3, 4] and members(found) == set(wanted)


@pytest.mark.parametrize("hint", [1, 3, 10, MAX_PAGE])
def test_a_non_member_is_named_only_after_every_page_was_read_whatever_the_hint(hint: int) -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = [*MEMBERS[::100], *UNKNOWN]  # one on every page and three that are nowhere: listing is cheaper
    found = lookup_many(directory, wanted, first_page=hint)
    assert sorted(set(directory.pages_read) & set(range(1, 11))) == list(range(1, 11))
    assert len(directory.pages_read) == (10 if hint <= 10 else 11)  # a hint past the end costs its one read
    assert members(found) == set(MEMBERS[::100])
    for account in UNKNOWN:
        assert found[account] == not_in_directory(account)


def test_a_forged_hint_leaves_what_listing_cannot_find_cheaply_to_get_account_unlabelled() -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = [*MEMBERS[:6], MEMBERS[999]]  # a batch of seven on pages 1 and 10, the hint says 5
    found = lookup_many(directory, wanted, first_page=5)
    # Two pages expected for seven accounts; then seven are unknown with eight pages left: GetAccount is cheaper.
    assert directory.pages_read == [5, 6] and found == {}


def test_a_hinted_listing_that_fails_midway_keeps_what_it_found_and_leaves_the_rest_to_get_account() -> None:
    class Failing(FakeDirectory):
        def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
            if page_number == 6:
                raise CloudError("Throttling.User", "slow down", status=400)
            return super().list_accounts(page_number, page_size)

    directory = Failing(members=MEMBERS)
    found = lookup_many(directory, [*MEMBERS[450:600], UNKNOWN[0]], first_page=5)
    assert directory.pages_read == [5] and members(found) == set(MEMBERS[450:500]) and len(found) == 50


def fan_out(listed: list[str], batch_size: int, **options: Any) -> list[dict[str, Any]]:
    """The batch payloads a sweep of ``listed`` dispatches."""
    dispatched: list[dict[str, Any]] = []

    class Dispatcher:
        def invoke_async(self, payload: Any) -> str:
            dispatched.append(dict(payload))
            return f"inv-{len(dispatched)}"

    directory = FakeDirectory(members=listed)
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())
    request = parse_sweep_request({"action": "sweep", **options})
    batches = FanOut(Dispatcher(), batch_size=batch_size)
    Sweeper(reconciler, directory).run(request, request_id="s", deadline=Deadline.never(), fan_out=batches)
    return dispatched


def test_each_batch_carries_the_page_its_first_account_was_listed_on() -> None:
    dispatched = fan_out(MEMBERS[:250], 100, excludeAccountIds=[MEMBERS[0]])
    # 249 accounts in three batches of 83, starting at listing positions 1, 84 and 167.
    assert [(p["accountIds"][0], p["firstPage"]) for p in dispatched] == [
        (MEMBERS[1], 1),
        (MEMBERS[84], 1),
        (MEMBERS[167], 2),
    ]


def test_a_batch_request_starts_its_directory_reads_at_its_hint() -> None:
    job = request_job({"action": "sweep-batch", "accountIds": MEMBERS[700:790], "share": 0.5, "firstPage": 8})
    assert isinstance(job, BootstrapJob) and job.request.first_page == 8
    directory = FakeDirectory(members=MEMBERS)
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())
    result = reconciler.run(job.request, request_id="b").to_dict()
    assert directory.pages_read == [8] and result["status"] == "succeeded"


def test_a_batch_without_a_hint_reads_from_the_first_page() -> None:
    assert parse_sweep_batch({"action": "sweep-batch", "accountIds": MEMBERS[:2]}).request.first_page is None


def test_a_hint_naming_the_last_page_of_a_million_member_directory_is_accepted() -> None:
    batch = parse_sweep_batch({"action": "sweep-batch", "accountIds": MEMBERS[:2], "firstPage": 10_000})
    assert batch.request.first_page == MAX_PAGE == 10_000


@pytest.mark.parametrize("hint", [0, -1, MAX_PAGE + 1, True, "3", 1.5, None.__class__, [2]])
def test_a_batch_hint_that_is_not_a_page_number_is_refused(hint: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_batch({"action": "sweep-batch", "accountIds": MEMBERS[:2], "firstPage": hint})
    assert (caught.value.field, caught.value.rule) == ("firstPage", "range")
    assert str(caught.value) == "firstPage: must be a whole number from 1 to 10000"  # the range it takes


def test_a_direct_request_cannot_carry_a_hint() -> None:
    with pytest.raises(InvalidRequest) as caught:
        request_job({"accountIds": MEMBERS[:2], "firstPage": 2})
    assert caught.value.field == "firstPage"


@pytest.mark.parametrize(
    ("accounts", "size", "quota", "count"),
    [
        (10_001, 500, 100.0, 24),  # 21 batches would get 4 tokens each: 84 % of the quota; 24 get 96 %
        (10_000, 500, 100.0, 20),  # 5 tokens each: the whole quota
        (249, 100, 100.0, 3),  # 33 each, 99 %
        (30_000, 500, 100.0, 95),  # 60 batches would get 1 token each, 60 %: raised to 95
        (200_000, 500, 100.0, 400),  # above the quota no floor is lost
        (10_001, 500, 0.0, 21),  # AssumeRole not paced
        (2, 1, 1.5, 2),  # nothing reaches 95 % below the quota: the fewest
        (200, 100, 3.5, 2),  # 2 or 3 batches get 2 or 3 of 3.5: under 95 % either way, so the fewest
        (900, 100, 10.0, 10),  # 9 batches would get 1 token each, 90 %: raised to the quota itself
        (30, 1, 100.0, 30),  # 32 batches would get 96 %, but there are only 30 accounts to make them of
        (60_000, 100, 1100.0, 1000),  # a raised quota: 1045 batches would reach 95 %, but at most 1000 are made
        (2000, 1, 2000.0, 2000),  # batches of at most the size asked, even past 1000 of them
        (0, 100, 100.0, 0),  # nothing to hand out, no batch
    ],
)
def test_the_batch_count_is_raised_until_the_batches_use_the_quota_whole(
    accounts: int, size: int, quota: float, count: int
) -> None:
    assert batch_count(accounts, size, quota) == count


def test_a_sweep_that_would_make_21_batches_makes_24_so_that_they_use_the_quota_whole() -> None:
    dispatched = fan_out([str(9000000000000000 + n) for n in range(2001)], 100)
    assert len(dispatched) == 24 and {len(p["accountIds"]) for p in dispatched} == {83, 84}
    assert {p["share"] for p in dispatched} == {0.041667}
