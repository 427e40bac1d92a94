"""The bundled catalog matches the EMR doc "Assign roles to an Alibaba Cloud account" (docs/alibaba-cloud.md §2.1)
and the trust documents of docs/alibaba-cloud.md §2.2; invalid catalogs fail on load naming the entry and the rule."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.catalog import CATALOG_PATH, load_catalog, parse_catalog
from emr_bootstrap.errors import CatalogError
from emr_bootstrap.versions import EcsRoleGeneration

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
