"""Request validation: every rejection names the wire field and the rule, before any cloud call."""

from __future__ import annotations

from typing import Any

import pytest
from emr_bootstrap.core.request import (
    MAX_ACCOUNTS,
    MAX_PAYLOAD_BYTES,
    BootstrapRequest,
    check_payload_size,
    parse_request,
)
from emr_bootstrap.core.versions import EmrVersion, parse_emr_version
from emr_bootstrap.shared.errors import InvalidRequest, render_error

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


# A bootstrap request as its caller meets it: every refusal names the field, the rule and what was wrong, in the
# words the README documents, and a valid request is read exactly as sent.
FIELDS = "['accountIds', 'emrVersion', 'features', 'roles', 'customEcsRole', 'dryRun', 'drift', 'strategy']"
ROLES = (
    "['AliyunEMRDefaultRole', 'AliyunECSInstanceForEMRRole', 'AliyunEmrEcsDefaultRole', 'AliyunEMRManagedCostRole', "
    "'AliyunECSInstanceForEMRStudioRole']"
)


def refused(payload: Any) -> tuple[str, str, str]:
    """(field, rule, message) of the refusal; the error's text is "FIELD: MESSAGE"."""
    with pytest.raises(InvalidRequest) as caught:
        parse_request(payload)
    error = caught.value
    assert str(error) == error.message and error.message.startswith(f"{error.field}: ")
    assert error.code == "InvalidRequest"
    return error.field, error.rule, error.message[len(error.field) + 2 :]


def request(**fields: Any) -> dict[str, Any]:
    return {"accountIds": [ACCOUNT], **fields}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([], ("$", "type", "the request must be a JSON object, got array")),
        ("{}", ("$", "type", "the request must be a JSON object, got string")),
        (5, ("$", "type", "the request must be a JSON object, got number")),
        (1.5, ("$", "type", "the request must be a JSON object, got number")),
        (None, ("$", "type", "the request must be a JSON object, got null")),
        (True, ("$", "type", "the request must be a JSON object, got boolean")),
        ({1, 2}, ("$", "type", "the request must be a JSON object, got set")),
        (request(dryrun=True), ("dryrun", "unknown-field", f"unknown field; known fields are {FIELDS}")),
        (request(**{"x" * 40: 1}), ("x" * 40, "unknown-field", f"unknown field; known fields are {FIELDS}")),
        (request(**{"y" * 41: 1}), ("y" * 37 + "...", "unknown-field", f"unknown field; known fields are {FIELDS}")),
        ({}, ("accountIds", "required", "is required: a non-empty array of account IDs")),
        ({"accountIds": None}, ("accountIds", "required", "is required: a non-empty array of account IDs")),
        ({"accountIds": ACCOUNT}, ("accountIds", "type", "must be an array of strings, got string")),
        ({"accountIds": {}}, ("accountIds", "type", "must be an array of strings, got object")),
        ({"accountIds": []}, ("accountIds", "non-empty", "must not be empty")),
        ({"accountIds": [ACCOUNT] * 1001}, ("accountIds", "max-items", "must have at most 1000 items, got 1001")),
        ({"accountIds": [ACCOUNT, 7]}, ("accountIds[1]", "type", "must be a string, got number")),
        ({"accountIds": [True]}, ("accountIds[0]", "type", "must be a string, got boolean")),
        ({"accountIds": ["12ab"]}, ("accountIds[0]", "account-id", 'must be a string of 10-20 digits, got "12ab"')),
        (
            {"accountIds": ["123456789"]},
            ("accountIds[0]", "account-id", 'must be a string of 10-20 digits, got "123456789"'),
        ),
        (
            {"accountIds": ["1" * 60]},
            ("accountIds[0]", "account-id", "must be a string of 10-20 digits, got " + ('"' + "1" * 36) + "..."),
        ),
        (request(emrVersion=5), ("emrVersion", "type", "must be a string, got number")),
        (request(dryRun="yes"), ("dryRun", "type", "must be a boolean, got string")),
        (request(dryRun=1), ("dryRun", "type", "must be a boolean, got number")),
        (request(drift="fix"), ("drift", "enum", "must be one of ['report', 'repair'], got \"fix\"")),
        (request(drift=True), ("drift", "type", "must be a string, got boolean")),
        (
            request(strategy="fast"),
            ("strategy", "enum", "must be one of ['create-first', 'read-first'], got \"fast\""),
        ),
        (request(roles=[]), ("roles", "non-empty", "must not be empty")),
        (request(roles=["AliyunEMRDefaultRole"] * 6), ("roles", "max-items", "must have at most 5 items, got 6")),
        (request(roles=["Nope"]), ("roles[0]", "catalog-role", f'must be one of {ROLES}, got "Nope"')),
        (request(customEcsRole=5), ("customEcsRole", "type", "must be a string, got number")),
        (
            request(customEcsRole="my role"),
            ("customEcsRole", "role-name", 'must be a RAM role name (1-64 of A-Z a-z 0-9 . -), got "my role"'),
        ),
        (
            request(customEcsRole="aliyunemrdefaultrole"),
            ("customEcsRole", "custom-role", "must name your own role, not the catalog role aliyunemrdefaultrole"),
        ),
        (
            request(roles=["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"], customEcsRole="MyEcsRole"),
            (
                "customEcsRole",
                "conflict",
                "replaces the ECS application role, but roles[1] asks for AliyunECSInstanceForEMRRole; "
                "drop one of them",
            ),
        ),
        (
            request(features=["studio", "x"]),
            ("features[1]", "feature", "must be one of ['costAnalysis', 'studio'], got \"x\""),
        ),
        (
            request(features=["studio", "studio", "studio"]),
            ("features", "max-items", "must have at most 2 items, got 3"),
        ),
        (request(features=[{}]), ("features[0]", "type", "must be a string, got object")),
    ],
)
def test_an_invalid_request_is_refused_naming_the_field_the_rule_and_the_value(
    payload: Any, expected: tuple[str, str, str]
) -> None:
    assert refused(payload) == expected


def test_a_full_request_is_read_as_sent() -> None:
    parsed = parse_request(
        {
            "accountIds": ["2222222222", ACCOUNT, "2222222222"],
            "emrVersion": "EMR-3.30.0",
            "features": ["studio", "costAnalysis", "studio"][:2],
            "roles": ["aliyunemrdefaultrole", "AliyunEMRManagedCostRole", "ALIYUNEMRDEFAULTROLE"],
            "customEcsRole": "MyEcsRole",
            "dryRun": True,
            "drift": "repair",
            "strategy": "create-first",
        }
    )
    assert parsed == BootstrapRequest(
        account_ids=("2222222222", ACCOUNT),
        emr_version=parse_emr_version("EMR-3.30.0"),
        features=frozenset({"studio", "costAnalysis"}),
        roles=("AliyunEMRDefaultRole", "AliyunEMRManagedCostRole"),
        custom_ecs_role="MyEcsRole",
        dry_run=True,
        drift="repair",
        strategy="create-first",
    )


def test_optional_fields_may_be_absent_or_null_with_the_same_meaning() -> None:
    nulls = dict.fromkeys(("emrVersion", "features", "roles", "customEcsRole", "dryRun", "drift", "strategy"))
    for payload in (request(), request(**nulls)):
        assert parse_request(payload) == BootstrapRequest(account_ids=(ACCOUNT,))
    parsed = parse_request(request(drift="report", strategy="read-first", dryRun=False))
    assert (parsed.drift, parsed.strategy, parsed.dry_run) == ("report", "read-first", False)


def test_a_custom_ecs_role_may_come_with_roles_that_are_not_the_ecs_role() -> None:
    parsed = parse_request(request(roles=["AliyunEMRDefaultRole"], customEcsRole="MyEcsRole"))
    assert parsed.roles == ("AliyunEMRDefaultRole",) and parsed.custom_ecs_role == "MyEcsRole"


def test_a_thousand_accounts_are_accepted() -> None:
    ids = [f"{n:016d}" for n in range(1000)]
    assert parse_request({"accountIds": ids}).account_ids == tuple(ids)


@pytest.mark.parametrize(
    ("fields", "strategy", "mode"),
    [
        ({}, "read-first", "write"),
        ({"strategy": "create-first"}, "create-first", "write"),
        ({"strategy": "create-first", "dryRun": True}, "read-first", "read"),
        ({"drift": "repair"}, "read-first", "repair"),
        ({"drift": "repair", "dryRun": True}, "read-first", "read"),
    ],
)
def test_strategy_and_session_mode_follow_the_request(fields: dict[str, Any], strategy: str, mode: str) -> None:
    parsed = parse_request(request(**fields))
    assert (parsed.effective_strategy, parsed.mode) == (strategy, mode)


def test_the_payload_may_be_64_kib_and_not_a_byte_more() -> None:
    check_payload_size(65536)
    with pytest.raises(InvalidRequest) as caught:
        check_payload_size(65537)
    assert (caught.value.field, caught.value.rule) == ("$", "max-size")
    assert str(caught.value) == "$: the request must be at most 65536 bytes, got 65537"


def test_an_echoed_value_is_cut_only_past_forty_characters() -> None:
    forty = "1" * 38  # 40 characters once quoted
    assert refused({"accountIds": [forty]})[2] == f'must be a string of 10-20 digits, got "{forty}"'
    longer = "2" * 39
    assert refused({"accountIds": [longer]})[2] == 'must be a string of 10-20 digits, got "' + "2" * 36 + "..."
