"""The handler under the emulator's faults and denials: what a customer's cloud does on a bad day."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from index import EventDeliveryFailed

from emulator.harness import trust_for_account
from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, EVENTS, roles_by_name, sample_event
from tests.e2e.virtual_time import virtual_time

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector
    from tests.e2e.virtual_time import VirtualTime

ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"
__all__ = ["virtual_time"]  # the fixture, used by name


@pytest.fixture
def faults(emu: Emulator) -> Iterator[Emulator]:
    """The shared emulator with faults switched off again after the test."""
    emu.faults.seed(7)
    yield emu
    emu.faults.clear()


def member_with_access_role(emu: Emulator, *, trusted_account: str, policies: list[str]) -> str:
    member = emu.create_member_account("restricted", access_role=False)
    emu.create_role(member, ACCESS_ROLE, trust_for_account(trusted_account), policies=policies)
    return member


def test_read_only_access_role_fails_each_role_with_no_permission(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector
) -> None:
    member = member_with_access_role(
        emu, trusted_account=emu.management_account_id, policies=["AliyunRAMReadOnlyAccess"]
    )

    result = fc.invoke({"accountIds": [member]})

    assert result["status"] == "failed"
    (account,) = result["accounts"]
    assert account["status"] == "failed"
    for name in DEFAULT_ROLES:
        role = roles_by_name(result, member)[name]
        assert role["outcome"] == "failed"
        assert role["error"]["code"] == "NoPermission"
        assert role["error"]["hint"]
        assert inspector.role(member, name) is None


def test_access_role_that_does_not_trust_the_management_account_fails_the_account(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    member = member_with_access_role(emu, trusted_account="1999999999999999", policies=["AdministratorAccess"])

    result = fc.invoke({"accountIds": [member]})

    (account,) = result["accounts"]
    assert account["status"] == "failed"
    assert account["error"]["code"] == "NoPermission"
    assert ACCESS_ROLE in account["error"]["message"]
    assert "AssumeRole" in account["error"]["hint"] or "assume" in account["error"]["hint"]


def test_one_unreachable_account_does_not_hide_the_others(emu: Emulator, fc: LocalFunctionCompute) -> None:
    ready = emu.create_member_account("ready")
    invited = emu.create_member_account("invited", access_role=False, join_method="invited")

    result = fc.invoke({"accountIds": [ready, invited]})

    assert result["status"] == "partial"
    statuses = {a["accountId"]: a["status"] for a in result["accounts"]}
    assert statuses == {ready: "succeeded", invited: "failed"}


def test_throttling_server_errors_and_dropped_connections_are_retried(emu: Emulator, faults: Emulator) -> None:
    member = emu.create_member_account("flaky")
    emu.faults.set(None, throttle_rate=0.3, error_rate=0.15, drop_rate=0.15)
    # With 45% of calls failing, 20 attempts make exhaustion (0.45**20 per call) practically impossible. A 1 ms
    # backoff base keeps the retries from waiting for real. The faults are seeded, but the SDK's jitter and the
    # concurrent role threads decide which call meets which draw: only what holds for every order is asserted.
    env = {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "20", "EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": [member]})

    assert result["status"] == "succeeded", result
    assert {r["outcome"] for r in result["accounts"][0]["roles"]} == {"created"}
    # The faults fired: with seed 7 the first call, GetResourceDirectory (a new instance learns the management
    # account), which runs alone, draws a throttle whatever comes next.
    first = emu.calls[mark]
    assert (first.action, first.code) == ("GetResourceDirectory", "Throttling.User")
    injected = {c.code for c in emu.calls[mark:]} & {"Throttling.User", "ServiceUnavailable", "ConnectionDropped"}
    assert injected


def test_roles_invisible_for_a_while_are_verified_before_being_reported_created(
    emu: Emulator, fc: LocalFunctionCompute, faults: Emulator, inspector: Inspector, virtual_time: VirtualTime
) -> None:
    member = emu.create_member_account("eventually")
    emu.faults.set(None, consistency_delay_ms=400)

    result = fc.invoke({"accountIds": [member]})

    assert result["status"] == "succeeded"
    assert {r["outcome"] for r in result["accounts"][0]["roles"]} == {"created"}
    # The reads missed the writes at first: the function polled (in virtual time) until they showed.
    assert virtual_time.sleeps and virtual_time.offset >= 0.4
    emu.faults.clear()
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]


def test_write_that_stays_invisible_past_the_deadline_is_reported_as_propagation_timeout(
    emu: Emulator, faults: Emulator, virtual_time: VirtualTime
) -> None:
    member = emu.create_member_account("slow-to-show")
    emu.faults.set(None, consistency_delay_ms=5_000)
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "0.5"}) as fc:
        result = fc.invoke({"accountIds": [member]})

    assert virtual_time.sleeps, "the function must have polled before giving up"
    assert result["status"] == "failed"
    for role in result["accounts"][0]["roles"]:
        assert role["outcome"] == "failed"
        assert role["error"]["code"] == "PropagationTimeout"
        assert role["error"]["hint"]


@pytest.mark.parametrize(
    "env",
    [
        {"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "soon"},
        {"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "0"},
        {"EMR_BOOTSTRAP_MAX_ATTEMPTS": "99"},
        {"EMR_BOOTSTRAP_RAM_ENDPOINT": "ram.aliyuncs.com/path"},
    ],
)
def test_unusable_setting_fails_with_configuration_error_before_any_call(emu: Emulator, env: dict[str, str]) -> None:
    (variable,) = env
    envelope = json.loads((EVENTS / "http-invocation.json").read_text())
    envelope["body"] = json.dumps({"accountIds": [emu.management_account_id]})
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        result = fc.invoke({"accountIds": [emu.management_account_id]})
        reply = fc.invoke(envelope, handler="http_handler")

    assert (result["status"], result["accounts"]) == ("failed", [])
    assert result["error"]["code"] == "ConfigurationError" and variable in result["error"]["message"]
    assert result["error"]["hint"]
    assert reply["statusCode"] == 500
    assert json.loads(reply["body"])["error"]["code"] == "ConfigurationError"
    assert emu.calls[mark:] == []


def test_event_for_an_account_without_access_role_raises_so_fc_retries_it(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    invited = emu.create_member_account("not-yet-ready", access_role=False)
    event = sample_event("actiontrail-create-resource-account.json", invited, emu.management_account_id)

    with pytest.raises(EventDeliveryFailed) as raised:
        fc.invoke(event)

    # A short message for FC's onFailure destination: the request ID, the counts and the codes, not the result.
    message = str(raised.value)
    assert "AccessRoleMissing" in message and '"failed":1' in message and "requestId" in message
    assert len(message) < 300


def test_event_failing_for_good_returns_its_result_instead_of_asking_for_a_retry(
    emu: Emulator, fc: LocalFunctionCompute
) -> None:
    member = member_with_access_role(
        emu, trusted_account=emu.management_account_id, policies=["AliyunRAMReadOnlyAccess"]
    )
    event = sample_event("actiontrail-create-resource-account.json", member, emu.management_account_id)

    result = fc.invoke(event)

    assert result["status"] == "failed"
    assert {r["error"]["code"] for r in result["accounts"][0]["roles"]} == {"NoPermission"}
