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
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.directory import PAGE_SIZE
from emr_bootstrap.errors import CloudError, ErrorInfo, render_error
from emr_bootstrap.result import AccountResult, Result
from emr_bootstrap.sweep_request import Position

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Future

    from emr_bootstrap.cloud import AccountDirectory, AccountInfo, AccountPage, AsyncDispatcher
    from emr_bootstrap.reconcile import Reconciler
    from emr_bootstrap.sweep_request import SweepRequest
    from emr_bootstrap.timing import Deadline

log = logging.getLogger("emr_bootstrap.sweep")

BATCH_ACTION: Final = "sweep-batch"


@dataclass(frozen=True)
class FanOut:
    """Hand the accounts to asynchronous invocations of the function, ``batch_size`` accounts each."""

    dispatcher: AsyncDispatcher
    batch_size: int = 100
    # Fan out only when the directory has at least this many members (0: always).
    threshold: int = 0


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

    def run(
        self,
        request: SweepRequest,
        *,
        request_id: str,
        deadline: Deadline,
        fan_out: FanOut | None = None,
        continues: bool = False,
    ) -> Result:
        """Sweep from ``request.start``. ``continues``: the resume token marks the sweep as one that continues
        itself."""
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
        sweep: dict[str, Any] = {"listed": walk.listed, "selected": walk.selected, "pages": walk.pages}
        if walk.batches:
            sweep["batches"] = walk.batches
        status = result.status if walk.error is None else "partial" if walk.results else "failed"
        return Result(
            status,
            result.dry_run,
            request_id,
            result.accounts,
            result.duration_ms,
            error=walk.error,
            compact=True,
            next_token=request.token(walk.stop_at, continues=continues) if walk.stop_at else None,
            sweep=sweep,
        )

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
        self._lock = threading.Lock()
        self._first: AccountPage | None = None

    def first_page(self) -> AccountPage:
        if self._first is None:
            self._first = self.sweeper.directory.list_accounts(self.position.page, PAGE_SIZE)
            self.pages += 1
        return self._first

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
            account = AccountResult.unreachable(info.account_id, render_error(exc), 0)
        finally:
            slots.release()
        with self._lock:
            self.results.append(account)

    def dispatch(self, fan_out: FanOut) -> None:
        chosen = [info.account_id for _, info in self.pages_from_start()]
        chunks = [chosen[i : i + fan_out.batch_size] for i in range(0, len(chosen), fan_out.batch_size)]
        for chunk in chunks:
            payload = dict(self.request.options())
            for key in ("folderIds", "excludeAccountIds", "changedWithinMinutes"):
                payload.pop(key, None)  # the batch names its accounts; the filters were applied here
            # Last, so that the sweep's own accountIds filter never replaces the batch's chunk.
            payload |= {"action": BATCH_ACTION, "accountIds": chunk, "share": round(1 / len(chunks), 6)}
            try:
                invocation_id = fan_out.dispatcher.invoke_async(payload)
            except CloudError as exc:
                error = render_error(exc, action="InvokeFunction")
                self.results.extend(AccountResult.unreachable(a, error, 0) for a in chunk)
                continue
            self.batches.append({"requestId": invocation_id, "accounts": len(chunk)})


def _instant(text: str) -> datetime | None:
    """Resource Manager's ``2021-01-18T08:01:50.522Z`` (or without milliseconds) as an aware datetime."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
