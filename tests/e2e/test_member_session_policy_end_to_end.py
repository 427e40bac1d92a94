"""What a member session may do, as the emulator enforces it.

The function opens member accounts by assuming the access role, an administrator, with a session ``Policy``
(README: "a dry run gets GetRole and ListPoliciesForRole; a normal run adds CreateRole and AttachPolicyToRole; only
``"drift": "repair"`` adds UpdateRole", on the requested roles and their system policies only). These tests build
the SDK connector exactly as the application does, open a session per mode, and then try, through that session's
own RAM client, what the mode must not allow. The access role allows everything, so a ``NoPermission`` whose
``PolicyType`` is ``SessionPolicy`` can only come from the session policy the function sent.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_tea_openapi.exceptions import ClientException
from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.sdk import SdkConnector, connect
from emr_bootstrap.adapters.settings import DEFAULT_MEMBER_ROLE, Settings
from emr_bootstrap.core.catalog import load_catalog

from emulator.harness import trust_for_service
from tests.e2e.conftest import sample_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from alibabacloud_ram20150501.client import Client as RamClient
    from emr_bootstrap.core.catalog import RoleSpec
    from emr_bootstrap.core.request import Mode

    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator

CATALOG = load_catalog()
EMR_ROLE = CATALOG.require("AliyunEMRDefaultRole")
ECS_ROLE = CATALOG.require("AliyunECSInstanceForEMRRole")
NOT_IN_CATALOG = "SomebodyElsesRole"


@pytest.fixture
def connector(fc: LocalFunctionCompute) -> SdkConnector:
    """The connector as ``emr_bootstrap.application.app.sdk_ports`` builds it, from the function's environment and
    credentials."""
    settings = Settings.from_env(fc.environment())
    creds = fc.credentials()
    function_credentials = FunctionCredentials(creds.access_key_id, creds.access_key_secret, creds.security_token)
    return connect(settings, function_credentials, fc.account_id).connector


def session(connector: SdkConnector, member: str, mode: Mode, roles: tuple[RoleSpec, ...] = (EMR_ROLE,)) -> RamClient:
    """The RAM client of the member session the function opens for ``roles`` in ``mode``."""
    return connector.ram_for(member, roles, mode)._client


def assert_denied_by_the_session_policy(call: Callable[[], Any]) -> None:
    with pytest.raises(ClientException) as caught:
        call()
    assert caught.value.code == "NoPermission", caught.value.data
    # The identity (an administrator) allows the call: only the session policy can have denied it.
    assert caught.value.data["AccessDeniedDetail"]["PolicyType"] == "SessionPolicy", caught.value.data


def create(ram: RamClient, name: str, trust: str = EMR_ROLE.trust_policy) -> Any:
    return ram.create_role(ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=trust))


def attach(ram: RamClient, role: str, policy: str) -> Any:
    request = ram_models.AttachPolicyToRoleRequest(policy_type="System", policy_name=policy, role_name=role)
    return ram.attach_policy_to_role(request)


def detach(ram: RamClient, role: str, policy: str) -> Any:
    request = ram_models.DetachPolicyFromRoleRequest(policy_type="System", policy_name=policy, role_name=role)
    return ram.detach_policy_from_role(request)


def update_trust(ram: RamClient, role: str, trust: str) -> Any:
    return ram.update_role(ram_models.UpdateRoleRequest(role_name=role, new_assume_role_policy_document=trust))


def delete(ram: RamClient, role: str) -> Any:
    return ram.delete_role(ram_models.DeleteRoleRequest(role_name=role))


def get(ram: RamClient, role: str) -> Any:
    return ram.get_role(ram_models.GetRoleRequest(role_name=role)).body.role


def attachments(emu: Emulator, member: str, role: str) -> list[str]:
    found = emu.role(member, role)
    assert found is not None, role
    return sorted(found["attachments"])


def test_member_access_role_is_an_administrator_so_only_the_session_policy_can_deny(emu: Emulator, member: str) -> None:
    assert attachments(emu, member, DEFAULT_MEMBER_ROLE) == ["System:AdministratorAccess"]


def test_dry_run_session_reads_the_requested_role_and_can_change_nothing(
    emu: Emulator, connector: SdkConnector, member: str
) -> None:
    emu.create_role(member, EMR_ROLE.name, EMR_ROLE.trust_policy, policies=[EMR_ROLE.policy_name])
    ram = session(connector, member, "read")

    assert get(ram, EMR_ROLE.name).role_name == EMR_ROLE.name
    listed = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=EMR_ROLE.name)).body
    assert [p.policy_name for p in listed.policies.policy] == [EMR_ROLE.policy_name]

    assert_denied_by_the_session_policy(lambda: create(ram, EMR_ROLE.name))
    assert_denied_by_the_session_policy(lambda: attach(ram, EMR_ROLE.name, EMR_ROLE.policy_name))
    assert_denied_by_the_session_policy(lambda: update_trust(ram, EMR_ROLE.name, ECS_ROLE.trust_policy))
    assert_denied_by_the_session_policy(lambda: detach(ram, EMR_ROLE.name, EMR_ROLE.policy_name))
    assert_denied_by_the_session_policy(lambda: delete(ram, EMR_ROLE.name))
    assert attachments(emu, member, EMR_ROLE.name) == [f"System:{EMR_ROLE.policy_name}"]


def test_dry_run_session_cannot_create_a_missing_requested_role(
    emu: Emulator, connector: SdkConnector, member: str
) -> None:
    ram = session(connector, member, "read")

    assert_denied_by_the_session_policy(lambda: create(ram, EMR_ROLE.name))
    assert emu.role(member, EMR_ROLE.name) is None


def test_normal_session_creates_and_attaches_the_requested_role_and_nothing_else(
    emu: Emulator, connector: SdkConnector, member: str
) -> None:
    ram = session(connector, member, "write")

    assert create(ram, EMR_ROLE.name).body.role.role_name == EMR_ROLE.name
    attach(ram, EMR_ROLE.name, EMR_ROLE.policy_name)
    assert get(ram, EMR_ROLE.name).role_name == EMR_ROLE.name

    # Other roles: outside the catalog, in the catalog but not requested, and the access role itself.
    assert_denied_by_the_session_policy(lambda: create(ram, NOT_IN_CATALOG))
    assert_denied_by_the_session_policy(lambda: create(ram, ECS_ROLE.name, ECS_ROLE.trust_policy))
    assert_denied_by_the_session_policy(lambda: get(ram, DEFAULT_MEMBER_ROLE))
    # Other policies on the requested role: an administrator policy, another role's system policy.
    assert_denied_by_the_session_policy(lambda: attach(ram, EMR_ROLE.name, "AdministratorAccess"))
    assert_denied_by_the_session_policy(lambda: attach(ram, EMR_ROLE.name, ECS_ROLE.policy_name))
    # Never update (that is repair), never delete or detach.
    assert_denied_by_the_session_policy(lambda: update_trust(ram, EMR_ROLE.name, ECS_ROLE.trust_policy))
    assert_denied_by_the_session_policy(lambda: detach(ram, EMR_ROLE.name, EMR_ROLE.policy_name))
    assert_denied_by_the_session_policy(lambda: delete(ram, EMR_ROLE.name))

    assert emu.role(member, NOT_IN_CATALOG) is None
    assert emu.role(member, ECS_ROLE.name) is None
    assert attachments(emu, member, EMR_ROLE.name) == [f"System:{EMR_ROLE.policy_name}"]


def test_repair_session_restores_the_requested_roles_trust_but_never_deletes_detaches_or_widens(
    emu: Emulator, connector: SdkConnector, member: str
) -> None:
    ecs_trust = trust_for_service("ecs.aliyuncs.com")
    emu.create_role(member, EMR_ROLE.name, ecs_trust, policies=[EMR_ROLE.policy_name])
    emu.create_role(member, NOT_IN_CATALOG, ecs_trust)
    ram = session(connector, member, "repair")

    update_trust(ram, EMR_ROLE.name, EMR_ROLE.trust_policy)
    assert json.loads(get(ram, EMR_ROLE.name).assume_role_policy_document) == json.loads(EMR_ROLE.trust_policy)

    assert_denied_by_the_session_policy(lambda: update_trust(ram, NOT_IN_CATALOG, EMR_ROLE.trust_policy))
    assert_denied_by_the_session_policy(lambda: delete(ram, NOT_IN_CATALOG))
    assert_denied_by_the_session_policy(lambda: delete(ram, EMR_ROLE.name))
    assert_denied_by_the_session_policy(lambda: detach(ram, EMR_ROLE.name, EMR_ROLE.policy_name))
    assert_denied_by_the_session_policy(lambda: attach(ram, EMR_ROLE.name, "AdministratorAccess"))
    assert attachments(emu, member, EMR_ROLE.name) == [f"System:{EMR_ROLE.policy_name}"]
    assert emu.role(member, NOT_IN_CATALOG) is not None


def test_new_account_event_assumes_the_access_role_with_a_session_policy_naming_only_the_requested_roles(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(emu.calls)

    result = fc.invoke(sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id))

    assert result["status"] == "succeeded"
    (assume,) = [c for c in emu.calls[mark:] if c.action == "AssumeRole"]
    assert assume.params["RoleArn"] == f"acs:ram::{member}:role/{DEFAULT_MEMBER_ROLE}"
    # What the session policy allows (a Deny statement or a Condition could only narrow it further).
    allows = [s for s in json.loads(assume.params["Policy"])["Statement"] if s["Effect"] == "Allow"]
    assert not [s for s in allows if "NotAction" in s or "NotResource" in s]
    actions = {a for statement in allows for a in _as_list(statement["Action"])}
    assert actions == {"ram:GetRole", "ram:ListPoliciesForRole", "ram:CreateRole", "ram:AttachPolicyToRole"}
    resources = {r for statement in allows for r in _as_list(statement["Resource"])}
    assert resources == {
        f"acs:ram:*:{member}:role/aliyunemrdefaultrole",
        f"acs:ram:*:{member}:role/aliyunecsinstanceforemrrole",
        "acs:ram:*:system:policy/AliyunEMRRolePolicy",
        "acs:ram:*:system:policy/AliyunECSInstanceForEMRRolePolicy",
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
