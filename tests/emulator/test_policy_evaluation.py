"""Scenario tests for emulator.core.policy: parsing, evaluation, sessions, trust policies.

Sources: RAM policy elements https://www.alibabacloud.com/help/en/doc-detail/93738.htm, policy structure and
syntax https://www.alibabacloud.com/help/document_detail/93739.html, policy evaluation
https://help.aliyun.com/en/ram/policy-evaluation-process, and docs/alibaba-cloud.md ([REF]).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.core.errors import ApiError
from emulator.core.policy import (
    Decision,
    evaluate,
    parse_policy_document,
    parse_session_policy,
    resource_matches,
    role_arn,
)

ACCT = "1234567890123456"
OTHER = "6543210987654321"
ADMIN: dict[str, Any] = {"Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*"}], "Version": "1"}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return doc(*statements)


def trusts(principal: dict[str, Any], effect: str = "Allow", action: str = "sts:AssumeRole") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Principal": principal}


ROLE_X = role_arn(ACCT, "RoleX")
ROLE_Y = role_arn(ACCT, "RoleY")


# ---------------------------------------------------------------------------------------------- parsing


def malformed(text: str, **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        parse_policy_document(text, param="PolicyDocument", **kwargs)
    return info.value


def test_valid_document_is_returned_as_parsed() -> None:
    text = json.dumps(ADMIN)
    assert parse_policy_document(text, param="PolicyDocument") == ADMIN


def test_single_statement_object_is_accepted_and_returned_unchanged() -> None:
    document = {"Version": "1", "Statement": allow("ram:GetRole")}
    assert parse_policy_document(json.dumps(document), param="PolicyDocument") == document
    assert evaluate([document], "ram:GetRole", ROLE_X).allowed


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("not json", "{not json"),
        ("empty text", ""),
        ("top-level array", json.dumps([ADMIN])),
        ("version 2", json.dumps({**ADMIN, "Version": "2"})),
        ("version number 1", json.dumps({**ADMIN, "Version": 1})),
        ("missing version", json.dumps({"Statement": ADMIN["Statement"]})),
        ("missing statement", json.dumps({"Version": "1"})),
        ("empty statement", json.dumps({"Version": "1", "Statement": []})),
        ("statement is a string", json.dumps({"Version": "1", "Statement": "Allow"})),
        ("unknown top-level key", json.dumps({**ADMIN, "Id": "x"})),
        ("missing effect", json.dumps(doc({"Action": "*", "Resource": "*"}))),
        ("lowercase effect", json.dumps(doc({"Effect": "allow", "Action": "*", "Resource": "*"}))),
        ("both action and notaction", json.dumps(doc(allow("ram:*", NotAction="sts:*")))),
        ("neither action nor notaction", json.dumps(doc({"Effect": "Allow", "Resource": "*"}))),
        ("empty action list", json.dumps(doc(allow([])))),
        ("action without service prefix", json.dumps(doc(allow("GetRole")))),
        ("action not a string", json.dumps(doc(allow(["ram:GetRole", 3])))),
        ("missing resource in identity statement", json.dumps(doc({"Effect": "Allow", "Action": "*"}))),
        ("both resource and notresource", json.dumps(doc(allow("*", NotResource="acs:ram::1:role/x")))),
        ("empty resource string", json.dumps(doc(allow("*", "")))),
        ("unknown statement key", json.dumps(doc(allow("*", Foo="bar")))),
        ("duplicate key", '{"Version":"1","Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'),
        ("NaN constant", '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Sid":NaN}]}'),
        ("condition not an object", json.dumps(doc(allow("*", Condition=["x"])))),
        ("condition value is an object", json.dumps(doc(allow("*", Condition={"StringEquals": {"k": {}}})))),
        ("principal wildcard", json.dumps(doc(trusts("*")))),  # type: ignore[arg-type]
        ("principal wildcard value", json.dumps(doc(trusts({"RAM": ["*"]})))),
        ("principal unknown type", json.dumps(doc(trusts({"AWS": ["x"]})))),
        ("principal RAM not an ARN", json.dumps(doc(trusts({"RAM": ["alice"]})))),
        ("deeply nested json", "[" * 5000 + "]" * 5000),
    ],
)
def test_malformed_documents_give_400_malformed_policy_document(case: str, text: str) -> None:
    error = malformed(text, max_length=20000)
    assert (error.status, error.code, error.message) == (
        400,
        "MalformedPolicyDocument",
        "The policy format is invalid.",
    ), case


def test_malformed_error_keeps_the_reason_as_cause_but_not_on_the_wire() -> None:
    error = malformed(json.dumps({**ADMIN, "Version": "2"}))
    assert error.extra == {}
    assert "Version" in str(error.__cause__)


def test_oversize_document_gives_400_length_error_named_after_the_parameter() -> None:
    text = json.dumps(doc(allow(["ram:GetRole"] * 1000)))
    assert len(text) > 6144
    with pytest.raises(ApiError) as info:
        parse_policy_document(text, param="AssumeRolePolicyDocument")
    assert (info.value.status, info.value.code) == (400, "InvalidParameter.AssumeRolePolicyDocument.Length")


def test_length_limit_is_inclusive_and_checked_before_json() -> None:
    text = json.dumps(ADMIN)
    assert parse_policy_document(text, param="P", max_length=len(text)) == ADMIN
    with pytest.raises(ApiError) as info:
        parse_policy_document("x" * 11, param="P", max_length=10)
    assert info.value.code == "InvalidParameter.P.Length"


def test_trust_statement_needs_no_resource_but_identity_statement_does() -> None:
    emr_trust = trust(trusts({"Service": ["emr.aliyuncs.com"]}))
    assert parse_policy_document(json.dumps(emr_trust), param="AssumeRolePolicyDocument", kind="trust")
    assert malformed(json.dumps(doc({"Effect": "Allow", "Action": "ram:GetRole"}))).code == "MalformedPolicyDocument"


def test_kind_trust_requires_principal_and_kind_permission_forbids_it() -> None:
    assert malformed(json.dumps(ADMIN), kind="trust").status == 400
    emr_trust = trust(trusts({"Service": "emr.aliyuncs.com"}))
    assert malformed(json.dumps(emr_trust), kind="permission").status == 400
    assert parse_policy_document(json.dumps(ADMIN), param="PolicyDocument", kind="permission") == ADMIN


def test_condition_and_sid_and_notresource_are_accepted() -> None:
    document = doc(
        allow("oss:GetObject", Sid="s1", Condition={"StringEquals": {"acs:SourceVpc": ["vpc-1"]}}),
        {"Effect": "Deny", "NotAction": "ram:Get*", "NotResource": ["acs:ram::1:role/a"]},
    )
    assert parse_policy_document(json.dumps(document), param="PolicyDocument") == document


# ---------------------------------------------------------------------------------------------- session policy


def test_session_policy_over_2048_bytes_gives_policy_size() -> None:
    text = json.dumps(doc(allow("ram:GetRole", "acs:ram::1:role/" + "a" * 2100)))
    with pytest.raises(ApiError) as info:
        parse_session_policy(text)
    assert (info.value.status, info.value.code) == (400, "InvalidParameter.PolicySize")


def test_session_policy_size_counts_utf8_bytes_not_characters() -> None:
    # 700 three-byte characters: about 2100 bytes but well under 2048 characters.
    text = json.dumps(doc(allow("ram:GetRole", "acs:ram::1:role/" + "角" * 700)), ensure_ascii=False)
    assert len(text) < 2048 < len(text.encode("utf-8"))
    with pytest.raises(ApiError) as info:
        parse_session_policy(text)
    assert info.value.code == "InvalidParameter.PolicySize"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({**ADMIN, "Version": "2"}),
        json.dumps(trust(trusts({"RAM": f"acs:ram::{ACCT}:root"}))),  # Principal is not allowed in a session policy
    ],
)
def test_bad_session_policy_grammar_gives_400_policy_grammar(text: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_session_policy(text)
    assert (info.value.status, info.value.code) == (400, "InvalidParameter.PolicyGrammar")


def test_valid_session_policy_is_returned() -> None:
    policy = doc(allow("ram:GetRole", ROLE_X))
    assert parse_session_policy(json.dumps(policy)) == policy


# ---------------------------------------------------------------------------------------------- evaluate


def test_no_documents_is_an_implicit_deny() -> None:
    decision = evaluate([], "ram:GetRole", ROLE_X)
    assert decision == Decision(allowed=False, explicit_deny=False)
    assert decision.no_permission_type == "ImplicitDeny"


def test_admin_allows_anything() -> None:
    decision = evaluate([ADMIN], "ecs:RunInstances", "acs:ecs:cn-hangzhou:1:instance/i-1")
    assert decision == Decision(allowed=True, explicit_deny=False)
    assert decision.no_permission_type is None


def test_deny_beats_allow_in_the_same_document() -> None:
    decision = evaluate([doc(allow("*"), deny("ram:DeleteRole"))], "ram:DeleteRole", ROLE_X)
    assert decision == Decision(allowed=False, explicit_deny=True)
    assert decision.no_permission_type == "ExplicitDeny"


def test_deny_beats_allow_across_documents_in_any_order() -> None:
    denial = doc(deny("ram:*"))
    assert evaluate([ADMIN, denial], "ram:CreateRole", ROLE_X).explicit_deny
    assert evaluate([denial, ADMIN], "ram:CreateRole", ROLE_X).explicit_deny
    assert evaluate([ADMIN, denial], "sts:AssumeRole", ROLE_X).allowed


def test_deny_that_does_not_match_leaves_the_allow() -> None:
    assert evaluate([doc(allow("*"), deny("ram:DeleteRole"))], "ram:GetRole", ROLE_X).allowed


def test_not_action_allow_grants_everything_except_listed_actions() -> None:
    # [ELEM] example: allow everything except RAM.
    policy = doc({"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"})
    assert evaluate([policy], "ecs:DescribeInstances", "*").allowed
    assert evaluate([policy], "ram:CreateRole", ROLE_X) == Decision(False, False)


def test_not_action_deny_denies_everything_except_listed_actions() -> None:
    policy = doc(allow("*"), {"Effect": "Deny", "NotAction": ["ram:Get*", "ram:List*"], "Resource": "*"})
    assert evaluate([policy], "ram:GetRole", ROLE_X).allowed
    assert evaluate([policy], "ram:CreateRole", ROLE_X).explicit_deny


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ram:*", "ram:CreateRole", True),
        ("ram:*", "sts:AssumeRole", False),
        ("ram:Get*", "ram:GetRole", True),
        ("ram:Get*", "ram:CreateRole", False),
        ("ram:Get*", "ram:Get", True),  # * matches the empty string
        ("ram:?etRole", "ram:GetRole", True),
        ("ram:?etRole", "ram:GGetRole", False),
        ("*:Get*", "resourcemanager:GetAccount", True),
        ("*", "anything:AtAll", True),
        ("ram:GetRole", "ram:GetRoles", False),  # whole-string match, not prefix
    ],
)
def test_wildcards_in_actions(pattern: str, action: str, expected: bool) -> None:
    assert evaluate([doc(allow(pattern))], action, ROLE_X).allowed is expected


@pytest.mark.parametrize(("pattern", "action"), [("RAM:getrole", "ram:GetRole"), ("ram:GetRole", "RAM:GETROLE")])
def test_action_names_are_case_insensitive(pattern: str, action: str) -> None:
    assert evaluate([doc(allow(pattern))], action, ROLE_X).allowed


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        (f"acs:ram::{ACCT}:role/*", ROLE_X, True),
        (f"acs:ram::{OTHER}:role/*", ROLE_X, False),
        ("acs:ram:*:*:role/*", ROLE_X, True),  # * matches RAM's empty region
        ("acs:ram:*:*:role/rolex", ROLE_X, True),
        ("acs:ram:*:*:role/roley", ROLE_X, False),
        ("acs:ram:*:*:role/role?", ROLE_X, True),
        ("acs:ram:*:*:user/*", ROLE_X, False),
        ("acs:ram:*:*:*", ROLE_X, True),
        ("acs:ecs:*:*:*", ROLE_X, False),
        ("acs:*", ROLE_X, True),  # not a five-field pattern: matched as a whole string
        ("acs:ram:cn-hangzhou:*:role/*", ROLE_X, False),  # a non-empty region does not match the empty one
        (f"acs:ram::{ACCT}:role/rolex/*", ROLE_X, False),
    ],
)
def test_wildcards_in_resources(pattern: str, resource: str, expected: bool) -> None:
    assert resource_matches(pattern, resource) is expected
    assert evaluate([doc(allow("ram:GetRole", pattern))], "ram:GetRole", resource).allowed is expected


def test_role_arn_matching_is_case_insensitive_both_ways() -> None:
    # RAM lowercases role ARNs ([REF] 2.4): a policy written with the console spelling still applies.
    policy = doc(allow("ram:UpdateRole", f"acs:ram::{ACCT}:role/ECSAdmin"))
    assert role_arn(ACCT, "ECSAdmin") == f"acs:ram::{ACCT}:role/ecsadmin"
    assert evaluate([policy], "ram:UpdateRole", role_arn(ACCT, "ECSAdmin")).allowed
    assert evaluate([policy], "ram:UpdateRole", f"ACS:RAM::{ACCT}:ROLE/ECSADMIN").allowed
    assert not evaluate([policy], "ram:UpdateRole", role_arn(ACCT, "ECSAdmin2")).allowed


def test_non_ram_relative_ids_are_case_sensitive() -> None:
    # Decision (unconfirmed): only RAM resource names are case-insensitive; OSS object keys are not.
    assert resource_matches("acs:oss:*:*:bucket/Data/*", "acs:oss:cn-hangzhou:1:bucket/Data/x")
    assert not resource_matches("acs:oss:*:*:bucket/Data/*", "acs:oss:cn-hangzhou:1:bucket/data/x")
    assert resource_matches("ACS:OSS:*:*:bucket/Data/*", "acs:oss:cn-hangzhou:1:bucket/Data/x")


def test_not_resource_applies_to_every_other_resource() -> None:
    protected = f"acs:ram::{ACCT}:role/ResourceDirectoryAccountAccessRole"
    policy = doc(allow("ram:*"), {"Effect": "Deny", "Action": "ram:DeleteRole", "NotResource": ROLE_X})
    assert evaluate([policy], "ram:DeleteRole", ROLE_X).allowed
    assert evaluate([policy], "ram:DeleteRole", role_arn(ACCT, "ResourceDirectoryAccountAccessRole")).explicit_deny
    assert protected.lower() == role_arn(ACCT, "ResourceDirectoryAccountAccessRole")


def test_control_policy_style_deny_protects_the_rd_access_role() -> None:
    # Alibaba's sample control policy ([REF] 3.1) with a mixed-case role name in the Resource.
    guard = doc(
        allow("*"),
        deny(
            ["ram:UpdateRole", "ram:DeleteRole", "ram:AttachPolicyToRole", "ram:DetachPolicyFromRole"],
            "acs:ram:*:*:role/ResourceDirectoryAccountAccessRole",
        ),
    )
    rd_role = role_arn(ACCT, "ResourceDirectoryAccountAccessRole")
    assert evaluate([guard], "ram:DeleteRole", rd_role).explicit_deny
    assert evaluate([guard], "ram:GetRole", rd_role).allowed
    assert evaluate([guard], "ram:DeleteRole", ROLE_X).allowed


def test_statement_without_resource_matches_any_resource() -> None:
    # Only trust-style statements (with Principal) may omit Resource; evaluate ignores the Principal.
    policy = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": f"acs:ram::{ACCT}:root"}})
    assert evaluate([policy], "sts:AssumeRole", ROLE_X).allowed
    assert evaluate([policy], "sts:AssumeRole", "acs:oss:*:*:anything").allowed


def test_allow_with_condition_does_not_apply() -> None:
    policy = doc(allow("ram:GetRole", Condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    assert evaluate([policy], "ram:GetRole", ROLE_X) == Decision(False, False)


def test_deny_with_condition_always_applies() -> None:
    policy = doc(allow("*"), deny("ram:CreateRole", Condition={"Bool": {"acs:MFAPresent": "false"}}))
    assert evaluate([policy], "ram:CreateRole", ROLE_X).explicit_deny
    assert evaluate([policy], "ram:GetRole", ROLE_X).allowed


def test_empty_condition_block_is_no_condition() -> None:
    assert evaluate([doc(allow("ram:GetRole", Condition={}))], "ram:GetRole", ROLE_X).allowed


def test_evaluate_rejects_a_malformed_stored_document() -> None:
    with pytest.raises(ApiError) as info:
        evaluate([{"Version": "2", "Statement": []}], "ram:GetRole", ROLE_X)
    assert info.value.code == "MalformedPolicyDocument"
