"""Function Compute entry points (handler names are a public contract: s.yaml refers to them).

Thin by design: parse the trigger, build a typed request, call the core once, shape the reply. Everything else
lives in ``emr_bootstrap``.

* ``handler(event, context)``: EventBridge (ActionTrail new-account events, single or batched), direct
  invocations, the timer trigger, and HTTP-trigger envelopes. Returns the result as a JSON string, except for an
  EventBridge delivery whose failures may pass with time (see :class:`EventDeliveryFailed`).
* ``http_handler(event, context)``: the HTTP function; returns an FC3 HTTP reply with the same JSON as body.
* ``initialize(context)``: the FC initializer hook; imports the SDK before the first request.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from emr_bootstrap import events
from emr_bootstrap.errors import BootstrapError, InvalidRequest, render_error, transient_failure_codes
from emr_bootstrap.logs import configure_logging, get_logger
from emr_bootstrap.request import check_payload_size, parse_request
from emr_bootstrap.result import Result, ignored, invalid

if TYPE_CHECKING:
    from emr_bootstrap.cloud import AccountConnector
    from emr_bootstrap.reconcile import ReconcileSettings

log = get_logger("index")

# The sweep of a whole Resource Directory is not built yet; the timer trigger says so instead of pretending.
SWEEP_NOT_BUILT = (
    "the timer trigger runs a sweep of the Resource Directory, which is not built yet; "
    'invoke the function with {"accountIds": [...]} to bootstrap specific accounts'
)


def initialize(context: Any) -> None:
    """FC initializer: pay the SDK import before the first event instead of during it."""
    import emr_bootstrap.sdk  # noqa: F401


class EventDeliveryFailed(Exception):
    """A new-account event failed for a reason that may pass (AccessRoleMissing right after the account was
    created, PropagationTimeout, throttling, 5xx). Raising makes FC's async retry run the idempotent work again
    (``asyncInvokeConfig.maxAsyncRetryAttempts``) and hands the result JSON, the message, to an onFailure
    destination; returning would have ended the event's life with the account still lacking its roles."""


def handler(event: bytes, context: Any) -> str:
    result, from_event = _run(event, context)
    reply = json.dumps(result.to_dict(), ensure_ascii=False)
    if from_event and transient_failure_codes(result):
        raise EventDeliveryFailed(reply)
    return reply


def http_handler(event: bytes, context: Any) -> dict[str, Any]:
    result, _ = _run(event, context)
    # Processed requests answer 200 even when some accounts failed: the body says which (a multi-status reply).
    status = {"invalid": 400}.get(result.status, 200)
    if result.status == "failed" and not result.accounts:
        status = 500
    return events.http_reply(status, result.to_dict())


def _run(event: bytes, context: Any) -> tuple[Result, bool]:
    """The result, and whether the work came from an EventBridge new-account delivery."""
    configure_logging()
    request_id = str(getattr(context, "request_id", None) or uuid.uuid4())
    started = time.monotonic()
    from_event = False
    try:
        trigger = events.parse_trigger(event)
        from_event = isinstance(trigger, events.NewAccountEvents)
        payload = _request_payload(trigger, request_id)
        result = payload if isinstance(payload, Result) else _bootstrap(parse_request(payload), context, request_id)
    except events.InvalidEvent as exc:
        result = invalid(InvalidRequest("event", type(exc).__name__, exc.reason), request_id)
    except InvalidRequest as exc:
        result = invalid(exc, request_id)
    log.info(
        "invocation finished",
        extra={
            "requestId": request_id,
            "outcome": result.status,
            "durationMs": int((time.monotonic() - started) * 1000),
        },
    )
    return result, from_event


def _request_payload(trigger: events.Trigger, request_id: str) -> dict[str, Any] | Result:
    """What to do for each trigger: a request payload for the core, or an immediate (ignored) result."""
    if isinstance(trigger, events.NewAccountEvents):
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
            return ignored(reasons or "the delivery carried no event", request_id)
        # A new account almost surely lacks the roles: create first, read only on EntityAlreadyExists.
        return {"accountIds": list(trigger.account_ids), "strategy": "create-first"}
    if isinstance(trigger, events.TimerInvocation):
        return ignored(SWEEP_NOT_BUILT, request_id)
    # A request (direct or HTTP) is size-checked as it arrived, before its fields are.
    check_payload_size(trigger.size)
    if isinstance(trigger, events.HttpInvocation):
        return trigger.body_payload
    return trigger.payload


def _bootstrap(request: Any, context: Any, request_id: str) -> Result:
    from emr_bootstrap.reconcile import bootstrap

    try:
        connector, settings = _configure(context)
    except BootstrapError as exc:
        return Result("failed", request.dry_run, request_id, error=render_error(exc))
    return bootstrap(request, connector, request_id=request_id, settings=settings)


def _configure(context: Any) -> tuple[AccountConnector, ReconcileSettings]:
    """Settings, credentials and the connector; any unusable value is a ConfigurationError (no call made)."""
    # The SDK is imported here, not at module level, so that ignored and invalid events never pay for it.
    from emr_bootstrap.cloud import CloudError
    from emr_bootstrap.errors import ConfigurationError
    from emr_bootstrap.reconcile import ReconcileSettings
    from emr_bootstrap.sdk import FunctionCredentials, SdkConnector
    from emr_bootstrap.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(os.environ)
        reconcile_settings = ReconcileSettings.from_env(os.environ)
        credentials = FunctionCredentials.from_invocation(context, os.environ)
    except (SettingsError, CloudError) as exc:
        raise ConfigurationError(str(exc)) from exc
    own_account = getattr(context, "account_id", None) or os.environ.get("FC_ACCOUNT_ID") or None
    return SdkConnector(settings, credentials, own_account_id=own_account), reconcile_settings
