"""The handler end to end against the emulator, through the official SDK over loopback HTTP.

The emulator adds no latency, so the figures are the function's own cost (SDK, threads, verification reads) plus
loopback round trips; a real cloud adds its RTT per round trip on the critical path (four for a fresh account).

    python -m bench.handler_bench [--samples 15] [--batch 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator

QUIET = {"EMR_BOOTSTRAP_LOG_LEVEL": "WARNING"}


def _timed_ms(fc: LocalFunctionCompute, payload: dict[str, object]) -> float:
    start = time.perf_counter()
    result = fc.invoke(payload)
    elapsed = (time.perf_counter() - start) * 1000
    if result["status"] != "succeeded":
        raise RuntimeError(f"benchmark run failed: {json.dumps(result)[:500]}")
    return elapsed


def measure(samples: int, batch: int) -> dict[str, float]:
    with Emulator() as emu, LocalFunctionCompute(emu, extra_env=QUIET) as fc:
        fc.invoke({"accountIds": [emu.create_member_account("warm-up")]})  # imports, connection pools
        fresh, repeat, event = [], [], []
        for i in range(samples):
            member = emu.create_member_account(f"fresh-{i}")
            fresh.append(_timed_ms(fc, {"accountIds": [member], "strategy": "create-first"}))
            repeat.append(_timed_ms(fc, {"accountIds": [member]}))
            other = emu.create_member_account(f"read-first-{i}")
            event.append(_timed_ms(fc, {"accountIds": [other]}))
        members = [emu.create_member_account(f"batch-{i}") for i in range(batch)]
        start = time.perf_counter()
        _timed_ms(fc, {"accountIds": members})
        batch_s = time.perf_counter() - start
    return {
        "handler.fresh_account_create_first_ms": round(statistics.median(fresh), 1),
        "handler.fresh_account_read_first_ms": round(statistics.median(event), 1),
        "handler.ready_account_read_first_ms": round(statistics.median(repeat), 1),
        f"handler.batch_{batch}_accounts_s": round(batch_s, 2),
        f"handler.batch_{batch}_accounts_per_s": round(batch / batch_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.samples, args.batch), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
