"""The request: validated before any cloud call into a typed, immutable :class:`BootstrapRequest`.

Hand-written validation keeps cold starts cheap (no pydantic/jsonschema at runtime). Every error names the wire
field and the rule, e.g. ``accountIds[2]: must be a string of 10-20 digits, got "12ab"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from emr_bootstrap.core.catalog import ROLE_NAME, Catalog, load_catalog
from emr_bootstrap.core.versions import EmrVersion, parse_emr_version
from emr_bootstrap.shared.errors import InvalidRequest

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_ACCOUNTS = 1000
# Alibaba Cloud account IDs are 16 digits in every example seen (docs/alibaba-cloud.md §2.4); accept 10-20 so that
# other sites and the emulator are not refused, while still rejecting anything that is not an ID.
ACCOUNT_ID = re.compile(r"[0-9]{10,20}")

DriftMode = Literal["report", "repair"]
# "get-first" is the sweep's (GetRole, then ListPoliciesForRole only if the role exists); no request can ask for it.
Strategy = Literal["create-first", "read-first", "get-first"]
# What a member session may do: only read (dry runs), create and attach, or also repair trust (UpdateRole).
Mode = Literal["read", "write", "repair"]
DRIFT_MODES: tuple[DriftMode, ...] = ("report", "repair")
STRATEGIES: tuple[Strategy, ...] = ("create-first", "read-first")

_FIELDS = ("accountIds", "emrVersion", "features", "roles", "customEcsRole", "dryRun", "drift", "strategy")


@dataclass(frozen=True)
class BootstrapRequest:
    account_ids: tuple[str, ...]
    emr_version: EmrVersion | None = None
    features: frozenset[str] = frozenset()
    # Explicit role names (catalog spelling), overriding version/feature selection; None = select.
    roles: tuple[str, ...] | None = None
    custom_ecs_role: str | None = None
    dry_run: bool = False
    drift: DriftMode = "report"
    # None lets the core choose (read-first); dry runs never create first.
    strategy: Strategy | None = None
    # A fan-out batch's hint: the ListAccounts page its first account was on (directory.lookup_many); never parsed
    # from a request (sweep_request.parse_sweep_batch sets it).
    first_page: int | None = None

    @property
    def effective_strategy(self) -> Strategy:
        if self.dry_run and self.strategy == "create-first":
            return "read-first"
        return self.strategy or "read-first"

    @property
    def mode(self) -> Mode:
        """The least a member session needs for this request."""
        if self.dry_run:
            return "read"
        return "repair" if self.drift == "repair" else "write"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _shown(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool)) or value is None else _type_name(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _require_type(field: str, value: object, kind: type, name: str) -> None:
    # bool is an int subclass in Python; a JSON true is never a number or a string here.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidRequest(field, "type", f"must be {name}, got {_type_name(value)}")


def _string_list(field: str, value: object, *, max_items: int) -> list[str]:
    _require_type(field, value, list, "an array of strings")
    assert isinstance(value, list)
    if not value:
        raise InvalidRequest(field, "non-empty", "must not be empty")
    if len(value) > max_items:
        raise InvalidRequest(field, "max-items", f"must have at most {max_items} items, got {len(value)}")
    for index, item in enumerate(value):
        _require_type(f"{field}[{index}]", item, str, "a string")
    return list(value)


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _account_ids(value: object) -> tuple[str, ...]:
    items = _string_list("accountIds", value, max_items=MAX_ACCOUNTS)
    for index, item in enumerate(items):
        if not ACCOUNT_ID.fullmatch(item):
            raise InvalidRequest(
                f"accountIds[{index}]", "account-id", f"must be a string of 10-20 digits, got {_shown(item)}"
            )
    return _dedupe(items)


def _features(value: object, catalog: Catalog) -> frozenset[str]:
    known = sorted(catalog.features)
    items = _string_list("features", value, max_items=len(known))
    for index, item in enumerate(items):
        if item not in catalog.features:
            raise InvalidRequest(f"features[{index}]", "feature", f"must be one of {known}, got {_shown(item)}")
    return frozenset(items)


def _roles(value: object, catalog: Catalog) -> tuple[str, ...]:
    items = _string_list("roles", value, max_items=len(catalog.roles))
    names = []
    for index, item in enumerate(items):
        spec = catalog.get(item)
        if spec is None:
            raise InvalidRequest(
                f"roles[{index}]", "catalog-role", f"must be one of {list(catalog.names)}, got {_shown(item)}"
            )
        names.append(spec.name)
    return _dedupe(names)


def _custom_ecs_role(value: object, catalog: Catalog) -> str:
    _require_type("customEcsRole", value, str, "a string")
    assert isinstance(value, str)
    if not ROLE_NAME.fullmatch(value):
        raise InvalidRequest(
            "customEcsRole", "role-name", f"must be a RAM role name (1-64 of A-Z a-z 0-9 . -), got {_shown(value)}"
        )
    if catalog.get(value) is not None:
        # Naming a catalog role here is almost surely a mistake: it would both replace and be the role.
        raise InvalidRequest("customEcsRole", "custom-role", f"must name your own role, not the catalog role {value}")
    return value


def _choice(field: str, value: object, choices: tuple[str, ...]) -> str:
    _require_type(field, value, str, "a string")
    if value not in choices:
        raise InvalidRequest(field, "enum", f"must be one of {list(choices)}, got {_shown(value)}")
    assert isinstance(value, str)
    return value


def parse_request(payload: Mapping[str, Any], *, catalog: Catalog | None = None) -> BootstrapRequest:
    """Validate a decoded request; raise :class:`InvalidRequest` naming the field and the rule.

    Optional fields may be absent or JSON null (same meaning); unknown fields are rejected so typos are not
    silently ignored.
    """
    if not isinstance(payload, Mapping):
        raise InvalidRequest("$", "type", f"the request must be a JSON object, got {_type_name(payload)}")
    catalog = catalog or load_catalog()
    unknown = [key for key in payload if key not in _FIELDS]
    if unknown:
        # The name is the caller's text: echo it short (a 60 KB key must not come back twice).
        name = str(unknown[0])
        shown_name = name if len(name) <= 40 else name[:37] + "..."
        raise InvalidRequest(shown_name, "unknown-field", f"unknown field; known fields are {list(_FIELDS)}")
    if payload.get("accountIds") is None:
        raise InvalidRequest("accountIds", "required", "is required: a non-empty array of account IDs")

    def given(field: str) -> object | None:
        return payload.get(field)

    emr_version = None
    if (raw_version := given("emrVersion")) is not None:
        _require_type("emrVersion", raw_version, str, "a string")
        assert isinstance(raw_version, str)
        emr_version = parse_emr_version(raw_version)
    dry_run = given("dryRun")
    if dry_run is not None:
        _require_type("dryRun", dry_run, bool, "a boolean")
    raw_drift, raw_strategy = given("drift"), given("strategy")
    drift: DriftMode = (
        "repair" if raw_drift is not None and _choice("drift", raw_drift, DRIFT_MODES) == "repair" else "report"
    )
    strategy: Strategy | None = None
    if raw_strategy is not None:
        strategy = "create-first" if _choice("strategy", raw_strategy, STRATEGIES) == "create-first" else "read-first"
    raw_roles, raw_custom = given("roles"), given("customEcsRole")
    roles = _roles(raw_roles, catalog) if raw_roles is not None else None
    custom = _custom_ecs_role(raw_custom, catalog) if raw_custom is not None else None
    if roles is not None and custom is not None:
        for index, name in enumerate(roles):
            spec = catalog.get(name)
            if spec is not None and spec.ecs_application_role:
                raise InvalidRequest(
                    "customEcsRole",
                    "conflict",
                    f"replaces the ECS application role, but roles[{index}] asks for {name}; drop one of them",
                )
    raw_features = given("features")
    return BootstrapRequest(
        account_ids=_account_ids(payload["accountIds"]),
        emr_version=emr_version,
        features=_features(raw_features, catalog) if raw_features is not None else frozenset(),
        roles=roles,
        custom_ecs_role=custom,
        dry_run=bool(dry_run),
        drift=drift,
        strategy=strategy,
    )


def check_payload_size(size: int) -> None:
    """The request as it arrived (JSON bytes) must fit :data:`MAX_PAYLOAD_BYTES`; checked before anything else."""
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidRequest("$", "max-size", f"the request must be at most {MAX_PAYLOAD_BYTES} bytes, got {size}")
