"""The result contract returned by the handler as JSON.

Field names are a stable public contract: extend, never rename. ``schemaVersion`` is bumped only for breaking
changes (there should be none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import ErrorInfo, render_error

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SCHEMA_VERSION = "1"

Outcome = Literal["created", "updated", "unchanged", "planned", "drifted", "failed", "skipped"]
# "not-attempted": the invocation's deadline came before the account was started; not a failure.
AccountStatus = Literal["succeeded", "failed", "skipped", "not-attempted"]
Status = Literal["succeeded", "partial", "failed", "ignored", "invalid"]
OUTCOMES: tuple[Outcome, ...] = ("created", "updated", "unchanged", "planned", "drifted", "failed", "skipped")
ACCOUNT_STATUSES: tuple[AccountStatus, ...] = ("succeeded", "failed", "skipped", "not-attempted")


@dataclass(frozen=True)
class Change:
    """One write this run made, or (dry run) would make."""

    action: Literal["CreateRole", "AttachPolicyToRole", "UpdateRole"]
    policy_name: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        if self.policy_name is not None:
            out["policyName"] = self.policy_name
        if self.field is not None:
            out["field"] = self.field
        return out


CREATE_ROLE = Change("CreateRole")
UPDATE_TRUST = Change("UpdateRole", field="AssumeRolePolicyDocument")


def attach_policy(policy_name: str) -> Change:
    return Change("AttachPolicyToRole", policy_name=policy_name)


@dataclass(frozen=True)
class Drift:
    """How an existing role differs from the catalog."""

    difference: str
    # The role trusts more than the catalog says (another service or account).
    widened: bool

    def to_dict(self) -> dict[str, Any]:
        return {"trustPolicy": self.difference, "widened": self.widened}


@dataclass(frozen=True)
class RoleResult:
    role_name: str
    outcome: Outcome
    changes: tuple[Change, ...] = ()
    error: ErrorInfo | None = None
    policy_name: str | None = None
    reason: str | None = None
    drift: Drift | None = None
    # Policies attached to the role beyond the catalog's; reported, never detached.
    extra_policies: tuple[str, ...] = ()
    duration_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "roleName": self.role_name,
            "outcome": self.outcome,
            "changes": [change.to_dict() for change in self.changes],
            "error": self.error.to_dict() if self.error else None,
            "policyName": self.policy_name,
            "durationMs": self.duration_ms,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        if self.drift is not None:
            out["drift"] = self.drift.to_dict()
        if self.extra_policies:
            out["extraPolicies"] = list(self.extra_policies)
        return out


@dataclass(frozen=True)
class AccountResult:
    account_id: str
    status: AccountStatus
    roles: tuple[RoleResult, ...] = ()
    error: ErrorInfo | None = None
    duration_ms: int = 0
    # Why a skipped or not-attempted account got no work (code, message, hint); None otherwise.
    skip: ErrorInfo | None = None
    # The account's status in the Resource Directory, when it is why the account was skipped.
    directory_status: str | None = None

    @classmethod
    def from_roles(cls, account_id: str, roles: Iterable[RoleResult], duration_ms: int) -> AccountResult:
        role_results = tuple(roles)
        failed = any(role.outcome == "failed" for role in role_results)
        return cls(account_id, "failed" if failed else "succeeded", role_results, None, duration_ms)

    @classmethod
    def unreachable(cls, account_id: str, error: ErrorInfo, duration_ms: int = 0) -> AccountResult:
        # 0 unless given: a refusal before any call in the account spent no time in it.
        return cls(account_id, "failed", (), error, duration_ms)

    @property
    def quiet(self) -> bool:
        """Succeeded with every role unchanged: nothing to report but the count."""
        return self.status == "succeeded" and all(r.outcome == "unchanged" and not r.changes for r in self.roles)

    @property
    def needs_action(self) -> bool:
        """Failed, not attempted, not ready yet, or holding a drifted role: somebody (or the next run) must act."""
        if self.status in ("failed", "not-attempted"):
            return True
        if self.skip is not None and self.skip.code == codes.ACCOUNT_NOT_READY:
            return True
        return any(r.outcome in ("drifted", "failed") for r in self.roles)

    @classmethod
    def skipped(cls, account_id: str, why: ErrorInfo, *, directory_status: str | None = None) -> AccountResult:
        return cls(account_id, "skipped", skip=why, directory_status=directory_status)

    @classmethod
    def not_attempted(cls, account_id: str, why: ErrorInfo) -> AccountResult:
        return cls(account_id, "not-attempted", skip=why)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accountId": self.account_id,
            "status": self.status,
            "roles": [role.to_dict() for role in self.roles],
            "error": self.error.to_dict() if self.error else None,
            "durationMs": self.duration_ms,
        }
        if self.skip is not None:
            out["skipped"] = self.skip.to_dict()
        if self.directory_status is not None:
            out["directoryStatus"] = self.directory_status
        return out


def overall_status(accounts: Iterable[AccountResult]) -> Status:
    """succeeded if every account succeeded (or was skipped), failed if every account failed, partial otherwise
    (some failed, or some were not attempted before the deadline)."""
    statuses = [account.status for account in accounts]
    if all(status in ("succeeded", "skipped") for status in statuses):
        return "succeeded"
    return "failed" if all(status == "failed" for status in statuses) else "partial"


@dataclass(frozen=True)
class Result:
    status: Status
    dry_run: bool
    request_id: str
    accounts: tuple[AccountResult, ...] = ()
    duration_ms: int = 0
    # Why the request was ignored (status "ignored").
    reason: str | None = None
    # What was wrong with the request (status "invalid").
    error: ErrorInfo | None = None
    # What the cloud calls cost: {"calls", "retries", "throttles", "pacedMs"}; None when not counted.
    cloud_calls: Mapping[str, Any] | None = None
    # Sweeps: list only the accounts that changed, failed, were skipped or still need action; count the rest.
    compact: bool = False
    # Sweeps: where a stopped sweep resumes ({"action": "sweep", "nextToken": ...}); None when it finished.
    next_token: str | None = None
    # Sweeps: {"listed", "selected", "pages", "batches"?: [{"requestId", "accounts"}], "hop", "stopped", ...}.
    sweep: Mapping[str, Any] | None = None
    # The daily sweep: {"count", "accountIds"} of accounts whose roles it had to create long after they joined.
    missed_by_events: Mapping[str, Any] | None = None
    # Status "ignored": the rules that ignored the event(s), comma-separated (e.g. "unrelated-event").
    reason_code: str | None = None

    @classmethod
    def of_accounts(
        cls, accounts: Iterable[AccountResult], *, dry_run: bool, request_id: str, duration_ms: int
    ) -> Result:
        account_results = tuple(accounts)
        return cls(overall_status(account_results), dry_run, request_id, account_results, duration_ms)

    def summary(self) -> dict[str, Any]:
        account_counts = dict.fromkeys(ACCOUNT_STATUSES, 0)
        outcome_counts = dict.fromkeys(OUTCOMES, 0)
        for account in self.accounts:
            account_counts[account.status] += 1
            for role in account.roles:
                outcome_counts[role.outcome] += 1
        summary: dict[str, Any] = {
            "accounts": len(self.accounts),
            "accountStatus": account_counts,
            "roleOutcomes": outcome_counts,
            "durationMs": self.duration_ms,
        }
        if self.cloud_calls is not None:
            summary["cloudCalls"] = dict(self.cloud_calls)
        if self.missed_by_events is not None:
            summary["missedByEvents"] = dict(self.missed_by_events)
        return summary

    def to_dict(self) -> dict[str, Any]:
        listed = [a for a in self.accounts if not (self.compact and a.quiet)]
        summary = self.summary()
        if self.compact:
            summary["unchangedNotListed"] = len(self.accounts) - len(listed)
            summary["needsAction"] = sorted(a.account_id for a in self.accounts if a.needs_action)
        out: dict[str, Any] = {
            "schemaVersion": SCHEMA_VERSION,
            "status": self.status,
            "dryRun": self.dry_run,
            "requestId": self.request_id,
            "accounts": [account.to_dict() for account in listed],
            "summary": summary,
        }
        if self.next_token is not None:
            out["nextToken"] = self.next_token
        if self.sweep is not None:
            out["sweep"] = dict(self.sweep)
        if self.reason is not None:
            out["reason"] = self.reason
        if self.reason_code is not None:
            out["reasonCode"] = self.reason_code
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


def ignored(reason: str, request_id: str, *, dry_run: bool = False, code: str | None = None) -> Result:
    """A trigger event this function does not act on (e.g. an unrelated ActionTrail event); ``code``: its rules."""
    return Result("ignored", dry_run, request_id, reason=reason, reason_code=code)


def invalid(error: BaseException | ErrorInfo, request_id: str, *, dry_run: bool = False) -> Result:
    """A request rejected before any cloud call (normally an :class:`InvalidRequest`)."""
    info = error if isinstance(error, ErrorInfo) else render_error(error)
    return Result("invalid", dry_run, request_id, error=info)
