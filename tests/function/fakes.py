"""In-memory fakes of the core's cloud interface (thread-safe), with fault and eventual-consistency knobs."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import (
    POLICY_ALREADY_ATTACHED,
    POLICY_NOT_FOUND,
    ROLE_EXISTS,
    ROLE_NOT_FOUND,
    AccountInfo,
    AccountPage,
    AttachedPolicy,
    CloudError,
    RoleState,
)
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.shared.codes import ACCOUNT_NOT_FOUND
from emr_bootstrap.shared.timing import ReconcileSettings

if TYPE_CHECKING:
    from emr_bootstrap.core.catalog import Catalog, RoleSpec
    from emr_bootstrap.core.request import BootstrapRequest, Mode, Strategy
    from emr_bootstrap.core.result import AccountResult, Result
    from emr_bootstrap.core.scope import Scope
    from emr_bootstrap.shared.timing import Deadline

WRITE_ACTIONS = ("CreateRole", "AttachPolicyToRole", "UpdateRole")


@dataclass
class _Role:
    state: RoleState
    policies: list[AttachedPolicy] = field(default_factory=list)
    # Reads that still miss this role / its newest attachment (eventual consistency).
    hidden_get_reads: int = 0
    hidden_list_reads: int = 0
    # Bumped by each create and each attach, so that per-run views know a write is new to them.
    version: int = 0


class FakeRam:
    """RAM of one account. Role names match case-insensitively, like the cloud (docs/alibaba-cloud.md §2.4).

    Knobs:
    - ``invisible_reads``: a role created (or a policy attached) here stays invisible to the next N GetRole /
      ListPoliciesForRole reads of that role. The budget is shared by every reader, so use it for one run only.
    - :meth:`view`: a per-run view with its own lag (see :class:`LaggingView`), for concurrent runs.
    - ``attach_not_found``: the first N AttachPolicyToRole calls after a create answer EntityNotExist.Role.
    - ``stale_trust_reads``: after UpdateRole, the next N GetRole reads still show the old trust policy.
    - ``fail``: ``{(action, role_name_or_None): CloudError}``, raised on every matching call.
    - ``missing_policies``: system policy names that do not exist in this site.
    """

    def __init__(self, account_id: str = "1000000000000001") -> None:
        self.account_id = account_id
        self._lock = threading.Lock()
        self._roles: dict[str, _Role] = {}
        self.calls: Counter[str] = Counter()
        self.calls_by_role: Counter[tuple[str, str]] = Counter()
        self.invisible_reads = 0
        self.attach_not_found = 0
        self.stale_trust_reads = 0
        self.fail: dict[tuple[str, str | None], CloudError] = {}
        self.missing_policies: set[str] = set()
        self._attach_not_found_left: dict[str, int] = {}
        self._stale_trust: dict[str, tuple[int, str]] = {}

    # -- test helpers -----------------------------------------------------------------------------------------
    def seed_role(self, name: str, trust_policy: str, policies: list[tuple[str, str]] | None = None) -> None:
        state = RoleState(name, f"acs:ram::{self.account_id}:role/{name.lower()}", trust_policy, "seeded")
        self._roles[name.lower()] = _Role(state, [AttachedPolicy(n, t) for n, t in (policies or [])])

    def role(self, name: str) -> RoleState | None:
        entry = self._roles.get(name.lower())
        return entry.state if entry else None

    def policies(self, name: str) -> list[AttachedPolicy]:
        entry = self._roles.get(name.lower())
        return list(entry.policies) if entry else []

    @property
    def role_names(self) -> list[str]:
        return sorted(entry.state.name for entry in self._roles.values())

    @property
    def write_calls(self) -> int:
        return sum(self.calls[action] for action in WRITE_ACTIONS)

    # -- RamApi -------------------------------------------------------------------------------------------------
    def _enter(self, action: str, role_name: str) -> None:
        self.calls[action] += 1
        self.calls_by_role[(action, role_name)] += 1
        error = self.fail.get((action, role_name)) or self.fail.get((action, None))
        if error is not None:
            raise error

    def _not_found(self, role_name: str) -> CloudError:
        return CloudError(ROLE_NOT_FOUND, f"The role does not exist: {role_name}.", status=404, request_id="REQ-NF")

    def get_role(self, role_name: str) -> RoleState:
        with self._lock:
            self._enter("GetRole", role_name)
            entry = self._roles.get(role_name.lower())
            if entry is None:
                raise self._not_found(role_name)
            if entry.hidden_get_reads > 0:
                entry.hidden_get_reads -= 1
                raise self._not_found(role_name)
            stale = self._stale_trust.get(role_name.lower())
            if stale and stale[0] > 0:
                self._stale_trust[role_name.lower()] = (stale[0] - 1, stale[1])
                return RoleState(entry.state.name, entry.state.arn, stale[1], entry.state.description)
            return entry.state

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        with self._lock:
            self._enter("ListPoliciesForRole", role_name)
            entry = self._roles.get(role_name.lower())
            if entry is None:
                raise self._not_found(role_name)
            if entry.hidden_list_reads > 0:
                entry.hidden_list_reads -= 1
                return list(entry.policies[:-1])  # the newest attachment is not visible yet
            return list(entry.policies)

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        with self._lock:
            self._enter("CreateRole", role_name)
            if role_name.lower() in self._roles:
                raise CloudError(ROLE_EXISTS, "The role already exists.", status=409, request_id="REQ-EX")
            arn = f"acs:ram::{self.account_id}:role/{role_name.lower()}"
            state = RoleState(role_name, arn, trust_policy, description)
            self._roles[role_name.lower()] = _Role(state, [], self.invisible_reads, 0, version=1)
            self._attach_not_found_left[role_name.lower()] = self.attach_not_found
            return state

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState:
        with self._lock:
            self._enter("UpdateRole", role_name)
            entry = self._roles.get(role_name.lower())
            if entry is None:
                raise self._not_found(role_name)
            old = entry.state
            self._stale_trust[role_name.lower()] = (self.stale_trust_reads, old.trust_policy)
            entry.state = RoleState(old.name, old.arn, trust_policy, old.description)
            return entry.state

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        with self._lock:
            self._enter("AttachPolicyToRole", role_name)
            entry = self._roles.get(role_name.lower())
            left = self._attach_not_found_left.get(role_name.lower(), 0)
            if entry is None or left > 0:
                self._attach_not_found_left[role_name.lower()] = max(0, left - 1)
                raise self._not_found(role_name)
            if policy_name in self.missing_policies:
                raise CloudError(POLICY_NOT_FOUND, "The policy does not exist.", status=404, request_id="REQ-NP")
            if any(p.name == policy_name and p.type == "System" for p in entry.policies):
                raise CloudError(POLICY_ALREADY_ATTACHED, "The role has already been attached this policy.", status=409)
            entry.policies.append(AttachedPolicy(policy_name, "System"))
            entry.hidden_list_reads = self.invisible_reads
            entry.version += 1

    def version_of(self, role_name: str) -> int:
        with self._lock:
            entry = self._roles.get(role_name.lower())
            return entry.version if entry else 0

    def view(self, lag_reads: int) -> LaggingView:
        return LaggingView(self, lag_reads)


class LaggingView:
    """One run's view of a :class:`FakeRam`: each write the run has not seen yet stays invisible to its next
    ``lag_reads`` reads of that role. The budget is the run's own, so concurrent runs cannot spend each other's
    (a budget shared by every reader made a race test depend on thread scheduling)."""

    def __init__(self, ram: FakeRam, lag_reads: int) -> None:
        self.ram = ram
        self.lag_reads = lag_reads
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[int, int]] = {}  # (read, role) -> (version, hidden reads left)

    def _hidden(self, read: str, role_name: str) -> bool:
        version = self.ram.version_of(role_name)
        key = (read, role_name.lower())
        with self._lock:
            seen_version, left = self._seen.get(key, (version, 0))
            if seen_version != version:
                left = self.lag_reads
            self._seen[key] = (version, max(0, left - 1))
            return left > 0

    def get_role(self, role_name: str) -> RoleState:
        hidden = self._hidden("GetRole", role_name)
        state = self.ram.get_role(role_name)
        if hidden:
            raise self.ram._not_found(role_name)
        return state

    def list_policies_for_role(self, role_name: str) -> list[AttachedPolicy]:
        hidden = self._hidden("ListPoliciesForRole", role_name)
        policies = self.ram.list_policies_for_role(role_name)
        return policies[:-1] if hidden else policies

    def create_role(self, role_name: str, trust_policy: str, description: str) -> RoleState:
        return self.ram.create_role(role_name, trust_policy, description)

    def update_role_trust(self, role_name: str, trust_policy: str) -> RoleState:
        return self.ram.update_role_trust(role_name, trust_policy)

    def attach_system_policy(self, role_name: str, policy_name: str) -> None:
        self.ram.attach_system_policy(role_name, policy_name)


class FakeConnector:
    """Opens :class:`FakeRam` per account; ``unreachable`` maps account IDs to the CloudError AssumeRole raises.

    ``opened`` records each session: the account and the role names it was scoped to; ``modes`` the session mode.
    """

    def __init__(
        self,
        accounts: dict[str, FakeRam] | None = None,
        own_account_id: str = "1999999999999999",
        *,
        view_lag_reads: int | None = None,
    ) -> None:
        self.accounts = accounts or {}
        # When set, every ram_for opens its own LaggingView: each run sees the others' writes late, on its own.
        self.view_lag_reads = view_lag_reads
        self.unreachable: dict[str, Exception] = {}
        self.opened: list[tuple[str, list[str]]] = []
        self.modes: list[Mode] = []
        self.own = own_account_id
        self._lock = threading.Lock()

    def own_account_id(self) -> str:
        return self.own

    def ram_for(self, account_id: str, roles: tuple[RoleSpec, ...], mode: Mode) -> FakeRam | LaggingView:
        with self._lock:
            self.opened.append((account_id, [spec.name for spec in roles]))
            self.modes.append(mode)
            if account_id in self.unreachable:
                raise self.unreachable[account_id]
            ram = self.accounts.setdefault(account_id, FakeRam(account_id))
            return ram if self.view_lag_reads is None else ram.view(self.view_lag_reads)


class FakeDirectory:
    """The Resource Directory: every account is an active member unless ``statuses`` or ``missing`` say not.

    ``members`` lists the directory for ListAccounts (only those accounts are listed); ``pages_read`` counts pages.
    Without ``members`` the directory cannot be listed (every account is a member, found one GetAccount at a time).
    ``management`` is its management account (GetResourceDirectory); ``management_fail`` the error asking raises.
    """

    def __init__(self, members: list[str] | None = None, management: str = "1999999999999999") -> None:
        self.management = management
        self.management_fail: CloudError | None = None
        self.management_asked = 0
        self.statuses: dict[str, str] = {}
        self.missing: set[str] = set()
        self.fail: dict[str, CloudError] = {}
        self.asked: list[str] = []
        self.members = members
        self.paths: dict[str, str] = {}
        self.pages_read: list[int] = []
        self._lock = threading.Lock()

    def info(self, account_id: str) -> AccountInfo:
        path = self.paths.get(account_id, f"rd-1/r-root/{account_id}")
        return AccountInfo(account_id, self.statuses.get(account_id, "CreateSuccess"), path=path)

    def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
        with self._lock:
            self.pages_read.append(page_number)
        if self.members is None:
            raise CloudError("OperationNotSupported", "this fake directory has no member list", status=400)
        page = self.members[(page_number - 1) * page_size : page_number * page_size]
        return AccountPage(tuple(self.info(a) for a in page), len(self.members))

    def management_account_id(self) -> str:
        with self._lock:
            self.management_asked += 1
        if self.management_fail is not None:
            raise self.management_fail
        return self.management

    def get_account(self, account_id: str) -> AccountInfo:
        with self._lock:
            self.asked.append(account_id)
        if account_id in self.fail:
            raise self.fail[account_id]
        if account_id in self.missing:
            raise CloudError(ACCOUNT_NOT_FOUND, f"The specified account does not exist: {account_id}.", status=404)
        return self.info(account_id)


def bootstrap(
    request: BootstrapRequest,
    connector: FakeConnector,
    *,
    request_id: str,
    settings: ReconcileSettings | None = None,
    directory: FakeDirectory | None = None,
    catalog: Catalog | None = None,
    deadline: Deadline | None = None,
    scope: Scope | None = None,
) -> Result:
    """The core over fakes: a :class:`Reconciler` run, every account an active member unless told otherwise."""
    reconciler = Reconciler(
        connector,
        directory or FakeDirectory(management=connector.own),
        catalog=catalog or load_catalog(),
        settings=settings or fast_settings(),
        scope=scope,
    )
    return reconciler.run(request, request_id=request_id, deadline=deadline)


def reconcile_account(
    account_id: str,
    request: BootstrapRequest,
    connector: FakeConnector,
    *,
    strategy: Strategy,
    settings: ReconcileSettings,
    catalog: Catalog | None = None,
) -> AccountResult:
    directory = FakeDirectory(management=connector.own)
    reconciler = Reconciler(connector, directory, catalog=catalog or load_catalog(), settings=settings)
    return reconciler.account(account_id, request, strategy=strategy)


class FakeClock:
    """A monotonic clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def fast_settings(clock: FakeClock | None = None, **overrides: object) -> ReconcileSettings:
    """Settings whose sleeps only advance a fake clock: tests never wait for real."""
    clock = clock or FakeClock()
    values: dict[str, object] = {"clock": clock, "sleep": clock.sleep, "propagation_timeout_s": 5.0, **overrides}
    return ReconcileSettings(**values)  # type: ignore[arg-type]
