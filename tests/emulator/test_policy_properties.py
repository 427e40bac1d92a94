"""Property tests (hypothesis) for emulator.core.policy."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.core.errors import ApiError
from emulator.core.policy import (
    Principal,
    evaluate,
    evaluate_session,
    parse_policy_document,
    trust_allows,
    wildcard_match,
)

ACCOUNTS = ["111", "222"]
ROLE_NAMES = ["Alice", "bob", "EMRRole"]
ACTIONS = [
    "ram:GetRole",
    "ram:CreateRole",
    "ram:ListRoles",
    "ram:AttachPolicyToRole",
    "sts:AssumeRole",
    "resourcemanager:ListAccounts",
    "ecs:DescribeInstances",
]
ACTION_PATTERNS = [*ACTIONS, "*", "ram:*", "ram:Get*", "RAM:getrole", "*:List*", "sts:Assume?ole", "ecs:*"]
RESOURCES = [f"acs:ram::{a}:role/{n.lower()}" for a in ACCOUNTS for n in ROLE_NAMES] + [
    "acs:ecs:cn-hangzhou:111:instance/i-1"
]
RESOURCE_PATTERNS = [
    "*",
    "acs:ram::111:role/*",
    "acs:ram:*:*:role/Alice",
    "acs:ram:*:*:role/b?b",
    "acs:ram::222:*",
    "acs:ecs:*:*:*",
    "acs:ram:*:*:user/*",
]

actions = st.sampled_from(ACTIONS)
resources = st.sampled_from(RESOURCES)


def _one_or_many(values: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None, conditions: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement[draw(st.sampled_from(["Action", "NotAction"]))] = draw(_one_or_many(ACTION_PATTERNS))
    statement[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(_one_or_many(RESOURCE_PATTERNS))
    if conditions and draw(st.booleans()) and draw(st.booleans()):
        statement["Condition"] = {"StringEquals": {"acs:SourceVpc": ["vpc-1"]}}
    return statement


@st.composite
def documents(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    return {"Version": "1", "Statement": draw(st.lists(statements(effect), min_size=1, max_size=4))}


document_lists = st.lists(documents(), max_size=3)


@given(document_lists, documents(effect="Deny"), actions, resources)
def test_adding_a_deny_never_turns_a_denial_into_an_allow(
    docs: list[dict[str, Any]], denial: dict[str, Any], action: str, resource: str
) -> None:
    before = evaluate(docs, action, resource)
    after = evaluate([*docs, denial], action, resource)
    assert not (after.allowed and not before.allowed)
    if before.explicit_deny:
        assert after.explicit_deny


@given(document_lists, documents(), actions, resources)
def test_session_policy_never_widens(
    docs: list[dict[str, Any]], session: dict[str, Any], action: str, resource: str
) -> None:
    decision = evaluate_session(docs, session, action, resource)
    if decision.allowed:
        assert evaluate(docs, action, resource).allowed
        assert evaluate([session], action, resource).allowed
    assert evaluate_session(docs, None, action, resource) == evaluate(docs, action, resource)


action_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,11}:[A-Za-z][A-Za-z0-9]{0,15}\Z")


@given(st.lists(documents(effect="Allow"), max_size=3), action_names, resources)
def test_star_action_allows_every_action_without_a_deny(docs: list[dict[str, Any]], action: str, resource: str) -> None:
    admin = {"Version": "1", "Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*"}]}
    assert evaluate([*docs, admin], action, resource).allowed


@given(document_lists, actions, resources)
def test_explicit_deny_is_never_allowed(docs: list[dict[str, Any]], action: str, resource: str) -> None:
    decision = evaluate(docs, action, resource)
    assert not (decision.allowed and decision.explicit_deny)


@given(document_lists, actions, resources, st.randoms(use_true_random=False))
def test_order_of_documents_and_statements_does_not_matter(
    docs: list[dict[str, Any]], action: str, resource: str, rnd: Any
) -> None:
    shuffled = [{"Version": "1", "Statement": rnd.sample(d["Statement"], len(d["Statement"]))} for d in docs]
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, action, resource) == evaluate(docs, action, resource)


@given(document_lists, actions, resources, st.sampled_from([str.upper, str.lower, str.swapcase]))
def test_action_case_does_not_change_the_decision(
    docs: list[dict[str, Any]], action: str, resource: str, change_case: Any
) -> None:
    assert evaluate(docs, change_case(action), resource) == evaluate(docs, action, resource)


@given(documents(), actions, resources, st.booleans())
def test_serialising_and_reparsing_gives_the_same_decision(
    document: dict[str, Any], action: str, resource: str, indent: bool
) -> None:
    text = json.dumps(document, indent=2 if indent else None)
    reparsed = parse_policy_document(text, param="PolicyDocument", max_length=100_000)
    assert reparsed == document
    assert evaluate([reparsed], action, resource) == evaluate([document], action, resource)


# fnmatch treats [ ] as a character class; our grammar has only * and ?, so keep brackets out.
glob_text = st.text(alphabet="abAB:/-.*?", max_size=12)
plain_text = st.text(alphabet="abAB:/-.", max_size=12)


@settings(max_examples=500)
@given(glob_text, plain_text)
def test_wildcard_match_agrees_with_fnmatch_case_insensitively(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value) == fnmatch.fnmatchcase(value.lower(), pattern.lower())


@given(glob_text, plain_text)
def test_case_sensitive_wildcard_match_agrees_with_fnmatchcase(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value, case_sensitive=True) == fnmatch.fnmatchcase(value, pattern)


@given(st.text(max_size=300))
def test_parsing_arbitrary_text_only_ever_raises_api_error(text: str) -> None:
    try:
        result = parse_policy_document(text, param="PolicyDocument", max_length=200)
    except ApiError as error:
        assert (error.status, error.code) in {
            (400, "MalformedPolicyDocument"),
            (400, "InvalidParameter.PolicyDocument.Length"),
        }
    else:
        assert isinstance(result, dict)


principals = st.one_of(
    st.builds(Principal, st.sampled_from(["user", "role"]), st.sampled_from(ACCOUNTS), st.sampled_from(ROLE_NAMES)),
    st.builds(Principal, st.just("service"), st.none(), st.sampled_from(["ecs.aliyuncs.com", "emr.aliyuncs.com"])),
)
principal_values = st.one_of(
    st.fixed_dictionaries(
        {
            "RAM": _one_or_many(
                [f"acs:ram::{a}:root" for a in ACCOUNTS]
                + [f"acs:ram::{a}:{k}/{n}" for a in ACCOUNTS for k in ("user", "role") for n in ROLE_NAMES]
            )
        }
    ),
    st.fixed_dictionaries({"Service": _one_or_many(["ecs.aliyuncs.com", "EMR.aliyuncs.com"])}),
)


@st.composite
def trust_statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    return {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        "Action": draw(st.sampled_from(["sts:AssumeRole", "sts:*", "ram:GetRole"])),
        "Principal": draw(principal_values),
    }


@given(
    st.lists(trust_statements(), min_size=1, max_size=4),
    trust_statements(effect="Deny"),
    principals,
)
def test_adding_a_trust_deny_never_grants_assume_role(
    stmts: list[dict[str, Any]], denial: dict[str, Any], principal: Principal
) -> None:
    before = trust_allows({"Version": "1", "Statement": stmts}, principal)
    after = trust_allows({"Version": "1", "Statement": [*stmts, denial]}, principal)
    assert not (after and not before)


@given(st.lists(trust_statements(), min_size=1, max_size=4), principals)
def test_trust_documents_survive_a_json_round_trip(stmts: list[dict[str, Any]], principal: Principal) -> None:
    document = {"Version": "1", "Statement": stmts}
    reparsed = parse_policy_document(json.dumps(document), param="AssumeRolePolicyDocument", kind="trust")
    assert trust_allows(reparsed, principal) == trust_allows(document, principal)
