"""Running a sweep job for the application layer: in this invocation or fanned out to asynchronous invocations
of the function, and, for sweeps nobody watches (timer, event), continued asynchronously when the deadline stops
them, until the whole directory is done."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from emr_bootstrap.errors import CloudError, render_error
from emr_bootstrap.sweep import FanOut, Sweeper
from emr_bootstrap.sweep_request import ACTION

if TYPE_CHECKING:
    from emr_bootstrap.app import Invocation
    from emr_bootstrap.cloud import Ports
    from emr_bootstrap.jobs import SweepJob
    from emr_bootstrap.reconcile import Reconciler
    from emr_bootstrap.result import Result
    from emr_bootstrap.settings import Settings
    from emr_bootstrap.timing import Deadline

log = logging.getLogger("emr_bootstrap.sweep")


def run_sweep(
    job: SweepJob, reconciler: Reconciler, ports: Ports, settings: Settings, invocation: Invocation, deadline: Deadline
) -> Result:
    unattended = job.origin != "direct"
    fan_out = None
    mode = settings.fan_out_mode
    if ports.dispatcher is not None and (mode == "always" or (mode == "auto" and unattended)):
        threshold = 0 if mode == "always" else settings.fan_out_threshold
        fan_out = FanOut(ports.dispatcher, settings.fan_out_batch_size, threshold)
    sweeper = Sweeper(reconciler, ports.directory)
    result = sweeper.run(
        job.request, request_id=invocation.request_id, deadline=deadline, fan_out=fan_out, continues=unattended
    )
    if result.next_token is None or not unattended or ports.dispatcher is None:
        return result
    sweep = dict(result.sweep or {})
    try:
        sweep["continuedBy"] = ports.dispatcher.invoke_async({"action": ACTION, "nextToken": result.next_token})
    except CloudError as exc:  # the next timer sweep starts over; say why this one did not continue
        sweep["continuationError"] = render_error(exc, action="InvokeFunction").to_dict()
        log.warning("sweep not continued", extra={"requestId": invocation.request_id, "errorCode": exc.code})
    return replace(result, sweep=sweep)
