"""A sweep stopped anywhere and resumed by its token, through the application layer over fakes: every account of
a directory of several ListAccounts pages is visited exactly once, in listing order, with the sweep's filters and
its dry run kept across every resumption, whichever account (the last of a page, the first of the next) it
stopped at."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.cloud import Ports
from emr_bootstrap.intake.jobs import from_event

from tests.function.fakes import FakeConnector, FakeDirectory

# Two full pages of 100 and a short third one (ListAccounts' page size is 100).
MEMBERS = [str(4000000000000000 + n) for n in range(230)]
# No time is ever left to start a second account: each invocation does one and returns its token.
ONE_ACCOUNT_EACH = {"EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "300"}


class Chain:
    """Invokes a sweep, then again with each token it returns, until it returns none."""

    def __init__(self, members: list[str], env: dict[str, str] | None = None) -> None:
        self.connector = FakeConnector()
        self.directory = FakeDirectory(members=members)
        ports = Ports(self.connector, self.directory)
        self.app = Application({**ONE_ACCOUNT_EACH, **(env or {})}, ports=lambda settings, invocation: ports)
        self.results: list[dict[str, Any]] = []

    def invoke(self, payload: dict[str, Any]) -> dict[str, Any]:
        request_id = f"r{len(self.results)}"
        job = from_event(json.dumps(payload).encode(), request_id=request_id)
        result = self.app.run(job, Invocation(request_id, timeout_s=300)).to_dict()
        self.results.append(result)
        return result

    def run(self, payload: dict[str, Any], *, limit: int = 1000) -> list[str]:
        """The accounts the function opened a session in (AssumeRole), in order, over the whole chain."""
        for _ in range(limit):
            result = self.invoke(payload)
            assert result["status"] in ("succeeded", "partial"), result.get("error")
            if "nextToken" not in result:
                return [account for account, _ in self.connector.opened]
            payload = {"action": "sweep", "nextToken": result["nextToken"]}
        raise AssertionError(f"the chain did not end in {limit} invocations")


def test_a_sweep_stopped_after_every_account_visits_each_account_once_in_listing_order() -> None:
    chain = Chain(MEMBERS)

    opened = chain.run({"action": "sweep"})

    assert opened == MEMBERS  # the last of page 1 (index 99) and the first of page 2 (index 100) included
    assert len(chain.results) == len(MEMBERS)
    assert all(ram.write_calls for ram in chain.connector.accounts.values())


@pytest.mark.parametrize("size", [99, 100, 101, 200, 201])
def test_a_directory_that_ends_at_or_beside_a_page_boundary_is_swept_whole(size: int) -> None:
    chain = Chain(MEMBERS[:size])

    assert chain.run({"action": "sweep"}) == MEMBERS[:size]


def test_the_sweeps_filters_and_its_dry_run_hold_across_every_resumption() -> None:
    # Excluded: the last of page 1 and the first of page 2; a folder filter keeps every account but two.
    excluded = [MEMBERS[99], MEMBERS[100]]
    outside = {MEMBERS[0], MEMBERS[199]}
    chain = Chain(MEMBERS)
    for account in MEMBERS:
        folder = "fd-other" if account in outside else "fd-team"
        chain.directory.paths[account] = f"rd-1/r-root/{folder}/{account}"

    opened = chain.run(
        {"action": "sweep", "dryRun": True, "excludeAccountIds": excluded, "folderIds": ["fd-team"]}, limit=300
    )

    assert opened == [a for a in MEMBERS if a not in excluded and a not in outside]
    assert set(chain.connector.modes) == {"read"}
    assert all(ram.write_calls == 0 for ram in chain.connector.accounts.values())
    assert all(r["dryRun"] is True for r in chain.results)


def test_an_include_list_across_a_page_boundary_holds_across_every_resumption() -> None:
    chosen = MEMBERS[98:102]
    chain = Chain(MEMBERS)

    assert chain.run({"action": "sweep", "accountIds": chosen}) == chosen
