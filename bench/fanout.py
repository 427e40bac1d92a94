"""The 10,000-account sweep with fan-out, measured: accounts already done, the emulator with the published quotas
enforced and L = 20 ms per call, and local FC instances as separate processes taking the asynchronous invocations
from the emulator's FC queue.

    python -m bench.fanout [--accounts 10000] [--instances 20] [--latency-ms 20]

This process serves the emulator (as ``emr-bootstrap-emulator --state --quotas --latency-ms`` would) and plays FC's
async dispatcher: each queued InvokeFunction (``x-fc-invocation-type: Async``) goes to the next idle instance
(``bench.fanout_instance``, one invocation at a time each, as FC's default concurrency of 1). The sweep itself is
the first invocation (``EMR_BOOTSTRAP_FANOUT=always``); it lists the directory and queues batches of at most 500
accounts, each pacing AssumeRole at its share of the quota and reading the directory from its own first page
(``firstPage``). ``--instances`` defaults to 25: at least one per batch (10,001 accounts with the management account
make 24 batches: 21 would each get floor(100 / 21) = 4 AssumeRole tokens a second, ``sweep.batch_count``), as FC
would scale out.

Figures: the wall time from the sweep's start to the last batch's end; the share of the AssumeRole quota (100/s)
used over it; the CPU of each instance and of the emulator process, and how much of this machine's cores they used
together (``cores_busy_share`` near 1 means the cores, not the quota, were the limit).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.naive_sweep import ROLES
from emulator.cli import build_parser, configure
from emulator.local_fc import FunctionMeta, LocalFunctionCompute
from emulator.testing import Emulator, trust_for_service

ASSUME_ROLE_QUOTA_PER_S = 100.0
FUNCTION = FunctionMeta().name


def build_done_directory(state: Path, accounts: int) -> dict[str, str]:
    """``accounts`` members whose two default roles are already in place; the function's environment."""
    with Emulator(state_file=state) as emu:
        for member in emu.create_member_accounts(accounts):
            for name, (service, policy) in ROLES.items():
                emu.create_role(member, name, trust_for_service(service), [policy])
        return LocalFunctionCompute(emu).environment()


class Instance:
    """One FC instance: a child process that runs invocations one at a time."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fanout_instance"],
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        if not json.loads(self.process.stdout.readline()).get("ready"):
            raise RuntimeError("a local FC instance did not start")

    def invoke(self, body: bytes) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(base64.b64encode(body).decode() + "\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))

    def close(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        last = dict(json.loads(self.process.stdout.readline()))
        self.process.wait(timeout=30)
        return last


def run_sweep(emu: Emulator, env: dict[str, str], instances: int) -> dict[str, Any]:
    pending: queue.Queue[bytes | None] = queue.Queue()
    results: list[dict[str, Any]] = []
    busy = [0]
    lock = threading.Lock()
    pool = [Instance(env) for _ in range(instances)]

    def serve(instance: Instance) -> None:
        while (body := pending.get()) is not None:
            with lock:
                busy[0] += 1
            reply = instance.invoke(body)
            with lock:
                results.append(reply)
                busy[0] -= 1
            pending.task_done()
        pending.task_done()

    for instance in pool:
        instance.wait_ready()  # imported and initialized before the clock starts: warm FC instances
    threads = [threading.Thread(target=serve, args=(instance,), daemon=True) for instance in pool]
    for thread in threads:
        thread.start()
    cpu_before, start = time.process_time(), time.perf_counter()
    pending.put(json.dumps({"action": "sweep"}).encode())
    while True:
        for invocation in emu.drain_async(FUNCTION):
            pending.put(invocation.body)
        with lock:
            idle = busy[0] == 0 and pending.empty()
        if idle and not emu.async_invocations(FUNCTION) and results:
            break
        time.sleep(0.01)
    wall = max(time.perf_counter() - start, 1e-9)
    emulator_cpu = time.process_time() - cpu_before
    for _ in pool:
        pending.put(None)
    totals = [instance.close() for instance in pool]
    return {"results": results, "wall_s": wall, "emulator_cpu_s": emulator_cpu, "instances": totals}


def measure(accounts: int, instances: int, latency_ms: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        print(f"  fanout: building {accounts} done accounts", file=sys.stderr, flush=True)
        env = build_done_directory(state, accounts)
        args = ["--state", str(state), "--quotas", "--latency-ms", str(latency_ms), "--function", FUNCTION]
        emu = configure(build_parser().parse_args(args))
        emu.start()
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = emu.endpoint
            env |= {"EMR_BOOTSTRAP_LOG_LEVEL": "WARNING", "EMR_BOOTSTRAP_FANOUT": "always"}
            print(f"  fanout: sweeping with {instances} instances", file=sys.stderr, flush=True)
            run = run_sweep(emu, env, instances)
        finally:
            emu.stop()
    batches = run["results"][1:] if len(run["results"]) > 1 else run["results"]
    assume_roles = sum(r["assume_roles"] for r in run["results"])
    instance_cpu = [i["cpu_s"] for i in run["instances"]]
    wall = run["wall_s"]
    cores = os.cpu_count() or 1
    return {
        "fanout_10000": {
            "accounts": accounts,
            "latency_ms": latency_ms,
            "instances": instances,
            "batches": len(batches),
            "wall_s": round(wall, 1),
            "assume_roles": assume_roles,
            "assume_role_quota_share": round(assume_roles / (wall * ASSUME_ROLE_QUOTA_PER_S), 2),
            "calls": sum(r["calls"] for r in run["results"]),
            "throttles": sum(r["throttles"] for r in run["results"]),
            "failures": sum(r["failures"] for r in run["results"]),
            "statuses": sorted({str(r["status"]) for r in run["results"]}),
            "batch_wall_s_max": max(r["wall_s"] for r in batches),
            "instance_cpu_s_max": max(instance_cpu),
            "instance_cpu_s_sum": round(sum(instance_cpu), 1),
            "cpu_ms_per_account": round(sum(instance_cpu) * 1000 / accounts, 2),
            "emulator_cpu_s": round(run["emulator_cpu_s"], 1),
            "cores": cores,
            "cores_busy_share": round((sum(instance_cpu) + run["emulator_cpu_s"]) / (wall * cores), 2),
            "instance_rss_mb_max": max(i["rss_mb"] for i in run["instances"]),
        }
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=25)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.accounts, args.instances, args.latency_ms), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
