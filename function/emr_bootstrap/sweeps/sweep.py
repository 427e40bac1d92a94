"""The sweep: every account of the Resource Directory, page by page, the path that never misses an account.

Accounts are taken in the listing's order and started one at a time by this thread into a bounded pool, so the
started ones are always a prefix of the listing: when the deadline comes, the first account not started is where
the resume token points, and a resumed sweep does nothing twice and loses nothing. Each account goes through the
core (``Reconciler.account``) with what the listing already says of it, so the scope, status and role rules are the
same as for a request, and no GetAccount is spent. Above a size the work is handed to asynchronous invocations of
the function instead (``fan_out``), each a batch of accounts that checks them again on its own. Pure: the directory
and the dispatcher are ports.
"""

from __future__ import annotations

import logging
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from emr_bootstrap.core.directory import PAGE_SIZE
from emr_bootstrap.core.pacing import PUBLISHED_RATES
from emr_bootstrap.core.result import CREATE_ROLE, AccountResult, Result
from emr_bootstrap.shared.errors import CloudError, ErrorInfo, render_error
from emr_bootstrap.sweeps.sweep_request import Position

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Future

    from emr_bootstrap.core.cloud import AccountDirectory, AccountInfo, AccountPage, AsyncDispatcher
    from emr_bootstrap.core.reconcile import Reconciler
    from emr_bootstrap.shared.timing import Deadline
    from emr_bootstrap.sweeps.sweep_request import SweepRequest

log = logging.getLogger("emr_bootstrap.sweep")

BATCH_ACTION: Final = "sweep-batch"
# The chain bound: a hop that continues has started at least one account, so no chain needs more hops than the
# listing has positions; a healthy hop starts hundreds. The bound assumes at least MIN_HOP_PROGRESS positions per hop,
# plus CHAIN_SLACK hops for members that join while the chain runs (see max_hops).
MIN_HOP_PROGRESS: Final = 10
CHAIN_SLACK: Final = 3
# At most this many fan-out batches, so that each gets at least 1/MAX_BATCHES of the quota (sweep_request.MIN_SHARE).
MAX_BATCHES: Final = 1000
# summary.missedByEvents lists at most this many account IDs (the count is exact).
MISSED_LIST_CAP: Final = 100

Stopped: TypeAlias = Literal["done", "deadline", "error", "no-progress", "chain-limit"]


def max_hops(total: int) -> int:
    """The most hops a chain over a directory of ``total`` (at least one) members may take: ``ceil(total / 10) + 3``.
    A hop that did not learn the size (an empty directory, or its first listing failed) sets no bound."""
    return math.ceil(total / MIN_HOP_PROGRESS) + CHAIN_SLACK


@dataclass(frozen=True)
class FanOut:
    """Hand the accounts to asynchronous invocations of the function, ``batch_size`` accounts each."""

    dispatcher: AsyncDispatcher
    batch_size: int = 100
    # Fan out only when the directory has at least this many members (0: always).
    threshold: int = 0
    # The caller's AssumeRole quota the batches split (calls per second): the batch count is chosen to use it whole.
    quota: float = PUBLISHED_RATES["AssumeRole"]


@dataclass(frozen=True)
class Hop:
    """One invocation's part of a sweep: its result, and the token to continue with (None: the chain ends here)."""

    result: Result
    continuation: str | None = None


class Sweeper:
    def __init__(
        self,
        reconciler: Reconciler,
        directory: AccountDirectory,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.reconciler = reconciler
        self.directory = directory
        self.now = now

    def run(self, request: SweepRequest, **options: Any) -> Result:
        """Sweep from ``request.start``: :meth:`hop`'s result."""
        return self.hop(request, **options).result

    def hop(
        self,
        request: SweepRequest,
        *,
        request_id: str,
        deadline: Deadline,
        fan_out: FanOut | None = None,
        continues: bool = False,
        missed_after_minutes: int | None = None,
    ) -> Hop:
        """Sweep from ``request.start``. ``continues``: this sweep continues itself, so its token says so and the
        hop says whether the chain may go on. ``missed_after_minutes``: report the accounts whose roles had to be
        created although they joined longer ago than that (``summary.missedByEvents``)."""
        settings = self.reconciler.settings
        start = settings.clock()
        walk = _Walk(self, request, request_id, deadline)
        try:
            first = walk.first_page()
            if fan_out is not None and first.total >= fan_out.threshold:
                walk.dispatch(fan_out)
            else:
                walk.in_process()
        except CloudError as exc:  # a listing failed: say where to resume, keep what was done
            walk.error = render_error(exc, action="ListAccounts")
            walk.stop_at = walk.stop_at or walk.position
        result = Result.of_accounts(
            walk.results, dry_run=request.dry_run, request_id=request_id, duration_ms=settings.elapsed_ms(start)
        )
        number = request.hop + 1
        # The bound is recomputed from the directory's size; a token's bound can only lower it.
        bounds = [b for b in (request.max_hops, max_hops(walk.total) if walk.total else None) if b is not None]
        limit = min(bounds) if bounds else None
        stopped, goes_on = _stop_reason(walk), False
        if continues and walk.stop_at is not None:  # a hop that is done ends its chain
            stopped, goes_on = _ending(request, walk.stop_at, stopped, number, limit)
        sweep: dict[str, Any] = {"listed": walk.listed, "selected": walk.selected, "pages": walk.pages}
        if walk.batches:
            sweep["batches"] = walk.batches
        sweep |= {"hop": number, "stopped": stopped}
        if continues and limit is not None:
            sweep["maxHops"] = limit
        status = result.status if walk.error is None else "partial" if walk.results else "failed"
        token = request.token(walk.stop_at, continues=continues, max_hops=limit) if walk.stop_at else None
        missed = None
        if missed_after_minutes is not None and not walk.batches:
            missed = self._missed(walk, missed_after_minutes, request_id)
        result = replace(
            result,
            status=status,
            error=walk.error,
            compact=True,
            next_token=token,
            sweep=sweep,
            missed_by_events=missed,
        )
        return Hop(result, token if goes_on else None)

    def _missed(self, walk: _Walk, minutes: int, request_id: str) -> dict[str, Any]:
        """The accounts whose roles this sweep had to create (or, dry, would create) although they joined more than
        ``minutes`` ago: the new-account event should have done it. One log line says how many."""
        since = self.now() - timedelta(minutes=minutes)
        missed = sorted(
            account.account_id
            for account in walk.results
            if any(CREATE_ROLE in role.changes for role in account.roles)
            # An account with changes was started by this walk, which noted its JoinTime.
            and (joined := _instant(walk.joined[account.account_id])) is not None
            and joined < since
        )
        listed = missed[:MISSED_LIST_CAP]
        log.info(
            "accounts missed by events", extra={"requestId": request_id, "count": len(missed), "accountIds": listed}
        )
        return {"count": len(missed), "accountIds": listed}

    def selected(self, request: SweepRequest, info: AccountInfo) -> bool:
        """Whether the sweep's own filters pick ``info`` (the deployment's scope is applied later, by the core)."""
        if request.include is not None and info.account_id not in request.include:
            return False
        if info.account_id in request.exclude:
            return False
        if request.folder_ids is not None:
            path = set(info.path.split("/")) | {info.folder_id}
            if not path & request.folder_ids:
                return False
        if request.changed_within_minutes is not None:
            since = self.now() - timedelta(minutes=request.changed_within_minutes)
            times = [_instant(info.join_time), _instant(info.modify_time)]
            # A time we cannot read counts as recent: better one account read too many than one missed.
            return any(t is None or t >= since for t in times)
        return True


def _stop_reason(walk: _Walk) -> Stopped:
    return "done" if walk.stop_at is None else "error" if walk.error is not None else "deadline"


def _ending(
    request: SweepRequest, stop_at: Position, stopped: Stopped, number: int, limit: int | None
) -> tuple[Stopped, bool]:
    """Why a self-continuing hop that ``stopped`` ("deadline" or "error") at ``stop_at`` ended, and whether the chain
    goes on: only from a position past this hop's start, which is past the previous hop's start, and below the
    bound. A hop that started nothing because of an error reports it; the next timer tries again."""
    previous = request.previous_start
    advanced = stop_at.index > request.start.index and (previous is None or request.start.index > previous.index)
    if not advanced:
        return ("error" if stopped == "error" else "no-progress"), False
    if limit is not None and number >= limit:
        return "chain-limit", False
    return stopped, True


class _Walk:
    """One sweep's progress through the listing."""

    def __init__(self, sweeper: Sweeper, request: SweepRequest, request_id: str, deadline: Deadline) -> None:
        self.sweeper = sweeper
        self.request = request
        self.request_id = request_id
        self.deadline = deadline
        self.position = request.start
        self.stop_at: Position | None = None
        self.error: ErrorInfo | None = None
        self.results: list[AccountResult] = []
        self.batches: list[dict[str, Any]] = []
        self.listed = self.selected = self.pages = 0
        # JoinTime of each account started, for summary.missedByEvents.
        self.joined: dict[str, str] = {}
        self._lock = threading.Lock()
        self._first: AccountPage | None = None

    def first_page(self) -> AccountPage:
        if self._first is None:
            self._first = self.sweeper.directory.list_accounts(self.position.page, PAGE_SIZE)
            self.pages += 1
        return self._first

    @property
    def total(self) -> int:
        """The directory's size as the first page gave it (0 when it was not read)."""
        return self._first.total if self._first is not None else 0

    def pages_from_start(self) -> Iterator[tuple[Position, AccountInfo]]:
        """(position, info) of every selected account from the start position on, page by page."""
        page = self.first_page()
        while True:
            for offset in range(self.position.offset, len(page.accounts)):
                info = page.accounts[offset]
                self.listed += 1
                if self.sweeper.selected(self.request, info):
                    self.selected += 1
                    yield Position(self.position.page, offset), info
            if not page.accounts or self.position.page * PAGE_SIZE >= page.total:
                return
            self.position = Position(self.position.page + 1, 0)
            page = self.sweeper.directory.list_accounts(self.position.page, PAGE_SIZE)
            self.pages += 1

    def in_process(self) -> None:
        reconciler = self.sweeper.reconciler
        workers = reconciler.settings.max_concurrent_accounts
        slots = threading.Semaphore(workers)
        futures: list[Future[None]] = []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="emr-sweep") as pool:
            for position, info in self.pages_from_start():
                slots.acquire()
                # The first account is always started, so that a sweep resumed again and again makes progress.
                if futures and not self.deadline.may_start():
                    slots.release()
                    self.stop_at = position
                    break
                self.joined[info.account_id] = info.join_time
                futures.append(pool.submit(self._one, info, slots))
        for future in futures:
            future.result()

    def _one(self, info: AccountInfo, slots: threading.Semaphore) -> None:
        try:
            account = self.sweeper.reconciler.account(
                info.account_id,
                self.request.template,
                strategy="get-first",
                request_id=self.request_id,
                deadline=self.deadline,
                info=info,
            )
        except Exception as exc:  # a bug in one account must not lose the sweep
            log.exception("unexpected error", extra={"requestId": self.request_id, "accountId": info.account_id})
            account = AccountResult.unreachable(info.account_id, render_error(exc))
        finally:
            slots.release()
        with self._lock:
            self.results.append(account)

    def dispatch(self, fan_out: FanOut) -> None:
        try:
            listed = [(position.page, info.account_id) for position, info in self.pages_from_start()]
        except CloudError:
            self.position = self.request.start  # nothing was handed out: resume where this hop started
            raise
        # The page each account was listed on: a batch starts reading the directory at its first account's.
        page_of = {account_id: page for page, account_id in listed}
        chosen = [account_id for _, account_id in listed]
        size = max(fan_out.batch_size, math.ceil(len(chosen) / MAX_BATCHES))
        chunks = _split(chosen, batch_count(len(chosen), size, fan_out.quota))
        for chunk in chunks:
            payload = dict(self.request.options())
            for key in ("folderIds", "excludeAccountIds", "changedWithinMinutes"):
                payload.pop(key, None)  # the batch names its accounts; the filters were applied here
            # Last, so that the sweep's own accountIds filter never replaces the batch's chunk.
            payload |= {"action": BATCH_ACTION, "accountIds": chunk, "share": round(1 / len(chunks), 6)}
            payload["firstPage"] = page_of[chunk[0]]
            try:
                invocation_id = fan_out.dispatcher.invoke_async(payload)
            except CloudError as exc:
                error = render_error(exc, action="InvokeFunction")
                self.results.extend(AccountResult.unreachable(a, error) for a in chunk)
                continue
            self.batches.append({"requestId": invocation_id, "accounts": len(chunk)})


def batch_count(accounts: int, size: int, quota: float) -> int:
    """How many batches of at most ``size`` to make of ``accounts``: the fewest, raised (up to MAX_BATCHES) until the
    batches together get at least 95 % of the ``quota``. The pacer gives each batch floor(quota / batches) tokens a
    second (pacing.Pacer): 21 batches of a quota of 100 get 4 each, 84 in all, where 24 get 96 and 25 all 100."""
    count = math.ceil(accounts / max(1, size))
    # No accounts, no batch; from the quota on each batch gets at most one call a second, and no floor is lost.
    if count == 0 or count >= quota:
        return count
    whole = range(count, math.floor(quota) + 1)
    raised = next((c for c in whole if math.floor(quota / c) * c >= 0.95 * quota), count)
    return min(raised, MAX_BATCHES, accounts)


def _split(items: list[str], count: int) -> list[list[str]]:
    """``items`` in ``count`` chunks whose sizes are within one of each other (equal batches get equal shares of the
    quota, so unequal ones would leave the small ones' share unused while the large ones still run)."""
    base, extra = divmod(len(items), max(1, count))

    def bound(i: int) -> int:
        return i * base + min(i, extra)

    return [items[bound(i) : bound(i + 1)] for i in range(count)]


def _instant(text: str) -> datetime | None:
    """Resource Manager's ``2021-01-18T08:01:50.522Z`` (or without milliseconds) as an aware datetime."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
