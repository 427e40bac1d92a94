"""Deployment settings as an operator meets them: each unusable value fails with ``VARIABLE='value': rule`` in the
README's words, at exactly the documented bounds, and every documented default and accepted spelling holds."""

from __future__ import annotations

import pytest
from emr_bootstrap.pacing import PUBLISHED_RATES
from emr_bootstrap.settings import Endpoint, Settings, SettingsError, parse_endpoint


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
