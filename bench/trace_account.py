"""One account's cloud calls on a time line: when each call was entered (before the pacer), sent (after it) and
answered, on which thread, relative to the handler's start. It shows whether the critical path is the round trips
the path needs (AssumeRole, the reads, the writes, the verifying read) or whether pacing, threads, locks or the
emulator serialise calls that could run together.

    python -m bench.trace_account [--latency-ms 50] [--repeat 3] [--cases event request request5 done]

The emulator serves in its own process (quotas enforced, L per call); each case runs in a child process of its own
(``--child``) whose first invocation pays the imports and connections. Prints the time lines and, per case, the
median wall / L of the invocations after the first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.sweep import build_directory, serve

# case -> (bench.invocation_run payload kind, which of the case's accounts: its own fresh ones, or the event's)
CASES = {"event": ("event", "event"), "request": ("request", "request"), "request5": ("request5", "request5")}
CASES["done"] = ("request", "event")


def child(kind: str, accounts: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "function"))
    import index
    from emr_bootstrap.core import pacing

    from bench.invocation_run import ALL_ROLES, event_for

    calls: list[tuple[str, str, float, float, float]] = []
    original = pacing.Retrier.call

    def traced(self: pacing.Retrier, action: str, account_id: str, fn: Any) -> Any:
        entered = time.perf_counter()

        def timed() -> Any:
            sent = time.perf_counter()
            try:
                return fn()
            finally:
                calls.append((action, threading.current_thread().name, entered, sent, time.perf_counter()))

        return original(self, action, account_id, timed)

    pacing.Retrier.call = traced  # type: ignore[method-assign]
    management = os.environ["FC_ACCOUNT_ID"]
    for account_id in accounts:
        payload = {
            "event": event_for(account_id, management),
            "request": {"accountIds": [account_id]},
            "request5": {"accountIds": [account_id], "roles": ALL_ROLES},
        }[kind]
        context = SimpleNamespace(
            request_id=str(uuid.uuid4()),
            credentials=None,
            account_id=management,
            function=SimpleNamespace(name="emr-bootstrap-event", timeout=300),
        )
        calls.clear()
        start = time.perf_counter()
        status = json.loads(index.handler(json.dumps(payload).encode(), context))["status"]
        wall = (time.perf_counter() - start) * 1000
        lines = [
            f"  {action:<20} {thread:<14} entered {1000 * (a - start):7.1f}  sent {1000 * (b - start):7.1f}  "
            f"answered {1000 * (c - start):7.1f}"
            for action, thread, a, b, c in sorted(calls, key=lambda call: call[2])
        ]
        print(json.dumps({"account": account_id, "status": status, "wall_ms": round(wall, 1), "lines": lines}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3, help="invocations per case after the first")
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1:])
        return 0
    per_set = args.repeat + 1
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        env, members = build_directory(state, 3 * per_set)
        sets = {k: members[i * per_set : (i + 1) * per_set] for i, k in enumerate(("event", "request", "request5"))}
        env["EMR_BOOTSTRAP_LOG_LEVEL"] = "WARNING"
        process, endpoint = serve(state, args.latency_ms)
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = endpoint
            for case in sorted(args.cases, key=list(CASES).index):  # done after event made its accounts done
                kind, accounts = CASES[case]
                command = [sys.executable, "-m", "bench.trace_account", "--child", kind, *sets[accounts]]
                out = subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True, text=True)
                runs = [json.loads(line) for line in out.stdout.splitlines()][1:]  # the first pays the imports
                for run in runs:
                    head = f"{case} {run['account']}: {run['status']}, wall {run['wall_ms']} ms"
                    print(head, *run["lines"], sep="\n")
                median = statistics.median(run["wall_ms"] for run in runs)
                print(f"== {case}: median wall {median:.1f} ms = {median / args.latency_ms:.2f} L\n", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
