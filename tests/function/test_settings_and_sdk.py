"""Deployment settings and the SDK adapter's pure parts (the wire behaviour is covered end to end)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from emr_bootstrap.cloud import CloudError
from emr_bootstrap.sdk import ENDPOINT_UNREACHABLE, FunctionCredentials, member_session_policy, to_cloud_error
from emr_bootstrap.settings import Endpoint, Settings, SettingsError, parse_endpoint


def test_endpoints_default_to_the_real_global_ones() -> None:
    settings = Settings.from_env({})

    assert settings.ram == Endpoint("ram.aliyuncs.com", "https")
    assert settings.sts == Endpoint("sts.aliyuncs.com", "https")
    assert settings.resourcemanager == Endpoint("resourcemanager.aliyuncs.com", "https")
    assert settings.member_role == "ResourceDirectoryAccountAccessRole"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ram.aliyuncs.com", Endpoint("ram.aliyuncs.com", "https")),
        ("ram.vpc-proxy.aliyuncs.com:443", Endpoint("ram.vpc-proxy.aliyuncs.com:443", "https")),
        ("http://127.0.0.1:8080", Endpoint("127.0.0.1:8080", "http")),
        ("HTTPS://sts.cn-hangzhou.aliyuncs.com/", Endpoint("sts.cn-hangzhou.aliyuncs.com", "https")),
    ],
)
def test_endpoint_is_host_port_for_https_or_a_full_url(value: str, expected: Endpoint) -> None:
    assert parse_endpoint("EMR_BOOTSTRAP_RAM_ENDPOINT", value) == expected


@pytest.mark.parametrize("value", ["http://host/path", "ftp://host", "host name", ""])
def test_unusable_endpoint_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_STS_ENDPOINT"):
        parse_endpoint("EMR_BOOTSTRAP_STS_ENDPOINT", value)


def test_member_role_and_attempts_are_validated() -> None:
    assert Settings.from_env({"EMR_BOOTSTRAP_MEMBER_ROLE": "EmrBootstrapAccess"}).member_role == "EmrBootstrapAccess"
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_MEMBER_ROLE"):
        Settings.from_env({"EMR_BOOTSTRAP_MEMBER_ROLE": "role/with/slash"})
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_MAX_ATTEMPTS"):
        Settings.from_env({"EMR_BOOTSTRAP_MAX_ATTEMPTS": "0"})


def test_credentials_prefer_the_fc_context_over_the_environment() -> None:
    context = SimpleNamespace(
        credentials=SimpleNamespace(access_key_id="STS.ctx", access_key_secret="ctx-secret", security_token="tok")
    )
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}

    creds = FunctionCredentials.from_invocation(context, env)

    assert (creds.access_key_id, creds.security_token) == ("STS.ctx", "tok")
    assert "ctx-secret" not in repr(creds)


def test_python312_context_without_credentials_falls_back_to_the_environment() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "t",
    }

    creds = FunctionCredentials.from_invocation(SimpleNamespace(), env)

    assert (creds.access_key_id, creds.security_token) == ("STS.env", "t")


def test_missing_credentials_is_an_error_with_a_remedy() -> None:
    with pytest.raises(CloudError) as caught:
        FunctionCredentials.from_invocation(None, {})
    assert caught.value.code == "CredentialsMissing"
    assert "role" in caught.value.message


def test_session_policy_allows_only_the_requested_roles_and_their_system_policies() -> None:
    document = json.loads(member_session_policy("1234567890123456", ["AliyunEMRDefaultRole"]))

    roles, policies = document["Statement"]
    assert roles["Resource"] == ["acs:ram:*:1234567890123456:role/aliyunemrdefaultrole"]
    assert "ram:DeleteRole" not in roles["Action"] and "ram:DetachPolicyFromRole" not in roles["Action"]
    assert policies == {
        "Effect": "Allow",
        "Action": "ram:AttachPolicyToRole",
        "Resource": ["acs:ram:*:system:policy/AliyunEMRRolePolicy"],
    }


def test_session_policy_for_every_catalog_role_fits_the_sts_limit() -> None:
    names = [
        "AliyunEMRDefaultRole",
        "AliyunECSInstanceForEMRRole",
        "AliyunEmrEcsDefaultRole",
        "AliyunEMRManagedCostRole",
        "AliyunECSInstanceForEMRStudioRole",
    ]
    # AssumeRole rejects a Policy over 2048 bytes (docs/alibaba-cloud.md §3, InvalidParameter.PolicySize).
    assert len(member_session_policy("1234567890123456", names).encode()) < 2048


def test_cloud_errors_keep_the_cloud_code_message_and_request_id() -> None:
    exc = ClientException(
        code="EntityAlreadyExists.Role",
        message="code: 409, The role already exists. request id: R-1",
        status_code=409,
        request_id="R-1",
        data={"Code": "EntityAlreadyExists.Role", "Message": "The role already exists.", "statusCode": 409},
    )

    error = to_cloud_error(exc)

    assert (error.code, error.message, error.status, error.request_id) == (
        "EntityAlreadyExists.Role",
        "The role already exists.",
        409,
        "R-1",
    )
    assert not error.retryable


def test_server_errors_are_marked_retryable_and_unknown_failures_name_their_type() -> None:
    server = ServerException(code="ServiceUnavailable", message="busy", status_code=503, request_id="R-2", data={})
    assert to_cloud_error(server).retryable

    other = to_cloud_error(ConnectionResetError("peer reset"))
    assert other.code == ENDPOINT_UNREACHABLE
    assert "ConnectionResetError" in other.message
