"""One invocation as the application sees it, whatever the entry point (its own module: the application
imports the sweep runner, which needs it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emr_bootstrap.adapters.credentials import FunctionCredentials


@dataclass(frozen=True)
class Invocation:
    """One invocation as the application sees it, whatever the entry point.

    ``credentials`` are the runtime's (FC context); None means the alibabacloud-credentials default chain.
    ``timeout_s`` is the invocation's time limit (None: no limit); the deadline is ``started`` plus it.
    """

    request_id: str
    started: float = field(default_factory=time.monotonic)
    timeout_s: float | None = None
    credentials: FunctionCredentials | None = None
    own_account_id: str | None = None
    # This function, for invoking itself asynchronously (sweep fan-out and continuation); ``qualifier`` is the
    # version or alias this invocation runs under.
    function_name: str | None = None
    qualifier: str | None = None
    region: str | None = None
    # Whether this invocation may invoke the function (fan-out, continuation): the event function's handler only,
    # never the HTTP function or the CLI, whatever a request says.
    may_invoke_itself: bool = False
    # The part of the caller's AssumeRole quota this invocation may use.
    pacing_share: float = 1.0
