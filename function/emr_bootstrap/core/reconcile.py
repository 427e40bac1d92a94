"""The core: reconcile the requested roles in every account of a request, over the ports of ``cloud.py``.

Per account: learn its status from the directory, open its RAM, then reconcile its roles concurrently
(:mod:`emr_bootstrap.core.role_run`). Accounts run concurrently, bounded. No environment, no SDK: the application
layer builds a :class:`Reconciler` from settings and adapters, and the sweep, the HTTP router and the CLI all
reach the core through it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from emr_bootstrap.core.directory import lookup_many, not_in_directory
from emr_bootstrap.core.plan import desired_roles
from emr_bootstrap.core.result import AccountResult, Result, RoleResult
from emr_bootstrap.core.role_run import RoleRun, concurrently
from emr_bootstrap.core.scope import Scope, management_unknown
from emr_bootstrap.core.workers import shared as shared_workers
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import AccessRoleMissing, BootstrapError, CloudError, ErrorInfo, render_error
from emr_bootstrap.shared.timing import Deadline

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Executor

    from emr_bootstrap.core.catalog import Catalog, RoleSpec
    from emr_bootstrap.core.cloud import AccountConnector, AccountDirectory, AccountInfo, RamApi
    from emr_bootstrap.core.request import BootstrapRequest, Strategy
    from emr_bootstrap.shared.timing import ReconcileSettings

log = logging.getLogger("emr_bootstrap")
# Scope refusals that skip an account on purpose; any other refusal is a failure.
_ON_PURPOSE = frozenset({codes.ACCOUNT_OUT_OF_SCOPE, codes.MANAGEMENT_ACCOUNT_EXCLUDED})


class _Stop(Exception):
    """An account ends before its roles are reconciled; carries the account's result (its duration is set where
    it is caught)."""

    def __init__(self, result: AccountResult) -> None:
        super().__init__(result.status)
        self.result = result


class Reconciler:
    """Reconciles requests against the cloud reached through ``connector`` and ``directory``."""

    def __init__(
        self,
        connector: AccountConnector,
        directory: AccountDirectory,
        *,
        catalog: Catalog,
        settings: ReconcileSettings,
        scope: Scope | None = None,
    ) -> None:
        self.connector = connector
        self.directory = directory
        self.catalog = catalog
        self.settings = settings
        self.scope = scope or Scope()
        self._management_lock = threading.Lock()
        self._management: str | ErrorInfo | None = None
        self._workers = shared_workers()

    # -- a whole request -----------------------------------------------------------------------------------
    def run(self, request: BootstrapRequest, *, request_id: str, deadline: Deadline | None = None) -> Result:
        """Reconcile every account of ``request`` (accounts concurrently, bounded) and return the result.

        The request's strategy, defaulting to read-first; dry runs never create first. Near the
        deadline no new account is started: the rest are reported ``not-attempted``, not failed.
        """
        settings = self.settings
        deadline = deadline or Deadline.never(settings.clock)
        start = settings.clock()
        strategy = request.effective_strategy
        known = lookup_many(self.directory, self._in_scope_by_lists(request.account_ids), request.first_page)

        def one(account_id: str) -> AccountResult:
            if not deadline.may_start():
                return AccountResult.not_attempted(account_id, _deadline_error(deadline))
            try:
                return self.account(
                    account_id,
                    request,
                    strategy=strategy,
                    request_id=request_id,
                    deadline=deadline,
                    info=known.get(account_id),
                )
            except Exception as exc:  # a bug in one account must not lose the others
                log.exception("unexpected error", extra={"requestId": request_id, "accountId": account_id})
                return AccountResult.unreachable(account_id, render_error(exc), settings.elapsed_ms(start))

        workers = max(1, min(settings.max_concurrent_accounts, len(request.account_ids)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="emr-account") as pool:
            accounts = list(pool.map(one, request.account_ids))
        result = Result.of_accounts(
            accounts, dry_run=request.dry_run, request_id=request_id, duration_ms=settings.elapsed_ms(start)
        )
        summary = result.summary()
        log.info(
            "bootstrap %s",
            result.status,
            extra={
                "requestId": request_id,
                "outcome": result.status,
                "durationMs": result.duration_ms,
                "accountStatus": summary["accountStatus"],
                "roleOutcomes": summary["roleOutcomes"],
            },
        )
        return result

    # -- one account -------------------------------------------------------------------------------------------
    def account(
        self,
        account_id: str,
        request: BootstrapRequest,
        *,
        strategy: Strategy,
        request_id: str = "",
        deadline: Deadline | None = None,
        info: AccountInfo | ErrorInfo | None = None,
    ) -> AccountResult:
        """Reconcile every role of one account (roles concurrently); never raises for cloud errors.

        ``info`` is the account as the directory already reported it (a sweep's ListAccounts page); without it
        the directory is asked. Create-first runs (new-account events) ask it concurrently with AssumeRole, so
        the check does not lengthen the critical path; the writes wait for both.
        """
        settings = self.settings
        start = settings.clock()
        log_fields = {"requestId": request_id, "accountId": account_id}
        desired = desired_roles(self.catalog, request)
        active = tuple(entry.spec for entry in desired if entry.skip_reason is None)
        results: dict[str, RoleResult] = {
            entry.spec.name: RoleResult(
                entry.spec.name, "skipped", policy_name=entry.spec.policy_name, reason=entry.skip_reason
            )
            for entry in desired
            if entry.skip_reason is not None
        }
        # The lists first: an account they refuse costs no call, not even GetResourceDirectory.
        refusal = self.scope.refuse_by_lists(account_id) or self.scope.refuse_management(
            account_id, self._management_account()
        )
        if refusal is not None:
            if refusal.code in _ON_PURPOSE:
                account = AccountResult.skipped(account_id, refusal)
            else:  # the management account is unknown: fail closed, reported, nothing written
                account = AccountResult.unreachable(account_id, refusal)
            _log_account(account, log_fields)
            return account
        if active:
            # On the process's workers (emr_bootstrap.core.workers): every role, the second of its concurrent reads,
            # and the directory read beside AssumeRole start at once, on threads that earlier accounts left idle.
            pool = self._workers
            try:
                ram = self._open(account_id, active, request, strategy, info, pool)
            except _Stop as stop:
                account = replace(stop.result, duration_ms=settings.elapsed_ms(start))
                _log_account(account, log_fields)
                return account
            runs = [
                RoleRun(
                    ram,
                    spec,
                    pool=pool,
                    settings=settings,
                    dry_run=request.dry_run,
                    drift_mode=request.drift,
                    strategy=strategy,
                    log_fields=log_fields,
                    deadline=deadline,
                )
                for spec in active
            ]
            # The last role on this thread: one hand-off fewer on the critical path.
            futures = [(run.spec.name, pool.submit(run.run)) for run in runs[:-1]]
            results[runs[-1].spec.name] = runs[-1].run()
            for name, future in futures:
                results[name] = future.result()
        ordered = [results[entry.spec.name] for entry in desired]
        account = AccountResult.from_roles(account_id, ordered, settings.elapsed_ms(start))
        if ordered and not active:
            account = replace(account, status="skipped")
        _log_account(account, log_fields)
        return account

    def _open(
        self,
        account_id: str,
        roles: tuple[RoleSpec, ...],
        request: BootstrapRequest,
        strategy: Strategy,
        info: AccountInfo | ErrorInfo | None,
        pool: Executor,
    ) -> RamApi:
        """The account's RAM once the account is known to be active; raises :class:`_Stop` otherwise."""

        def connect() -> RamApi | BootstrapError:
            try:
                return self.connector.ram_for(account_id, roles, request.mode)
            except BootstrapError as exc:
                return exc

        known: AccountInfo | ErrorInfo
        ram: RamApi | BootstrapError
        if info is None and strategy == "create-first":
            ram, known = concurrently(pool, connect, lambda: self._learn(account_id))
            _admit(account_id, known, self.scope)
        else:
            known = info or self._learn(account_id)
            _admit(account_id, known, self.scope)  # before AssumeRole: an account out of scope costs none
            ram = connect()
        if isinstance(ram, BootstrapError):
            error = render_error(_connect_error(ram, account_id), action="AssumeRole")
            if error.code == codes.DEADLINE_REACHED:  # AssumeRole's turn would have come too late
                raise _Stop(AccountResult.not_attempted(account_id, error))
            raise _Stop(AccountResult.unreachable(account_id, error))
        return ram

    def _learn(self, account_id: str) -> AccountInfo | ErrorInfo:
        """The account as the directory reports it, or why that could not be learned."""
        from emr_bootstrap.core.cloud import AccountInfo

        try:
            return self.directory.get_account(account_id)
        except CloudError as exc:
            if exc.code in (codes.ACCOUNT_NOT_FOUND, codes.DIRECTORY_NOT_FOUND) and self._is_own(account_id):
                # The function's own account exists whatever the directory says (for instance no directory).
                return AccountInfo(account_id, "CreateSuccess")
            if exc.code == codes.ACCOUNT_NOT_FOUND:
                return not_in_directory(account_id, exc.request_id)
            return render_error(exc, action="GetAccount")

    def _is_own(self, account_id: str) -> bool:
        return account_id == self._own()

    def _own(self) -> str | None:
        try:
            return self.connector.own_account_id()
        except BootstrapError:
            return None

    def _management_account(self) -> str | ErrorInfo | None:
        """The directory's management account, or why it could not be learned; asked once per run (the adapter
        keeps what it learned for the instance). None when the deployment includes it: no need to know."""
        if self.scope.include_management_account:
            return None
        with self._management_lock:
            if self._management is None:
                try:
                    self._management = self.directory.management_account_id()
                except CloudError as exc:
                    self._management = management_unknown(render_error(exc, action="GetResourceDirectory"))
            return self._management

    def _in_scope_by_lists(self, account_ids: tuple[str, ...]) -> list[str]:
        listed = [a for a in account_ids if self.scope.refuse_by_lists(a) is None]
        if not listed:
            return []
        management = self._management_account()
        return [a for a in listed if self.scope.refuse_management(a, management) is None]


def _admit(account_id: str, info: AccountInfo | ErrorInfo, scope: Scope) -> None:
    """Raise :class:`_Stop` unless the directory says the account is an active member, in scope."""
    if isinstance(info, ErrorInfo):
        if info.code == codes.ACCOUNT_NOT_IN_DIRECTORY:
            raise _Stop(AccountResult.skipped(account_id, info))
        if info.code == codes.DEADLINE_REACHED:
            raise _Stop(AccountResult.not_attempted(account_id, info))
        raise _Stop(AccountResult.unreachable(account_id, info))
    refusal = scope.refuse_after_lookup(info)
    if refusal is not None:
        raise _Stop(AccountResult.skipped(account_id, refusal))
    if not info.active:
        reason = ErrorInfo(
            codes.ACCOUNT_NOT_READY,
            f"account {account_id} is {info.status} in the Resource Directory, not active yet",
            codes.hint_for(codes.ACCOUNT_NOT_READY),
        )
        raise _Stop(AccountResult.skipped(account_id, reason, directory_status=info.status))


def _connect_error(exc: BootstrapError, account_id: str) -> BootstrapError:
    # STS answers EntityNotExist.Role when the role to assume is absent (docs/alibaba-cloud.md §3).
    if isinstance(exc, CloudError) and exc.code == codes.ROLE_NOT_FOUND:
        return AccessRoleMissing(
            f"cannot assume the member access role in account {account_id}: {exc.message}",
            request_id=exc.request_id,
        )
    return exc


def _deadline_error(deadline: Deadline) -> ErrorInfo:
    return ErrorInfo(
        codes.DEADLINE_REACHED,
        f"not started: {max(0.0, deadline.remaining()):.1f}s were left before the invocation's deadline, "
        f"less than the {deadline.margin_s:g}s kept to finish the accounts already started",
        codes.hint_for(codes.DEADLINE_REACHED),
    )


def _log_account(account: AccountResult, log_fields: Mapping[str, str]) -> None:
    problem = account.error or account.skip
    log.log(
        logging.WARNING if account.status == "failed" else logging.INFO,
        "account %s",
        account.status,
        extra={
            **log_fields,
            "outcome": account.status,
            "durationMs": account.duration_ms,
            "errorCode": problem.code if problem else None,
        },
    )
