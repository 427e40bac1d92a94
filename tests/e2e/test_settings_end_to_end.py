"""Settings that change how the function reaches the cloud, end to end: the member access role's name, endpoints
that cannot be reached, and the SDK's connect and read timeouts (``Settings.connect_timeout_ms`` /
``read_timeout_ms``, not exposed as environment variables: set on the settings the application built)."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.application.app import Application, sdk_ports
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import BootstrapJob
from index import EventDeliveryFailed

from emulator.harness import trust_for_account
from emulator.local_fc import FUNCTION_ROLE, POLICY_DIR, LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, roles_by_name, sample_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.cloud import Ports
    from emr_bootstrap.core.result import AccountResult

    from emulator.testing import Emulator

FAST_RETRIES = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "2", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
WAIT_S = 10.0  # only ever reached when something is broken


@pytest.fixture
def faults(emu: Emulator) -> Iterator[Emulator]:
    emu.faults.seed(3)
    yield emu
    emu.faults.clear()


# -- EMR_BOOTSTRAP_MEMBER_ROLE -----------------------------------------------------------------------------------
def member_with_access_role_named(emu: Emulator, name: str) -> str:
    """A member whose administrator access role (trusting the management account) is ``name``, and which has no
    ResourceDirectoryAccountAccessRole."""
    member = emu.create_member_account(f"access-{name.lower()}", access_role=False)
    emu.create_role(member, name, trust_for_account(emu.management_account_id), policies=["AdministratorAccess"])
    return member


def let_the_function_assume(emu: Emulator, role_name: str) -> None:
    """What deploy/policies/README.md says to do with the setting: the function roles' AssumeRole statement
    names that role instead (added here beside the shipped policy)."""
    policy = json.loads((POLICY_DIR / "function-event-role-policy.json").read_text())
    (assume,) = [s for s in policy["Statement"] if s["Action"] == "sts:AssumeRole"]
    assume["Resource"] = f"acs:ram:*:*:role/{role_name.lower()}"
    name = f"EmrBootstrapAssume{role_name}"
    emu.create_custom_policy(emu.management_account_id, name, json.dumps(policy))
    trust = (POLICY_DIR / "function-trust-policy.json").read_text()
    emu.create_role(emu.management_account_id, FUNCTION_ROLE, trust, custom_policies=[name], exist_ok=True)


def test_member_access_role_named_by_the_setting_is_assumed_and_the_roles_granted(emu: Emulator) -> None:
    member = member_with_access_role_named(emu, "EmrBootstrapAccessRole")
    let_the_function_assume(emu, "EmrBootstrapAccessRole")
    mark = len(emu.calls)
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_MEMBER_ROLE": "EmrBootstrapAccessRole"}) as fc:
        result = fc.invoke({"accountIds": [member]})

    assert result["status"] == "succeeded", result
    assert {r["outcome"] for r in roles_by_name(result, member).values()} == {"created"}
    (assume,) = [c for c in emu.calls[mark:] if c.action == "AssumeRole"]
    assert assume.params["RoleArn"] == f"acs:ram::{member}:role/EmrBootstrapAccessRole"
    for name, policy in DEFAULT_ROLES.items():
        role = emu.role(member, name)
        assert role is not None, name
        assert sorted(role["attachments"]) == [f"System:{policy}"]


def test_without_the_setting_the_default_access_role_is_assumed_so_a_member_lacking_it_reports_access_role_missing(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMR_BOOTSTRAP_MEMBER_ROLE", raising=False)
    member = member_with_access_role_named(emu, "OtherName")
    let_the_function_assume(emu, "OtherName")
    mark = len(emu.calls)
    with LocalFunctionCompute(emu) as fc:
        result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    assert (account["status"], account["error"]["code"]) == ("failed", "AccessRoleMissing")
    assert "ResourceDirectoryAccountAccessRole" in account["error"]["message"]
    (assume,) = [c for c in emu.calls[mark:] if c.action == "AssumeRole"]
    assert assume.params["RoleArn"] == f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"


def test_member_access_role_setting_without_the_matching_function_policy_is_refused_with_an_assume_role_hint(
    emu: Emulator,
) -> None:
    member = member_with_access_role_named(emu, "NotInTheFunctionPolicy")
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_MEMBER_ROLE": "NotInTheFunctionPolicy"}) as fc:
        result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    assert (account["status"], account["error"]["code"]) == ("failed", "NoPermission")
    assert "NotInTheFunctionPolicy" in account["error"]["message"]
    assert "sts:AssumeRole" in account["error"]["hint"]


# -- endpoints that cannot be reached ---------------------------------------------------------------------------
def closed_loopback_port() -> int:
    """A loopback port nothing listens on: bound, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def assert_endpoint_unreachable(error: dict[str, Any], action: str) -> None:
    assert error["code"] == "EndpointUnreachable", error
    assert error["message"].startswith(f"{action}: "), error
    assert "request failed: " in error["message"] and "127.0.0.1" in error["message"], error
    assert "EMR_BOOTSTRAP_*_ENDPOINT" in error["hint"], error


@pytest.mark.parametrize(
    ("variable", "action"),
    [("EMR_BOOTSTRAP_STS_ENDPOINT", "AssumeRole"), ("EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT", "GetResourceDirectory")],
)
def test_unreachable_endpoint_fails_the_account_with_endpoint_unreachable_and_its_hint(
    emu: Emulator, member: str, variable: str, action: str
) -> None:
    env = {**FAST_RETRIES, variable: f"http://127.0.0.1:{closed_loopback_port()}"}
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        result = fc.invoke({"accountIds": [member]})
        credentials = fc.credentials()

    (account,) = result["accounts"]
    assert (result["status"], account["status"]) == ("failed", "failed")
    assert_endpoint_unreachable(account["error"], action)
    text = json.dumps(result)
    assert credentials.access_key_id not in text and credentials.security_token not in text


def test_unreachable_endpoint_on_a_new_account_event_asks_fc_to_deliver_it_again(emu: Emulator, member: str) -> None:
    env = {**FAST_RETRIES, "EMR_BOOTSTRAP_STS_ENDPOINT": f"http://127.0.0.1:{closed_loopback_port()}"}
    event = sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id)
    with LocalFunctionCompute(emu, extra_env=env) as fc, pytest.raises(EventDeliveryFailed) as raised:
        fc.invoke(event)

    assert_endpoint_unreachable(raised.value.result["accounts"][0]["error"], "AssumeRole")


# -- SDK timeouts ----------------------------------------------------------------------------------------------
def run_with_timeouts(
    fc: LocalFunctionCompute, account_id: str, env: dict[str, str], *, connect_ms: int = 5_000, read_ms: int = 10_000
) -> AccountResult:
    """One request through the application with the SDK adapters as it builds them, but these timeouts."""

    def ports(settings: Settings, invocation: Invocation) -> Ports:
        return sdk_ports(replace(settings, connect_timeout_ms=connect_ms, read_timeout_ms=read_ms), invocation)

    creds = fc.credentials()
    invocation = Invocation(
        "timeouts",
        credentials=FunctionCredentials(creds.access_key_id, creds.access_key_secret, creds.security_token),
        own_account_id=fc.account_id,
    )
    job = BootstrapJob(BootstrapRequest(account_ids=(account_id,)))
    (account,) = Application({**fc.environment(), **env}, ports=ports).run(job, invocation).accounts
    return account


def test_a_response_slower_than_the_read_timeout_ends_in_endpoint_unreachable_after_every_attempt(
    emu: Emulator, faults: Emulator, member: str
) -> None:
    emu.faults.set("GetAccount", latency_ms=30)  # six times the read timeout below
    with LocalFunctionCompute(emu) as fc:
        account = run_with_timeouts(fc, member, FAST_RETRIES, read_ms=5)

    assert account.status == "failed" and account.error is not None
    assert account.error.code == "EndpointUnreachable"
    assert account.error.message.startswith("GetAccount: request failed: "), account.error
    # Both attempts reached the emulator; it logs each once its latency has passed.
    deadline = time.monotonic() + WAIT_S
    while len(get_accounts_for(emu, member)) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(get_accounts_for(emu, member)) == 2


def get_accounts_for(emu: Emulator, account_id: str) -> list[Any]:
    return [c for c in emu.calls_for(action="GetAccount") if c.params.get("AccountId") == account_id]


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose listen backlog is full: the kernel drops new SYNs, so a connect hangs until the
    client's connect timeout (Linux)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_an_endpoint_that_never_accepts_ends_in_endpoint_unreachable_within_the_connect_timeout(
    emu: Emulator, member: str, unanswered_port: int
) -> None:
    env = {**FAST_RETRIES, "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT": f"http://127.0.0.1:{unanswered_port}"}
    started = time.monotonic()
    with LocalFunctionCompute(emu) as fc:
        account = run_with_timeouts(fc, member, env, connect_ms=10)
    elapsed = time.monotonic() - started

    assert account.status == "failed" and account.error is not None
    assert account.error.code == "EndpointUnreachable"
    # GetResourceDirectory (the management account) is the first Resource Manager call of a run.
    assert account.error.message.startswith("GetResourceDirectory: request failed: "), account.error
    # Two attempts of 10 ms; the SDK's own default (5 s per attempt) would take ten seconds.
    assert elapsed < 2.5
