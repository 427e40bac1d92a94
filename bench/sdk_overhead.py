"""Our CPU per call over the bare SDK's: the function's sweep of accounts already done, and the same calls through
the bare official SDK clients (``bench.bare_sdk_run``), against the same emulator in the same run (its own process,
quotas enforced, the same L per call). Each side runs in a child process of its own and counts only the CPU of its
calls (imports and the initializer are left out), so the ratio is what the function adds per call: pacer, retrier,
ports, threads, logs and the result. Target: <= 1.15.

    python -m bench.sdk_overhead [--accounts 300] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.sweep import build_directory, child, serve


def measure(accounts: int, latency_ms: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        env, _ = build_directory(state, accounts)
        process, endpoint = serve(state, latency_ms)
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = endpoint
            env["EMR_BOOTSTRAP_LOG_LEVEL"] = "WARNING"
            print("  sdk overhead: the function's sweep, fresh then done", file=sys.stderr, flush=True)
            child("bench.sweep_run", env)
            ours = child("bench.sweep_run", env)
            print("  sdk overhead: the same calls through the bare SDK", file=sys.stderr, flush=True)
            bare = child("bench.bare_sdk_run", env, endpoint)
        finally:
            process.terminate()
            process.wait(timeout=10)
    ours_ms = ours["cpu_s"] * 1000 / ours["calls"]
    bare_ms = bare["cpu_s"] * 1000 / bare["calls"]
    return {
        "sdk_overhead": {
            "accounts": accounts,
            "latency_ms": latency_ms,
            "function_calls": ours["calls"],
            "bare_calls": bare["calls"],
            "function_cpu_ms_per_call": round(ours_ms, 3),
            "bare_cpu_ms_per_call": round(bare_ms, 3),
            "cpu_per_call_ratio": round(ours_ms / bare_ms, 2),
            "function_wall_s": ours["wall_s"],
            "bare_wall_s": bare["wall_s"],
            "bare_throttles": bare["throttles"],
            # Where the gap may be: system time (thread starts, futex hand-offs) and how many threads each started.
            "function_cpu_sys_s": ours["cpu_sys_s"],
            "bare_cpu_sys_s": bare["cpu_sys_s"],
            "function_cpu_s": ours["cpu_s"],
            "bare_cpu_s": bare["cpu_s"],
            "function_threads_started": ours["threads_started"],
            "bare_threads_started": bare["threads_started"],
        }
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.accounts, args.latency_ms), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
