"""What a drifted role's report says about its trust policy: conditions compare by value whatever their order or
nesting, a principal-less grant reads "any principal", and a long difference lists three grants and counts the
rest."""

from __future__ import annotations

from typing import Any

from emr_bootstrap.trust import compare_trust

SERVICE = {"Service": ["emr.aliyuncs.com"]}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Statement": list(statements), "Version": "1"}


def allow(**extra: Any) -> dict[str, Any]:
    return {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": SERVICE, **extra}


def test_conditions_compare_by_value_not_by_order_nor_by_list_spelling() -> None:
    one = allow(Condition={"StringEquals": {"sts:ExternalId": ["a", "b"]}})
    assert compare_trust(policy(one), policy(allow(Condition={"StringEquals": {"sts:ExternalId": ["b", "a"]}}))).equal
    assert compare_trust(policy(allow(Resource="x")), policy(allow(Resource=["x"]))).equal
    assert compare_trust(policy(allow(Resource=[["b", "a"]])), policy(allow(Resource=[["a", "b"]]))).equal


def test_conditions_with_other_values_are_a_difference() -> None:
    one = allow(Condition={"StringEquals": {"sts:ExternalId": ["a", "b"]}})
    other = allow(Condition={"StringEquals": {"sts:ExternalId": ["a", "c"]}})
    result = compare_trust(policy(one), policy(other))
    assert not result.equal and not result.widened and result.expected_principals_allowed is True
    assert not compare_trust(policy(allow(Resource="ab")), policy(allow(Resource="ba"))).equal
    assert not compare_trust(policy(allow(Resource=[["a"]])), policy(allow(Resource=[["c"]]))).equal
    assert not compare_trust(policy(allow(Resource=[{"k": "a"}])), policy(allow(Resource=[{"k": "c"}]))).equal


def test_a_grant_without_a_principal_is_described_as_to_any_principal() -> None:
    anyone = {"Action": "sts:AssumeRole", "Effect": "Allow"}
    result = compare_trust(policy(allow()), policy(allow(), anyone))
    assert result.widened
    assert result.difference == "also has Allow sts:assumerole to any principal"


def test_a_long_difference_lists_three_grants_and_counts_the_rest() -> None:
    services = [f"s{n}.aliyuncs.com" for n in range(5)]
    many = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [*services, "emr.aliyuncs.com"]}}
    result = compare_trust(policy(allow()), policy(many))
    assert result.difference == (
        "also has Allow sts:assumerole to Service s0.aliyuncs.com, Allow sts:assumerole to Service s1.aliyuncs.com, "
        "Allow sts:assumerole to Service s2.aliyuncs.com and 2 more"
    )
    three = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": services[:3]}}
    assert compare_trust(policy(), policy(three)).difference == (
        "also has Allow sts:assumerole to Service s0.aliyuncs.com, Allow sts:assumerole to Service s1.aliyuncs.com, "
        "Allow sts:assumerole to Service s2.aliyuncs.com"
    )


def test_a_role_whose_trust_is_not_a_policy_is_drift_saying_why_and_never_a_widening() -> None:
    cases = {
        "{": "not valid JSON",
        "[]": "not a JSON object",
        '{"Version": "1"}': "Statement is missing",
        '{"Version": "1", "Statement": ["x"]}': "each Statement must be an object",
        '{"Version": "1", "Statement": [{"Effect": 1, "Action": "sts:AssumeRole"}]}': "Effect must be a string",
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": 5}]}': (
            "Action must be a string or a list, got int"
        ),
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a", "Principal": 5}]}': (
            "Principal must be an object"
        ),
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a", "Principal": {"Service": 5}}]}': (
            "Principal.Service must be a string or a list, got int"
        ),
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a", "Principal": {"Service": [1]}}]}': (
            "Principal.Service must contain strings"
        ),
    }
    for actual, why in cases.items():
        result = compare_trust(policy(allow()), actual)
        assert result.equal is False and result.widened is False and result.expected_principals_allowed is True
        assert result.difference == f"trust policy is {why}"


def test_a_string_principal_is_a_principal_of_no_type_compared_in_any_case() -> None:
    no_principal = {"Action": "sts:AssumeRole", "Effect": "Allow"}
    assert compare_trust(policy(no_principal), policy({**no_principal, "Principal": "*"})).equal
    assert compare_trust(
        policy({**no_principal, "Principal": {"": ["acs"]}}), policy({**no_principal, "Principal": "ACS"})
    ).equal


def test_a_statement_without_an_action_is_described_as_such() -> None:
    no_action = {"Effect": "Allow", "Principal": SERVICE}
    assert compare_trust(policy(allow()), policy(allow(), no_action)).difference == (
        "also has Allow (no action) to Service emr.aliyuncs.com"
    )


def test_other_elements_compare_whatever_their_key_order() -> None:
    one = allow(Condition={"Bool": {"x": "true"}}, Resource="r")
    other = {"Resource": "r", "Condition": {"Bool": {"x": "true"}}, **allow()}
    assert compare_trust(policy(one), policy(other)).equal


def test_several_differences_are_listed_in_one_sentence() -> None:
    actual = {"Statement": [allow(Principal={"Service": ["ecs.aliyuncs.com"]})], "Version": "2"}
    assert compare_trust(policy(allow()), actual).difference == (
        'Version is "2", expected "1"; also has Allow sts:assumerole to Service ecs.aliyuncs.com; '
        "lacks Allow sts:assumerole to Service emr.aliyuncs.com"
    )
