"""Running a sweep job for the application layer: in this invocation or fanned out to asynchronous invocations
of the function, and, for sweeps nobody watches (timer, event), continued asynchronously when the deadline stops
them, until the whole directory is done or the chain's bound is reached.

Continuation and fan-out follow from the trigger, never from a field: only an invocation of the event function's
handler may invoke the function (``Invocation.may_invoke_itself``), and it continues a sweep only when a timer or an
event started it, or when it resumes a token that a continuing sweep issued. A caller who can invoke the event
function directly and forges such a token gets at most one bounded chain of the sweep the token names, which is
what the timer does anyway (README "Security").
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from emr_bootstrap.shared.errors import CloudError, render_error
from emr_bootstrap.sweeps.sweep import FanOut, Sweeper
from emr_bootstrap.sweeps.sweep_request import ACTION

if TYPE_CHECKING:
    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.application.invocation import Invocation
    from emr_bootstrap.core.cloud import Ports
    from emr_bootstrap.core.reconcile import Reconciler
    from emr_bootstrap.core.result import Result
    from emr_bootstrap.intake.jobs import SweepJob
    from emr_bootstrap.shared.timing import Deadline
    from emr_bootstrap.sweeps.sweep_request import SweepRequest

log = logging.getLogger("emr_bootstrap.sweep")


def run_sweep(
    job: SweepJob, reconciler: Reconciler, ports: Ports, settings: Settings, invocation: Invocation, deadline: Deadline
) -> Result:
    request = job.request
    dispatcher = ports.dispatcher if invocation.may_invoke_itself else None
    unattended = invocation.may_invoke_itself and (job.origin != "direct" or request.continues)
    fan_out = None
    mode = settings.fan_out_mode
    if dispatcher is not None and (mode == "always" or (mode == "auto" and unattended)):
        threshold = 0 if mode == "always" else settings.fan_out_threshold
        quota = settings.rate_limits.get("AssumeRole", 0.0)  # unpaced: any batch count uses it whole
        fan_out = FanOut(dispatcher, settings.fan_out_batch_size, threshold, quota)
    hop = Sweeper(reconciler, ports.directory).hop(
        request,
        request_id=invocation.request_id,
        deadline=deadline,
        fan_out=fan_out,
        continues=unattended and dispatcher is not None,
        missed_after_minutes=settings.missed_event_after_minutes if unattended and _unfiltered(request) else None,
    )
    result = hop.result
    sweep = dict(result.sweep or {})
    if dispatcher is None or hop.continuation is None:
        if unattended and sweep.get("stopped") not in ("done", None):
            log.warning(
                "sweep chain ended",
                extra={"requestId": invocation.request_id, "stopped": sweep["stopped"], "hop": sweep.get("hop")},
            )
        return result
    try:
        sweep["continuedBy"] = dispatcher.invoke_async({"action": ACTION, "nextToken": hop.continuation})
    except CloudError as exc:  # the next timer sweep starts over; say why this one did not continue
        sweep["continuationError"] = render_error(exc, action="InvokeFunction").to_dict()
        log.warning("sweep not continued", extra={"requestId": invocation.request_id, "errorCode": exc.code})
    return replace(result, sweep=sweep)


def _unfiltered(request: SweepRequest) -> bool:
    """A sweep of the whole directory (the daily timer's): no filter narrows it."""
    return (
        request.folder_ids is None
        and request.include is None
        and not request.exclude
        and request.changed_within_minutes is None
    )
