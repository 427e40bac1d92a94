"""Function Compute's state: the functions the harness registered and the queue of asynchronous invocations.

In memory only (functions may carry a Python handler, which a state file cannot hold); ``Cloud.reset`` empties it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# One endpoint serves one region (``<accountId>.<region>.fc.aliyuncs.com``), so one region for every function.
DEFAULT_REGION = "cn-hangzhou"
LATEST = "LATEST"  # the qualifier every function has (SDK 4.8.3 models/_session.py: "default value is LATEST")
# "letters, digits, underscores (_), and hyphens (-). It cannot start with a digit or hyphen (-) ... 1 to 64
# characters" (SDK 4.8.3 models/_create_function_input.py, function_name).
FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class InvocationContext:
    """The ``context`` a registered handler is called with (the attributes of FC's Python context it needs)."""

    request_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str


FunctionHandler = Callable[[bytes, InvocationContext], Any]


@dataclass(frozen=True)
class Function:
    account_id: str
    name: str
    region: str
    qualifiers: frozenset[str]  # versions and aliases besides LATEST
    handler: FunctionHandler | None  # run by synchronous invocations; None: answer 200 with an empty body
    created_at: float
    # What GetFunction, ListTriggers and GetAsyncInvokeConfig answer (emulator/fc/config.py): FC 3.0 field names
    # (SDK models Function, Trigger, AsyncConfig); config holds handler, runtime, timeout, memorySize, role, ...
    config: dict[str, Any] = field(default_factory=dict)
    triggers: tuple[dict[str, Any], ...] = ()
    async_config: dict[str, Any] | None = None

    @property
    def arn(self) -> str:
        """``acs:fc:<region>:<account>:functions/<name>``, the form public FC 3.0 policies use (unconfirmed)."""
        return f"acs:fc:{self.region}:{self.account_id}:functions/{self.name}"

    def has_qualifier(self, qualifier: str | None) -> bool:
        return qualifier is None or qualifier == LATEST or qualifier in self.qualifiers


@dataclass(frozen=True)
class AsyncInvocation:
    """One accepted ``x-fc-invocation-type: Async`` call, as FC queued it."""

    request_id: str  # the x-fc-request-id the caller got with its 202
    account_id: str
    function_name: str
    qualifier: str | None
    body: bytes  # exactly the bytes sent
    invoked_at: float
    caller_arn: str
    async_task_id: str | None = None


class Functions:
    """Functions per (account, name) and one queue of async invocations in arrival order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._functions: dict[tuple[str, str], Function] = {}
        self._queue: list[AsyncInvocation] = []

    def add(self, function: Function, *, exist_ok: bool = False) -> None:
        key = (function.account_id, function.name)
        with self._lock:
            if key in self._functions and not exist_ok:
                raise ValueError(f"function {function.name} already exists in account {function.account_id}")
            self._functions[key] = function

    def get(self, account_id: str, name: str) -> Function | None:
        with self._lock:
            return self._functions.get((account_id, name))

    def remove(self, account_id: str, name: str) -> bool:
        with self._lock:
            return self._functions.pop((account_id, name), None) is not None

    def enqueue(self, invocation: AsyncInvocation) -> None:
        with self._lock:
            self._queue.append(invocation)

    def queued(self, function_name: str, account_id: str | None = None) -> list[AsyncInvocation]:
        """Queued invocations of ``function_name`` (in every account unless one is given), oldest first."""
        with self._lock:
            return [i for i in self._queue if _wanted(i, function_name, account_id)]

    def drain(self, function_name: str, account_id: str | None = None) -> list[AsyncInvocation]:
        """Remove and return what :meth:`queued` would return."""
        with self._lock:
            taken = [i for i in self._queue if _wanted(i, function_name, account_id)]
            self._queue = [i for i in self._queue if not _wanted(i, function_name, account_id)]
        return taken

    def clear(self) -> None:
        with self._lock:
            self._functions.clear()
            self._queue.clear()


def _wanted(invocation: AsyncInvocation, function_name: str, account_id: str | None) -> bool:
    return invocation.function_name == function_name and account_id in (None, invocation.account_id)
