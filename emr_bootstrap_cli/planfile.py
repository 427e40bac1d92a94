"""Saved plans (``plan --out FILE``, ``apply FILE``), as terraform saves them: a versioned JSON document holding the
request, the target it was made against, every account with each role's planned actions, and when it was made.

A plan file can only narrow: ``apply FILE`` runs the file's own request (validated again by the function's
``parse_request``) on the file's accounts, and only on those with planned changes; it first plans again and
refuses when the cloud no longer matches. The digest catches a file edited by hand or garbled in transit; it is not
a signature (whoever can write the file can run ``apply`` themselves), so the guarantees above never rest on it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import IO, TYPE_CHECKING, Any, Final

from emr_bootstrap.core.request import BootstrapRequest, parse_request
from emr_bootstrap.shared.errors import InvalidRequest

from emr_bootstrap_cli.errors import UsageProblem

if TYPE_CHECKING:
    from collections.abc import Mapping

FORMAT: Final = "emr-bootstrap/plan"
FORMAT_VERSION: Final = 1
SAVE_AGAIN: Final = "Save a new plan: emr-bootstrap plan ACCOUNT_ID... --out FILE, then emr-bootstrap apply FILE."


def request_payload(request: BootstrapRequest) -> dict[str, Any]:
    """The request as the JSON ``parse_request`` reads back into the same request (a write: dryRun false)."""
    fields = {
        "accountIds": list(request.account_ids),
        "emrVersion": str(request.emr_version) if request.emr_version else None,
        "features": sorted(request.features) or None,
        "roles": list(request.roles) if request.roles is not None else None,
        "customEcsRole": request.custom_ecs_role,
        "drift": request.drift if request.drift != "report" else None,
        "strategy": request.strategy,
    }
    return {key: value for key, value in fields.items() if value is not None}


def planned_accounts(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each account's status, and each role's outcome and actions: what ``apply FILE`` compares."""
    return [
        {
            "accountId": account["accountId"],
            "status": account.get("status"),
            "roles": [
                {"roleName": role.get("roleName"), "outcome": role.get("outcome"), "changes": role.get("changes", [])}
                for role in account.get("roles", [])
            ],
        }
        for account in result.get("accounts", [])
    ]


def document(
    request: BootstrapRequest, result: Mapping[str, Any], target: Mapping[str, Any], tool: str
) -> dict[str, Any]:
    accounts = planned_accounts(result)
    body = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "createdBy": tool,
        "target": dict(target),
        "request": request_payload(request),
        "planRequestId": result.get("requestId"),
        "accounts": accounts,
        "changes": sum(len(role["changes"]) for account in accounts for role in account["roles"]),
    }
    return {**body, "digest": digest(body)}


def digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps({k: v for k, v in body.items() if k != "digest"}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def save(stream: IO[str], plan: Mapping[str, Any]) -> None:
    stream.write(json.dumps(plan, indent=2) + "\n")


def load(name: str, text: str) -> tuple[dict[str, Any], BootstrapRequest]:
    """The plan in ``text`` and its request; a :class:`UsageProblem` (one line, a hint) for anything else."""

    def refuse(why: str, hint: str = SAVE_AGAIN) -> UsageProblem:
        return UsageProblem(f"plan file {name}: {why}; nothing was written", hint)

    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise refuse("not JSON (garbled or not a plan file)") from exc
    if not isinstance(plan, dict) or plan.get("format") != FORMAT:
        raise refuse("not a plan saved by emr-bootstrap plan --out")
    if plan.get("formatVersion") != FORMAT_VERSION:
        raise refuse(
            f"format version {str(plan.get('formatVersion'))[:20]}; this emr-bootstrap reads version {FORMAT_VERSION}",
            "Save the plan again with this emr-bootstrap: plan ACCOUNT_ID... --out FILE.",
        )
    if plan.get("digest") != digest(plan):
        raise refuse("its contents do not match its digest (edited by hand, or damaged)")
    accounts = plan.get("accounts")
    if not isinstance(accounts, list) or not all(_account_shape(account) for account in accounts):
        raise refuse("its accounts are malformed")
    try:
        request = parse_request(plan.get("request"))  # type: ignore[arg-type]  # parse_request checks the type
    except InvalidRequest as exc:
        raise refuse(f"its request is invalid: {exc.message} (rule {exc.rule})") from exc
    if sorted(request.account_ids) != sorted(account["accountId"] for account in accounts):
        raise refuse("its request and its accounts name different accounts")
    if request.dry_run or not isinstance(plan.get("target"), dict):
        raise refuse("its request or target is malformed")
    return plan, request


def _account_shape(account: Any) -> bool:
    if not isinstance(account, dict) or not isinstance(account.get("accountId"), str):
        return False
    roles = account.get("roles")
    return isinstance(roles, list) and all(
        isinstance(role, dict) and isinstance(role.get("roleName"), str) and isinstance(role.get("changes"), list)
        for role in roles
    )


def _actions(role: Mapping[str, Any]) -> str:
    return ", ".join(str(change.get("action")) for change in role.get("changes", [])) or "no change"


def _shown(account: Mapping[str, Any] | None) -> dict[str, str]:
    if account is None:
        return {"": "not in the result"}
    shown = {"": str(account.get("status"))}
    for role in account.get("roles", []):
        shown[str(role.get("roleName"))] = f"{role.get('outcome')} ({_actions(role)})"
    return shown


def differences(plan: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    """One line per account or role whose status, outcome or actions differ between the plan and ``fresh``."""
    now = {account["accountId"]: account for account in planned_accounts(fresh)}
    lines: list[str] = []
    for account in plan["accounts"]:
        account_id = account["accountId"]
        before, after = _shown(account), _shown(now.pop(account_id, None))
        for name in dict.fromkeys([*before, *after]):
            if before.get(name) != after.get(name):
                what = f"{account_id} {name}".rstrip()
                lines.append(f"{what}: planned {before.get(name, 'nothing')}; now {after.get(name, 'nothing')}")
    lines += [f"{account_id}: not in the plan; now {_shown(account)['']}" for account_id, account in now.items()]
    return lines


def with_changes(plan: Mapping[str, Any]) -> list[str]:
    """The accounts the plan would write to: the only ones ``apply FILE`` runs on."""
    return [account["accountId"] for account in plan["accounts"] if any(r["changes"] for r in account["roles"])]
