"""New-account events through ``index.handler`` against the emulator: a malformed record does not cost the good one
beside it, the deny list holds on the event path, and the documented event form without ``responseElements`` sweeps
the recent changes once per cooldown on an instance."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, EVENTS, roles_by_name, sample_event

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

CREATE = "actiontrail-create-resource-account.json"
CARRIER_WITHOUT_RESPONSE = "actiontrail-carrier-no-response-elements.json"


def event_for(emu: Emulator, member: str, name: str = CREATE) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sample_event(name, member, emu.management_account_id))
    return document


def assume_roles_into(emu: Emulator, account_id: str, since: int) -> list[str]:
    return [
        c.params.get("RoleArn", "")
        for c in emu.calls[since:]
        if c.action == "AssumeRole" and account_id in str(c.params)
    ]


def test_a_malformed_record_beside_a_good_one_is_refused_and_the_good_account_gets_its_roles(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    other = emu.create_member_account("malformed-neighbour")
    bad = event_for(emu, other)
    bad["data"]["serviceName"] = ["ResourceManager"]
    mark = len(emu.calls)

    result = fc.invoke([bad, event_for(emu, member)])

    assert result["status"] == "succeeded"
    assert [a["accountId"] for a in result["accounts"]] == [member]
    assert assume_roles_into(emu, other, mark) == []  # before the inspector assumes roles itself
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]
        assert inspector.role(other, name) is None


def test_the_deny_list_holds_on_the_event_path(emu: Emulator, member: str, inspector: Inspector) -> None:
    allowed = emu.create_member_account("allowed-by-event")
    mark = len(emu.calls)
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": member}) as fc:
        result = fc.invoke([event_for(emu, member), event_for(emu, allowed)])

    assert assume_roles_into(emu, member, mark) == []
    assert [c.action for c in emu.calls[mark:] if c.account_id == member] == []
    statuses = {a["accountId"]: (a["status"], (a.get("skipped") or {}).get("code")) for a in result["accounts"]}
    assert statuses == {member: ("skipped", "AccountOutOfScope"), allowed: ("succeeded", None)}
    for name in DEFAULT_ROLES:
        assert inspector.role(member, name) is None
        assert inspector.role(allowed, name) is not None


def test_the_documented_form_without_response_elements_sweeps_recent_changes_once_per_cooldown(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    event = event_for(emu, member, CARRIER_WITHOUT_RESPONSE)
    assert "responseElements" not in event["data"] and event["type"] == "actiontrail:ActionTrail:ApiCall"

    swept = fc.invoke(event)
    again = fc.invoke(event)

    assert swept["status"] == "succeeded"
    assert {name: role["outcome"] for name, role in roles_by_name(swept, member).items()} == dict.fromkeys(
        DEFAULT_ROLES, "created"
    )
    assert again["status"] == "ignored"
    assert "an event sweep started" in again["reason"] and "the cooldown is 300 s" in again["reason"]


def test_without_a_cooldown_every_such_event_sweeps(emu: Emulator, member: str) -> None:
    event = (EVENTS / CARRIER_WITHOUT_RESPONSE).read_text().replace("1000000000000001", emu.management_account_id)
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_EVENT_SWEEP_COOLDOWN_S": "0"}) as fc:
        runs = [fc.invoke(event) for _ in range(2)]

    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert all("sweep" in r for r in runs)
