"""Semantic trust-policy comparison (trust.py). Policy language: docs/alibaba-cloud.md §2.3; case rules §2.3/§2.4."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emr_bootstrap.trust import compare_trust
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
