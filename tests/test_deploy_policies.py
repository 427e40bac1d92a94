"""deploy/policies: valid RAM policy documents that grant each function exactly what it uses, and never removal.
The event function's role, the HTTP function's role and the opt-in management-account policy are separate files.

Policy language per docs/alibaba-cloud.md §2.3 (Version "1", Statement of Effect/Action/Resource, Principal only in
trust policies); role ARNs lower-cased per §2.4.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "deploy" / "policies"
CATALOG = json.loads((REPO / "function" / "emr_bootstrap" / "core" / "catalog.json").read_text())
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


EVENT, HTTP, MANAGEMENT = (
    "function-event-role-policy.json",
    "function-http-role-policy.json",
    "function-management-account-policy.json",
)
FUNCTION_ROLES = (EVENT, HTTP)
PERMISSION_POLICIES = (*FUNCTION_ROLES, MANAGEMENT)


def actions_in(name: str) -> set[str]:
    return {a for s in load(name)["Statement"] for a in as_list(s["Action"])}


def statements_granting(action: str, name: str = MANAGEMENT) -> list[dict[str, Any]]:
    return [s for s in load(name)["Statement"] if action in as_list(s["Action"])]


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
    assert sorted(p.name for p in POLICIES.glob("*.json")) == sorted(
        [*PERMISSION_POLICIES, "function-trust-policy.json"]
    )


@pytest.mark.parametrize("name", PERMISSION_POLICIES)
def test_each_permission_policy_is_valid_and_only_allows(name: str) -> None:
    assert check_document(load(name), trust=False) == []
    assert {s["Effect"] for s in load(name)["Statement"]} == {"Allow"}


def test_function_trust_policy_is_valid_and_trusts_only_function_compute() -> None:
    document = load("function-trust-policy.json")
    assert check_document(document, trust=True) == []
    (statement,) = document["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole")
    assert statement["Principal"] == {"Service": ["fc.aliyuncs.com"]}


def test_the_http_functions_role_holds_no_function_compute_action() -> None:
    assert not [a for a in actions_in(HTTP) if a.lower().startswith("fc:")]


def test_the_event_function_may_invoke_only_itself_and_its_qualifiers() -> None:
    (statement,) = statements_granting("fc:InvokeFunction", EVENT)
    assert as_list(statement["Action"]) == ["fc:InvokeFunction"]
    itself = "acs:fc:*:*:functions/emr-bootstrap-event"
    resources = as_list(statement["Resource"])
    # The function, and anything below it (a version or alias, whatever form the ARN gives them): never a
    # prefix that another function's name could extend (emr-bootstrap-event-other).
    assert resources == [itself, f"{itself}/*"]
    assert {a for a in actions_in(EVENT) if a.lower().startswith("fc:")} == {"fc:InvokeFunction"}


def test_the_function_name_in_the_invoke_statement_is_the_event_function_of_s_yaml() -> None:
    config = yaml.safe_load((REPO / "s.yaml").read_text())
    name = config["resources"]["emr_bootstrap_event"]["props"]["functionName"]
    (statement,) = statements_granting("fc:InvokeFunction", EVENT)
    assert as_list(statement["Resource"])[0].endswith(f":functions/{name}")


def test_management_account_writes_are_only_in_the_opt_in_file() -> None:
    for name in FUNCTION_ROLES:
        assert not [a for a in actions_in(name) if a.startswith("ram:")], name
    assert {a.split(":")[0] for a in actions_in(MANAGEMENT)} == {"ram"}


@pytest.mark.parametrize("name", FUNCTION_ROLES)
def test_assume_role_is_limited_to_the_default_member_access_role(name: str) -> None:
    from emr_bootstrap.adapters.settings import DEFAULT_MEMBER_ROLE

    (statement,) = statements_granting("sts:AssumeRole", name)
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
    from emr_bootstrap.adapters.sdk import MEMBER_SESSION_ACTIONS

    assert actions_in(MANAGEMENT) == set(MEMBER_SESSION_ACTIONS["repair"])


def test_each_session_mode_allows_no_more_than_the_next() -> None:
    from emr_bootstrap.adapters.sdk import MEMBER_SESSION_ACTIONS

    read, write, repair = (set(MEMBER_SESSION_ACTIONS[mode]) for mode in ("read", "write", "repair"))
    assert read == {"ram:GetRole", "ram:ListPoliciesForRole"}
    assert read < write < repair
    assert "ram:UpdateRole" in repair - write


@pytest.mark.parametrize("name", FUNCTION_ROLES)
def test_resource_manager_access_is_read_only_in_one_statement(name: str) -> None:
    (statement,) = [s for s in load(name)["Statement"] if str(as_list(s["Action"])[0]).startswith("resourcemanager:")]
    assert set(as_list(statement["Action"])) == {
        "resourcemanager:ListAccounts",
        "resourcemanager:GetAccount",
        "resourcemanager:GetResourceDirectory",
    }
    assert {a for a in actions_in(name) if a.startswith("resourcemanager:")} == set(as_list(statement["Action"]))


def test_both_function_roles_share_every_statement_but_the_event_functions_invoke() -> None:
    event = [s for s in load(EVENT)["Statement"] if "fc:InvokeFunction" not in as_list(s["Action"])]
    assert event == load(HTTP)["Statement"]
