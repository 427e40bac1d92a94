"""RAM role actions through the official SDK: success shapes and each documented error code.

Source: docs/alibaba-cloud.md §1.3.
"""

from __future__ import annotations

import json
import uuid
from functools import partial

import pytest
from alibabacloud_ram20150501 import models as ram_models

from emulator.ram import models as ram_limits
from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

EMR_TRUST = trust_for_service("emr.aliyuncs.com")


def unique(prefix: str = "Role") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def ram(emulator: Emulator):
    return sdk.ram(emulator)


def create(ram, name: str, **kwargs):
    request = ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=EMR_TRUST, **kwargs)
    return ram.create_role(request)


def test_create_role_returns_the_documented_fields_with_a_lowercased_arn(emulator: Emulator, ram) -> None:
    name = unique("AliyunEMRDefaultRole")
    role = create(ram, name, description="The EMR service will use this role.", max_session_duration=7200).body.role

    assert role.role_name == name
    assert role.arn == f"acs:ram::{emulator.management_account_id}:role/{name.lower()}"
    assert role.role_id.isdigit()
    assert json.loads(role.assume_role_policy_document) == json.loads(EMR_TRUST)
    assert role.description == "The EMR service will use this role."
    assert role.max_session_duration == 7200
    assert role.create_date.endswith("Z")


def test_create_role_without_max_session_duration_defaults_to_3600(ram) -> None:
    assert create(ram, unique()).body.role.max_session_duration == 3600


def test_get_role_finds_the_role_whatever_the_case_of_its_name(ram) -> None:
    name = unique("MixedCase")
    create(ram, name)

    role = ram.get_role(ram_models.GetRoleRequest(role_name=name.upper())).body.role

    assert role.role_name == name
    assert role.update_date is not None
    assert role.assume_role_policy_document == EMR_TRUST
    assert role.role_principal_name.startswith(f"{name}@role.")


def test_create_role_twice_is_entity_already_exists_even_in_another_case(ram) -> None:
    name = unique()
    create(ram, name)
    error = sdk.expect_error(lambda: create(ram, name.lower()), 409, "EntityAlreadyExists.Role")
    assert set(error.data) >= {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_get_role_of_a_missing_role_is_404_entity_not_exist(ram) -> None:
    sdk.expect_error(lambda: ram.get_role(ram_models.GetRoleRequest(role_name=unique())), 404, "EntityNotExist.Role")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("has space", "InvalidParameter.RoleName.InvalidChars"),
        ("under_score", "InvalidParameter.RoleName.InvalidChars"),
        ("x" * 65, "InvalidParameter.RoleName.Length"),
        ("", "InvalidParameter.RoleName.Length"),
    ],
)
def test_create_role_rejects_bad_names(ram, name: str, code: str) -> None:
    sdk.expect_error(lambda: create(ram, name), 400, code)


def test_create_role_accepts_a_64_character_name_with_dots_and_dashes(ram) -> None:
    name = ("a.b-" + uuid.uuid4().hex) * 2
    name = name[:64]
    assert create(ram, name).body.role.role_name == name


def test_description_over_1024_characters_is_rejected(ram) -> None:
    sdk.expect_error(lambda: create(ram, unique(), description="d" * 1025), 400, "InvalidParameter.Description.Length")


@pytest.mark.parametrize("seconds", [3599, 43201])
def test_max_session_duration_outside_3600_to_43200_is_rejected(ram, seconds: int) -> None:
    sdk.expect_error(
        lambda: create(ram, unique(), max_session_duration=seconds), 400, "InvalidParameter.MaxSessionDuration"
    )


def test_create_role_with_a_malformed_trust_policy_is_400_malformed_policy_document(ram) -> None:
    # 400 per the legacy RAM UpdateRole/CreateRole API docs (docs/alibaba-cloud.md §1.3).
    request = ram_models.CreateRoleRequest(role_name=unique(), assume_role_policy_document="{not json")
    error = sdk.expect_error(lambda: ram.create_role(request), 400, "MalformedPolicyDocument")
    assert error.data["Message"] == "The policy format is invalid."


def test_oversized_trust_policy_is_a_length_error(ram) -> None:
    document = json.loads(EMR_TRUST)
    document["Statement"][0]["Principal"]["Service"] = [f"s{i}.aliyuncs.com" for i in range(600)]
    request = ram_models.CreateRoleRequest(role_name=unique(), assume_role_policy_document=json.dumps(document))
    sdk.expect_error(lambda: ram.create_role(request), 400, "InvalidParameter.AssumeRolePolicyDocument.Length")


def test_update_role_changes_only_what_is_given(ram) -> None:
    name = unique()
    create(ram, name, description="before")
    new_trust = trust_for_service("ecs.aliyuncs.com")

    updated = ram.update_role(
        ram_models.UpdateRoleRequest(role_name=name, new_assume_role_policy_document=new_trust)
    ).body.role

    assert updated.assume_role_policy_document == new_trust
    assert updated.description == "before"
    assert updated.update_date is not None
    fetched = ram.get_role(ram_models.GetRoleRequest(role_name=name)).body.role
    assert fetched.assume_role_policy_document == new_trust


def test_update_role_errors(ram) -> None:
    missing = ram_models.UpdateRoleRequest(role_name=unique(), new_description="x")
    sdk.expect_error(lambda: ram.update_role(missing), 404, "EntityNotExist.Role")
    name = unique()
    create(ram, name)
    too_long = ram_models.UpdateRoleRequest(role_name=name, new_max_session_duration=50000)
    sdk.expect_error(lambda: ram.update_role(too_long), 400, "InvalidParameter.NewMaxSessionDuration")


def test_update_role_with_a_malformed_trust_policy_is_400_and_keeps_the_old_one(ram) -> None:
    # 400 per the legacy RAM UpdateRole API doc (docs/alibaba-cloud.md §1.3).
    name = unique()
    create(ram, name)
    malformed = ram_models.UpdateRoleRequest(role_name=name, new_assume_role_policy_document="[]")
    sdk.expect_error(lambda: ram.update_role(malformed), 400, "MalformedPolicyDocument")
    fetched = ram.get_role(ram_models.GetRoleRequest(role_name=name)).body.role
    assert fetched.assume_role_policy_document == EMR_TRUST


def test_delete_role_with_attached_policies_is_a_conflict_until_detached(ram) -> None:
    name = unique()
    create(ram, name)
    attach = ram_models.AttachPolicyToRoleRequest(
        policy_type="System", policy_name="AliyunEMRRolePolicy", role_name=name
    )
    ram.attach_policy_to_role(attach)

    sdk.expect_error(
        lambda: ram.delete_role(ram_models.DeleteRoleRequest(role_name=name)), 409, "DeleteConflict.Role.Policy"
    )
    ram.detach_policy_from_role(ram_models.DetachPolicyFromRoleRequest().from_map(attach.to_map()))
    assert ram.delete_role(ram_models.DeleteRoleRequest(role_name=name)).body.request_id
    sdk.expect_error(lambda: ram.delete_role(ram_models.DeleteRoleRequest(role_name=name)), 404, "EntityNotExist.Role")


def test_attach_list_and_detach_policies(ram) -> None:
    name = unique()
    create(ram, name)
    for policy_name in ("AliyunEMRRolePolicy", "AliyunRAMReadOnlyAccess"):
        ram.attach_policy_to_role(
            ram_models.AttachPolicyToRoleRequest(policy_type="System", policy_name=policy_name, role_name=name)
        )

    listed = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=name)).body
    policies = {p.policy_name: p for p in listed.policies.policy}

    assert set(policies) == {"AliyunEMRRolePolicy", "AliyunRAMReadOnlyAccess"}
    emr = policies["AliyunEMRRolePolicy"]
    assert (emr.policy_type, emr.default_version) == ("System", "v1")
    assert emr.attach_date.endswith("Z") and emr.description


def test_attachment_errors(ram) -> None:
    name = unique()
    create(ram, name)

    def attach(policy_type: str = "System", policy_name: str = "AliyunEMRRolePolicy", role_name: str = name):
        return lambda: ram.attach_policy_to_role(
            ram_models.AttachPolicyToRoleRequest(policy_type=policy_type, policy_name=policy_name, role_name=role_name)
        )

    attach()()
    sdk.expect_error(attach(), 409, "EntityAlreadyExists.Role.Policy")
    sdk.expect_error(attach(policy_type="Managed"), 400, "InvalidParameter.PolicyType")
    sdk.expect_error(attach(policy_name="NoSuchSystemPolicy"), 404, "EntityNotExist.Policy")
    sdk.expect_error(attach(policy_name="bad name"), 400, "InvalidParameter.PolicyName.InvalidChars")
    sdk.expect_error(attach(role_name=unique()), 404, "EntityNotExist.Role")
    detach = ram_models.DetachPolicyFromRoleRequest(
        policy_type="System", policy_name="AliyunRAMReadOnlyAccess", role_name=name
    )
    sdk.expect_error(lambda: ram.detach_policy_from_role(detach), 404, "EntityNotExist.Role.Policy")
    sdk.expect_error(
        lambda: ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=unique())),
        404,
        "EntityNotExist.Role",
    )


def test_a_role_over_its_system_policy_quota_is_limit_exceeded(emulator: Emulator, ram) -> None:
    # RAM limits: 20 system policies per role (docs/alibaba-cloud.md §1.4).
    assert ram_limits.MAX_SYSTEM_POLICIES_PER_ROLE == 20
    name = unique()
    create(ram, name)
    names = emulator.system_policy_names()
    assert len(names) > 20, "the catalogue must hold more system policies than the quota"
    for policy_name in names[:20]:
        ram.attach_policy_to_role(
            ram_models.AttachPolicyToRoleRequest(policy_type="System", policy_name=policy_name, role_name=name)
        )
    over = ram_models.AttachPolicyToRoleRequest(policy_type="System", policy_name=names[20], role_name=name)
    sdk.expect_error(lambda: ram.attach_policy_to_role(over), 409, "LimitExceeded.Role.Policy")


def test_an_account_holds_at_most_1000_roles(emulator: Emulator) -> None:
    account = emulator.create_member_account("role-limit", access_role=False)
    for i in range(1000):
        emulator.create_role(account, f"bulk-{i}")
    member_ram = sdk.ram(emulator, emulator.root_key_of(account))
    sdk.expect_error(lambda: create(member_ram, "one-too-many"), 409, "LimitExceeded.Role")


def test_list_roles_pages_with_marker_and_omits_trust_policies(emulator: Emulator) -> None:
    account = emulator.create_member_account("paging", access_role=False)
    names = [f"page-{i:02d}" for i in range(7)]
    for name in names:
        emulator.create_role(account, name)
    ram = sdk.ram(emulator, emulator.root_key_of(account))

    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        body = ram.list_roles(ram_models.ListRolesRequest(max_items=3, marker=marker)).body
        pages += 1
        seen += [r.role_name for r in body.roles.role]
        assert all(r.to_map().get("AssumeRolePolicyDocument") is None for r in body.roles.role)
        if not body.is_truncated:
            assert body.marker is None
            break
        marker = body.marker
    assert (seen, pages) == (names, 3)


def test_list_roles_defaults_to_100_items_and_rejects_max_items_outside_1_to_1000(emulator: Emulator) -> None:
    account = emulator.create_member_account("list-defaults", access_role=False)
    for i in range(101):
        emulator.create_role(account, f"r{i}")
    ram = sdk.ram(emulator, emulator.root_key_of(account))
    body = ram.list_roles(ram_models.ListRolesRequest()).body
    assert (len(body.roles.role), body.is_truncated) == (100, True)
    for bad in (0, 1001):
        sdk.expect_error(
            partial(ram.list_roles, ram_models.ListRolesRequest(max_items=bad)), 400, "InvalidParameter.MaxItems"
        )


def test_missing_required_parameter(ram) -> None:
    sdk.expect_error(lambda: ram.get_role(ram_models.GetRoleRequest()), 400, "MissingParameter.RoleName")
