"""What a caller with fc:InvokeFunction can and cannot make the function do, tried the way an attacker would,
through the handler against the emulator."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import EVENTS, roles_by_name, sample_event, writes_in

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

WRITES = {"CreateRole", "UpdateRole", "AttachPolicyToRole"}


def skipped(result: dict[str, Any], account_id: str) -> str | None:
    (account,) = [a for a in result["accounts"] if a["accountId"] == account_id]
    return account["skipped"]["code"] if account["status"] == "skipped" else None


def test_a_thousand_made_up_account_ids_cost_a_directory_page_and_no_assume_role(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    made_up = [str(9100000000000000 + n) for n in range(1000)]
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": made_up})

    assert {skipped(result, a) for a in made_up} == {"AccountNotInDirectory"}
    actions = [c.action for c in emu.calls[mark:]]
    # GetResourceDirectory once: each test starts as a fresh instance, which learns the management account.
    assert "AssumeRole" not in actions and set(actions) == {"GetResourceDirectory", "ListAccounts"}
    assert actions.count("GetResourceDirectory") == 1 and len(actions) <= 3


def test_the_management_account_is_left_alone_unless_the_deployment_includes_it(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [emu.management_account_id]})

    assert skipped(result, emu.management_account_id) == "ManagementAccountExcluded"
    assert writes_in(emu, emu.management_account_id, mark) == []


def test_deny_list_keeps_an_account_out_whatever_the_request_says(emu: Emulator) -> None:
    member = emu.create_member_account("denied")
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": member}) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": [member], "drift": "repair"})

    assert skipped(result, member) == "AccountOutOfScope"
    assert [c.action for c in emu.calls[mark:]] == []


def test_every_write_in_a_member_is_made_by_a_session_named_after_the_request(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [member]})

    writes = [c for c in emu.calls[mark:] if c.account_id == member and c.action in WRITES]
    assert writes
    assert {c.caller_arn.rsplit("/", 1)[-1] for c in writes if c.caller_arn} == {
        f"emr-bootstrap.{result['requestId']}"[:64]
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        # The record names the service called (the envelope may be only the ActionTrail carrier).
        ({"data.serviceName": "Ecs"}, "not Resource Manager"),
        ({"aliyunaccountid": "1999999999999991"}, "published by account 1999999999999991"),
    ],
)
def test_an_event_that_does_not_come_from_resource_manager_on_our_own_bus_is_not_believed(
    emu: Emulator, fc: LocalFunctionCompute, member: str, change: dict[str, str], reason: str
) -> None:
    event = json.loads(sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id))
    for key, value in change.items():
        (event["data"] if key.startswith("data.") else event)[key.removeprefix("data.")] = value
    mark = len(emu.calls)

    result = fc.invoke(event)

    assert result["status"] == "ignored" and reason in result["reason"]
    assert emu.calls[mark:] == []


def test_an_event_naming_the_management_account_as_new_is_not_believed(emu: Emulator, fc: LocalFunctionCompute) -> None:
    management = emu.management_account_id
    event = json.loads(sample_event("actiontrail-create-resource-account.json", management, management))
    event["data"]["userIdentity"]["accountId"] = "1999999999999992"  # so the parser does not drop it as the caller
    mark = len(emu.calls)

    result = fc.invoke(event)

    assert result["status"] == "ignored" and "own account" in result["reason"]
    assert emu.calls[mark:] == []


def test_one_bad_record_in_a_batch_does_not_cost_the_good_account_its_roles(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    good = json.loads(sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id))
    bad = json.loads(json.dumps(good))
    bad["data"]["responseElements"]["Account"]["AccountId"] = member + "\n"
    bad["data"].pop("referencedResources", None)

    result = fc.invoke([good, bad])

    assert result["status"] == "succeeded"
    assert set(roles_by_name(result, member)) and inspector.role(member, "AliyunEMRDefaultRole") is not None


def test_repair_leaves_a_trust_narrowed_by_a_condition_alone(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    condition = {"IpAddress": {"acs:SourceIp": ["192.0.2.0/24"]}}
    narrowed: dict[str, Any] = {
        "Version": "1",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": ["emr.aliyuncs.com"]},
                "Condition": condition,
            }
        ],
    }
    emu.create_role(member, "AliyunEMRDefaultRole", json.dumps(narrowed))
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [member], "roles": ["AliyunEMRDefaultRole"], "drift": "repair"})

    role = roles_by_name(result, member)["AliyunEMRDefaultRole"]
    assert role["outcome"] == "drifted" and role["drift"]["widened"] is False
    assert writes_in(emu, member, mark) == []
    stored_role = inspector.role(member, "AliyunEMRDefaultRole")
    assert stored_role is not None
    assert json.loads(stored_role.assume_role_policy_document)["Statement"][0]["Condition"] == condition


HOSTILE = [
    (b"[" * 1000 + b"]" * 1000, "max-depth"),
    (b'{"accountIds": [' + b"9" * 5000 + b"]}", "number-size"),
    (b'{"accountIds": ["\\ud800"]}', "utf-8"),
    (b'{"accountIds": ["1000000000000002"], "dryRun": false, "dryRun": true}', "duplicate-key"),
    (b'{"accountIds": [NaN]}', "number-finite"),
]


@pytest.mark.parametrize(("raw", "rule"), HOSTILE)
@pytest.mark.parametrize("handler", ["handler", "http_handler"])
def test_hostile_json_is_invalid_naming_the_rule_and_never_reaches_the_cloud(
    emu: Emulator, fc: LocalFunctionCompute, raw: bytes, rule: str, handler: str
) -> None:
    if handler == "http_handler":
        envelope = json.loads((EVENTS / "http-invocation-base64.json").read_text())
        envelope["body"] = base64.b64encode(raw).decode()
        raw = json.dumps(envelope).encode()
    mark = len(emu.calls)

    reply = fc.invoke(raw, handler=handler)

    result = json.loads(reply["body"]) if handler == "http_handler" else reply
    assert result["status"] == "invalid" and result["error"]["rule"] == rule
    assert emu.calls[mark:] == []


def test_a_hostile_cloud_event_data_string_is_ignored_with_its_reason(emu: Emulator, fc: LocalFunctionCompute) -> None:
    event = json.loads(sample_event("actiontrail-create-resource-account.json", "1000000000000009", "1"))
    event["data"] = "[" * 1000 + "]" * 1000

    result = fc.invoke(event)

    assert result["status"] == "invalid" and "nested" in result["error"]["message"]


def test_a_huge_unknown_field_name_is_not_echoed_back(emu: Emulator, fc: LocalFunctionCompute) -> None:
    result = fc.invoke({"accountIds": ["1000000000000002"], "x" * 60_000: 1})

    assert result["status"] == "invalid" and result["error"]["rule"] in ("unknown-field", "max-size")
    assert len(json.dumps(result)) < 2_000


def test_transport_errors_name_the_type_and_host_not_the_url(emu: Emulator, member: str) -> None:
    closed = "http://127.0.0.1:9"
    with LocalFunctionCompute(
        emu, extra_env={"EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT": closed, "EMR_BOOTSTRAP_MAX_ATTEMPTS": "1"}
    ) as fc:
        result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    error = account["error"]
    assert error["code"] == "EndpointUnreachable" and error["hint"]
    assert "127.0.0.1" in error["message"] and "?" not in error["message"] and "Signature" not in error["message"]
