"""Sweep 1,000 member accounts against the emulator in its own process, with the published quotas enforced and a
fixed latency per call, next to a naive sequential sweep of the same directory in the same run.

    python -m bench.sweep [--accounts 1000] [--latency-ms 20] [--skip-baseline]

Steps: build the directory in an emulator state file; serve it with ``emr-bootstrap-emulator --state --quotas
--latency-ms``; run the function's sweep in a child process (``bench.sweep_run``: its own peak RSS and CPU), once on
fresh accounts and once when they are done; then the naive baseline (one call at a time) on the done directory.
Prints one JSON object (``make bench`` collects it; ``make bench RECORD=1`` records it in ``bench/results.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator

ASSUME_ROLE_QUOTA_PER_S = 100.0


def build_directory(state: Path, accounts: int) -> tuple[dict[str, str], list[str]]:
    """The directory and the function's role, persisted in ``state``; the function's environment for the child
    (its session, its account; the endpoints are pointed at the served emulator later), and the members."""
    with Emulator(state_file=state) as emu:
        members = emu.create_member_accounts(accounts)
        return LocalFunctionCompute(emu).environment(), members


def serve(state: Path, latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "emulator", "--state", str(state), "--quotas", "--latency-ms", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, str(ready["endpoint"])


def child(module: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], env={**os.environ, **env}, check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out))


def measure(accounts: int, latency_ms: float, baseline: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        env, _ = build_directory(state, accounts)
        process, endpoint = serve(state, latency_ms)
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = endpoint
            env["EMR_BOOTSTRAP_LOG_LEVEL"] = "WARNING"
            print(f"  sweep: {accounts} fresh accounts", file=sys.stderr, flush=True)
            fresh = child("bench.sweep_run", env)
            print(f"  sweep: {accounts} done accounts", file=sys.stderr, flush=True)
            done = child("bench.sweep_run", env)
            if baseline:
                print("  sweep: the naive sequential baseline (about 2 minutes)", file=sys.stderr, flush=True)
            naive = child("bench.naive_sweep", env, endpoint) if baseline else None
        finally:
            process.terminate()
            process.wait(timeout=10)
    figures: dict[str, Any] = {
        "latency_ms": latency_ms,
        "sweep_1000": {
            "accounts": accounts,
            "wall_s": fresh["wall_s"],
            "done_wall_s": done["wall_s"],
            "api_calls_per_account_fresh": round(fresh["calls"] / accounts, 2),
            "api_calls_per_account_done": round(done["calls"] / accounts, 2),
            "assume_role_quota_share": round(fresh["assume_roles"] / (fresh["wall_s"] * ASSUME_ROLE_QUOTA_PER_S), 2),
            "done_assume_role_quota_share": round(done["assume_roles"] / (done["wall_s"] * ASSUME_ROLE_QUOTA_PER_S), 2),
            "throttles": fresh["throttles"] + done["throttles"],
            "failures": fresh["failures"] + done["failures"],
            "cpu_ms_per_account": round(fresh["cpu_s"] * 1000 / accounts, 2),
            "rss_mb": max(fresh["rss_mb"], done["rss_mb"]),
        },
        "memory": {"rss_mb_sweep": max(fresh["rss_mb"], done["rss_mb"])},
        "machine": machine(),
    }
    if naive is not None:
        figures["baseline_sequential"] = {"sweep_1000_wall_s": naive["wall_s"], "api_calls": naive["calls"]}
    return figures


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), platform.machine()
    )
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {platform.system()}"


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--skip-baseline", action="store_true", help="leave out the naive sequential sweep")
    args = parser.parse_args(argv)
    figures = measure(args.accounts, args.latency_ms, baseline=not args.skip_baseline)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
