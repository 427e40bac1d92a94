"""`make demo`: a new member account appears, the function grants it the EMR roles, and a second run changes nothing.

Everything runs locally: the emulator serves RAM, STS and Resource Manager on loopback, the member account is
created through the Resource Manager API with the official SDK, and the handler receives the sample EventBridge
event from ``events/`` rewritten for that account, exactly as FC would hand it over. Each result is printed with
the CLI's own renderer (the table ``emr-bootstrap`` prints), with the RAM writes it attempted and the ones that
changed something, read from the result JSON and checked against the emulator's call log.

``--json FILE`` also writes both results, as the handler returned them, to FILE (a JSON list).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient
from alibabacloud_tea_openapi.models import Config

from emr_bootstrap_cli import render
from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

REPO = Path(__file__).resolve().parent.parent
SAMPLE_EVENT = REPO / "events" / "actiontrail-create-resource-account.json"
# The placeholders the sample events use (events/README.md).
SAMPLE_MEMBER, SAMPLE_MANAGEMENT = "1000000000000002", "1000000000000001"
RAM_WRITES: Final = ("CreateRole", "AttachPolicyToRole", "UpdateRole")
NEXT_STEPS: Final = (
    ("source .venv/bin/activate", "puts emr-bootstrap on PATH (it is .venv/bin/emr-bootstrap)"),
    (f"emr-bootstrap plan --local {SAMPLE_MEMBER} --feature studio", "what apply would change (reads only)"),
    (f"emr-bootstrap apply --local {SAMPLE_MEMBER}", "shows the plan, asks, then writes"),
    ("emr-bootstrap sweep --local --dry-run", "every member of a directory"),
    ("emr-bootstrap invoke --local events/actiontrail-create-cloud-account.json", "a sample event"),
)


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


def writes_attempted(result: Mapping[str, Any]) -> Counter[str]:
    """The RAM write calls the run made, refused ones included (the result's ``summary.cloudCalls.byAction``)."""
    by_action = result.get("summary", {}).get("cloudCalls", {}).get("byAction", {})
    return Counter({action: int(by_action[action]) for action in RAM_WRITES if by_action.get(action)})


def writes_done(result: Mapping[str, Any]) -> Counter[str]:
    """The RAM writes that changed something: the ``changes`` of each role that was created or updated."""
    return Counter(
        str(change["action"])
        for account in result.get("accounts", [])
        for role in account.get("roles", [])
        if role.get("outcome") in ("created", "updated")
        for change in role.get("changes", [])
    )


def _counted(counts: Counter[str]) -> str:
    return " (" + ", ".join(f"{action} x{n}" for action, n in sorted(counts.items())) + ")" if counts else ""


def writes_line(result: Mapping[str, Any]) -> str:
    attempted, done = writes_attempted(result), writes_done(result)
    line = f"RAM writes: {sum(attempted.values())} attempted{_counted(attempted)}, {sum(done.values())} done"
    refused = sum(attempted.values()) - sum(done.values())
    if refused > 0:
        line += f"; {refused} refused: the roles already exist (EntityAlreadyExists), so they were read and verified"
    return line


def refused_writes(emu: Emulator, account_id: str, since: int) -> tuple[int, int]:
    """The member account's RAM write calls since ``since`` in the emulator's call log: (all, successful)."""
    calls = [c for c in emu.calls[since:] if c.account_id == account_id and c.action in RAM_WRITES]
    return len(calls), sum(1 for c in calls if c.ok)


def show(title: str, result: Mapping[str, Any], logged: tuple[int, int]) -> bool:
    """The result as ``emr-bootstrap`` prints it, then its writes; False when the JSON and the log disagree."""
    print(f"\n== {title}")
    render.result_table(render.console(sys.stdout), result)
    print(writes_line(result))
    counted = (sum(writes_attempted(result).values()), sum(writes_done(result).values()))
    if counted != logged:
        print(f"MISMATCH: the result says {counted} (attempted, done); the emulator's call log says {logged}")
    return counted == logged


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write both results to FILE (a JSON list)")
    args = parser.parse_args(argv)
    with Emulator() as emu:
        print(f"Emulator listening on {emu.endpoint}; management account {emu.management_account_id}")
        member = create_member_account(emu)
        # The function logs one JSON line per role; the demo keeps them out of the way unless asked for.
        log_level = os.environ.get("EMR_BOOTSTRAP_LOG_LEVEL", "WARNING")
        with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_LOG_LEVEL": log_level}) as fc:
            event = event_for(member, emu.management_account_id)
            results, agree = [], True
            for title in (
                f"1. The new-account event ({SAMPLE_EVENT.name}, for {member})",
                "2. The same event again (FC may deliver an event twice, and retries it)",
            ):
                mark = len(emu.calls)
                results.append(fc.invoke(event))
                agree = show(title, results[-1], refused_writes(emu, member, mark)) and agree
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    first, second = results
    unchanged = all(r["outcome"] == "unchanged" for a in second["accounts"] for r in a["roles"])
    ok = agree and first["status"] == second["status"] == "succeeded" and unchanged and not writes_done(second)
    print("\nDemo", "passed: the second run changed nothing." if ok else "FAILED: see the results above.")
    print("(EMR_BOOTSTRAP_LOG_LEVEL=INFO make demo shows the function's JSON logs.)")
    print('\nNext steps (README "Quick start"):')
    for command, why in NEXT_STEPS:
        print(f"  {command}\n      {why}")
    print('Deploying it: README "Deploy" (roles, MNS queue, make package, s deploy, EventBridge rule, doctor).')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
