"""The role catalog as the operator interfaces show it: ``GET /v1/catalog`` and ``emr-bootstrap catalog --output
json`` print the same entries, one per role. Field names are a contract like the result's: extend, never rename.
Stdlib only."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emr_bootstrap.core.result import SCHEMA_VERSION
from emr_bootstrap.core.trust import grants

if TYPE_CHECKING:
    from emr_bootstrap.core.catalog import Catalog, Requirement, RoleSpec


def required_when(requirement: Requirement) -> dict[str, Any]:
    """The catalog's own spelling: ``{"always": true}``, ``{"ecsRoleGeneration": ...}`` or ``{"feature": ...}``."""
    if requirement.ecs_role_generation is not None:
        return {"ecsRoleGeneration": requirement.ecs_role_generation.value}
    if requirement.feature is not None:
        return {"feature": requirement.feature}
    return {"always": True}


def role_entry(role: RoleSpec) -> dict[str, Any]:
    _, granted = grants(role.trust_policy)
    return {
        "roleName": role.name,
        "policyName": role.policy_name,
        "trustedServices": sorted({grant.principal for grant in granted if grant.principal_type == "Service"}),
        "requiredWhen": required_when(role.required_when),
        "ecsApplicationRole": role.ecs_application_role,
        "description": role.description,
        "trustPolicy": json.loads(role.trust_policy),
    }


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """``{"schemaVersion", "roles": [one entry per role, in catalog order], "features": [...]}``."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "roles": [role_entry(role) for role in catalog.roles],
        "features": sorted(catalog.features),
    }
