"""What an invocation asks for, as a typed job: triggers, the HTTP router and the CLI map
their input to one of these, and the application layer runs it. Parsing yields the job directly: a new-account
event becomes a typed request without a detour through a dict."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from emr_bootstrap.core.request import BootstrapRequest, check_payload_size, parse_request
from emr_bootstrap.intake.events import parse_trigger
from emr_bootstrap.intake.triggers import HttpInvocation, IgnoredEvent, NewAccount, NewAccountEvents, TimerInvocation
from emr_bootstrap.shared import safe_json
from emr_bootstrap.shared.errors import BootstrapError, ErrorInfo, InvalidRequest, render_error
from emr_bootstrap.sweeps.event_sweeps import EventSweepGuard, SkipSweep
from emr_bootstrap.sweeps.sweep import BATCH_ACTION
from emr_bootstrap.sweeps.sweep_request import ACTION, SweepRequest, parse_sweep_batch, parse_sweep_request

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from emr_bootstrap.core.catalog import Catalog
    from emr_bootstrap.intake.triggers import IgnoredCode, Trigger

log = logging.getLogger("emr_bootstrap.jobs")

# This instance's event-sweep guard, with the deployment's cooldown; built only when an event needs it, so that
# a bad setting fails that event alone (see event_sweeps).
GuardFactory: TypeAlias = "Callable[[], EventSweepGuard]"


@dataclass(frozen=True)
class BootstrapJob:
    """Reconcile the request's accounts. ``from_event``: the work came from a new-account event, so failures that
    may pass make FC retry the delivery."""

    request: BootstrapRequest
    from_event: bool = False
    # The part of the caller's AssumeRole quota this invocation may use (a fan-out batch gets its share).
    pacing_share: float = 1.0


SweepOrigin: TypeAlias = Literal["direct", "timer", "event"]


@dataclass(frozen=True)
class SweepJob:
    """Sweep the directory. Timer and event sweeps may fan out and continue themselves asynchronously; a direct
    sweep stays in this invocation unless the deployment says otherwise, and returns its resume token."""

    request: SweepRequest
    origin: SweepOrigin = "direct"


@dataclass(frozen=True)
class IgnoredJob:
    """Nothing to do, and why (an unrelated event, a timer while the sweep is not built). ``code``: for events,
    the rules that ignored them (triggers.IgnoredCode, or event_sweeps.SkipSweep's), for the logs and tests."""

    reason: str
    code: str | None = None


@dataclass(frozen=True)
class InvalidJob:
    """The input cannot be used; nothing is called."""

    error: InvalidRequest


@dataclass(frozen=True)
class FailedJob:
    """Reading the input failed in a way nobody expected (a bug); ``error`` names the exception type only."""

    error: ErrorInfo


Job: TypeAlias = BootstrapJob | SweepJob | IgnoredJob | InvalidJob | FailedJob


def from_event(
    raw: bytes, *, request_id: str, own_account_id: str | None = None, event_sweeps: GuardFactory | None = None
) -> Job:
    """The job an FC event asks for. Never raises: input of any shape or size becomes a job, an unusable one an
    :class:`InvalidJob` naming the field and the rule, and a bug a :class:`FailedJob` (logged with its type only,
    since its text may carry input)."""
    try:
        trigger = parse_trigger(raw)
        return job_for(trigger, request_id=request_id, own_account_id=own_account_id, event_sweeps=event_sweeps)
    except InvalidRequest as exc:  # every unusable event is one (InvalidEvent and its subclasses)
        return InvalidJob(exc)
    except Exception as exc:
        log.error(
            "unexpected error reading the event", extra={"requestId": request_id, "errorType": type(exc).__name__}
        )
        return FailedJob(render_error(exc))


def job_for(
    trigger: Trigger,
    *,
    request_id: str,
    own_account_id: str | None = None,
    catalog: Catalog | None = None,
    event_sweeps: GuardFactory | None = None,
) -> Job:
    """The job a parsed trigger asks for; invalid requests become :class:`InvalidJob`. ``own_account_id`` is the
    account the function runs in: new-account events are believed only when they come from its own bus.
    ``event_sweeps``: the instance's guard for sweeps that stand in for events without an account ID (None: a
    fresh guard, so every such event sweeps)."""
    try:
        if isinstance(trigger, NewAccountEvents):
            return _new_account_job(trigger, request_id, own_account_id, event_sweeps)
        if isinstance(trigger, TimerInvocation):
            return _timer_job(trigger, catalog)
        if isinstance(trigger, HttpInvocation):
            log.info(
                "http request",
                extra={
                    "requestId": request_id,
                    "httpRequestId": trigger.request_id,
                    "callerAccountId": trigger.caller_account_id,
                    "sourceIp": trigger.source_ip,
                    "method": trigger.method,
                    "path": trigger.path[:256],
                    "userAgent": trigger.user_agent,
                },
            )
        # A request (direct or HTTP) is size-checked as it arrived, before its fields are.
        check_payload_size(trigger.size)
        payload = trigger.body_payload if isinstance(trigger, HttpInvocation) else trigger.payload
        return request_job(payload, catalog=catalog)
    except InvalidRequest as exc:
        return InvalidJob(exc)


def request_job(payload: Mapping[str, Any], *, catalog: Catalog | None = None, origin: SweepOrigin = "direct") -> Job:
    """A request payload: a bootstrap by default, ``"action": "sweep"`` or a fan-out ``"sweep-batch"``."""
    action = payload.get("action")
    if action == ACTION:
        # The token's "continues" does not make this a timer sweep: see sweep_runner.
        return SweepJob(parse_sweep_request(payload, catalog=catalog), origin)
    if action == BATCH_ACTION:
        batch = parse_sweep_batch(payload, catalog=catalog)
        return BootstrapJob(batch.request, pacing_share=batch.share)
    if action is not None:
        raise InvalidRequest("action", "enum", f'must be "{ACTION}" or "{BATCH_ACTION}", or absent for a bootstrap')
    return BootstrapJob(parse_request(payload, catalog=catalog))


def _timer_job(trigger: TimerInvocation, catalog: Catalog | None) -> Job:
    """The timer's payload is a sweep request (s.yaml); an empty payload sweeps everything."""
    text = trigger.payload.strip()
    try:
        payload = safe_json.loads(text) if text else {"action": ACTION}
    except ValueError as exc:
        raise InvalidRequest("payload", "json", "the timer trigger's payload must be a JSON sweep request") from exc
    if not isinstance(payload, dict) or payload.get("action") != ACTION:
        raise InvalidRequest("payload", "sweep", 'the timer trigger\'s payload must be {"action": "sweep", ...}')
    return SweepJob(parse_sweep_request(payload, catalog=catalog), "timer")


def _new_account_job(
    trigger: NewAccountEvents, request_id: str, own_account_id: str | None, event_sweeps: GuardFactory | None
) -> Job:
    accepted: list[NewAccount] = []
    ignored = list(trigger.ignored)
    for account in trigger.accounts:
        refusal = _refusal(account, own_account_id)
        if refusal is None:
            accepted.append(account)
        else:
            ignored.append(refusal)
    # Say what each event of the delivery led to: where the account ID was found (the paths are unconfirmed),
    # or why the event is ignored (also in a batch that has accounts to reconcile).
    for account in accepted:
        log.info(
            "new account event",
            extra={
                "requestId": request_id,
                "accountId": account.account_id,
                "eventId": account.event_id,
                "eventName": account.event_name,
                "foundAt": account.found_at,
            },
        )
    for item in ignored:
        log.info(
            "event ignored",
            extra={
                "requestId": request_id,
                "eventId": item.event_id,
                "eventName": item.event_name,
                "outcome": item.code,
                "reason": item.reason,
            },
        )
    if not accepted:
        unnamed = [i for i in ignored if i.code == "no-account-id" and _refusal_of_unnamed(i, own_account_id) is None]
        if unnamed:
            # A new member joined but the record did not say which (the documented sample has no
            # responseElements): sweep the changes since shortly before the event instead of ignoring it.
            return _event_sweep(unnamed, request_id, event_sweeps)
        reasons = "; ".join(f"{i.event_name or i.event_id}: {i.reason}" for i in ignored)
        codes = ", ".join(dict.fromkeys(i.code for i in ignored))
        return IgnoredJob(reasons or "the delivery carried no event", codes or None)
    # A new account almost surely lacks the roles: create first, read only on EntityAlreadyExists. The IDs were
    # validated by the event parser, with the same rule as a request's accountIds.
    account_ids = tuple(dict.fromkeys(account.account_id for account in accepted))
    return BootstrapJob(BootstrapRequest(account_ids=account_ids, strategy="create-first"), from_event=True)


def _event_sweep(unnamed: list[IgnoredEvent], request_id: str, event_sweeps: GuardFactory | None) -> Job:
    try:
        # Without the instance's guard, a fresh one: its first claim always starts a sweep, whatever its cooldown.
        guard = event_sweeps() if event_sweeps is not None else EventSweepGuard()
    except BootstrapError as exc:  # the cooldown setting is unusable
        return FailedJob(render_error(exc))
    claim = guard.claim(event.event_time for event in unnamed)
    if isinstance(claim, SkipSweep):
        log.info("event sweep skipped", extra={"requestId": request_id, "outcome": claim.code, "reason": claim.reason})
        names = ", ".join(dict.fromkeys(event.event_name or event.event_id for event in unnamed))
        return IgnoredJob(f"{names}: no account ID in the record; {claim.reason}", claim.code)
    log.info("event sweep", extra={"requestId": request_id, "changedWithinMinutes": claim.window_minutes})
    recent = parse_sweep_request({"action": ACTION, "changedWithinMinutes": claim.window_minutes})
    return SweepJob(recent, "event")


# How Resource Manager may name itself in an event: record serviceName "ResourceManager", eventSource
# "resourcemanager.aliyuncs.com" (or, for a record naming neither, CloudEvent source "acs.resourcemanager", type
# "resourcemanager:..."; the ActionTrail carrier never counts, actiontrail._services); the Resource Directory API's
# own product names are accepted too. Which of these real events carry is unconfirmed (docs/alibaba-cloud.md,
# "Unconfirmed facts").
RESOURCE_MANAGER_NAMES: Final = frozenset({"resourcemanager", "resourcedirectorymaster", "resourcedirectory"})


def _refusal(account: NewAccount, own_account_id: str | None) -> IgnoredEvent | None:
    """Why an event naming a new account is not believed, or None. Acted on only if it comes from Resource
    Manager, was published on the function's own account's bus, and names another account."""
    refusal = _origin_refusal(account.event_id, account.event_name, account.services, account.publisher, own_account_id)
    if refusal is None and account.account_id == own_account_id:
        return IgnoredEvent(
            account.event_id, account.event_name, "own-account", "the event names the function's own account"
        )
    return refusal


def _refusal_of_unnamed(event: IgnoredEvent, own_account_id: str | None) -> IgnoredEvent | None:
    return _origin_refusal(event.event_id, event.event_name, event.services, event.publisher, own_account_id)


def _origin_refusal(
    event_id: str, event_name: str, services: tuple[str, ...], publisher: str | None, own_account_id: str | None
) -> IgnoredEvent | None:
    def ignore(code: IgnoredCode, reason: str) -> IgnoredEvent:
        return IgnoredEvent(event_id, event_name, code, reason)

    foreign = sorted(set(services) - RESOURCE_MANAGER_NAMES)
    if not services or foreign:
        named = ", ".join(foreign) or "no service"
        return ignore("not-resource-manager", f"the event names {named}, not Resource Manager")
    if own_account_id is None:
        return ignore(
            "origin-unverified",
            "the function's own account is unknown (FC's context.account_id), so the event's origin cannot be checked",
        )
    if publisher != own_account_id:
        return ignore(
            "foreign-account" if publisher else "origin-unverified",
            f"the event was published by account {publisher or '(unknown)'}, not the function's own",
        )
    return None
