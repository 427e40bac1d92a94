"""One local FC instance for ``bench.fanout``: a process of its own that runs the function's handler on each
invocation it is handed (one at a time, as an FC instance with concurrency 1), with the function's environment.

Says it is ready after the initializer; then reads one base64 event per stdin line and writes one JSON line per
invocation (status, calls, AssumeRoles, throttles, accounts that failed, wall, CPU); at EOF one last line with the
instance's CPU (after the initializer) and peak RSS.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "function"))


def main() -> int:
    import index

    def context() -> SimpleNamespace:
        return SimpleNamespace(
            request_id=str(uuid.uuid4()),
            credentials=None,
            account_id=os.environ["FC_ACCOUNT_ID"],
            region="cn-hangzhou",
            function=SimpleNamespace(name="emr-bootstrap-event", timeout=600),
        )

    index.initialize(context())
    print(json.dumps({"ready": True}), flush=True)  # warm: the host starts its clock once every instance is
    cpu_start = time.process_time()
    for line in sys.stdin:
        cpu, start = time.process_time(), time.perf_counter()
        result = json.loads(index.handler(base64.b64decode(line), context()))
        summary = result.get("summary", {})
        calls = summary.get("cloudCalls") or {}
        statuses = summary.get("accountStatus", {})
        reply = {
            "status": result.get("status"),
            "calls": calls.get("calls", 0),
            "assume_roles": calls.get("byAction", {}).get("AssumeRole", 0),
            "throttles": calls.get("throttles", 0),
            "failures": statuses.get("failed", 0) + statuses.get("not-attempted", 0),
            "accounts": sum(statuses.values()) if statuses else 0,
            "wall_s": round(time.perf_counter() - start, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
        }
        print(json.dumps(reply), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu_s": round(time.process_time() - cpu_start, 3), "rss_mb": round(rss, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
