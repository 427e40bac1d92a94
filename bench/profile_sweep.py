"""Where the CPU of a sweep goes, across all its threads: cProfile in every thread (``threading.setprofile`` starts
one per thread as it begins), merged, then split into ours (``function/``), the SDK's (``alibabacloud_*``, ``Tea``,
``aiohttp``, ``requests``...) and the standard library's.

    python -m bench.profile_sweep [--accounts 1000] [--latency-ms 20] [--top 25]

Profiles the function's sweep of fresh accounts (``--done``: of accounts already done, after a first sweep;
``--done --bare``: the same calls through the bare SDK, ``bench.bare_sdk_run``), against the emulator in its own
process (quotas, L per call). Prints the top entries by self time and by cumulative time, and each share of the
self time. The profiler itself slows every call, so read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from bench.sweep import build_directory, serve

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parents[1]


def owner(filename: str) -> str:
    if "/function/" in filename:
        return "ours"
    if "site-packages" in filename and not filename.endswith(("threading.py", "concurrent/futures/thread.py")):
        return "sdk"
    return "stdlib"


def profile_threads(work: Callable[[], object]) -> pstats.Stats:
    """Run ``work`` with a CPU-timed cProfile in this thread and in every thread started meanwhile; merged."""
    profilers: list[cProfile.Profile] = []

    def start_in_thread(*_: object) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile(time.thread_time)  # CPU of this thread, not wall
        profilers.append(profiler)
        profiler.enable()

    main = cProfile.Profile(time.thread_time)
    threading.setprofile(start_in_thread)
    main.enable()
    try:
        work()
    finally:
        main.disable()
        threading.setprofile(None)
    stats = pstats.Stats(main)
    for profiler in profilers:
        profiler.disable()
        stats.add(profiler)
    return stats


def profiled_sweep(env: dict[str, str]) -> pstats.Stats:
    os.environ.update(env)
    sys.path.insert(0, str(REPO / "function"))
    import index

    context = SimpleNamespace(
        request_id=str(uuid.uuid4()),
        credentials=None,
        account_id=env["FC_ACCOUNT_ID"],
        region="cn-hangzhou",
        function=SimpleNamespace(name="emr-bootstrap-event", timeout=600),
    )
    index.initialize(context)
    return profile_threads(lambda: index.handler(b'{"action": "sweep"}', context))


def profiled_bare(env: dict[str, str], endpoint: str) -> pstats.Stats:
    """The same calls through the bare SDK (``bench.bare_sdk_run``), profiled the same way."""
    from bench import bare_sdk_run

    os.environ.update(env)
    sys.argv = ["bench.bare_sdk_run", endpoint]
    return profile_threads(bare_sdk_run.main)


def report(stats: pstats.Stats, top: int) -> str:
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1.0
    shares: dict[str, float] = {}
    for (filename, _, _), (_, _, tt, _, _) in entries.items():
        shares[owner(filename)] = shares.get(owner(filename), 0.0) + tt
    lines = [f"profiled CPU: {total:.2f} s in {len({f for (f, _, _) in entries})} files"]
    lines += ["self time by owner: " + ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(shares.items()))]
    for key, label in ((2, "self"), (3, "cumulative")):
        lines += ["", f"top {top} by {label} time (share of all self time; owner; function):"]
        ranked = sorted(entries.items(), key=lambda item: item[1][key], reverse=True)[:top]
        for (filename, line, name), row in ranked:
            short = filename.split("site-packages/")[-1].split("/function/")[-1].split("/lib/python3")[-1]
            lines.append(f"  {row[key] / total:6.1%}  {owner(filename):6}  {short}:{line}({name})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--done", action="store_true", help="profile a sweep of accounts already done")
    parser.add_argument("--bare", action="store_true", help="with --done: the same calls through the bare SDK")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        env, _ = build_directory(state, args.accounts)
        process, endpoint = serve(state, args.latency_ms)
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = endpoint
            env["EMR_BOOTSTRAP_LOG_LEVEL"] = "WARNING"
            if args.done:
                from bench.sweep import child

                child("bench.sweep_run", env)
            stats = profiled_bare(env, endpoint) if args.bare and args.done else profiled_sweep(env)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(report(stats, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
