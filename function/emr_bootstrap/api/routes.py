"""The route table: what each versioned route does. Every route that runs work builds a job and calls
:meth:`~emr_bootstrap.application.app.Application.run`, exactly as the FC handlers do; none touches the core or the SDK.

To add a route: write a handler ``(Call) -> reply`` here, add one
:class:`Route` to :data:`ROUTES`, and describe it in ``openapi.json`` (a test checks that the two agree). A GET
route serves HEAD too (the router answers it); a POST route takes the ``dryRun`` query parameter.
Stdlib only.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from emr_bootstrap.api.statuses import document_reply, result_reply
from emr_bootstrap.intake.jobs import BootstrapJob, InvalidJob, SweepJob, job_for
from emr_bootstrap.shared.errors import InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Callable

    from emr_bootstrap.application.app import Application
    from emr_bootstrap.application.invocation import Invocation
    from emr_bootstrap.intake.jobs import Job
    from emr_bootstrap.intake.triggers import HttpInvocation

    Handler: TypeAlias = Callable[["Call"], dict[str, Any]]

OPENAPI_PATH: Final = Path(__file__).with_name("openapi.json")


@dataclass(frozen=True)
class Call:
    """One routed request: the parsed HTTP trigger (its body parsed only for routes that take one), the invocation
    and the application that runs jobs."""

    http: HttpInvocation
    invocation: Invocation
    app: Application
    # ?dryRun=true: the run is a dry run whatever the body says (the query can only narrow).
    dry_run: bool = False

    @property
    def request_id(self) -> str:
        return self.invocation.request_id


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    # A POST whose JSON body is the request (README "Request"); GET routes ignore any body.
    takes_body: bool = False


def _request_job(call: Call) -> Job:
    """The body as a bootstrap request; a sweep (``action``) belongs to ``POST /v1/sweep``."""
    if "action" in call.http.body_payload:
        return InvalidJob(
            InvalidRequest("action", "unknown-field", "not a field of this route; sweeps: POST /v1/sweep")
        )
    job = job_for(call.http, request_id=call.request_id, own_account_id=call.invocation.own_account_id)
    return dry(job) if call.dry_run else job


def dry(job: Job) -> Job:
    """The same job as a dry run: nothing it does, or any continuation or batch it starts, writes."""
    if isinstance(job, BootstrapJob):
        return dataclasses.replace(job, request=dataclasses.replace(job.request, dry_run=True))
    if isinstance(job, SweepJob):
        template = dataclasses.replace(job.request.template, dry_run=True)
        return dataclasses.replace(job, request=dataclasses.replace(job.request, template=template))
    return job


def bootstrap(call: Call) -> dict[str, Any]:
    """Reconcile the named accounts (read-first), writing what is missing."""
    return result_reply(call.app.run(_request_job(call), call.invocation))


def sweep(call: Call) -> dict[str, Any]:
    """Sweep the Resource Directory (README "Sweeps"), in this invocation unless fan-out is configured."""
    body = call.http.body_payload
    if body.get("action", "sweep") != "sweep":
        job: Job = InvalidJob(InvalidRequest("action", "enum", 'must be "sweep" (or absent) on this route'))
    else:
        http = dataclasses.replace(call.http, body_payload={**body, "action": "sweep"})
        job = job_for(http, request_id=call.request_id, own_account_id=call.invocation.own_account_id)
        job = dry(job) if call.dry_run else job
    return result_reply(call.app.run(job, call.invocation))


def plan(call: Call) -> dict[str, Any]:
    """The same request, validated the same way, run as a dry run whatever ``dryRun`` says: nothing is written."""
    return result_reply(call.app.run(dry(_request_job(call)), call.invocation))


def catalog(call: Call) -> dict[str, Any]:
    from emr_bootstrap.core.catalog import load_catalog
    from emr_bootstrap.core.catalog_view import catalog_document

    return document_reply({**catalog_document(load_catalog()), "requestId": call.request_id}, call.request_id)


def health(call: Call) -> dict[str, Any]:
    """The function is deployed and its catalog loads; no cloud call."""
    from emr_bootstrap.core.catalog import load_catalog
    from emr_bootstrap.core.result import SCHEMA_VERSION

    body = {
        "schemaVersion": SCHEMA_VERSION,
        "status": "ok",
        "requestId": call.request_id,
        "catalogRoles": len(load_catalog().roles),
    }
    return document_reply(body, call.request_id)


def openapi(call: Call) -> dict[str, Any]:
    """This API's OpenAPI 3.1 description; the request ID rides in a specification extension."""
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return document_reply({**document, "x-emr-bootstrap-request-id": call.request_id}, call.request_id)


ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", "/v1/bootstrap", bootstrap, takes_body=True),
    Route("POST", "/v1/plan", plan, takes_body=True),
    Route("POST", "/v1/sweep", sweep, takes_body=True),
    Route("GET", "/v1/catalog", catalog),
    Route("GET", "/v1/health", health),
    Route("GET", "/v1/openapi.json", openapi),
    # The first release took the request on any path; "/" stays, deprecated, for the callers of that release.
    Route("POST", "/", bootstrap, takes_body=True),
)
