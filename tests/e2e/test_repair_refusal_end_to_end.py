"""Repair never hands out more than the catalog, end to end through the SDK: a catalog role that trusts an outside
account and carries AdministratorAccess is not given to the catalog's service by drift=repair; it stays drifted,
with ExtraPoliciesAttached naming the policy, and the emulator sees no UpdateRole (README, "What it does")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from emulator.testing import trust_for_account
from tests.e2e.conftest import roles_by_name, writes_in

if TYPE_CHECKING:
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

ROLE = "AliyunECSInstanceForEMRRole"
OUTSIDER = "1111111111111111"


@pytest.mark.parametrize("dry_run", [False, True], ids=["repair", "plan"])
def test_a_role_with_administrator_access_and_an_outside_trust_is_not_repaired(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector, dry_run: bool
) -> None:
    emu.create_role(member, ROLE, trust_for_account(OUTSIDER), ["AdministratorAccess"])
    mark = len(emu.calls)

    result = fc.invoke({"accountIds": [member], "roles": [ROLE], "drift": "repair", "dryRun": dry_run})

    role = roles_by_name(result, member)[ROLE]
    assert role["outcome"] == "drifted" and role["changes"] == []
    assert role["error"]["code"] == "ExtraPoliciesAttached"
    assert "AdministratorAccess" in role["error"]["message"] and role["extraPolicies"] == ["AdministratorAccess"]
    assert role["drift"]["widened"] is True
    assert [c for c in emu.calls[mark:] if c.action == "UpdateRole"] == []
    assert writes_in(emu, member, mark) == []
    assert inspector.policies(member, ROLE) == [("AdministratorAccess", "System")]
    assert inspector.trust_services(member, ROLE) == []  # still the outside account's, nothing handed to ECS


def test_once_the_extra_policy_is_gone_the_same_repair_restores_the_trust(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    emu.create_role(member, ROLE, trust_for_account(OUTSIDER))

    result = fc.invoke({"accountIds": [member], "roles": [ROLE], "drift": "repair"})

    role = roles_by_name(result, member)[ROLE]
    assert role["outcome"] == "updated" and role["error"] is None
    assert inspector.trust_services(member, ROLE) == ["ecs.aliyuncs.com"]
