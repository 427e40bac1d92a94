"""deploy/policies: valid RAM policy documents that grant exactly what the function uses, and never removal.

Policy language per docs/alibaba-cloud.md §2.3 (Version "1", Statement of Effect/Action/Resource, Principal only in
trust policies); role ARNs lower-cased per §2.4.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "deploy" / "policies"
CATALOG = json.loads((REPO / "function" / "emr_bootstrap" / "catalog.json").read_text())
FORBIDDEN_ACTIONS = {"ram:deleterole", "ram:detachpolicyfromrole"}
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z]+$")  # "<ram-code>:<Action>", no wildcards at all
_ARN = re.compile(r"^acs:[a-z0-9-]+:[a-z0-9*-]*:[a-z0-9*]*:\S+$")


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((POLICIES / name).read_text())
    return document


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_document(document: dict[str, Any], *, trust: bool) -> list[str]:
    """Every problem found, as sentences (empty when the document is valid)."""
    problems: list[str] = []
    if document.get("Version") != "1":
        problems.append(f"Version must be '1', got {document.get('Version')!r}")
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        return [*problems, "Statement must be a non-empty list"]
    allowed = {"Effect", "Action", "Principal" if trust else "Resource", "Condition"}
    for index, statement in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(statement, dict):
            problems.append(f"{where} must be an object")
            continue
        if extra := set(statement) - allowed:
            problems.append(f"{where} has unexpected keys {sorted(extra)}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{where}.Effect must be Allow or Deny")
        actions = as_list(statement.get("Action"))
        if not actions or not all(isinstance(a, str) and _ACTION.match(a) for a in actions):
            problems.append(f"{where}.Action must be '<service>:<Action>' names without wildcards, got {actions}")
        if any(str(a).lower() in FORBIDDEN_ACTIONS for a in actions):
            problems.append(f"{where} grants a removal action: {actions}")
        if trust:
            if not isinstance(statement.get("Principal"), dict):
                problems.append(f"{where}.Principal must be an object")
        else:
            resources = as_list(statement.get("Resource"))
            if not resources or not all(isinstance(r, str) and _ARN.match(r) for r in resources):
                problems.append(f"{where}.Resource must be ARNs (never a bare '*'), got {resources}")
    return problems


def statements_granting(action: str) -> list[dict[str, Any]]:
    return [s for s in load("function-role-policy.json")["Statement"] if action in as_list(s["Action"])]


# ---------------------------------------------------------------------------------------------- the checker
@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "acs:ram:*:*:role/x"}, "without wildcards"),
        ({"Effect": "Allow", "Action": "ram:*", "Resource": "acs:ram:*:*:role/x"}, "without wildcards"),
        ({"Effect": "Allow", "Action": "ram:DeleteRole", "Resource": "acs:ram:*:*:role/x"}, "removal action"),
        ({"Effect": "Allow", "Action": "ram:detachPolicyFromRole", "Resource": "acs:ram:*:*:role/x"}, "removal"),
        ({"Effect": "Allow", "Action": "ram:GetRole", "Resource": "*"}, "never a bare '*'"),
        ({"Effect": "Permit", "Action": "ram:GetRole", "Resource": "acs:ram:*:*:role/x"}, "Allow or Deny"),
        ({"Effect": "Allow", "Action": "ram:GetRole"}, "Resource must be ARNs"),
    ],
)
def test_checker_rejects_a_bad_statement(statement: dict[str, Any], fragment: str) -> None:
    problems = check_document({"Version": "1", "Statement": [statement]}, trust=False)
    assert any(fragment in p for p in problems), problems


def test_checker_rejects_a_wrong_version_and_an_empty_statement() -> None:
    assert check_document({"Version": "2012-10-17", "Statement": []}, trust=False) == [
        "Version must be '1', got '2012-10-17'",
        "Statement must be a non-empty list",
    ]


# ---------------------------------------------------------------------------------------------- the documents
def test_every_policy_file_is_checked_here() -> None:
    assert sorted(p.name for p in POLICIES.glob("*.json")) == [
        "function-role-policy.json",
        "function-trust-policy.json",
    ]


def test_function_role_policy_is_a_valid_permission_policy() -> None:
    assert check_document(load("function-role-policy.json"), trust=False) == []


def test_function_trust_policy_is_valid_and_trusts_only_function_compute() -> None:
    document = load("function-trust-policy.json")
    assert check_document(document, trust=True) == []
    (statement,) = document["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole")
    assert statement["Principal"] == {"Service": ["fc.aliyuncs.com"]}


def test_function_role_policy_only_allows() -> None:
    assert {s["Effect"] for s in load("function-role-policy.json")["Statement"]} == {"Allow"}


def test_assume_role_is_limited_to_the_default_member_access_role() -> None:
    from emr_bootstrap.settings import DEFAULT_MEMBER_ROLE

    (statement,) = statements_granting("sts:AssumeRole")
    assert as_list(statement["Resource"]) == [f"acs:ram:*:*:role/{DEFAULT_MEMBER_ROLE.lower()}"]


def test_ram_actions_cover_exactly_the_catalog_roles_lowercased() -> None:
    expected = {f"acs:ram:*:*:role/{role['name'].lower()}" for role in CATALOG["roles"]}
    for action in ("ram:GetRole", "ram:CreateRole", "ram:UpdateRole", "ram:ListPoliciesForRole"):
        (statement,) = statements_granting(action)
        assert set(as_list(statement["Resource"])) == expected, action


def test_attach_is_allowed_on_the_catalog_roles_and_their_system_policies() -> None:
    resources = {r for s in statements_granting("ram:AttachPolicyToRole") for r in as_list(s["Resource"])}
    roles = {f"acs:ram:*:*:role/{role['name'].lower()}" for role in CATALOG["roles"]}
    policies = {f"acs:ram:*:system:policy/{role['policyName']}" for role in CATALOG["roles"]}
    assert resources == roles | policies


def test_ram_actions_match_what_a_member_session_may_do() -> None:
    # The management account and a member session must allow the same RAM calls, or one of them fails.
    from emr_bootstrap.sdk import MEMBER_SESSION_ACTIONS

    ram_actions = {a for s in load("function-role-policy.json")["Statement"] for a in as_list(s["Action"])}
    assert {a for a in ram_actions if a.startswith("ram:")} == set(MEMBER_SESSION_ACTIONS["repair"])


def test_each_session_mode_allows_no_more_than_the_next() -> None:
    from emr_bootstrap.sdk import MEMBER_SESSION_ACTIONS

    read, write, repair = (set(MEMBER_SESSION_ACTIONS[mode]) for mode in ("read", "write", "repair"))
    assert read == {"ram:GetRole", "ram:ListPoliciesForRole"}
    assert read < write < repair
    assert "ram:UpdateRole" in repair - write


def test_resource_manager_access_is_read_only() -> None:
    actions = {a for s in load("function-role-policy.json")["Statement"] for a in as_list(s["Action"])}
    assert {a for a in actions if a.startswith("resourcemanager:")} == {
        "resourcemanager:ListAccounts",
        "resourcemanager:GetAccount",
        "resourcemanager:GetResourceDirectory",
    }
