"""The application layer: run one job for one invocation.

Every entry point (the FC handlers, the HTTP router, the CLI) builds a :class:`Job` and an
:class:`Invocation` and calls :meth:`Application.run`; none of them touches the core or the SDK directly.
Dependencies are built from :class:`~emr_bootstrap.adapters.settings.Settings`, read once per invocation; the SDK is
imported only when a job needs the cloud, so ignored and invalid events never pay for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from emr_bootstrap.application.sweep_runner import run_sweep
from emr_bootstrap.core.result import Result, ignored, invalid
from emr_bootstrap.intake.jobs import BootstrapJob, FailedJob, IgnoredJob, InvalidJob, SweepJob
from emr_bootstrap.shared.errors import BootstrapError, render_error
from emr_bootstrap.shared.timing import Deadline

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.application.invocation import Invocation
    from emr_bootstrap.core.catalog import Catalog
    from emr_bootstrap.core.cloud import Ports
    from emr_bootstrap.intake.jobs import Job

log = logging.getLogger("emr_bootstrap.app")


def sdk_ports(settings: Settings, invocation: Invocation) -> Ports:
    """The official-SDK adapters (imported here: the SDK costs most of a cold start)."""
    from emr_bootstrap.adapters.sdk import connect
    from emr_bootstrap.core.cloud import Ports

    sdk = connect(
        settings,
        invocation.credentials,
        invocation.own_account_id,
        invocation.request_id,
        share=invocation.pacing_share,
        # No name, no dispatcher: an invocation that may not invoke the function gets no way to.
        function=(
            invocation.function_name if invocation.may_invoke_itself else None,
            settings.qualifier or invocation.qualifier,
            invocation.region,
        ),
        deadline=None if invocation.timeout_s is None else invocation.started + invocation.timeout_s,
    )
    return Ports(sdk.connector, sdk.directory, sdk.stats, sdk.dispatcher)


class Application:
    """Runs jobs. ``env`` is read once, when a job first needs settings; ``ports`` builds the cloud adapters."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        ports: Callable[[Settings, Invocation], Ports] = sdk_ports,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._env = env
        self._ports = ports
        self._catalog = catalog
        self._clock = clock

    def run(self, job: Job, invocation: Invocation) -> Result:
        """The job's result. Never raises: anything unexpected becomes a ``failed`` result, logged with the
        exception type only (its text may carry input)."""
        try:
            result = self._run(job, invocation)
        except Exception as exc:
            log.error("unexpected error", extra={"requestId": invocation.request_id, "errorType": type(exc).__name__})
            result = Result("failed", False, invocation.request_id, error=render_error(exc))
        log.info(
            "invocation finished",
            extra={
                "requestId": invocation.request_id,
                "outcome": result.status,
                "durationMs": int((self._clock() - invocation.started) * 1000),
            },
        )
        return result

    def _run(self, job: Job, invocation: Invocation) -> Result:
        if isinstance(job, InvalidJob):
            return invalid(job.error, invocation.request_id)
        if isinstance(job, IgnoredJob):
            return ignored(job.reason, invocation.request_id, code=job.code)
        if isinstance(job, FailedJob):
            return Result("failed", False, invocation.request_id, error=job.error)
        return self._cloud_job(job, invocation)

    def _cloud_job(self, job: BootstrapJob | SweepJob, invocation: Invocation) -> Result:
        from emr_bootstrap.adapters.settings import Settings
        from emr_bootstrap.core.catalog import load_catalog
        from emr_bootstrap.core.reconcile import Reconciler

        dry_run = job.request.dry_run
        if isinstance(job, BootstrapJob) and job.pacing_share != 1.0:
            invocation = replace(invocation, pacing_share=job.pacing_share)
        try:
            settings = Settings.from_env(self._env)
            ports = self._ports(settings, invocation)
        except BootstrapError as exc:  # settings or credentials: nothing was called
            return Result("failed", dry_run, invocation.request_id, error=render_error(exc))
        reconcile = settings.reconcile
        deadline = Deadline.never(reconcile.clock)
        if invocation.timeout_s is not None:
            deadline = Deadline(
                invocation.started + invocation.timeout_s,
                settings.deadline_margin_s(invocation.timeout_s),
                reconcile.clock,
            )
        reconciler = Reconciler(
            ports.connector,
            ports.directory,
            catalog=self._catalog or load_catalog(),
            settings=reconcile,
            scope=settings.scope,
        )
        if isinstance(job, SweepJob):
            result = run_sweep(job, reconciler, ports, settings, invocation, deadline)
        else:
            result = reconciler.run(job.request, request_id=invocation.request_id, deadline=deadline)
        return result if ports.stats is None else replace(result, cloud_calls=ports.stats.to_dict())
