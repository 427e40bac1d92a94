"""What an invocation asks for, as a typed job: triggers (and later the HTTP router, the CLI and the sweep) map
their input to one of these, and the application layer runs it. Parsing yields the job directly: a new-account
event becomes a typed request without a detour through a dict."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from emr_bootstrap.errors import InvalidRequest
from emr_bootstrap.request import BootstrapRequest, check_payload_size, parse_request
from emr_bootstrap.triggers import HttpInvocation, NewAccountEvents, TimerInvocation

if TYPE_CHECKING:
    from emr_bootstrap.catalog import Catalog
    from emr_bootstrap.triggers import Trigger

log = logging.getLogger("emr_bootstrap.jobs")

# The sweep of a whole Resource Directory is not built yet; the timer trigger says so instead of pretending.
SWEEP_NOT_BUILT = (
    "the timer trigger runs a sweep of the Resource Directory, which is not built yet; "
    'invoke the function with {"accountIds": [...]} to bootstrap specific accounts'
)


@dataclass(frozen=True)
class BootstrapJob:
    """Reconcile the request's accounts. ``from_event``: the work came from a new-account event, so failures that
    may pass make FC retry the delivery."""

    request: BootstrapRequest
    from_event: bool = False


@dataclass(frozen=True)
class IgnoredJob:
    """Nothing to do, and why (an unrelated event, a timer while the sweep is not built)."""

    reason: str


@dataclass(frozen=True)
class InvalidJob:
    """The input cannot be used; nothing is called."""

    error: InvalidRequest


Job: TypeAlias = BootstrapJob | IgnoredJob | InvalidJob


def job_for(trigger: Trigger, *, request_id: str, catalog: Catalog | None = None) -> Job:
    """The job a parsed trigger asks for; invalid requests become :class:`InvalidJob`."""
    try:
        if isinstance(trigger, NewAccountEvents):
            return _new_account_job(trigger, request_id)
        if isinstance(trigger, TimerInvocation):
            return IgnoredJob(SWEEP_NOT_BUILT)
        # A request (direct or HTTP) is size-checked as it arrived, before its fields are.
        check_payload_size(trigger.size)
        payload = trigger.body_payload if isinstance(trigger, HttpInvocation) else trigger.payload
        return BootstrapJob(parse_request(payload, catalog=catalog))
    except InvalidRequest as exc:
        return InvalidJob(exc)


def _new_account_job(trigger: NewAccountEvents, request_id: str) -> Job:
    # Say what each event of the delivery led to: where the account ID was found (the paths are unconfirmed),
    # or why the event is ignored (also in a batch that has accounts to reconcile).
    for account in trigger.accounts:
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
    for item in trigger.ignored:
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
    if not trigger.account_ids:
        reasons = "; ".join(f"{i.event_name or i.event_id}: {i.reason}" for i in trigger.ignored)
        return IgnoredJob(reasons or "the delivery carried no event")
    # A new account almost surely lacks the roles: create first, read only on EntityAlreadyExists. The IDs were
    # validated by the event parser, with the same rule as a request's accountIds.
    return BootstrapJob(BootstrapRequest(account_ids=trigger.account_ids, strategy="create-first"), from_event=True)
