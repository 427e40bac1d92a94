"""The bundled catalog matches the EMR doc "Assign roles to an Alibaba Cloud account" (docs/alibaba-cloud.md §2.1)
and the trust documents of docs/alibaba-cloud.md §2.2; invalid catalogs fail on load naming the entry and the rule."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.core.catalog import CATALOG_PATH, Catalog, load_catalog, parse_catalog
from emr_bootstrap.core.versions import EcsRoleGeneration
from emr_bootstrap.shared.errors import CatalogError

if TYPE_CHECKING:
    from pathlib import Path


SEED = {
    # role: (system policy, trusted service)
    "AliyunEMRDefaultRole": ("AliyunEMRRolePolicy", "emr.aliyuncs.com"),
    "AliyunECSInstanceForEMRRole": ("AliyunECSInstanceForEMRRolePolicy", "ecs.aliyuncs.com"),
    "AliyunEmrEcsDefaultRole": ("AliyunEMRECSRolePolicy", "emr.aliyuncs.com"),
    "AliyunEMRManagedCostRole": ("AliyunEMRManagedCostRolePolicy", "emr.aliyuncs.com"),
    "AliyunECSInstanceForEMRStudioRole": ("AliyunECSInstanceForEMRStudioRolePolicy", "ecs.aliyuncs.com"),
}


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def test_bundled_catalog_has_the_five_seed_roles_with_their_policies_and_trusted_services() -> None:
    catalog = load_catalog()
    assert {
        role.name: (role.policy_name, json.loads(role.trust_policy)["Statement"][0]["Principal"]["Service"][0])
        for role in catalog.roles
    } == SEED
    for role in catalog.roles:
        assert json.loads(role.trust_policy) == {
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [SEED[role.name][1]]}}
            ],
            "Version": "1",
        }


def test_requirements_follow_the_seed_doc() -> None:
    catalog = load_catalog()
    get = catalog.get
    assert get("AliyunEMRDefaultRole").required_when.always  # type: ignore[union-attr]
    assert get("AliyunECSInstanceForEMRRole").required_when.ecs_role_generation is EcsRoleGeneration.CURRENT  # type: ignore[union-attr]
    assert get("AliyunEmrEcsDefaultRole").required_when.ecs_role_generation is EcsRoleGeneration.LEGACY  # type: ignore[union-attr]
    assert get("AliyunEMRManagedCostRole").required_when.feature == "costAnalysis"  # type: ignore[union-attr]
    assert get("AliyunECSInstanceForEMRStudioRole").required_when.feature == "studio"  # type: ignore[union-attr]
    assert [r.name for r in catalog.roles if r.ecs_application_role] == [
        "AliyunECSInstanceForEMRRole",
        "AliyunEmrEcsDefaultRole",
    ]
    assert catalog.features == {"costAnalysis", "studio"}


def test_descriptions_are_the_english_ones_of_the_alibaba_terraform_module() -> None:
    assert load_catalog().get("AliyunEMRDefaultRole").description == (  # type: ignore[union-attr]
        "The EMR service will use this role to access ECS resources."
    )


def test_lookup_is_case_insensitive() -> None:
    assert load_catalog().get("ALIYUNEMRDEFAULTROLE").name == "AliyunEMRDefaultRole"  # type: ignore[union-attr]
    assert load_catalog().get("Nope") is None


def _break(path: list[Any], value: Any, *, delete: bool = False) -> dict[str, Any]:
    data = raw()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "entry", "rule"),
    [
        (_break(["roles", 1, "name"], "bad name"), "roles[1]", "role-name"),
        (_break(["roles", 2, "name"], "aliyunemrdefaultrole"), "roles[2] (aliyunemrdefaultrole)", "unique-name"),
        (_break(["roles", 0, "policyName"], "bad_policy!"), "roles[0] (AliyunEMRDefaultRole)", "policy-name"),
        (_break(["roles", 0, "description"], ""), "roles[0] (AliyunEMRDefaultRole)", "description"),
        (_break(["roles", 0, "extra"], 1), "roles[0] (AliyunEMRDefaultRole)", "unknown-key"),
        (_break(["roles", 0, "policyName"], None, delete=True), "roles[0] (AliyunEMRDefaultRole)", "missing-key"),
        (
            _break(["roles", 3, "requiredWhen"], {"feature": "Cost Analysis"}),
            "roles[3] (AliyunEMRManagedCostRole)",
            "required-when",
        ),
        (
            _break(["roles", 0, "requiredWhen"], {"always": True, "feature": "x"}),
            "roles[0] (AliyunEMRDefaultRole)",
            "required-when",
        ),
        (_break(["roles", 0, "ecsApplicationRole"], True), "roles[0] (AliyunEMRDefaultRole)", "ecs-application-role"),
        (_break(["roles", 0, "trustPolicy", "Version"], "2"), "roles[0] (AliyunEMRDefaultRole)", "trust-policy"),
        (
            _break(["roles", 0, "trustPolicy", "Statement", 0, "Principal"], {"RAM": ["acs:ram::1:root"]}),
            "roles[0] (AliyunEMRDefaultRole)",
            "trust-policy",
        ),
        (_break(["roles", 0, "trustPolicy", "Statement"], "x"), "roles[0] (AliyunEMRDefaultRole)", "trust-policy"),
        (_break(["roles", 2, "requiredWhen"], {"ecsRoleGeneration": "current"}), "(root)", "ecs-role-generation"),
        (_break(["roles"], []), "(root)", "roles"),
    ],
)
def test_invalid_catalog_names_the_entry_and_the_rule(data: dict[str, Any], entry: str, rule: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    assert (caught.value.entry, caught.value.rule) == (entry, rule)
    assert entry in str(caught.value) and rule in str(caught.value)


def test_unreadable_catalog_file_is_a_catalog_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.rule == "json"


# The catalog, as an operator who edits ``catalog.json`` meets it: every invalid shape is refused with the entry, the
# rule and a message that says what is wrong, and a valid catalog is read exactly as written (not just the bundled
# one, which is parsed once per process).
ROLE_RULE = "[A-Za-z0-9.-]{1,64}"
POLICY_RULE = "[A-Za-z0-9-]{1,128}"
REQUIRED_WHEN = (
    'requiredWhen must be {"always": true}, {"ecsRoleGeneration": "legacy"|"current"} or '
    '{"feature": "<camelCaseName>"}, got '
)
ONLY_SERVICES = "trustPolicy must only Allow sts:AssumeRole to Service principals"
FIRST = "roles[0] (AliyunEMRDefaultRole)"


def bundled() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def with_role(index: int, **changes: Any) -> dict[str, Any]:
    data = bundled()
    for key, value in changes.items():
        if value is _DELETE:
            del data["roles"][index][key]
        else:
            data["roles"][index][key] = value
    return data


_DELETE = object()


def statement(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Service": ["emr.aliyuncs.com"]},
    }
    base.update(changes)
    return base


def refusal(data: object) -> tuple[str, str, str]:
    """(entry, rule, message) of the CatalogError, checking that its text is "catalog ENTRY: MESSAGE (rule RULE)"."""
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    error = caught.value
    prefix, suffix = f"catalog {error.entry}: ", f" (rule {error.rule})"
    assert str(error) == error.message and error.message.startswith(prefix) and error.message.endswith(suffix)
    return error.entry, error.rule, error.message[len(prefix) : -len(suffix)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], ("(root)", "type", "the catalog must be a JSON object")),
        ({"roles": []}, ("(root)", "roles", "roles must be a non-empty list")),
        ({"roles": {"a": 1}}, ("(root)", "roles", "roles must be a non-empty list")),
        ({}, ("(root)", "roles", "roles must be a non-empty list")),
        ({"roles": ["AliyunEMRDefaultRole"]}, ("roles[0]", "type", "must be an object")),
        (with_role(1, name=7), ("roles[1]", "role-name", f"name must match {ROLE_RULE}, got 7")),
        (with_role(1, name="a" * 65), ("roles[1]", "role-name", f"name must match {ROLE_RULE}, got {'a' * 65!r}")),
        (with_role(0, zeta=1, alpha=2), (FIRST, "unknown-key", "unknown keys ['alpha', 'zeta']")),
        (
            with_role(0, policyName=_DELETE, description=_DELETE),
            (FIRST, "missing-key", "missing keys ['description', 'policyName']"),
        ),
        (with_role(0, description=""), (FIRST, "description", "description must be a string of 1-1024 characters")),
        (with_role(0, description=5), (FIRST, "description", "description must be a string of 1-1024 characters")),
        (
            with_role(0, description="d" * 1025),
            (FIRST, "description", "description must be a string of 1-1024 characters"),
        ),
        (
            with_role(0, policyName="Bad_Policy"),
            (FIRST, "policy-name", f"policyName must match {POLICY_RULE}, got 'Bad_Policy'"),
        ),
        (
            with_role(0, policyName="p" * 129),
            (FIRST, "policy-name", f"policyName must match {POLICY_RULE}, got {'p' * 129!r}"),
        ),
        (
            with_role(0, ecsApplicationRole="yes"),
            (FIRST, "ecs-application-role", "ecsApplicationRole must be a boolean"),
        ),
        (
            with_role(0, ecsApplicationRole=True),
            (
                FIRST,
                "ecs-application-role",
                "ecsApplicationRole must be true exactly when requiredWhen is an ecsRoleGeneration",
            ),
        ),
        (
            with_role(0, requiredWhen=[["always", True]]),
            (FIRST, "required-when", "requiredWhen must be an object with exactly one key"),
        ),
        (
            with_role(0, requiredWhen={}),
            (FIRST, "required-when", "requiredWhen must be an object with exactly one key"),
        ),
        (with_role(0, requiredWhen={"always": False}), (FIRST, "required-when", REQUIRED_WHEN + '{"always": false}')),
        (with_role(0, requiredWhen={"always": 1}), (FIRST, "required-when", REQUIRED_WHEN + '{"always": 1}')),
        (with_role(0, requiredWhen={"feature": True}), (FIRST, "required-when", REQUIRED_WHEN + '{"feature": true}')),
        (
            with_role(0, requiredWhen={"feature": "Studio"}),
            (FIRST, "required-when", REQUIRED_WHEN + '{"feature": "Studio"}'),
        ),
        (
            with_role(0, requiredWhen={"ecsRoleGeneration": "next"}),
            (FIRST, "required-when", REQUIRED_WHEN + '{"ecsRoleGeneration": "next"}'),
        ),
        (
            with_role(0, requiredWhen={"later": "current"}),
            (FIRST, "required-when", REQUIRED_WHEN + '{"later": "current"}'),
        ),
        (with_role(0, trustPolicy="{}"), (FIRST, "trust-policy", "trustPolicy must be a JSON object")),
        (
            with_role(0, trustPolicy={"Version": "2", "Statement": [statement()]}),
            (FIRST, "trust-policy", 'trustPolicy Version must be "1"'),
        ),
        (with_role(0, trustPolicy={"Version": "1", "Statement": []}), (FIRST, "trust-policy", ONLY_SERVICES)),
        (
            with_role(0, trustPolicy={"Version": "1", "Statement": [statement(Effect="Deny")]}),
            (FIRST, "trust-policy", ONLY_SERVICES),
        ),
        (
            with_role(0, trustPolicy={"Version": "1", "Statement": [statement(Action="sts:GetCallerIdentity")]}),
            (FIRST, "trust-policy", ONLY_SERVICES),
        ),
        (
            with_role(
                0, trustPolicy={"Version": "1", "Statement": [statement(Principal={"RAM": ["acs:ram::1:root"]})]}
            ),
            (FIRST, "trust-policy", ONLY_SERVICES),
        ),
        (
            with_role(2, name="ALIYUNEMRDEFAULTROLE"),
            ("roles[2] (ALIYUNEMRDEFAULTROLE)", "unique-name", "name repeats an earlier role"),
        ),
        (
            with_role(2, requiredWhen={"ecsRoleGeneration": "current"}),
            ("(root)", "ecs-role-generation", "exactly one role must serve generation 'legacy'"),
        ),
        (
            {"roles": [*bundled()["roles"], {**bundled()["roles"][1], "name": "SecondCurrent"}]},
            ("(root)", "ecs-role-generation", "exactly one role must serve generation 'current'"),
        ),
    ],
)
def test_an_invalid_catalog_is_refused_with_its_entry_rule_and_message(
    data: object, expected: tuple[str, str, str]
) -> None:
    assert refusal(data) == expected


def test_a_catalog_with_no_role_for_a_generation_names_that_generation() -> None:
    data = bundled()
    data["roles"] = [role for role in data["roles"] if role["name"] != "AliyunEmrEcsDefaultRole"]
    assert refusal(data) == ("(root)", "ecs-role-generation", "exactly one role must serve generation 'legacy'")


def test_a_trust_policy_that_is_not_a_policy_says_why() -> None:
    entry, rule, message = refusal(with_role(0, trustPolicy={"Version": "1", "Statement": "x"}))
    assert (entry, rule) == (FIRST, "trust-policy")
    assert message.startswith("trustPolicy is not a policy: ") and len(message) > len("trustPolicy is not a policy: ")


def test_a_valid_catalog_file_is_read_exactly_as_written(tmp_path: Path) -> None:
    data = bundled()
    data["roles"].append(
        {
            "name": "My.Role-1",
            "description": "d",
            "trustPolicy": {"Version": "1", "Statement": [statement(Principal={"Service": ["x.aliyuncs.com"]})]},
            "policyName": "P" * 128,
            "requiredWhen": {"feature": "current"},
        }
    )
    data["roles"][0]["description"] = "e" * 1024
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    catalog = load_catalog(path)
    assert isinstance(catalog, Catalog)
    assert catalog.names == (
        "AliyunEMRDefaultRole",
        "AliyunECSInstanceForEMRRole",
        "AliyunEmrEcsDefaultRole",
        "AliyunEMRManagedCostRole",
        "AliyunECSInstanceForEMRStudioRole",
        "My.Role-1",
    )
    mine = catalog.require("my.role-1")
    assert mine.name == "My.Role-1" and mine.description == "d" and mine.policy_name == "P" * 128
    assert mine.required_when.feature == "current" and mine.required_when.ecs_role_generation is None
    assert not mine.required_when.always and mine.ecs_application_role is False
    # Compact JSON in the file's key order: exactly what CreateRole sends.
    assert mine.trust_policy == (
        '{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
        '"Principal":{"Service":["x.aliyuncs.com"]}}]}'
    )
    first = catalog.require("AliyunEMRDefaultRole")
    assert first.description == "e" * 1024 and first.policy_name == "AliyunEMRRolePolicy"
    assert first.required_when.always is True and first.ecs_application_role is False
    current = catalog.require("AliyunECSInstanceForEMRRole")
    assert current.ecs_application_role is True
    assert current.required_when.ecs_role_generation is EcsRoleGeneration.CURRENT
    assert catalog.features == {"costAnalysis", "studio", "current"}


def test_parsing_the_bundled_data_gives_the_bundled_catalog() -> None:
    assert parse_catalog(bundled()) == load_catalog()


def test_the_bundled_catalog_is_parsed_once_per_process() -> None:
    assert load_catalog() is load_catalog()


def test_require_names_the_missing_role() -> None:
    with pytest.raises(KeyError) as caught:
        load_catalog().require("NoSuchRole")
    assert caught.value.args == ("NoSuchRole",)


@pytest.mark.parametrize(("content", "why"), [("{", "Expecting property name"), (None, "No such file")])
def test_an_unreadable_catalog_file_names_the_file_and_says_why(tmp_path: Path, content: str | None, why: str) -> None:
    path = tmp_path / "broken-catalog.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert (caught.value.entry, caught.value.rule) == ("broken-catalog.json", "json")
    assert str(caught.value).startswith("catalog broken-catalog.json: cannot read the catalog: ")
    assert why in str(caught.value) and str(caught.value).endswith(" (rule json)")
