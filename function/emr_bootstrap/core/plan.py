"""Pure planning: which roles a request wants, and what each role needs given what the cloud shows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from emr_bootstrap.core.result import CREATE_ROLE, UPDATE_TRUST, Change, Drift, Outcome, attach_policy
from emr_bootstrap.core.trust import compare_trust, grants
from emr_bootstrap.core.versions import ecs_role_generation
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import ErrorInfo

if TYPE_CHECKING:
    from collections.abc import Iterable

    from emr_bootstrap.core.catalog import Catalog, RoleSpec
    from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
    from emr_bootstrap.core.request import BootstrapRequest, DriftMode


@dataclass(frozen=True)
class DesiredRole:
    spec: RoleSpec
    # Set when the role is in scope but must not be touched (replaced by a custom role).
    skip_reason: str | None = None


def desired_roles(catalog: Catalog, request: BootstrapRequest) -> tuple[DesiredRole, ...]:
    """The roles the request covers: the explicit list, or those its version and features need.

    Roles outside that set are not listed at all (never touched, never reported); the ECS application role
    replaced by ``customEcsRole`` is listed as skipped so the result says why it is absent.
    """
    if request.roles is not None:
        specs = [spec for spec in (catalog.get(name) for name in request.roles) if spec is not None]
    else:
        generation = ecs_role_generation(request.emr_version)
        specs = [
            spec
            for spec in catalog.roles
            if spec.required_when.always
            or spec.required_when.ecs_role_generation is generation
            or (spec.required_when.feature is not None and spec.required_when.feature in request.features)
        ]
    custom = request.custom_ecs_role
    return tuple(
        DesiredRole(
            spec,
            f"replaced by the custom ECS application role {custom} (customEcsRole); not created"
            if custom is not None and spec.ecs_application_role
            else None,
        )
        for spec in specs
    )


class Step(Enum):
    CREATE = "create"
    UPDATE_TRUST = "update-trust"
    ATTACH = "attach"


@dataclass(frozen=True)
class Observed:
    """What the reads showed: the role (None when absent) and its attached policies."""

    role: RoleState | None
    policies: tuple[AttachedPolicy, ...] = ()


@dataclass(frozen=True)
class RolePlan:
    """What one role needs, given what the reads showed; the role is the caller's ``spec``."""

    steps: tuple[Step, ...]
    drift: Drift | None = None
    extra_policies: tuple[str, ...] = ()
    # The outcome when there is nothing to do: "unchanged", or "drifted" when drift is only reported.
    idle_outcome: Outcome = "unchanged"
    # Why a repair that was asked for is refused (the role's error); None otherwise.
    refusal: ErrorInfo | None = None

    def changes(self, spec: RoleSpec) -> tuple[Change, ...]:
        """The writes the steps make in ``spec``'s role."""
        by_step = {
            Step.CREATE: CREATE_ROLE,
            Step.UPDATE_TRUST: UPDATE_TRUST,
            Step.ATTACH: attach_policy(spec.policy_name),
        }
        return tuple(by_step[step] for step in self.steps)


def _is_catalog_policy(policy: AttachedPolicy, spec: RoleSpec) -> bool:
    # Policy names are compared like role names (case-insensitively); only the System policy counts.
    return policy.name.lower() == spec.policy_name.lower() and policy.type.lower() == "system"


def has_policy(policies: Iterable[AttachedPolicy], spec: RoleSpec) -> bool:
    return any(_is_catalog_policy(policy, spec) for policy in policies)


def plan_role(spec: RoleSpec, observed: Observed, drift_mode: DriftMode) -> RolePlan:
    """What ``spec`` needs. Never plans a delete or a detach: extra policies are only noted."""
    if observed.role is None:
        return RolePlan((Step.CREATE, Step.ATTACH))
    extra = tuple(policy for policy in observed.policies if not _is_catalog_policy(policy, spec))
    extras = tuple(policy.name for policy in extra)
    attach = () if has_policy(observed.policies, spec) else (Step.ATTACH,)
    comparison = compare_trust(spec.trust_policy, observed.role.trust_policy)
    if comparison.difference is None:  # equal (TrustComparison.equal is this test)
        return RolePlan(attach, None, extras)
    drift = Drift(comparison.difference, comparison.widened)
    if drift_mode == "repair" and not comparison.expected_principals_allowed:
        if extra:
            # Restoring the trust would hand every extra policy (AdministratorAccess, say) to the catalog's
            # service: repair never gives out more than the catalog, so the role stays drifted.
            return RolePlan((), drift, extras, idle_outcome="drifted", refusal=_extra_policies_refusal(spec, extra))
        # The catalog's service can no longer assume the role: restoring the catalog's trust is the repair (and
        # the role carries no extra policy here).
        return RolePlan((Step.UPDATE_TRUST, *attach), drift)
    # Reported only: a drifted role is somebody's decision, and a trust that still lets the catalog's service in
    # (narrowed by a Condition or a Deny, or widened to more principals) is never rewritten: restoring it would
    # undo a narrowing. Leave the role entirely alone (no attach either).
    return RolePlan((), drift, extras, idle_outcome="drifted")


def _extra_policies_refusal(spec: RoleSpec, extra: tuple[AttachedPolicy, ...]) -> ErrorInfo:
    listed = ", ".join(f"{policy.name} ({policy.type})" for policy in extra)
    _, catalog_grants = grants(spec.trust_policy)
    trusted = ", ".join(sorted({grant.principal for grant in catalog_grants if grant.effect == "Allow"}))
    return ErrorInfo(
        codes.EXTRA_POLICIES_ATTACHED,
        f"trust not repaired: besides the catalog's {spec.policy_name}, the role carries {listed}; restoring the "
        f"catalog's trust would hand them to {trusted}",
        codes.hint_for(codes.EXTRA_POLICIES_ATTACHED),
    )
