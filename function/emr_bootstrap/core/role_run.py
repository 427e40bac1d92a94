"""Reconcile one role in one account: the per-role state machine of the core.

Order follows what is likely, and what the path pays for. ``create-first`` (new-account events: latency) writes
first and treats ``EntityAlreadyExists.Role`` as the signal to read and compare; ``read-first`` (requests, plans:
latency) reads GetRole and ListPoliciesForRole concurrently and writes only what is missing; ``get-first`` (sweeps:
calls, since a sweep runs at the AssumeRole quota and the CPU) reads GetRole, and ListPoliciesForRole only if the
role exists. Every write is read back (bounded polling, no fixed sleep) before the result claims it, with the one
read that shows it: ListPoliciesForRole after CreateRole and AttachPolicyToRole (it proves that the role exists and
what is attached), GetRole after UpdateRole. Throttling and transport retries belong to the SDK adapter: this
module never retries those, it only waits out RAM's eventual consistency (``EntityNotExist.Role`` just after a
create, stale reads).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from emr_bootstrap.core.plan import Observed, RolePlan, Step, has_policy, plan_role
from emr_bootstrap.core.result import CREATE_ROLE, UPDATE_TRUST, Change, Outcome, RoleResult, attach_policy
from emr_bootstrap.core.trust import compare_trust
from emr_bootstrap.shared.codes import POLICY_ALREADY_ATTACHED, ROLE_EXISTS, ROLE_NOT_FOUND
from emr_bootstrap.shared.errors import BootstrapError, CloudError, PropagationTimeout, render_error

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Executor

    from emr_bootstrap.core.catalog import RoleSpec
    from emr_bootstrap.core.cloud import AttachedPolicy, RamApi, RoleState
    from emr_bootstrap.core.request import DriftMode, Strategy
    from emr_bootstrap.shared.timing import Deadline, ReconcileSettings

log = logging.getLogger("emr_bootstrap")
T = TypeVar("T")
U = TypeVar("U")


def concurrently(pool: Executor, first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """Run ``second`` on the pool while this thread runs ``first``; both finish before returning."""
    future = pool.submit(second)
    try:
        first_value = first()
    except BaseException:
        future.exception()  # wait: never leave a call running behind our back
        raise
    return first_value, future.result()


class RoleRun:
    """Reconciles one role in one account. Instances are single-use and single-threaded (they borrow the pool
    only for the second of two concurrent reads)."""

    def __init__(
        self,
        ram: RamApi,
        spec: RoleSpec,
        *,
        pool: Executor,
        settings: ReconcileSettings,
        dry_run: bool,
        drift_mode: DriftMode,
        strategy: Strategy,
        log_fields: Mapping[str, str],
        deadline: Deadline | None = None,
    ) -> None:
        self.ram = ram
        self.spec = spec
        self.pool = pool
        self.settings = settings
        self.dry_run = dry_run
        self.drift_mode = drift_mode
        self.strategy = strategy
        self.deadline = deadline
        self.log_fields = {**log_fields, "roleName": spec.name}
        self.changes: list[Change] = []
        self.created = False
        # Which writes the verifying read must show: the attachment (and so the role), the repaired trust.
        self.attached = False
        self.trust_updated = False
        self.plan: RolePlan | None = None
        # The cloud action in flight, so an error can say what failed.
        self.action: str | None = None

    # -- entry point ---------------------------------------------------------------------------------------
    def run(self) -> RoleResult:
        start = self.settings.clock()
        try:
            result = self._run()
        except BootstrapError as exc:
            result = self._result("failed", error=exc)
        except Exception as exc:  # a bug must not hide the other roles' results
            log.exception("unexpected error", extra={**self.log_fields, "action": self.action})
            result = self._result("failed", error=exc)
        result = replace(result, duration_ms=self.settings.elapsed_ms(start))
        level = logging.WARNING if result.outcome in ("failed", "drifted") else logging.INFO
        log.log(
            level,
            "role %s",
            result.outcome,
            extra={
                **self.log_fields,
                "outcome": result.outcome,
                "durationMs": result.duration_ms,
                # The writes this run made (or, dry run, would make) for the role; "none" when it only read.
                "action": ",".join(change.action for change in result.changes) or "none",
                "changes": [change.action for change in result.changes],
                "errorCode": result.error.code if result.error else None,
            },
        )
        return result

    def _run(self) -> RoleResult:
        if self.strategy == "create-first" and not self.dry_run:
            if self._create():
                self._attach()
                self._verify()
                return self._result("created")
            # EntityAlreadyExists.Role: the role is there (maybe just created by a concurrent run).
            observed = self._observe(role_must_exist=True)
        else:
            observed = self._observe(role_must_exist=False)
        plan = self._plan(observed)
        if self.dry_run:
            if plan.steps:
                return self._result("planned", changes=plan.changes(self.spec))
            return self._result(plan.idle_outcome)
        return self._apply(plan)

    def _plan(self, observed: Observed) -> RolePlan:
        self.plan = plan_role(self.spec, observed, self.drift_mode)
        return self.plan

    def _apply(self, plan: RolePlan) -> RoleResult:
        if not plan.steps:
            return self._result(plan.idle_outcome)
        for step in plan.steps:
            if step is Step.CREATE:
                if not self._create():
                    # A concurrent run created it between our read and our write: plan again from its state.
                    return self._apply(self._plan(self._observe(role_must_exist=True)))
            elif step is Step.UPDATE_TRUST:
                self._update_trust()
            else:
                self._attach()
        self._verify()
        outcome: Outcome = "created" if self.created else "updated" if self.changes else "unchanged"
        return self._result(outcome)

    # -- results -------------------------------------------------------------------------------------------
    def _result(
        self, outcome: Outcome, *, changes: tuple[Change, ...] | None = None, error: BaseException | None = None
    ) -> RoleResult:
        plan = self.plan
        return RoleResult(
            role_name=self.spec.name,
            outcome=outcome,
            changes=tuple(self.changes) if changes is None else changes,
            error=render_error(error, action=self.action) if error is not None else plan.refusal if plan else None,
            policy_name=self.spec.policy_name,
            drift=plan.drift if plan else None,
            extra_policies=plan.extra_policies if plan else (),
        )

    # -- cloud calls -----------------------------------------------------------------------------------------
    def _call(self, action: str, call: Callable[[], T]) -> T:
        self.action = action
        start = self.settings.clock()
        outcome = "OK"
        try:
            return call()
        except CloudError as exc:
            outcome = exc.code
            raise
        finally:
            log.debug(
                "call %s",
                action,
                extra={
                    **self.log_fields,
                    "action": action,
                    "outcome": outcome,
                    "durationMs": self.settings.elapsed_ms(start),
                },
            )

    def _create(self) -> bool:
        """CreateRole; False when the role already exists (a concurrent run, or an earlier run, won)."""
        spec = self.spec
        try:
            self._call("CreateRole", lambda: self.ram.create_role(spec.name, spec.trust_policy, spec.description))
        except CloudError as exc:
            if exc.code == ROLE_EXISTS:
                return False
            raise
        self.changes.append(CREATE_ROLE)
        self.created = True
        return True

    def _attach(self) -> None:
        """AttachPolicyToRole, waiting out EntityNotExist.Role: we only attach to a role we know exists, so
        "not found" is a read that has not caught up with a recent create."""

        def attempt() -> bool | None:
            try:
                self._call(
                    "AttachPolicyToRole", lambda: self.ram.attach_system_policy(self.spec.name, self.spec.policy_name)
                )
            except CloudError as exc:
                if exc.code == POLICY_ALREADY_ATTACHED:  # a concurrent run attached it first
                    return True
                if exc.code == ROLE_NOT_FOUND:
                    return None
                raise
            self.changes.append(attach_policy(self.spec.policy_name))
            return True

        self.attached = True  # whoever attached it, the verifying read must show it
        if self.settings.poll(attempt, self.deadline) is None:
            raise PropagationTimeout(
                f"AttachPolicyToRole still answered {ROLE_NOT_FOUND} "
                f"{self.settings.propagation_timeout_s:g}s after the role was created"
            )

    def _update_trust(self) -> None:
        self._call("UpdateRole", lambda: self.ram.update_role_trust(self.spec.name, self.spec.trust_policy))
        self.changes.append(UPDATE_TRUST)
        self.trust_updated = True

    def _get_role(self) -> RoleState | None:
        try:
            return self._call("GetRole", lambda: self.ram.get_role(self.spec.name))
        except CloudError as exc:
            if exc.code == ROLE_NOT_FOUND:
                return None
            raise

    def _list_policies(self) -> tuple[AttachedPolicy, ...]:
        try:
            return tuple(self._call("ListPoliciesForRole", lambda: self.ram.list_policies_for_role(self.spec.name)))
        except CloudError as exc:
            if exc.code == ROLE_NOT_FOUND:
                return ()
            raise

    def _observe(self, *, role_must_exist: bool) -> Observed:
        """GetRole and ListPoliciesForRole: concurrently, or (``get-first``) the list only once GetRole showed the
        role. With ``role_must_exist`` (the cloud said the role exists), a "not found" is a stale read: poll until
        the role shows."""

        def attempt() -> Observed | None:
            if self.strategy == "get-first":
                role = self._get_role()
                policies = self._list_policies() if role is not None else ()
            else:
                role, policies = concurrently(self.pool, self._get_role, self._list_policies)
            if role is None and role_must_exist:
                return None
            return Observed(role, policies)

        observed = self.settings.poll(attempt, self.deadline)
        if observed is None:
            raise PropagationTimeout(
                f"CreateRole said the role exists, but GetRole did not show it within "
                f"{self.settings.propagation_timeout_s:g}s"
            )
        return observed

    def _verify(self) -> None:
        """Read back until the reads show this run's writes: ListPoliciesForRole the attachment (which also
        proves the role exists: after CreateRole it answers EntityNotExist.Role until the role shows), GetRole a
        repaired trust. Only the reads still unconfirmed are repeated; when both are, they run concurrently."""
        pending_role, pending_policy = self.trust_updated, self.attached or not self.trust_updated

        def role_ok() -> bool:
            role = self._get_role()
            return role is not None and compare_trust(self.spec.trust_policy, role.trust_policy).equal

        def policy_ok() -> bool:
            return has_policy(self._list_policies(), self.spec)

        def attempt() -> bool | None:
            nonlocal pending_role, pending_policy
            if pending_role and pending_policy:
                role_seen, policy_seen = concurrently(self.pool, role_ok, policy_ok)
                pending_role, pending_policy = not role_seen, not policy_seen
            elif pending_role:
                pending_role = not role_ok()
            elif pending_policy:
                pending_policy = not policy_ok()
            return True if not (pending_role or pending_policy) else None

        if self.settings.poll(attempt, self.deadline) is None:
            missing = " and ".join(
                what
                for what, pending in (
                    ("the role's trust policy", pending_role),
                    ("the policy attachment", pending_policy),
                )
                if pending
            )
            raise PropagationTimeout(
                f"the writes succeeded but {missing} did not show in reads within "
                f"{self.settings.propagation_timeout_s:g}s"
            )
