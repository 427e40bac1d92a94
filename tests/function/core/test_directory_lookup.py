"""Checking many accounts against the directory as the caller sees it: listing only when it saves calls, stopping
as soon as the rest is cheaper to ask one by one, and naming each account that is not a member."""

from __future__ import annotations

from emr_bootstrap.core.cloud import AccountInfo, AccountPage
from emr_bootstrap.core.directory import lookup_many, not_in_directory
from emr_bootstrap.shared.errors import CloudError, ErrorInfo

from tests.function.fakes import FakeDirectory

MEMBERS = [str(5000000000000000 + n) for n in range(300)]  # three pages
UNKNOWN = [str(6000000000000000 + n) for n in range(4)]


def test_a_non_member_is_named_with_the_hint_and_the_request() -> None:
    error = not_in_directory(UNKNOWN[0], "req-1")
    assert error == ErrorInfo(
        "AccountNotInDirectory",
        f"account {UNKNOWN[0]} is not a member of the function's Resource Directory",
        "The account is not a member of the function's Resource Directory; check the account ID.",
        "req-1",
    )


def test_up_to_five_accounts_are_left_to_get_account() -> None:
    directory = FakeDirectory(members=MEMBERS)
    assert lookup_many(directory, MEMBERS[:5]) == {} and directory.pages_read == []


def test_the_listing_reads_every_page_when_that_is_cheaper_and_names_the_non_members() -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = [MEMBERS[0], MEMBERS[1], MEMBERS[150], MEMBERS[250], *UNKNOWN[:2]]
    found = lookup_many(directory, wanted)
    assert directory.pages_read == [1, 2, 3]
    assert {a: info.account_id for a, info in found.items() if isinstance(info, AccountInfo)} == {
        a: a for a in wanted[:4]
    }
    for account in UNKNOWN[:2]:
        assert found[account] == not_in_directory(account)


def test_the_listing_stops_when_asking_the_rest_one_by_one_costs_no_more() -> None:
    directory = FakeDirectory(members=MEMBERS)
    wanted = [*MEMBERS[:4], MEMBERS[250], UNKNOWN[0]]  # two left after page 1, two pages left to read
    found = lookup_many(directory, wanted)
    assert directory.pages_read == [1] and sorted(found) == sorted(MEMBERS[:4])


def test_a_listing_that_fails_leaves_the_rest_to_get_account() -> None:
    class Failing(FakeDirectory):
        def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
            if page_number == 3:
                raise CloudError("Throttling.User", "slow down", status=400)
            return super().list_accounts(page_number, page_size)

    wanted = [MEMBERS[0], MEMBERS[150], MEMBERS[250], *UNKNOWN]
    found = lookup_many(Failing(members=MEMBERS), wanted)
    assert sorted(found) == sorted([MEMBERS[0], MEMBERS[150]])


def test_the_listing_goes_on_while_more_accounts_are_unknown_than_pages_are_left() -> None:
    directory = FakeDirectory(members=MEMBERS)
    # After page 1, three accounts are unknown and two pages are left: page 2 is cheaper than three GetAccount
    # calls. After it, one is unknown and one page is left: GetAccount costs no more.
    wanted = [*MEMBERS[:3], MEMBERS[150], MEMBERS[151], MEMBERS[250]]
    found = lookup_many(directory, wanted)
    assert directory.pages_read == [1, 2] and sorted(found) == sorted(wanted[:5])
