"""Semantic trust-policy comparison (trust.py). Policy language: docs/alibaba-cloud.md §2.3; case rules §2.3/§2.4."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.core.trust import compare_trust
from hypothesis import given
from hypothesis import strategies as st

SERVICES = ["emr.aliyuncs.com", "ecs.aliyuncs.com", "fc.aliyuncs.com", "oss.aliyuncs.com"]
ARNS = ["acs:ram::1234567890123456:root", "acs:ram::1111111111111111:role/Admin"]


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Statement": list(statements), "Version": "1"}


def service_statement(*services: str, action: str = "sts:AssumeRole", effect: str = "Allow") -> dict[str, Any]:
    return {"Action": action, "Effect": effect, "Principal": {"Service": list(services)}}


CATALOG_STYLE = policy(service_statement("emr.aliyuncs.com"))


def test_identical_documents_are_equal() -> None:
    result = compare_trust(CATALOG_STYLE, json.dumps(CATALOG_STYLE))
    assert result.equal and result.difference is None and not result.widened


@pytest.mark.parametrize(
    "actual",
    [
        # string instead of list, reordered keys, single statement object, case of action/service/effect
        '{"Version":"1","Statement":{"Principal":{"Service":"emr.aliyuncs.com"},"Effect":"Allow","Action":"sts:AssumeRole"}}',
        '{"Statement":[{"Action":["STS:assumerole"],"Effect":"allow","Principal":{"Service":["EMR.Aliyuncs.COM"]}}],"Version":"1"}',
        # duplicated statement and a Sid do not change what is granted
        json.dumps(
            policy({**service_statement("emr.aliyuncs.com"), "Sid": "a"}, service_statement("emr.aliyuncs.com"))
        ),
    ],
)
def test_spelling_differences_that_grant_the_same_are_equal(actual: str) -> None:
    assert compare_trust(CATALOG_STYLE, actual).equal


def test_a_different_service_is_drift_described_both_ways() -> None:
    result = compare_trust(CATALOG_STYLE, policy(service_statement("ecs.aliyuncs.com")))
    assert not result.equal and result.widened
    assert result.difference is not None
    assert "also has Allow sts:assumerole to Service ecs.aliyuncs.com" in result.difference
    assert "lacks Allow sts:assumerole to Service emr.aliyuncs.com" in result.difference


def test_an_added_account_principal_is_a_widened_trust() -> None:
    actual = policy(
        service_statement("emr.aliyuncs.com"),
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ARNS[0]}},
    )
    result = compare_trust(CATALOG_STYLE, actual)
    assert not result.equal and result.widened
    assert result.difference == f"also has Allow sts:assumerole to RAM {ARNS[0]}"


def test_ram_principal_arns_compare_case_insensitively() -> None:
    expected = policy({"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::1:role/Admin"]}})
    actual = policy({"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": "acs:ram::1:role/admin"}})
    assert compare_trust(expected, actual).equal


def test_a_condition_makes_a_different_grant() -> None:
    conditioned = {**service_statement("emr.aliyuncs.com"), "Condition": {"StringEquals": {"acs:SourceIp": "1.2.3.4"}}}
    result = compare_trust(CATALOG_STYLE, policy(conditioned))
    assert not result.equal and result.difference is not None and "StringEquals" in result.difference


def test_an_added_deny_is_different_but_not_widened() -> None:
    result = compare_trust(
        CATALOG_STYLE,
        policy(service_statement("emr.aliyuncs.com"), service_statement("emr.aliyuncs.com", effect="Deny")),
    )
    assert not result.equal and not result.widened


@pytest.mark.parametrize(
    ("actual", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"Version":"1"}', "Statement is missing"),
        ('{"Version":"1","Statement":[{"Effect":"Allow","Action":1}]}', "Action must be"),
        (
            '{"Version":"2","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"emr.aliyuncs.com"}}]}',
            'Version is "2"',
        ),
    ],
)
def test_unreadable_or_odd_documents_are_never_equal(actual: str, fragment: str) -> None:
    result = compare_trust(CATALOG_STYLE, actual)
    assert not result.equal and result.difference is not None and fragment in result.difference


# -- properties --------------------------------------------------------------------------------------------------
def _case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips + [False] * len(text), strict=False))


principals = st.one_of(
    st.builds(lambda s: ("Service", s), st.sampled_from(SERVICES)),
    st.builds(lambda a: ("RAM", a), st.sampled_from(ARNS)),
)
statement_specs = st.lists(
    st.tuples(st.sampled_from(["Allow", "Deny"]), st.lists(principals, min_size=1, max_size=3)), min_size=1, max_size=3
)


def _document(specs: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, Any]:
    statements = []
    for effect, pairs in specs:
        by_type: dict[str, list[str]] = {}
        for kind, value in pairs:
            by_type.setdefault(kind, []).append(value)
        statements.append({"Action": "sts:AssumeRole", "Effect": effect, "Principal": by_type})
    return policy(*statements)


@given(statement_specs)
def test_comparison_is_reflexive(specs: list[tuple[str, list[tuple[str, str]]]]) -> None:
    document = _document(specs)
    assert compare_trust(document, json.dumps(document)).equal


@given(statement_specs, st.randoms(use_true_random=False), st.lists(st.booleans(), max_size=80))
def test_reordering_listifying_and_case_changes_keep_equality(specs: list[Any], rnd: Any, flips: list[bool]) -> None:
    document = _document(specs)
    variant = json.loads(json.dumps(document))
    rnd.shuffle(variant["Statement"])
    for statement in variant["Statement"]:
        statement["Action"] = [_case(statement["Action"], flips)]
        statement["Effect"] = _case(statement["Effect"], flips)
        for kind, values in list(statement["Principal"].items()):
            values = [_case(v, flips) for v in values]
            rnd.shuffle(values)
            statement["Principal"][kind] = values[0] if len(values) == 1 and rnd.random() < 0.5 else values
        statement.update(dict(reversed(list(statement.items()))))
    if len(variant["Statement"]) == 1 and rnd.random() < 0.5:
        variant["Statement"] = variant["Statement"][0]
    assert compare_trust(document, json.dumps(variant)).equal


@given(st.sampled_from(SERVICES), st.sampled_from(SERVICES))
def test_a_different_service_is_never_equal(expected: str, actual: str) -> None:
    result = compare_trust(policy(service_statement(expected)), policy(service_statement(actual)))
    assert result.equal == (expected == actual)


@given(statement_specs, principals)
def test_an_added_allowed_principal_is_never_equal_unless_already_allowed(
    specs: list[Any], extra: tuple[str, str]
) -> None:
    document = _document(specs)
    widened = json.loads(json.dumps(document))
    widened["Statement"].append({"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {extra[0]: [extra[1]]}})
    already = any(effect == "Allow" and extra in pairs for effect, pairs in specs)
    result = compare_trust(document, widened)
    assert result.equal == already
    if not already:
        assert result.widened


# What a drifted role's report says about its trust policy: conditions compare by value whatever their order or
# nesting, a principal-less grant reads "any principal", and a long difference lists three grants and counts the
# rest.
SERVICE = {"Service": ["emr.aliyuncs.com"]}


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
