"""The EMR role catalog: ``catalog.json`` (data) loaded and validated into typed, immutable specs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from emr_bootstrap.core.trust import TrustPolicyShapeError, grants
from emr_bootstrap.core.versions import EcsRoleGeneration
from emr_bootstrap.shared.errors import CatalogError

CATALOG_PATH = Path(__file__).with_name("catalog.json")

# RAM limits (docs/alibaba-cloud.md §1.3 CreateRole, GetPolicy).
ROLE_NAME = re.compile(r"[A-Za-z0-9.-]{1,64}")
POLICY_NAME = re.compile(r"[A-Za-z0-9-]{1,128}")
FEATURE_NAME = re.compile(r"[a-z][A-Za-z0-9]{0,31}")
_ROLE_KEYS = frozenset({"name", "description", "trustPolicy", "policyName", "requiredWhen", "ecsApplicationRole"})
_REQUIRED_ROLE_KEYS = _ROLE_KEYS - {"ecsApplicationRole"}


@dataclass(frozen=True)
class Requirement:
    """When a role is needed: always, for one ECS application role generation, or for one feature."""

    always: bool = False
    ecs_role_generation: EcsRoleGeneration | None = None
    feature: str | None = None


@dataclass(frozen=True)
class RoleSpec:
    name: str
    description: str
    # Compact JSON, in the catalog's key order: exactly what CreateRole/UpdateRole send.
    trust_policy: str
    policy_name: str
    required_when: Requirement
    # The ECS application role may be replaced by a custom role (seed: "Can be replaced with a custom role").
    ecs_application_role: bool = False


@dataclass(frozen=True)
class Catalog:
    roles: tuple[RoleSpec, ...]

    def get(self, name: str) -> RoleSpec | None:
        """The spec named ``name``; RAM role names are matched case-insensitively (docs/alibaba-cloud.md §2.2)."""
        folded = name.lower()
        return next((role for role in self.roles if role.name.lower() == folded), None)

    def require(self, name: str) -> RoleSpec:
        """Like :meth:`get`, for names known to be in the catalog; raises KeyError otherwise."""
        spec = self.get(name)
        if spec is None:
            raise KeyError(name)
        return spec

    @property
    def features(self) -> frozenset[str]:
        return frozenset(r.required_when.feature for r in self.roles if r.required_when.feature is not None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(role.name for role in self.roles)


def _fail(entry: str, rule: str, message: str) -> CatalogError:
    return CatalogError(entry, rule, message)


def _requirement(entry: str, raw: object) -> Requirement:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise _fail(entry, "required-when", "requiredWhen must be an object with exactly one key")
    ((key, value),) = raw.items()
    if key == "always" and value is True:
        return Requirement(always=True)
    if key == "ecsRoleGeneration" and value in {g.value for g in EcsRoleGeneration}:
        return Requirement(ecs_role_generation=EcsRoleGeneration(value))
    if key == "feature" and isinstance(value, str) and FEATURE_NAME.fullmatch(value):
        return Requirement(feature=value)
    raise _fail(
        entry,
        "required-when",
        'requiredWhen must be {"always": true}, {"ecsRoleGeneration": "legacy"|"current"} or '
        f'{{"feature": "<camelCaseName>"}}, got {json.dumps(raw)}',
    )


def _trust_policy(entry: str, raw: object) -> str:
    if not isinstance(raw, Mapping):
        raise _fail(entry, "trust-policy", "trustPolicy must be a JSON object")
    try:
        version, granted = grants(raw)
    except TrustPolicyShapeError as exc:
        raise _fail(entry, "trust-policy", f"trustPolicy is not a policy: {exc}") from exc
    if version != "1":
        raise _fail(entry, "trust-policy", 'trustPolicy Version must be "1"')
    # A catalog role trusts services only, with sts:AssumeRole: never an account or a wildcard.
    if not granted or any(
        g.effect != "Allow" or g.action != "sts:assumerole" or g.principal_type != "Service" for g in granted
    ):
        raise _fail(entry, "trust-policy", "trustPolicy must only Allow sts:AssumeRole to Service principals")
    return json.dumps(raw, separators=(",", ":"))


def _role(index: int, raw: object) -> RoleSpec:
    entry = f"roles[{index}]"
    if not isinstance(raw, Mapping):
        raise _fail(entry, "type", "must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not ROLE_NAME.fullmatch(name):
        raise _fail(entry, "role-name", f"name must match {ROLE_NAME.pattern}, got {name!r}")
    entry = f"roles[{index}] ({name})"
    unknown = sorted(set(raw) - _ROLE_KEYS)
    if unknown:
        raise _fail(entry, "unknown-key", f"unknown keys {unknown}")
    missing = sorted(_REQUIRED_ROLE_KEYS - set(raw))
    if missing:
        raise _fail(entry, "missing-key", f"missing keys {missing}")
    description = raw["description"]
    if not isinstance(description, str) or not 1 <= len(description) <= 1024:
        raise _fail(entry, "description", "description must be a string of 1-1024 characters")
    policy_name = raw["policyName"]
    if not isinstance(policy_name, str) or not POLICY_NAME.fullmatch(policy_name):
        raise _fail(entry, "policy-name", f"policyName must match {POLICY_NAME.pattern}, got {policy_name!r}")
    ecs_application_role = raw.get("ecsApplicationRole", False)
    if not isinstance(ecs_application_role, bool):
        raise _fail(entry, "ecs-application-role", "ecsApplicationRole must be a boolean")
    requirement = _requirement(entry, raw["requiredWhen"])
    if ecs_application_role != (requirement.ecs_role_generation is not None):
        raise _fail(
            entry,
            "ecs-application-role",
            "ecsApplicationRole must be true exactly when requiredWhen is an ecsRoleGeneration",
        )
    return RoleSpec(
        name=name,
        description=description,
        trust_policy=_trust_policy(entry, raw["trustPolicy"]),
        policy_name=policy_name,
        required_when=requirement,
        ecs_application_role=ecs_application_role,
    )


def parse_catalog(data: object) -> Catalog:
    """Validate catalog data; raises :class:`CatalogError` naming the entry and the rule."""
    if not isinstance(data, Mapping):
        raise _fail("(root)", "type", "the catalog must be a JSON object")
    raw_roles: Any = data.get("roles")
    if not isinstance(raw_roles, list) or not raw_roles:
        raise _fail("(root)", "roles", "roles must be a non-empty list")
    roles = tuple(_role(index, raw) for index, raw in enumerate(raw_roles))
    seen: set[str] = set()
    for index, role in enumerate(roles):
        if role.name.lower() in seen:
            raise _fail(f"roles[{index}] ({role.name})", "unique-name", "name repeats an earlier role")
        seen.add(role.name.lower())
    for generation in EcsRoleGeneration:
        count = sum(role.required_when.ecs_role_generation is generation for role in roles)
        if count != 1:
            raise _fail("(root)", "ecs-role-generation", f"exactly one role must serve generation {generation.value!r}")
    return Catalog(roles)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate a catalog file (the bundled one by default, parsed once per process)."""
    if path is None:
        return _bundled_catalog()
    return _load(path)


def _load(path: Path) -> Catalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(str(path.name), "json", f"cannot read the catalog: {exc}") from exc
    return parse_catalog(data)


@lru_cache(maxsize=1)
def _bundled_catalog() -> Catalog:
    return _load(CATALOG_PATH)
