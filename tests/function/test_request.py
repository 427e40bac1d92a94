"""Request validation: every rejection names the wire field and the rule, before any cloud call."""

from __future__ import annotations

from typing import Any

import pytest
from emr_bootstrap.errors import InvalidRequest, render_error
from emr_bootstrap.request import MAX_ACCOUNTS, MAX_PAYLOAD_BYTES, check_payload_size, parse_request
from emr_bootstrap.versions import EmrVersion

ACCOUNT = "1234567890123456"


def test_minimal_request_takes_the_documented_defaults() -> None:
    request = parse_request({"accountIds": [ACCOUNT]})
    assert request.account_ids == (ACCOUNT,)
    assert (request.emr_version, request.features, request.roles, request.custom_ecs_role) == (
        None,
        frozenset(),
        None,
        None,
    )
    assert (request.dry_run, request.drift, request.strategy) == (False, "report", None)


def test_full_request_is_parsed_into_typed_fields() -> None:
    request = parse_request(
        {
            "accountIds": [ACCOUNT, "9999999999", ACCOUNT],
            "emrVersion": "EMR-3.32.0",
            "features": ["studio"],
            "customEcsRole": "My.Ecs-Role",
            "dryRun": True,
            "drift": "repair",
            "strategy": "create-first",
        }
    )
    assert request.account_ids == (ACCOUNT, "9999999999")  # deduplicated, order kept
    assert request.emr_version == EmrVersion(3, 32, 0)
    assert request.features == frozenset({"studio"})
    assert (request.custom_ecs_role, request.dry_run, request.drift, request.strategy) == (
        "My.Ecs-Role",
        True,
        "repair",
        "create-first",
    )


def test_role_names_are_matched_case_insensitively_and_returned_in_catalog_spelling() -> None:
    request = parse_request({"accountIds": [ACCOUNT], "roles": ["aliyunemrecsdefaultrole", "AliyunEmrEcsDefaultRole"]})
    assert request.roles == ("AliyunEmrEcsDefaultRole",)


def test_null_optional_fields_mean_not_given() -> None:
    request = parse_request({"accountIds": [ACCOUNT], "emrVersion": None, "roles": None, "dryRun": None})
    assert (request.emr_version, request.roles, request.dry_run) == (None, None, False)


@pytest.mark.parametrize(
    ("payload", "field", "rule", "fragment"),
    [
        ({"accountIds": [ACCOUNT, ACCOUNT, "12ab"]}, "accountIds[2]", "account-id", 'got "12ab"'),
        ({"accountIds": ["123456789"]}, "accountIds[0]", "account-id", "10-20 digits"),
        ({"accountIds": [1234567890123456]}, "accountIds[0]", "type", "got number"),
        ({"accountIds": [True]}, "accountIds[0]", "type", "got boolean"),
        ({"accountIds": ACCOUNT}, "accountIds", "type", "got string"),
        ({"accountIds": []}, "accountIds", "non-empty", "empty"),
        ({}, "accountIds", "required", "required"),
        ({"accountIds": None}, "accountIds", "required", "required"),
        (
            {"accountIds": [ACCOUNT], "roles": ["AliyunEMRDefaultRole", "EvilRole"]},
            "roles[1]",
            "catalog-role",
            "EvilRole",
        ),
        ({"accountIds": [ACCOUNT], "roles": []}, "roles", "non-empty", "empty"),
        ({"accountIds": [ACCOUNT], "emrVersion": "five"}, "emrVersion", "emr-version", "five"),
        ({"accountIds": [ACCOUNT], "emrVersion": 5.16}, "emrVersion", "type", "got number"),
        ({"accountIds": [ACCOUNT], "dryrun": True}, "dryrun", "unknown-field", "unknown field"),
        ({"accountIds": [ACCOUNT], "dryRun": "true"}, "dryRun", "type", "must be a boolean, got string"),
        ({"accountIds": [ACCOUNT], "dryRun": 1}, "dryRun", "type", "got number"),
        ({"accountIds": [ACCOUNT], "features": ["gpu"]}, "features[0]", "feature", "costAnalysis"),
        ({"accountIds": [ACCOUNT], "drift": "fix"}, "drift", "enum", "repair"),
        ({"accountIds": [ACCOUNT], "strategy": "fast"}, "strategy", "enum", "read-first"),
        ({"accountIds": [ACCOUNT], "customEcsRole": "bad name!"}, "customEcsRole", "role-name", "RAM role name"),
        ({"accountIds": [ACCOUNT], "customEcsRole": "x" * 65}, "customEcsRole", "role-name", "RAM role name"),
        (
            {"accountIds": [ACCOUNT], "customEcsRole": "aliyunecsinstanceforemrrole"},
            "customEcsRole",
            "custom-role",
            "catalog role",
        ),
        (
            {
                "accountIds": [ACCOUNT],
                "customEcsRole": "Mine",
                "roles": ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"],
            },
            "customEcsRole",
            "conflict",
            "roles[1]",
        ),
        ({"accountIds": [f"{i:016d}" for i in range(MAX_ACCOUNTS + 1)]}, "accountIds", "max-items", "at most 1000"),
    ],
)
def test_invalid_requests_name_the_field_and_the_rule(
    payload: dict[str, Any], field: str, rule: str, fragment: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(payload)
    error = caught.value
    assert (error.field, error.rule) == (field, rule)
    assert error.message.startswith(f"{field}: ") and fragment in error.message
    rendered = render_error(error).to_dict()
    assert rendered["code"] == "InvalidRequest" and (rendered["field"], rendered["rule"]) == (field, rule)


def test_a_non_object_payload_is_rejected() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request([ACCOUNT])  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("$", "type")


def test_payload_size_limit_is_inclusive() -> None:
    check_payload_size(MAX_PAYLOAD_BYTES)
    with pytest.raises(InvalidRequest) as caught:
        check_payload_size(MAX_PAYLOAD_BYTES + 1)
    assert (caught.value.field, caught.value.rule) == ("$", "max-size")
