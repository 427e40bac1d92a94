"""`make demo`: a new member account appears, the function grants it the EMR roles, and a second run changes nothing.

Everything runs locally: the emulator serves RAM, STS and Resource Manager on loopback, the member account is
created through the Resource Manager API with the official SDK, and the handler receives the sample EventBridge
event from ``events/`` rewritten for that account, exactly as FC would hand it over.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient
from alibabacloud_tea_openapi.models import Config

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator

REPO = Path(__file__).resolve().parent.parent
SAMPLE_EVENT = REPO / "events" / "actiontrail-create-resource-account.json"
# The placeholders the sample events use (events/README.md).
SAMPLE_MEMBER, SAMPLE_MANAGEMENT = "1000000000000002", "1000000000000001"


def create_member_account(emu: Emulator) -> str:
    access_key_id, secret = emu.root_key
    client = ResourceManagerClient(
        Config(access_key_id=access_key_id, access_key_secret=secret, endpoint=emu.host, protocol="http")
    )
    request = rm_models.CreateResourceAccountRequest(display_name="analytics-dev", account_name_prefix="analytics-dev")
    account = client.create_resource_account(request).body.account
    print(f"Resource Manager CreateResourceAccount -> member account {account.account_id} ({account.display_name})")
    return str(account.account_id)


def event_for(member: str, management: str) -> bytes:
    text = SAMPLE_EVENT.read_text().replace(SAMPLE_MEMBER, member).replace(SAMPLE_MANAGEMENT, management)
    return text.encode()


def show(title: str, result: dict[str, Any], writes: int) -> None:
    print(f"\n== {title}: status={result['status']}, RAM writes={writes}")
    for account in result["accounts"]:
        print(f"   account {account['accountId']}: {account['status']}")
        for role in account["roles"]:
            changes = ", ".join(
                c["action"] + (f"({c['policyName']})" if "policyName" in c else "") for c in role["changes"]
            )
            print(f"     {role['roleName']:<36} {role['outcome']:<10} {changes}")


def _change_text(change: dict[str, str]) -> str:
    return change["action"] + (f"({change['policyName']})" if "policyName" in change else "")


def ram_writes(emu: Emulator, account_id: str, since: int) -> int:
    """Successful RAM writes in the member account, from the emulator's call log."""
    writes = {"CreateRole", "AttachPolicyToRole", "UpdateRole"}
    calls = emu.calls[since:]
    return sum(1 for c in calls if c.account_id == account_id and c.action in writes and c.ok)


def main() -> int:
    with Emulator() as emu:
        print(f"Emulator listening on {emu.endpoint}; management account {emu.management_account_id}")
        member = create_member_account(emu)
        # The function logs one JSON line per role; the demo keeps them out of the way unless asked for.
        log_level = os.environ.get("EMR_BOOTSTRAP_LOG_LEVEL", "WARNING")
        with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_LOG_LEVEL": log_level}) as fc:
            event = event_for(member, emu.management_account_id)
            mark = len(emu.calls)
            first = fc.invoke(event)
            show("First invocation (new-account event)", first, ram_writes(emu, member, mark))
            mark = len(emu.calls)
            second = fc.invoke(event)
            show("Second invocation (same event again)", second, ram_writes(emu, member, mark))
        print("\nFull result of the second invocation:")
        print(json.dumps(second, indent=2))
        counts = Counter(c.action for c in emu.calls)
        print("\nAPI calls the emulator served:", dict(sorted(counts.items())))
        unchanged = all(r["outcome"] == "unchanged" for a in second["accounts"] for r in a["roles"])
        ok = first["status"] == "succeeded" and second["status"] == "succeeded" and unchanged
    print("(Set EMR_BOOTSTRAP_LOG_LEVEL=INFO to see the function's JSON logs.)")
    print("\nDemo", "passed: the second run changed nothing." if ok else "FAILED: see the results above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
