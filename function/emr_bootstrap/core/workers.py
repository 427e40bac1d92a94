"""One pool of worker threads for the roles of every account: every task starts at once, on an idle thread if
there is one, else on a new one; idle threads retire after :data:`IDLE_S`.

Why not ``ThreadPoolExecutor``: the roles' tasks wait on tasks of their own (an account waits on its roles, a role on
the second of its concurrent reads), so a bounded pool shared by many accounts could fill with waiters and deadlock;
and a pool per account (the former way) started and joined about four threads per account, whose system time made
our CPU per call a third more than the bare SDK's (docs/performance.md). Here no task ever queues behind another,
and a sweep's accounts (and, through :func:`shared`, a warm instance's invocations) reuse the same few dozen
threads: the number alive is the most tasks ever running at once (accounts in flight x (2 x roles + 1)).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
# How long an idle thread waits for work before it ends: long enough that a warm instance's next invocation finds it.
IDLE_S: Final = 30.0
_Task = tuple["Future[Any]", "Callable[..., Any]", tuple[Any, ...], dict[str, Any]]


class Workers(Executor):
    """An executor whose tasks never wait for a free thread (see the module docstring). Thread-safe."""

    def __init__(self, thread_name_prefix: str = "emr-role", *, idle_s: float = IDLE_S) -> None:
        self._prefix = thread_name_prefix
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._idle = 0  # threads waiting for a task that no submit has claimed yet
        self._threads: set[threading.Thread] = set()
        self._started = 0
        self._closed = False

    @property
    def threads_started(self) -> int:
        return self._started

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._tasks.put((future, fn, args, kwargs))
            if self._idle:
                self._idle -= 1  # one idle thread takes it
            else:
                self._started += 1
                thread = threading.Thread(target=self._work, name=f"{self._prefix}_{self._started}", daemon=True)
                self._threads.add(thread)
                thread.start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            for _ in threads:
                self._tasks.put(None)
        if wait:
            for thread in threads:
                thread.join()

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    if self._tasks.empty():  # no task was handed to this idle thread: it may end
                        self._idle -= 1
                        self._threads.discard(threading.current_thread())
                        return
                continue
            if task is None:
                return
            future, fn, args, kwargs = task
            del task
            if not future.set_running_or_notify_cancel():
                with self._lock:
                    self._idle += 1
                continue
            error: BaseException | None = None
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                error, result = exc, None
            del fn, args, kwargs  # drop references before waiting again
            with self._lock:
                self._idle += 1  # idle before the caller hears back, so that its next task finds this thread
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
            del future, error, result


_shared: Workers | None = None
_shared_lock = threading.Lock()


def shared() -> Workers:
    """The process's workers: every invocation of a warm instance reuses the threads the last one left idle."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Workers("emr-role")
        return _shared
