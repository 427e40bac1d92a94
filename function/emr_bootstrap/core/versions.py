"""EMR version strings and the ECS application role generation they need.

Sources:
- EMR "Assign roles to an Alibaba Cloud account" (seed): AliyunECSInstanceForEMRRole for "a minor version later
  than EMR V3.32.0 or V4.5.0" (and the 5.x series, per the ECS application role doc linked in
  docs/alibaba-cloud.md §2.1);
  AliyunEmrEcsDefaultRole for "V3.32.0 or earlier minor versions, or V4.5.0 or earlier".
- Version spelling: EMR CreateCluster (2021-03-20) shows ReleaseVersion "EMR-5.8.0"; the legacy CreateClusterV2
  shows EmrVer "EMR-3.35.0" (alibabacloud.com/help/en/emr/emr-on-ecs/developer-reference/api-emr-2021-03-20-
  createcluster, doc-detail/28142).

Assumptions (no source states them): the 2.x and older series predate the new role, so they use the legacy one;
every series after 4.x (5.x, 6.x, ...) uses the current one; "3.32" means 3.32.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from emr_bootstrap.shared.errors import InvalidRequest

# "EMR-5.16.0", "emr-3.32.0", "V3.32.0", "3.32.0", "5.16". Whitespace is not trimmed: the wire value is exact.
_VERSION = re.compile(r"(?:emr-|v)?([0-9]{1,3})\.([0-9]{1,3})(?:\.([0-9]{1,3}))?", re.IGNORECASE)
MAX_VERSION_LENGTH = 32

# The last version of each series that still uses the legacy ECS application role.
_LAST_LEGACY: dict[int, tuple[int, int]] = {3: (32, 0), 4: (5, 0)}


class EcsRoleGeneration(Enum):
    """Which ECS application role an EMR version uses."""

    LEGACY = "legacy"  # AliyunEmrEcsDefaultRole
    CURRENT = "current"  # AliyunECSInstanceForEMRRole


@dataclass(frozen=True, order=True)
class EmrVersion:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"EMR-{self.major}.{self.minor}.{self.patch}"


def parse_emr_version(text: str, *, field: str = "emrVersion") -> EmrVersion:
    """Parse an EMR version string; raise :class:`InvalidRequest` naming ``field`` when it is not one."""
    match = _VERSION.fullmatch(text) if len(text) <= MAX_VERSION_LENGTH else None
    if match is None:
        raise InvalidRequest(
            field, "emr-version", f'must look like "EMR-5.16.0", "3.32.0" or "5.16", got {text[:40]!r}'
        )
    major, minor, patch = (int(part) if part is not None else 0 for part in match.groups())
    if major == 0:
        raise InvalidRequest(field, "emr-version", f"major version must be at least 1, got {text!r}")
    return EmrVersion(major, minor, patch)


def ecs_role_generation(version: EmrVersion | None) -> EcsRoleGeneration:
    """The ECS application role generation for ``version``; no version means a new cluster today (current)."""
    if version is None:
        return EcsRoleGeneration.CURRENT
    if version.major <= 2:
        return EcsRoleGeneration.LEGACY
    last_legacy = _LAST_LEGACY.get(version.major)
    if last_legacy is None:
        return EcsRoleGeneration.CURRENT
    # The boundary is on minor.patch: "later than V3.32.0" includes 3.32.1.
    if (version.minor, version.patch) <= last_legacy:
        return EcsRoleGeneration.LEGACY
    return EcsRoleGeneration.CURRENT
