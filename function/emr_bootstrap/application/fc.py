"""The Function Compute side of an invocation: the FC ``context`` read into an :class:`Invocation`, and the
replies FC expects. Stdlib only; the SDK is never imported here.

FC's Python context has no remaining-time call, so the deadline is the invocation's start plus
``context.function.timeout`` (docs/fc-notes.md §1.2). The function's temporary credentials are on
``context.credentials`` (python3.10) or in ``ALIBABA_CLOUD_*`` variables (python3.12, §1.3). The version or alias
the invocation runs under is ``context.service.qualifier`` on python3.10 and ``context.function.qualifier`` on
python3.12 (§1.3); continuations and fan-out batches invoke the same one.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.intake.http_event import json_text
from emr_bootstrap.shared.errors import EventDeliveryFailed

log = logging.getLogger("emr_bootstrap.fc")

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.core.result import Result
    from emr_bootstrap.intake.jobs import Job


def invocation(context: Any, env: Mapping[str, str], *, may_invoke_itself: bool = False) -> Invocation:
    """``may_invoke_itself``: the event function's handler says so; the HTTP function's never does."""
    started = time.monotonic()
    function = getattr(context, "function", None)
    timeout = getattr(function, "timeout", None)
    timeout_s = float(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else None
    return Invocation(
        request_id=str(getattr(context, "request_id", None) or uuid.uuid4()),
        started=started,
        timeout_s=timeout_s,
        credentials=FunctionCredentials.from_invocation(context, env),
        own_account_id=getattr(context, "account_id", None) or env.get("FC_ACCOUNT_ID") or None,
        function_name=_text(getattr(function, "name", None)) or env.get("FC_FUNCTION_NAME") or None,
        qualifier=_text(getattr(function, "qualifier", None))
        or _text(getattr(getattr(context, "service", None), "qualifier", None)),
        region=_text(getattr(context, "region", None)) or env.get("FC_REGION") or None,
        may_invoke_itself=may_invoke_itself,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def transient_failure_codes(result: Result) -> list[str]:
    """The codes of the failures in ``result`` that a later run may not meet again (empty when none). Accounts
    not attempted before the deadline count: a retry will attempt them."""
    problems = [account.error or account.skip for account in result.accounts if account.status != "skipped"]
    problems += [role.error for account in result.accounts for role in account.roles]
    return sorted({p.code for p in problems if p is not None and p.transient})


def event_reply(job: Job, result: Result) -> str:
    """The handler's reply: the result JSON. A new-account event whose failures may pass raises
    :class:`EventDeliveryFailed` instead, so that FC's async retry runs the idempotent work again. Its message is
    short (FC hands it to an onFailure destination): the request ID, the counts and the codes; the full result is
    logged once."""
    from emr_bootstrap.intake.jobs import BootstrapJob

    transient = transient_failure_codes(result)
    if isinstance(job, BootstrapJob) and job.from_event and transient:
        log.warning("event delivery failed", extra={"requestId": result.request_id, "result": result.to_dict()})
        counts = result.summary()["accountStatus"]
        raise EventDeliveryFailed(
            f"requestId {result.request_id}: accounts {json.dumps(counts, separators=(',', ':'))}; "
            f"transient codes {','.join(transient)}; FC will retry the delivery",
            result=result.to_dict(),
        )
    return json_text(result.to_dict())
