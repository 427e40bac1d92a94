"""Invocations of the function's own handler in a process of their own, one account each: per-invocation wall
time, the calls and writes of the last one, and the process's peak RSS.

    python -m bench.invocation_run event|request|request5|sweep ACCOUNT_ID...

``event`` sends the new-account CloudEvent (create-first); ``request`` a direct request (read-first: the account's
membership is checked before AssumeRole); ``request5`` the same naming every role of the catalog; ``sweep`` a sweep
narrowed to the account (its listing page, then AssumeRole and the reads). Besides the walls, the pacer's waits of
each invocation (``summary.cloudCalls.pacedMs``: the sum of its sleeps, over all its threads).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "function"))
WRITES = ("CreateRole", "AttachPolicyToRole", "UpdateRole")
ALL_ROLES = [
    role["name"] for role in json.loads((REPO / "function/emr_bootstrap/core/catalog.json").read_text())["roles"]
]


def event_for(account_id: str, management: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((REPO / "events" / "actiontrail-create-resource-account.json").read_text())
    event["aliyunaccountid"] = event["data"]["userIdentity"]["accountId"] = management
    event["data"]["responseElements"]["Account"]["AccountId"] = account_id
    event["data"].pop("referencedResources", None)
    return event


def main() -> int:
    import index

    kind, accounts = sys.argv[1], sys.argv[2:]
    management = os.environ["FC_ACCOUNT_ID"]
    walls: list[float] = []
    paced: list[float] = []
    last: dict[str, Any] = {}
    for account_id in accounts:
        payloads = {
            "event": event_for(account_id, management),
            "request": {"accountIds": [account_id]},
            "request5": {"accountIds": [account_id], "roles": ALL_ROLES},
            "sweep": {"action": "sweep", "accountIds": [account_id]},
        }
        payload = payloads[kind]
        context = SimpleNamespace(
            request_id=str(uuid.uuid4()),
            credentials=None,
            account_id=management,
            function=SimpleNamespace(name="emr-bootstrap-event", timeout=300),
        )
        start = time.perf_counter()
        result = json.loads(index.handler(json.dumps(payload).encode(), context))
        walls.append((time.perf_counter() - start) * 1000)
        if result["status"] != "succeeded":
            raise SystemExit(f"invocation failed: {json.dumps(result)[:400]}")
        last = result["summary"]["cloudCalls"]
        paced.append(float(last.get("pacedMs", 0)))
    by_action = last.get("byAction", {})
    print(
        json.dumps(
            {
                "wall_ms": [round(w, 2) for w in walls[1:]],  # the first pays the imports and connections
                "paced_ms": paced[1:],
                "calls": last.get("calls", 0),
                "writes": sum(by_action.get(action, 0) for action in WRITES),
                "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
