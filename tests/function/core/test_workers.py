"""The invocation's worker threads: tasks that wait on tasks never deadlock, idle threads are reused."""

from __future__ import annotations

import threading

import pytest
from emr_bootstrap.core.workers import Workers


def test_tasks_that_wait_on_tasks_of_their_own_all_finish_however_deep_they_nest() -> None:
    pool = Workers("t-nest")

    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + pool.submit(depth, n - 1).result(timeout=30)

    futures = [pool.submit(depth, 5) for _ in range(8)]
    assert [f.result(timeout=30) for f in futures] == [5] * 8
    pool.shutdown()


def test_tasks_run_one_after_another_reuse_one_idle_thread() -> None:
    pool = Workers("t-reuse")
    names = []
    for _ in range(20):
        names.append(pool.submit(lambda: threading.current_thread().name).result(timeout=30))
    assert pool.threads_started == 1 and set(names) == {"t-reuse_1"}
    pool.shutdown()


def test_tasks_running_at_once_each_get_a_thread_and_none_waits_for_another() -> None:
    pool = Workers("t-wide")
    barrier = threading.Barrier(6)  # all six must be running together, or this times out
    futures = [pool.submit(barrier.wait, 30) for _ in range(6)]
    assert sorted(f.result(timeout=30) for f in futures) == list(range(6))
    assert pool.threads_started == 6
    pool.shutdown()


def test_an_exception_reaches_the_caller_and_the_thread_serves_the_next_task() -> None:
    pool = Workers("t-error")

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        pool.submit(fail).result(timeout=30)
    assert pool.submit(lambda: 7).result(timeout=30) == 7
    assert pool.threads_started == 1
    pool.shutdown()


def test_after_shutdown_its_threads_have_ended_and_it_takes_no_more_work() -> None:
    pool = Workers("t-shut")
    pool.submit(lambda: None).result(timeout=30)
    pool.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("t-shut_")]
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_an_idle_thread_that_waited_its_time_out_ends_and_a_new_task_starts_another() -> None:
    pool = Workers("t-idle", idle_s=0.01)
    first = pool.submit(threading.current_thread).result(timeout=30)
    first.join(timeout=30)
    assert not first.is_alive()
    assert pool.submit(lambda: 1).result(timeout=30) == 1 and pool.threads_started == 2
    pool.shutdown()
