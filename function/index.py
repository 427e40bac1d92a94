"""Function Compute entry points. Handler names are a public contract: s.yaml refers to them.

Wiring only: trigger -> job -> run -> reply. Everything else lives in ``emr_bootstrap`` (the application layer is
``emr_bootstrap.application.app``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from emr_bootstrap.adapters.settings import event_sweep_cooldown_s
from emr_bootstrap.application import fc
from emr_bootstrap.application.app import Application
from emr_bootstrap.intake.jobs import Job, from_event
from emr_bootstrap.shared.errors import EventDeliveryFailed
from emr_bootstrap.shared.logs import configure_logging
from emr_bootstrap.sweeps import event_sweeps

if TYPE_CHECKING:
    from emr_bootstrap.application.invocation import Invocation

__all__ = ["EventDeliveryFailed", "handler", "http_handler", "initialize"]


def initialize(context: Any) -> None:
    """FC initializer: pay the SDK import before the first event instead of during it."""
    import emr_bootstrap.adapters.sdk  # noqa: F401


def handler(event: bytes, context: Any) -> str:
    """EventBridge new-account events, direct invocations, the timer trigger and HTTP envelopes."""
    job, invocation = _job(event, context)
    return fc.event_reply(job, Application(os.environ).run(job, invocation))


def http_handler(event: bytes, context: Any) -> dict[str, Any]:
    """The HTTP function: the versioned API (``emr_bootstrap.api``), FC3 HTTP replies whose bodies are JSON."""
    # Imported here: the event function (same package, same initializer) never serves HTTP, so its cold start
    # does not pay for the API's routes and OpenAPI document.
    from emr_bootstrap.api.router import handle as handle_http

    configure_logging()
    invocation = fc.invocation(context, os.environ)
    return handle_http(event, invocation, Application(os.environ), os.environ)


def _job(event: bytes, context: Any) -> tuple[Job, Invocation]:
    configure_logging()
    # The event function runs the timers and the events, so it alone may fan out and continue sweeps.
    invocation = fc.invocation(context, os.environ, may_invoke_itself=True)
    job = from_event(
        event,
        request_id=invocation.request_id,
        own_account_id=invocation.own_account_id,
        event_sweeps=lambda: event_sweeps.instance_guard(event_sweep_cooldown_s(os.environ)),
    )
    return job, invocation
