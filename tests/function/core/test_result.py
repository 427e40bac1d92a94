"""The result contract (field names are public) and error rendering."""

from __future__ import annotations

import json

import pytest
from emr_bootstrap.core.cloud import CloudError
from emr_bootstrap.core.result import (
    CREATE_ROLE,
    UPDATE_TRUST,
    AccountResult,
    Drift,
    Result,
    RoleResult,
    attach_policy,
    ignored,
    invalid,
    overall_status,
)
from emr_bootstrap.shared.errors import AccessRoleMissing, ErrorInfo, InvalidRequest, PropagationTimeout, render_error
from emr_bootstrap.shared.rule_hints import RULE_HINTS


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


# The result document as its reader gets it (field names are a stable contract): every optional field appears
# under its documented name exactly when it applies, a sweep's compact listing counts what it leaves out and names
# the accounts that need action, and ignored or invalid results say why.
A, B, C, D = (str(7000000000000000 + n) for n in range(4))
NOT_READY = ErrorInfo("AccountNotReady", "not active yet", "wait")


def test_a_drifted_role_reports_the_difference_the_reason_and_the_trust_change() -> None:
    role = RoleResult(
        "AliyunEMRDefaultRole",
        "drifted",
        changes=(UPDATE_TRUST, attach_policy("AliyunEMRRolePolicy")),
        policy_name="AliyunEMRRolePolicy",
        reason="trust differs",
        drift=Drift("also has Allow sts:assumerole to Service ecs.aliyuncs.com", widened=True),
        extra_policies=("Extra",),
        duration_ms=7,
    )
    assert role.to_dict() == {
        "roleName": "AliyunEMRDefaultRole",
        "outcome": "drifted",
        "changes": [
            {"action": "UpdateRole", "field": "AssumeRolePolicyDocument"},
            {"action": "AttachPolicyToRole", "policyName": "AliyunEMRRolePolicy"},
        ],
        "error": None,
        "policyName": "AliyunEMRRolePolicy",
        "durationMs": 7,
        "reason": "trust differs",
        "drift": {"trustPolicy": "also has Allow sts:assumerole to Service ecs.aliyuncs.com", "widened": True},
        "extraPolicies": ["Extra"],
    }


def test_an_unreachable_account_keeps_its_duration_and_a_skipped_one_its_directory_status() -> None:
    error = ErrorInfo("AccessRoleMissing", "no access role")
    assert AccountResult.unreachable(A, error, 42).to_dict() == {
        "accountId": A,
        "status": "failed",
        "roles": [],
        "error": {"code": "AccessRoleMissing", "message": "no access role"},
        "durationMs": 42,
    }
    skipped = AccountResult.skipped(B, NOT_READY, directory_status="CreateVerifying").to_dict()
    assert skipped["directoryStatus"] == "CreateVerifying" and skipped["skipped"]["code"] == "AccountNotReady"
    assert "directoryStatus" not in AccountResult.skipped(B, NOT_READY).to_dict()
    late = AccountResult.not_attempted(C, ErrorInfo("DeadlineReached", "no time"))
    assert (late.account_id, late.status) == (C, "not-attempted") and late.to_dict()["error"] is None


def test_a_compact_result_counts_the_quiet_accounts_and_names_those_that_need_action() -> None:
    quiet = AccountResult.from_roles(A, [RoleResult("R", "unchanged")], 1)
    created = AccountResult.from_roles(B, [RoleResult("R", "created")], 1)
    failed = AccountResult.unreachable(D, ErrorInfo("NoPermission", "denied"), 1)
    waiting = AccountResult.skipped(C, NOT_READY)
    result = Result.of_accounts([quiet, created, failed, waiting], dry_run=False, request_id="r", duration_ms=5)
    full = result.to_dict()
    assert full["schemaVersion"] == "1" and len(full["accounts"]) == 4
    assert "unchangedNotListed" not in full["summary"] and "needsAction" not in full["summary"]
    compact = Result(result.status, False, "r", result.accounts, 5, compact=True).to_dict()
    assert [a["accountId"] for a in compact["accounts"]] == [B, D, C]
    assert compact["summary"]["unchangedNotListed"] == 1
    assert compact["summary"]["needsAction"] == sorted([C, D])


def test_ignored_and_invalid_results_say_why_and_are_not_dry_runs_by_default() -> None:
    assert ignored("unrelated event", "r-1").to_dict() == {
        "schemaVersion": "1",
        "status": "ignored",
        "dryRun": False,
        "requestId": "r-1",
        "accounts": [],
        "summary": {
            "accounts": 0,
            "accountStatus": {"succeeded": 0, "failed": 0, "skipped": 0, "not-attempted": 0},
            "roleOutcomes": {
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "planned": 0,
                "drifted": 0,
                "failed": 0,
                "skipped": 0,
            },
            "durationMs": 0,
        },
        "reason": "unrelated event",
    }
    assert ignored("x", "r-2", dry_run=True).dry_run is True
    refused = invalid(InvalidRequest("accountIds", "required", "is required"), "r-3").to_dict()
    assert (refused["status"], refused["dryRun"], refused["requestId"]) == ("invalid", False, "r-3")
    assert refused["error"] == {
        "code": "InvalidRequest",
        "message": "accountIds: is required",
        "field": "accountIds",
        "rule": "required",
        "hint": RULE_HINTS["required"],
    }
    given = ErrorInfo("InvalidRequest", "as given")
    assert invalid(given, "r-4", dry_run=True).error is given and invalid(given, "r-4", dry_run=True).dry_run
