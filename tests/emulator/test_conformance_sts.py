"""STS AssumeRole and GetCallerIdentity through the SDK (V3) and alibabacloud-credentials (V1).

Source: docs/alibaba-cloud.md §3.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_sts20150401 import models as sts_models

from emulator.testing import Emulator, trust_for_account, trust_for_service
from tests.emulator import sdk

ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"


@pytest.fixture(scope="module")
def member(emulator: Emulator) -> str:
    return emulator.create_member_account("sts-member")


@pytest.fixture(scope="module")
def operator(emulator: Emulator) -> tuple[str, str]:
    """A management-account RAM user allowed to call AssumeRole, as the function's caller would be."""
    return emulator.create_user(emulator.management_account_id, "operator", ["AliyunSTSAssumeRoleAccess"])


def access_role_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:role/{ACCESS_ROLE}"


def assume(emu: Emulator, key: tuple[str, str], arn: str, **kwargs):
    request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name=kwargs.pop("session", "s1"), **kwargs)
    return sdk.sts(emu, key).assume_role(request)


def test_assume_role_across_accounts_returns_credentials_that_act_in_the_member(
    emulator: Emulator, member: str, operator: tuple[str, str]
) -> None:
    body = assume(emulator, operator, access_role_arn(member), session="emr-bootstrap").body
    creds = body.credentials

    assert creds.access_key_id.startswith("STS.")
    assert creds.security_token
    expiration = datetime.strptime(creds.expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert expiration - datetime.now(timezone.utc) > timedelta(minutes=15)
    assert body.assumed_role_user.arn == f"acs:ram::{member}:role/{ACCESS_ROLE.lower()}/emr-bootstrap"
    assert body.assumed_role_user.assumed_role_id.endswith(":emr-bootstrap")

    identity = sdk.sts(emulator, (creds.access_key_id, creds.access_key_secret), creds.security_token)
    me = identity.get_caller_identity().body
    assert (me.account_id, me.identity_type) == (member, "AssumedRoleUser")
    assert me.arn == f"acs:ram::{member}:assumed-role/{ACCESS_ROLE.lower()}/emr-bootstrap"
    assert me.role_id and me.principal_id == body.assumed_role_user.assumed_role_id == f"{me.role_id}:emr-bootstrap"
    assert me.user_id is None

    member_ram = sdk.ram(emulator, (creds.access_key_id, creds.access_key_secret), creds.security_token)
    roles = member_ram.list_roles(ram_models.ListRolesRequest()).body.roles.role
    assert [r.role_name for r in roles] == [ACCESS_ROLE]


def test_default_duration_is_one_hour_and_duration_is_bounded_by_the_role(
    emulator: Emulator, member: str, operator: tuple[str, str]
) -> None:
    creds = assume(emulator, operator, access_role_arn(member)).body.credentials
    expiration = datetime.strptime(creds.expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert timedelta(minutes=59) < expiration - datetime.now(timezone.utc) <= timedelta(hours=1)

    for seconds in (899, 3601):
        sdk.expect_error(
            partial(assume, emulator, operator, access_role_arn(member), duration_seconds=seconds),
            400,
            "InvalidParameter.DurationSeconds",
        )
    assert assume(emulator, operator, access_role_arn(member), duration_seconds=900).body.credentials


@pytest.mark.parametrize("session", ["a", "x" * 65, "has space", "bad/slash"])
def test_bad_session_names_are_rejected(emulator: Emulator, member: str, operator, session: str) -> None:
    sdk.expect_error(
        partial(assume, emulator, operator, access_role_arn(member), session=session),
        400,
        "InvalidParameter.RoleSessionName",
    )


def test_session_names_with_every_allowed_character_are_accepted(emulator: Emulator, member: str, operator) -> None:
    assert assume(emulator, operator, access_role_arn(member), session="a.b@c-d_E9").body.credentials


def test_malformed_role_arn_and_missing_role(emulator: Emulator, member: str, operator) -> None:
    sdk.expect_error(partial(assume, emulator, operator, "arn:aws:iam::1:role/x"), 400, "InvalidParameter.RoleArn")
    sdk.expect_error(
        partial(assume, emulator, operator, f"acs:ram::{member}:role/NoSuchRole"), 404, "EntityNotExist.Role"
    )


def test_root_accounts_may_not_assume_roles(emulator: Emulator, member: str) -> None:
    error = sdk.expect_error(partial(assume, emulator, emulator.root_key, access_role_arn(member)), 403, "NoPermission")
    assert error.data["Message"] == "Roles may not be assumed by root accounts."


def test_a_user_without_sts_permission_gets_no_permission(emulator: Emulator, member: str) -> None:
    key = emulator.create_user(emulator.management_account_id, "no-sts", ["AliyunRAMReadOnlyAccess"])
    error = sdk.expect_error(partial(assume, emulator, key, access_role_arn(member)), 403, "NoPermission")
    detail = error.access_denied_detail
    assert detail["AuthAction"] == "sts:AssumeRole"
    assert detail["AuthPrincipalType"] == "SubUser"
    assert detail["NoPermissionType"] == "ImplicitDeny"


def test_the_trust_policy_must_name_the_callers_account(emulator: Emulator, operator) -> None:
    other = emulator.create_member_account("untrusting")
    arn = emulator.create_role(other, "TrustsSomeoneElse", trust_for_account("1999999999999999"))
    sdk.expect_error(partial(assume, emulator, operator, arn), 403, "NoPermission")
    service_role = emulator.create_role(other, "TrustsEcs", trust_for_service("ecs.aliyuncs.com"))
    sdk.expect_error(partial(assume, emulator, operator, service_role), 403, "NoPermission")


def test_a_trust_policy_naming_one_user_admits_only_that_user(emulator: Emulator) -> None:
    mgmt = emulator.management_account_id
    target = emulator.create_member_account("user-trust")
    trust = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{mgmt}:user/alice"]}}
        ],
    }
    arn = emulator.create_role(target, "AliceOnly", trust)
    alice = emulator.create_user(mgmt, "alice", ["AliyunSTSAssumeRoleAccess"])
    bob = emulator.create_user(mgmt, "bob", ["AliyunSTSAssumeRoleAccess"])
    assert assume(emulator, alice, arn).body.credentials
    sdk.expect_error(partial(assume, emulator, bob, arn), 403, "NoPermission")


def test_session_policy_narrows_the_role(emulator: Emulator, member: str, operator) -> None:
    session_policy = json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetRole", "Resource": "*"}]}
    )
    creds = assume(emulator, operator, access_role_arn(member), policy=session_policy).body.credentials
    narrowed = sdk.ram(emulator, (creds.access_key_id, creds.access_key_secret), creds.security_token)

    assert narrowed.get_role(ram_models.GetRoleRequest(role_name=ACCESS_ROLE)).body.role
    error = sdk.expect_error(partial(narrowed.list_roles, ram_models.ListRolesRequest()), 403, "NoPermission")
    assert error.access_denied_detail["AuthPrincipalType"] == "AssumedRoleUser"
    assert error.access_denied_detail["AuthAction"] == "ram:ListRoles"


@pytest.mark.parametrize(
    ("policy_text", "code"),
    [("{not json", "InvalidParameter.PolicyGrammar"), ("x" * 2049, "InvalidParameter.PolicySize")],
)
def test_bad_session_policies_are_rejected(emulator: Emulator, member: str, operator, policy_text, code) -> None:
    sdk.expect_error(partial(assume, emulator, operator, access_role_arn(member), policy=policy_text), 400, code)


def test_assumed_role_can_chain_into_a_role_that_trusts_its_account(emulator: Emulator, operator) -> None:
    # An account of its own: a role created in the module's shared `member` would show up in the other tests'
    # ListRoles whenever this one runs first (pytest-randomly).
    member = emulator.create_member_account("sts-chain-member")
    creds = assume(emulator, operator, access_role_arn(member)).body.credentials
    target = emulator.create_role(member, "Chained", trust_for_account(member), ["AliyunRAMReadOnlyAccess"])
    chained = sdk.sts(emulator, (creds.access_key_id, creds.access_key_secret), creds.security_token)
    body = chained.assume_role(sts_models.AssumeRoleRequest(role_arn=target, role_session_name="chain")).body
    assert body.assumed_role_user.arn == f"acs:ram::{member}:role/chained/chain"


def test_get_caller_identity_for_root_and_user(emulator: Emulator, operator) -> None:
    root = sdk.sts(emulator).get_caller_identity().body
    mgmt = emulator.management_account_id
    assert (root.identity_type, root.arn, root.account_id) == ("Account", f"acs:ram::{mgmt}:root", mgmt)
    assert root.user_id == mgmt and root.role_id is None
    user = sdk.sts(emulator, operator).get_caller_identity().body
    assert (user.identity_type, user.arn) == ("RAMUser", f"acs:ram::{mgmt}:user/operator")
    assert user.user_id and user.principal_id == user.user_id and user.role_id is None


@pytest.mark.parametrize(
    ("resource_region", "allowed"), [("", True), ("*", True), ("cn-hangzhou", False)], ids=["empty", "star", "region"]
)
def test_assume_role_is_authorized_on_the_role_arn_with_an_empty_region(
    emulator: Emulator, member: str, resource_region: str, allowed: bool
) -> None:
    mgmt = emulator.management_account_id
    name = f"assume-{resource_region.replace('*', 'star') or 'empty'}"
    resource = f"acs:ram:{resource_region}:{member}:role/{ACCESS_ROLE.lower()}"
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}
    emulator.create_custom_policy(mgmt, name, {"Version": "1", "Statement": [statement]})
    key = emulator.create_user(mgmt, name, [name], policy_type="Custom")
    # The RoleArn as written by the caller (mixed case) is authorized as the role's canonical ARN.
    call = partial(assume, emulator, key, access_role_arn(member))
    if allowed:
        assert call().body.credentials
    else:
        sdk.expect_error(call, 403, "NoPermission")


def test_v1_ram_role_arn_provider_assumes_the_role_and_signs_later_calls(
    emulator: Emulator, member: str, operator
) -> None:
    credential = sdk.role_arn_credential(emulator, operator, access_role_arn(member), session="v1-provider")
    member_ram = sdk.ram_with_credential(emulator, credential)

    role = member_ram.get_role(ram_models.GetRoleRequest(role_name=ACCESS_ROLE)).body.role

    assert role.arn == f"acs:ram::{member}:role/{ACCESS_ROLE.lower()}"
    v1_calls = emulator.calls_for(action="AssumeRole", code="OK")
    assert any(c.params.get("RoleSessionName") == "v1-provider" for c in v1_calls)
    assert all("Signature" not in c.params and "SecurityToken" not in c.params for c in emulator.calls)


def test_v1_provider_with_a_session_policy_narrows_too(emulator: Emulator, member: str, operator) -> None:
    session_policy = json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]}
    )
    credential = sdk.role_arn_credential(
        emulator, operator, access_role_arn(member), session="v1-narrow", policy=session_policy
    )
    member_ram = sdk.ram_with_credential(emulator, credential)
    assert member_ram.get_role(ram_models.GetRoleRequest(role_name=ACCESS_ROLE)).body.role
    sdk.expect_error(partial(member_ram.list_roles, ram_models.ListRolesRequest()), 403, "NoPermission")


def test_management_users_reach_members_listed_by_resource_manager(emulator: Emulator, operator) -> None:
    # A member of its own: the test must not depend on which other tests of the module ran before it.
    listed_member = emulator.create_member_account("rd-listed")
    reader = emulator.create_user(
        emulator.management_account_id,
        "rd-reader",
        ["AliyunSTSAssumeRoleAccess", "AliyunResourceDirectoryReadOnlyAccess"],
    )
    accounts = sdk.rm(emulator, reader).list_accounts(rm_models.ListAccountsRequest(page_size=100)).body
    members = [a.account_id for a in accounts.accounts.account if a.account_id != emulator.management_account_id]
    assert listed_member in members
    with_role = [m for m in members if emulator.role(m, ACCESS_ROLE)]
    assert listed_member in with_role
    for account_id in with_role:
        assert assume(emulator, reader, access_role_arn(account_id)).body.credentials
