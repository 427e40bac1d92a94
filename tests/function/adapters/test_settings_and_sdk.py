"""Deployment settings and the SDK adapter's pure parts (the wire behaviour is covered end to end)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.sdk import member_session_policy, to_cloud_error
from emr_bootstrap.adapters.settings import Endpoint, Settings, SettingsError, parse_endpoint
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.pacing import PUBLISHED_RATES
from emr_bootstrap.shared.codes import ENDPOINT_UNREACHABLE

if TYPE_CHECKING:
    from emr_bootstrap.core.catalog import RoleSpec


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

    assert creds is not None
    assert (creds.access_key_id, creds.security_token) == ("STS.ctx", "tok")
    assert "ctx-secret" not in repr(creds)


def test_python312_context_without_credentials_falls_back_to_the_environment() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "t",
    }

    creds = FunctionCredentials.from_invocation(SimpleNamespace(), env)

    assert creds is not None
    assert (creds.access_key_id, creds.security_token) == ("STS.env", "t")


def test_no_runtime_credentials_leaves_the_choice_to_the_default_chain() -> None:
    assert FunctionCredentials.from_invocation(None, {}) is None
    assert (
        FunctionCredentials.from_invocation(SimpleNamespace(credentials=None), {"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"})
        is None
    )


def specs(*names: str) -> tuple[RoleSpec, ...]:
    catalog = load_catalog()
    return tuple(spec for name in names if (spec := catalog.get(name)) is not None)


def test_session_policy_allows_only_the_requested_roles_and_their_system_policies() -> None:
    document = json.loads(member_session_policy("1234567890123456", specs("AliyunEMRDefaultRole"), "write"))

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
    assert len(member_session_policy("1234567890123456", specs(*names), "repair").encode()) < 2048


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
    assert not error.transient


def test_server_errors_are_transient_and_unknown_failures_name_their_type() -> None:
    server = ServerException(code="ServiceUnavailable", message="busy", status_code=503, request_id="R-2", data={})
    assert to_cloud_error(server).transient
    unknown_5xx = ServerException(code="SomethingNew", message="?", status_code=502, request_id="R-3", data={})
    assert to_cloud_error(unknown_5xx).transient

    other = to_cloud_error(ConnectionResetError("peer reset"))
    assert other.code == ENDPOINT_UNREACHABLE
    assert "ConnectionResetError" in other.message


# Deployment settings as an operator meets them: each unusable value fails with ``VARIABLE='value': rule`` in the
# README's words, at exactly the documented bounds, and every documented default and accepted spelling holds.
def refused(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.code == "ConfigurationError"
    return str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("EMR_BOOTSTRAP_MAX_ATTEMPTS", "0", "must be a whole number from 1 to 20"),
        ("EMR_BOOTSTRAP_MAX_ATTEMPTS", "21", "must be a whole number from 1 to 20"),
        ("EMR_BOOTSTRAP_MAX_ATTEMPTS", "2.5", "must be a whole number from 1 to 20"),
        ("EMR_BOOTSTRAP_RETRY_BACKOFF_MS", "0", "must be a whole number from 1 to 10000"),
        ("EMR_BOOTSTRAP_RETRY_BACKOFF_MS", "10001", "must be a whole number from 1 to 10000"),
        ("EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS", "0", "must be a whole number of at least 1"),
        ("EMR_BOOTSTRAP_FANOUT_THRESHOLD", "-1", "must be a whole number of at least 0"),
        ("EMR_BOOTSTRAP_FANOUT_BATCH_SIZE", "0", "must be a whole number from 1 to 5000"),
        ("EMR_BOOTSTRAP_FANOUT_BATCH_SIZE", "5001", "must be a whole number from 1 to 5000"),
        ("EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S", "0", "must be a number of seconds above 0"),
        ("EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S", "soon", "must be a number of seconds above 0"),
        ("EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S", "inf", "must be a number of seconds above 0"),
        ("EMR_BOOTSTRAP_DEADLINE_MARGIN_S", "-1", "must be a number of seconds above 0"),
        ("EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT", "yes", "must be true or false"),
        ("EMR_BOOTSTRAP_FANOUT", "sometimes", "must be one of auto, always, never"),
        ("EMR_BOOTSTRAP_MEMBER_ROLE", "role/with/slash", "must be a RAM role name: 1-64 of A-Z a-z 0-9 . -"),
        ("EMR_BOOTSTRAP_MEMBER_ROLE", "r" * 65, "must be a RAM role name: 1-64 of A-Z a-z 0-9 . -"),
    ],
)
def test_an_unusable_value_names_the_variable_the_value_and_the_rule(variable: str, value: str, rule: str) -> None:
    assert refused({variable: value}) == f"{variable}={value!r}: {rule}"


def test_a_case_insensitive_value_is_reported_as_read() -> None:
    assert refused({"EMR_BOOTSTRAP_FANOUT": " Sometimes "}) == (
        "EMR_BOOTSTRAP_FANOUT='sometimes': must be one of auto, always, never"
    )
    assert refused({"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": " Yes "}) == (
        "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT='yes': must be true or false"
    )


@pytest.mark.parametrize(
    ("variable", "value", "item", "what"),
    [
        ("EMR_BOOTSTRAP_ALLOWED_FOLDERS", "fd-a,,bad", "bad", "folder IDs (fd-... or r-...)"),
        ("EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST", "1234567890 12", "12", "account IDs of 10-20 digits"),
        ("EMR_BOOTSTRAP_ACCOUNT_DENYLIST", "x" * 50, "x" * 40, "account IDs of 10-20 digits"),
    ],
)
def test_an_unusable_id_list_names_the_item(variable: str, value: str, item: str, what: str) -> None:
    assert refused({variable: value}) == f"{variable}={item!r}: must be a list of {what}, separated by commas"


@pytest.mark.parametrize(
    ("value", "item"), [("CreateRole=-1", "CreateRole=-1"), ("Create_Role=5", "Create_Role=5"), ("A" * 70, "A" * 40)]
)
def test_an_unusable_rate_limit_names_the_item(value: str, item: str) -> None:
    assert refused({"EMR_BOOTSTRAP_RATE_LIMITS": value}) == (
        f"EMR_BOOTSTRAP_RATE_LIMITS={item!r}: must be a list of Action=calls-per-second, e.g. CreateRole=20"
    )


def test_an_unusable_endpoint_names_the_variable_and_the_value_as_given() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_endpoint("EMR_BOOTSTRAP_STS_ENDPOINT", " http://host/path ")
    assert str(caught.value) == (
        "EMR_BOOTSTRAP_STS_ENDPOINT=' http://host/path ': expected host[:port] or an http:// or https:// URL "
        "without a path"
    )
    assert refused({"EMR_BOOTSTRAP_FC_ENDPOINT": "fc host"}).startswith("EMR_BOOTSTRAP_FC_ENDPOINT='fc host': ")


def test_defaults_hold_when_nothing_or_blanks_are_set() -> None:
    for env in (
        {},
        dict.fromkeys(("EMR_BOOTSTRAP_MEMBER_ROLE", "EMR_BOOTSTRAP_DEADLINE_MARGIN_S", "EMR_BOOTSTRAP_FANOUT"), " "),
    ):
        settings = Settings.from_env(env)
        assert settings.member_role == "ResourceDirectoryAccountAccessRole"
        assert (settings.max_attempts, settings.retry_backoff_ms) == (5, 200)
        assert (settings.connect_timeout_ms, settings.read_timeout_ms) == (5000, 10000)
        assert settings.reconcile.max_concurrent_accounts == 16 and settings.reconcile.propagation_timeout_s == 20.0
        assert (settings.fan_out_mode, settings.fan_out_threshold, settings.fan_out_batch_size) == ("auto", 2000, 500)
        assert settings.fc_endpoint is None and settings.deadline_margin_override_s is None
        assert settings.rate_limits == PUBLISHED_RATES
        assert settings.scope.include_management_account is False
        assert settings.scope.allowed_folders is None and settings.scope.allowed_accounts is None
        assert settings.scope.denied_accounts == frozenset()
    blank_endpoints = {
        "EMR_BOOTSTRAP_RAM_ENDPOINT": "",
        "EMR_BOOTSTRAP_STS_ENDPOINT": "",
        "EMR_BOOTSTRAP_FC_ENDPOINT": "",
    }
    settings = Settings.from_env({**blank_endpoints, "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT": ""})
    assert settings.ram.host == "ram.aliyuncs.com" and settings.sts.host == "sts.aliyuncs.com"
    assert settings.resourcemanager.host == "resourcemanager.aliyuncs.com" and settings.fc_endpoint is None


def test_every_variable_is_read_at_its_bounds() -> None:
    settings = Settings.from_env(
        {
            "EMR_BOOTSTRAP_RAM_ENDPOINT": "http://127.0.0.1:1",
            "EMR_BOOTSTRAP_STS_ENDPOINT": "127.0.0.1:2",
            "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT": "HTTP://127.0.0.1:3/",
            "EMR_BOOTSTRAP_FC_ENDPOINT": "https://fc.example:4",
            "EMR_BOOTSTRAP_MEMBER_ROLE": "r" * 64,
            "EMR_BOOTSTRAP_MAX_ATTEMPTS": " 20 ",
            "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1",
            "EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "1",
            "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "0.5",
            "EMR_BOOTSTRAP_DEADLINE_MARGIN_S": "3",
            "EMR_BOOTSTRAP_RATE_LIMITS": "CreateRole=0.5 AssumeRole=0,GetRole=1",
            "EMR_BOOTSTRAP_FANOUT": "ALWAYS",
            "EMR_BOOTSTRAP_FANOUT_THRESHOLD": "0",
            "EMR_BOOTSTRAP_FANOUT_BATCH_SIZE": "5000",
            "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "TRUE",
            "EMR_BOOTSTRAP_ALLOWED_FOLDERS": "fd-a, r-root  fd-b",
            "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": "1234567890,12345678901234567890",
            "EMR_BOOTSTRAP_ACCOUNT_DENYLIST": "1111111111",
        }
    )
    assert settings.ram == Endpoint("127.0.0.1:1", "http") and settings.ram.url == "http://127.0.0.1:1"
    assert settings.sts == Endpoint("127.0.0.1:2", "https")
    assert settings.resourcemanager == Endpoint("127.0.0.1:3", "http")
    assert settings.fc_endpoint == Endpoint("fc.example:4", "https")
    assert settings.member_role == "r" * 64
    assert (settings.max_attempts, settings.retry_backoff_ms) == (20, 1)
    assert settings.reconcile.max_concurrent_accounts == 1 and settings.reconcile.propagation_timeout_s == 0.5
    assert settings.deadline_margin_override_s == 3.0 and settings.deadline_margin_s(600) == 3.0
    assert settings.rate_limits == {**PUBLISHED_RATES, "CreateRole": 0.5, "AssumeRole": 0.0, "GetRole": 1.0}
    assert (settings.fan_out_mode, settings.fan_out_threshold, settings.fan_out_batch_size) == ("always", 0, 5000)
    assert settings.scope.include_management_account is True
    assert settings.scope.allowed_folders == frozenset({"fd-a", "r-root", "fd-b"})
    assert settings.scope.allowed_accounts == frozenset({"1234567890", "12345678901234567890"})
    assert settings.scope.denied_accounts == frozenset({"1111111111"})
    assert Settings.from_env({"EMR_BOOTSTRAP_FANOUT": "never"}).fan_out_mode == "never"
    assert (
        Settings.from_env({"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "100000"}).reconcile.max_concurrent_accounts
        == 100000
    )
    assert (
        Settings.from_env({"EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "false"}).scope.include_management_account
        is False
    )


def test_the_default_margin_leaves_propagation_plus_five_seconds_but_at_most_half_the_timeout() -> None:
    settings = Settings.from_env({"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "10"})
    assert settings.deadline_margin_s(600) == 15.0
    assert settings.deadline_margin_s(20) == 10.0


def test_an_unusable_service_endpoint_names_its_own_variable() -> None:
    for variable in (
        "EMR_BOOTSTRAP_RAM_ENDPOINT",
        "EMR_BOOTSTRAP_STS_ENDPOINT",
        "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT",
    ):
        assert refused({variable: "a host"}).startswith(f"{variable}='a host': ")


def test_only_the_slashes_after_a_url_host_are_dropped() -> None:
    assert parse_endpoint("V", "http://BOX/") == Endpoint("BOX", "http")
