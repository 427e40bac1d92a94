"""The critical path in round trips: one fresh member account (a new-account event, create-first) and one account
already done (a request, read-first), against the emulator in its own process adding a fixed latency L per call.

    python -m bench.latency [--latency-ms 20] [--samples 7]

The already-done account is measured as the daily sweep meets it (``round_trips`` leaves out the listing page, which
up to 100 accounts share) and as a direct request, whose membership check comes before AssumeRole by design.
Each figure is measured twice in the same run, at L and at 0 ms: (wall at L - wall at 0) / L is the number of
round trips on the critical path, whatever the local overhead. Beside it, the naive baseline: the same fresh
account done one call at a time (``bench.naive_sweep``'s order) counts one round trip per call. Each invocation
runs in a child process of its own (``bench.invocation_run``), which also reports its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.sweep import build_directory, child, machine, merge_into_results, serve

SAMPLES_DEFAULT = 7


def run_at(latency_ms: float, samples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "emulator.db"
        env, members = build_directory(state, 2 * samples)
        env["EMR_BOOTSTRAP_LOG_LEVEL"] = "WARNING"
        process, endpoint = serve(state, latency_ms)
        try:
            for service in ("RAM", "STS", "RESOURCEMANAGER", "FC"):
                env[f"EMR_BOOTSTRAP_{service}_ENDPOINT"] = endpoint
            fresh = child("bench.invocation_run", env, "event", *members[:samples])
            done = child("bench.invocation_run", env, "sweep", *members[:samples])
            request = child("bench.invocation_run", env, "request", *members[:samples])
        finally:
            process.terminate()
            process.wait(timeout=10)
    return {"fresh": fresh, "done": done, "request": request}


def measure(latency_ms: float, samples: int) -> dict[str, Any]:
    at_l, at_0 = run_at(latency_ms, samples), run_at(0.0, samples)

    def trips(kind: str) -> float:
        extra = statistics.median(at_l[kind]["wall_ms"]) - statistics.median(at_0[kind]["wall_ms"])
        return round(float(extra) / latency_ms, 2)

    fresh, done = at_l["fresh"], at_l["done"]
    return {
        "latency_ms": latency_ms,
        "fresh_account": {
            "round_trips": trips("fresh"),
            "api_calls": fresh["calls"],
            "wall_ms": round(statistics.median(fresh["wall_ms"]), 1),
            "wall_over_latency": round(statistics.median(fresh["wall_ms"]) / latency_ms, 2),
            "local_overhead_ms": round(statistics.median(at_0["fresh"]["wall_ms"]), 1),
        },
        # An account already done, as the daily sweep meets it: the listing page is shared by up to 100 accounts,
        # so the account's own critical path is AssumeRole, then GetRole and ListPoliciesForRole together.
        "done_account": {
            "round_trips": round(trips("done") - 1, 2),
            "round_trips_with_its_page": trips("done"),
            "round_trips_as_a_request": trips("request"),
            "writes": done["writes"],
            "api_calls": done["calls"],
            "wall_ms": round(statistics.median(done["wall_ms"]), 1),
        },
        # One call at a time: AssumeRole, GetAccount, then per role CreateRole, AttachPolicyToRole, GetRole.
        "baseline_sequential": {"fresh_account_round_trips": float(2 + 3 * 2)},
        "memory": {"rss_mb_single": fresh["rss_mb"]},
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--samples", type=int, default=SAMPLES_DEFAULT)
    args = parser.parse_args(argv)
    figures = measure(args.latency_ms, args.samples)
    merge_into_results(figures)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
