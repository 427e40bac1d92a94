"""Policy evaluation, continued: session policies narrowing a role, trust policies deciding who may assume a role,
and role ARNs."""

from __future__ import annotations

import json

import pytest

from emulator.core.policy import (
    Decision,
    Principal,
    evaluate_session,
    parse_role_arn,
    role_arn,
    trust_allows,
)
from tests.emulator.test_policy_evaluation import (
    ACCT,
    ADMIN,
    OTHER,
    ROLE_X,
    ROLE_Y,
    allow,
    deny,
    doc,
    trust,
    trusts,
)

# ---------------------------------------------------------------------------------------------- sessions


NARROW = doc(allow("ram:GetRole", ROLE_X))


def test_session_policy_narrows_admin_to_one_action_on_one_role() -> None:
    assert evaluate_session([ADMIN], NARROW, "ram:GetRole", ROLE_X).allowed
    assert evaluate_session([ADMIN], NARROW, "ram:CreateRole", ROLE_X) == Decision(False, False)
    assert evaluate_session([ADMIN], NARROW, "ram:GetRole", ROLE_Y) == Decision(False, False)


def test_session_without_policy_is_the_role_decision() -> None:
    assert evaluate_session([ADMIN], None, "ram:CreateRole", ROLE_X).allowed
    assert not evaluate_session([], None, "ram:CreateRole", ROLE_X).allowed


def test_session_policy_cannot_widen_the_role() -> None:
    read_only = doc(allow(["ram:Get*", "ram:List*"]))
    assert not evaluate_session([read_only], ADMIN, "ram:CreateRole", ROLE_X).allowed
    assert evaluate_session([read_only], ADMIN, "ram:GetRole", ROLE_X).allowed


def test_deny_in_either_the_role_or_the_session_policy_is_explicit() -> None:
    role_deny = doc(allow("*"), deny("ram:GetRole"))
    session_deny = doc(allow("*"), deny("ram:GetRole"))
    assert evaluate_session([role_deny], ADMIN, "ram:GetRole", ROLE_X).explicit_deny
    assert evaluate_session([ADMIN], session_deny, "ram:GetRole", ROLE_X).explicit_deny


# ---------------------------------------------------------------------------------------------- trust


USER_ALICE = Principal("user", ACCT, "alice")
ROLE_OPS = Principal("role", ACCT, "Ops")
ROOT = Principal("account-root", ACCT, None)
ECS = Principal("service", None, "ecs.aliyuncs.com")
EMR = Principal("service", None, "emr.aliyuncs.com")


def test_account_root_trust_allows_every_user_and_role_of_that_account_only() -> None:
    policy = trust(trusts({"RAM": [f"acs:ram::{ACCT}:root"]}))
    assert trust_allows(policy, USER_ALICE)
    assert trust_allows(policy, ROLE_OPS)
    assert trust_allows(policy, ROOT)  # STS refuses root callers separately
    assert not trust_allows(policy, Principal("user", OTHER, "alice"))
    assert not trust_allows(policy, ECS)
    assert not trust_allows(policy, Principal("service", ACCT, "ecs.aliyuncs.com"))  # a service is not "the account"


def test_specific_user_trust_allows_only_that_user_case_insensitively() -> None:
    policy = trust(trusts({"RAM": f"acs:ram::{ACCT}:user/Alice"}))
    assert trust_allows(policy, USER_ALICE)
    assert not trust_allows(policy, Principal("user", ACCT, "bob"))
    assert not trust_allows(policy, Principal("role", ACCT, "alice"))
    assert not trust_allows(policy, Principal("user", OTHER, "alice"))


def test_specific_role_trust_allows_only_that_role() -> None:
    policy = trust(trusts({"RAM": [f"acs:ram::{ACCT}:role/ops", f"acs:ram::{OTHER}:role/x"]}))
    assert trust_allows(policy, ROLE_OPS)
    assert trust_allows(policy, Principal("role", OTHER, "X"))
    assert not trust_allows(policy, Principal("role", ACCT, "x"))
    assert not trust_allows(policy, Principal("user", ACCT, "ops"))


def test_service_trust_allows_only_that_service() -> None:
    # The EMR default-role trust documents ([REF] 2.2).
    policy = json.loads(
        '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":'
        '{"Service":["ecs.aliyuncs.com"]}}],"Version":"1"}'
    )
    assert trust_allows(policy, ECS)
    assert trust_allows(policy, Principal("service", ACCT, "ECS.aliyuncs.com"))
    assert not trust_allows(policy, EMR)
    assert not trust_allows(policy, USER_ALICE)  # RAM users cannot assume service roles ([REF] 2.3)


def test_service_trust_with_account_prefix_requires_that_account() -> None:
    policy = trust(trusts({"Service": f"{ACCT}@fc.aliyuncs.com"}))
    assert trust_allows(policy, Principal("service", ACCT, "fc.aliyuncs.com"))
    assert not trust_allows(policy, Principal("service", OTHER, "fc.aliyuncs.com"))


def test_trust_deny_wins_over_allow() -> None:
    policy = trust(
        trusts({"RAM": f"acs:ram::{ACCT}:root"}),
        trusts({"RAM": f"acs:ram::{ACCT}:user/alice"}, effect="Deny"),
    )
    assert not trust_allows(policy, USER_ALICE)
    assert trust_allows(policy, Principal("user", ACCT, "bob"))


def test_trust_checks_the_action() -> None:
    policy = trust(trusts({"RAM": f"acs:ram::{ACCT}:root"}))
    assert not trust_allows(policy, USER_ALICE, action="sts:AssumeRoleWithSAML")
    assert trust_allows(trust(trusts({"RAM": f"acs:ram::{ACCT}:root"}, action="sts:*")), USER_ALICE)


def test_trust_conditions_are_conservative() -> None:
    conditional = {"Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    allow_if = trust({**trusts({"RAM": f"acs:ram::{ACCT}:root"}), **conditional})
    assert not trust_allows(allow_if, USER_ALICE)
    deny_if = trust(
        trusts({"RAM": f"acs:ram::{ACCT}:root"}), {**trusts({"RAM": f"acs:ram::{ACCT}:root"}, "Deny"), **conditional}
    )
    assert not trust_allows(deny_if, USER_ALICE)


def test_federated_principal_does_not_match_users() -> None:
    policy = trust(trusts({"Federated": f"acs:ram::{ACCT}:saml-provider/idp"}))
    assert not trust_allows(policy, USER_ALICE)


def test_trust_statement_without_principal_trusts_nobody() -> None:
    assert not trust_allows(doc(allow("sts:AssumeRole")), USER_ALICE)


def test_unknown_principal_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown principal kind"):
        Principal("group", ACCT, "g")


# ---------------------------------------------------------------------------------------------- ARNs


def test_role_arn_lowercases_the_name_and_parse_role_arn_reverses_it() -> None:
    assert role_arn(ACCT, "AliyunEMRDefaultRole") == f"acs:ram::{ACCT}:role/aliyunemrdefaultrole"
    assert parse_role_arn(f"acs:ram::{ACCT}:role/ResourceDirectoryAccountAccessRole") == (
        ACCT,
        "ResourceDirectoryAccountAccessRole",
    )
    assert parse_role_arn(f"acs:ram::{ACCT}:user/alice") is None
    assert parse_role_arn(f"acs:ram:cn-hangzhou:{ACCT}:role/x") is None
