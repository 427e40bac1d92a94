"""Every chain of self-continuing sweeps ends: an error that started nothing stops it, a position that did not move
stops it, and its length is bounded by the directory's size. Continuation and fan-out follow from the trigger and
the function that runs, never from a field a caller writes. On fakes, through the runner the application uses."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from emr_bootstrap.adapters.settings import Settings
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.application.sweep_runner import run_sweep
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AccountPage, Ports
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.intake.jobs import SweepJob, SweepOrigin, request_job
from emr_bootstrap.shared.errors import CloudError
from emr_bootstrap.shared.timing import Deadline
from emr_bootstrap.sweeps.sweep import FanOut, Sweeper, max_hops
from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_batch, parse_sweep_request, read_token

from tests.function.fakes import FakeConnector, FakeDirectory, fast_settings
from tests.function.sweeps.test_sweep_batches_and_listing import Dispatcher

MEMBERS = [str(5000000000000000 + n) for n in range(250)]
# No time left after the first account: every hop starts exactly one account.
ONE_PER_HOP = Deadline(at=0.0, margin_s=1.0, clock=lambda: 0.0)


class BrokenDirectory(FakeDirectory):
    """ListAccounts fails with ``error`` from page ``from_page`` on, every time."""

    def __init__(self, members: list[str], error: CloudError, from_page: int = 1) -> None:
        super().__init__(members=members)
        self.error = error
        self.from_page = from_page

    def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
        if page_number >= self.from_page:
            self.pages_read.append(page_number)
            raise self.error
        return super().list_accounts(page_number, page_size)


def hop(
    payload: dict[str, Any],
    directory: FakeDirectory,
    dispatcher: Dispatcher,
    *,
    origin: SweepOrigin = "timer",
    may_invoke_itself: bool = True,
    env: dict[str, str] | None = None,
    deadline: Deadline = ONE_PER_HOP,
) -> dict[str, Any]:
    """One invocation of the function running ``payload`` as a sweep that ``origin`` started."""
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())
    job = request_job(payload, origin=origin)
    assert isinstance(job, SweepJob)
    ports = Ports(reconciler.connector, directory, None, dispatcher)
    invocation = Invocation("req", may_invoke_itself=may_invoke_itself)
    return run_sweep(job, reconciler, ports, Settings.from_env(env or {}), invocation, deadline).to_dict()


def chain(directory: FakeDirectory, first: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """A timer sweep and every continuation it queues, each run as the direct invocation it arrives as."""
    dispatcher = Dispatcher()
    results = [hop(first or {"action": "sweep"}, directory, dispatcher, **kwargs)]
    while len(dispatcher.payloads) >= len(results):
        assert len(results) < 1000, "the chain did not end"
        results.append(hop(dispatcher.payloads[len(results) - 1], directory, dispatcher, origin="direct", **kwargs))
    return results


def token_document(token: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(read_token(token))
    return document


def forged(document: dict[str, Any]) -> str:
    text = json.dumps({"v": 1, "options": {}, "continues": True, **document})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("code", "status"),
    [("ServiceUnavailable", 503), ("NoPermission", 403), ("EntityNotExists.ResourceDirectory", 404)],
)
def test_a_timer_sweep_whose_listing_fails_every_time_reports_the_error_and_does_not_continue(
    code: str, status: int
) -> None:
    directory = BrokenDirectory(MEMBERS[:5], CloudError(code, "listing failed", status=status))

    results = chain(directory)

    (only,) = results
    assert only["status"] == "failed" and only["error"]["code"] == code
    assert only["sweep"]["stopped"] == "error" and "continuedBy" not in only["sweep"]


def test_a_listing_that_fails_after_progress_continues_once_from_there_and_then_stops_with_the_error() -> None:
    directory = BrokenDirectory(MEMBERS[:150], CloudError("ServiceUnavailable", "down", status=503), from_page=2)

    results = chain(directory, deadline=Deadline.never())

    assert [r["sweep"]["stopped"] for r in results] == ["error", "error"]
    assert results[0]["summary"]["accountStatus"]["succeeded"] == 100 and "continuedBy" in results[0]["sweep"]
    assert token_document(results[0]["nextToken"])["page"] == 2
    assert "continuedBy" not in results[1]["sweep"] and results[1]["status"] == "failed"


def test_a_chain_stops_at_its_bound_derived_from_the_directory_size_and_says_so() -> None:
    members = MEMBERS[:60]

    results = chain(FakeDirectory(members=members))

    bound = max_hops(60)
    assert bound == 9  # ceil(60 / 10) + 3
    assert [r["sweep"]["hop"] for r in results] == list(range(1, bound + 1))
    assert {r["sweep"]["maxHops"] for r in results} == {bound}
    assert [r["sweep"]["stopped"] for r in results] == ["deadline"] * (bound - 1) + ["chain-limit"]
    done = [a["accountId"] for r in results for a in r["accounts"] if a["status"] == "succeeded"]
    assert done == members[:bound]  # one account per hop, none twice
    assert "nextToken" in results[-1]  # an operator can still resume by hand


def test_a_chain_over_a_small_directory_finishes_within_its_bound() -> None:
    members = MEMBERS[:4]

    results = chain(FakeDirectory(members=members))

    assert [r["sweep"]["stopped"] for r in results] == ["deadline"] * 3 + ["done"]
    assert "nextToken" not in results[-1] and "continuedBy" not in results[-1]["sweep"]


@pytest.mark.parametrize(("written", "effective"), [(2, 2), (10**6, 9)])
def test_a_token_can_lower_the_chain_bound_but_never_raise_it(written: int, effective: int) -> None:
    token = forged({"page": 1, "offset": 1, "hop": 1, "from": [1, 0], "maxHops": written})

    result = hop({"action": "sweep", "nextToken": token}, FakeDirectory(members=MEMBERS[:60]), Dispatcher())

    assert result["sweep"]["maxHops"] == effective
    assert token_document(result["nextToken"])["maxHops"] == effective
    assert result["sweep"]["stopped"] == ("chain-limit" if written == 2 else "deadline")


@pytest.mark.parametrize("previous", [[1, 5], [1, 9], [2, 0]])
def test_a_hop_that_does_not_start_past_the_previous_hops_start_does_not_continue(previous: list[int]) -> None:
    dispatcher = Dispatcher()
    token = forged({"page": 1, "offset": 5, "hop": 1, "from": previous})

    result = hop({"action": "sweep", "nextToken": token}, FakeDirectory(members=MEMBERS[:30]), dispatcher)

    assert result["sweep"]["stopped"] == "no-progress" and dispatcher.payloads == []
    assert result["accounts"]  # the narrowed sweep still ran: it just does not go on


def test_a_direct_sweep_without_a_token_never_continues_or_fans_out() -> None:
    dispatcher = Dispatcher()

    result = hop({"action": "sweep"}, FakeDirectory(members=MEMBERS[:30]), dispatcher, origin="direct")

    assert dispatcher.payloads == [] and result["sweep"]["stopped"] == "deadline"
    assert token_document(result["nextToken"])["continues"] is False


@pytest.mark.parametrize("origin", ["timer", "direct"])
def test_an_invocation_that_may_not_invoke_itself_never_continues_or_fans_out_whatever_the_token_says(
    origin: SweepOrigin,
) -> None:
    dispatcher = Dispatcher()
    token = forged({"page": 1, "offset": 1, "hop": 1, "from": [1, 0]})
    env = {"EMR_BOOTSTRAP_FANOUT": "always"}

    results = [
        hop(payload, FakeDirectory(members=MEMBERS[:30]), dispatcher, origin=origin, may_invoke_itself=False, env=env)
        for payload in ({"action": "sweep", "nextToken": token}, {"action": "sweep"})
    ]

    assert dispatcher.payloads == []
    assert all(token_document(r["nextToken"])["continues"] is False for r in results)
    assert all("batches" not in r["sweep"] and "continuedBy" not in r["sweep"] for r in results)
    assert all("missedByEvents" not in r["summary"] for r in results)  # nor raises the daily sweep's alert


def test_fan_out_makes_at_most_a_thousand_batches_so_every_share_is_one_the_batch_accepts() -> None:
    members = [str(6000000000000000 + n) for n in range(2500)]
    directory = FakeDirectory(members=members)
    dispatcher = Dispatcher()
    reconciler = Reconciler(FakeConnector(), directory, catalog=load_catalog(), settings=fast_settings())

    Sweeper(reconciler, directory).run(
        parse_sweep_request({"action": "sweep"}),
        request_id="s",
        deadline=Deadline.never(),
        fan_out=FanOut(dispatcher, batch_size=1),
    )

    assert len(dispatcher.payloads) <= 1000
    batches = [parse_sweep_batch(payload) for payload in dispatcher.payloads]
    assert sorted(a for b in batches for a in b.request.account_ids) == members


def test_a_fanned_out_sweep_whose_listing_fails_hands_out_nothing_and_resumes_where_it_started() -> None:
    dispatcher = Dispatcher()
    directory = BrokenDirectory(MEMBERS, CloudError("ServiceUnavailable", "down", status=503), from_page=3)
    env = {"EMR_BOOTSTRAP_FANOUT": "always"}

    result = hop({"action": "sweep"}, directory, dispatcher, env=env, deadline=Deadline.never())

    assert dispatcher.payloads == [] and result["status"] == "failed"
    assert result["sweep"]["stopped"] == "error"
    assert (token_document(result["nextToken"])["page"], token_document(result["nextToken"])["offset"]) == (1, 0)
    assert Position(1, 0).index == 0 and Position(3, 5).index == 205


def test_a_hop_that_could_not_read_the_directory_size_leaves_the_chain_bound_to_the_next_hop() -> None:
    down = BrokenDirectory(MEMBERS, CloudError("ServiceUnavailable", "down", status=503))
    (failed,) = chain(down)
    assert "maxHops" not in failed["sweep"] and "maxHops" not in token_document(failed["nextToken"])

    resumed = hop({"action": "sweep", "nextToken": failed["nextToken"]}, FakeDirectory(members=MEMBERS), Dispatcher())

    assert resumed["sweep"]["maxHops"] == max_hops(len(MEMBERS))  # not a bound guessed from a size never read
