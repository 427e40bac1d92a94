"""One sweep by the function's own handler, in a process of its own: wall time, calls, peak RSS and CPU.

Run by ``bench.sweep`` with the function's credentials and endpoints in the environment.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from bench import threadcount

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "function"))


def main() -> int:
    import index

    context = SimpleNamespace(
        request_id=str(uuid.uuid4()),
        credentials=None,
        account_id=os.environ["FC_ACCOUNT_ID"],
        region="cn-hangzhou",
        function=SimpleNamespace(name="emr-bootstrap-event", timeout=600),
    )
    index.initialize(context)  # FC's initializer: the SDK's import is not the sweep's CPU
    threadcount.install()
    start = time.perf_counter()
    result = json.loads(index.handler(json.dumps({"action": "sweep"}).encode(), context))
    wall = time.perf_counter() - start
    calls = result["summary"].get("cloudCalls", {})
    statuses = result["summary"]["accountStatus"]
    figures = {
        "wall_s": round(wall, 2),
        "status": result["status"],
        "calls": calls.get("calls", 0),
        "throttles": calls.get("throttles", 0),
        "retries": calls.get("retries", 0),
        "assume_roles": calls.get("byAction", {}).get("AssumeRole", 0),
        "failures": statuses["failed"] + statuses["not-attempted"],
        **threadcount.spent(),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
