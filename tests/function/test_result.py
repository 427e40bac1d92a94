"""The result contract (field names are public) and error rendering."""

from __future__ import annotations

import json

import pytest
from emr_bootstrap.cloud import CloudError
from emr_bootstrap.errors import AccessRoleMissing, ErrorInfo, InvalidRequest, PropagationTimeout, render_error
from emr_bootstrap.result import (
    CREATE_ROLE,
    AccountResult,
    Result,
    RoleResult,
    attach_policy,
    ignored,
    invalid,
    overall_status,
)
from emr_bootstrap.rule_hints import RULE_HINTS


def account(status: str) -> AccountResult:
    return AccountResult("1234567890123456", status)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["succeeded", "succeeded"], "succeeded"),
        (["succeeded", "skipped"], "succeeded"),
        (["failed", "failed"], "failed"),
        (["succeeded", "failed"], "partial"),
        (["skipped", "failed"], "partial"),
    ],
)
def test_top_level_status(statuses: list[str], expected: str) -> None:
    assert overall_status([account(s) for s in statuses]) == expected


def test_result_serialises_with_the_public_field_names_and_counts() -> None:
    role = RoleResult(
        "AliyunEMRDefaultRole",
        "created",
        (CREATE_ROLE, attach_policy("AliyunEMRRolePolicy")),
        policy_name="AliyunEMRRolePolicy",
        duration_ms=5,
    )
    failed = RoleResult("X", "failed", error=ErrorInfo("NoPermission", "no", "grant it", "REQ"))
    accounts = [AccountResult.from_roles("1234567890123456", [role, failed], 7)]
    result = Result.of_accounts(accounts, dry_run=False, request_id="req", duration_ms=9)
    data = json.loads(json.dumps(result.to_dict()))

    assert data["status"] == "failed" and data["dryRun"] is False and data["requestId"] == "req"
    (acct,) = data["accounts"]
    assert (acct["accountId"], acct["status"], acct["error"], acct["durationMs"]) == (
        "1234567890123456",
        "failed",
        None,
        7,
    )
    assert acct["roles"][0] == {
        "roleName": "AliyunEMRDefaultRole",
        "outcome": "created",
        "changes": [{"action": "CreateRole"}, {"action": "AttachPolicyToRole", "policyName": "AliyunEMRRolePolicy"}],
        "error": None,
        "policyName": "AliyunEMRRolePolicy",
        "durationMs": 5,
    }
    assert acct["roles"][1]["error"] == {
        "code": "NoPermission",
        "message": "no",
        "hint": "grant it",
        "requestId": "REQ",
    }
    assert data["summary"]["roleOutcomes"]["created"] == 1 and data["summary"]["roleOutcomes"]["failed"] == 1
    assert data["summary"]["accountStatus"] == {"succeeded": 0, "failed": 1, "skipped": 0, "not-attempted": 0}
    assert data["summary"]["durationMs"] == 9


def test_ignored_and_invalid_constructors_for_the_handler() -> None:
    assert ignored("not a new-account event", "r").to_dict()["status"] == "ignored"
    assert ignored("why", "r").to_dict()["reason"] == "why"
    data = invalid(InvalidRequest("accountIds[0]", "account-id", "bad"), "r").to_dict()
    assert data["status"] == "invalid" and data["accounts"] == []
    assert data["error"] == {
        "code": "InvalidRequest",
        "message": "accountIds[0]: bad",
        "field": "accountIds[0]",
        "rule": "account-id",
        "hint": RULE_HINTS["account-id"],
    }


def test_render_error_keeps_cloud_codes_and_adds_hints() -> None:
    throttled = render_error(CloudError("Throttling.User", "flow control", request_id="R1"), action="CreateRole")
    assert (throttled.code, throttled.request_id) == ("Throttling.User", "R1")
    assert throttled.hint and "retries" in throttled.hint
    assert render_error(CloudError("Weird.Code", "?")).hint is None
    assert render_error(AccessRoleMissing("x")).code == "AccessRoleMissing"
    assert render_error(PropagationTimeout("x")).hint


def test_assume_role_no_permission_hint_talks_about_trust() -> None:
    info = render_error(CloudError("NoPermission", "denied"), action="AssumeRole")
    assert info.hint and "sts:AssumeRole" in info.hint
