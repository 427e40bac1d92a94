"""New-account events end to end: every delivery form in events/, create-first as the emulator's call log shows it,
the catalog's descriptions on the created roles, and FC redelivery when a role failed for a reason that may pass."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.core.catalog import load_catalog
from index import EventDeliveryFailed

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, roles_by_name, sample_event, writes_in
from tests.e2e.virtual_time import virtual_time

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emulator.core.calllog import CallRecord
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector
    from tests.e2e.virtual_time import VirtualTime

CATALOG = load_catalog()
CREATE_RESOURCE_ACCOUNT = "actiontrail-create-resource-account.json"
FAST_RETRIES = {"EMR_BOOTSTRAP_RETRY_BACKOFF_MS": "1"}
__all__ = ["virtual_time"]  # the fixture, used by name


@pytest.fixture
def faults(emu: Emulator) -> Iterator[Emulator]:
    """The shared emulator, seeded, with faults switched off again after the test."""
    emu.faults.seed(5)
    yield emu
    emu.faults.clear()


def member_calls(emu: Emulator, member: str, since: int) -> list[CallRecord]:
    """Every call made inside the member account (the member session's RAM calls), in the order they arrived."""
    return [c for c in emu.calls[since:] if c.account_id == member]


def calls_per_role(calls: list[CallRecord]) -> dict[str, list[tuple[str, str]]]:
    per_role: dict[str, list[tuple[str, str]]] = {}
    for call in calls:
        per_role.setdefault(call.params["RoleName"], []).append((call.action, call.code))
    return per_role


def outcomes(result: dict[str, Any], member: str) -> dict[str, str]:
    return {name: role["outcome"] for name, role in roles_by_name(result, member).items()}


# -- create-first, as the cloud sees it ------------------------------------------------------------------------
def test_new_account_event_creates_each_role_before_reading_anything(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    mark = len(emu.calls)

    result = fc.invoke(sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id))

    assert outcomes(result, member) == dict.fromkeys(DEFAULT_ROLES, "created")
    calls = member_calls(emu, member, mark)
    assert calls[0].action == "CreateRole", [c.action for c in calls]
    for name, sequence in calls_per_role(calls).items():
        # Create, attach, then the verifying read: nothing is read before the role is created.
        assert sequence[:2] == [("CreateRole", "OK"), ("AttachPolicyToRole", "OK")], (name, sequence)
        assert {action for action, _ in sequence[2:]} == {"ListPoliciesForRole"}, (name, sequence)


def test_second_event_for_the_same_account_meets_entity_already_exists_and_reports_unchanged(
    emu: Emulator, fc: LocalFunctionCompute, member: str
) -> None:
    event = sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id)
    fc.invoke(event)
    mark = len(emu.calls)

    again = fc.invoke(event)

    assert again["status"] == "succeeded"
    assert outcomes(again, member) == dict.fromkeys(DEFAULT_ROLES, "unchanged")
    assert all(role["changes"] == [] for role in roles_by_name(again, member).values())
    for name, sequence in calls_per_role(member_calls(emu, member, mark)).items():
        # Still create-first: CreateRole is refused, then the role is read and found complete; no other write.
        assert sequence[0] == ("CreateRole", "EntityAlreadyExists.Role"), (name, sequence)
        assert sorted(sequence[1:]) == [("GetRole", "OK"), ("ListPoliciesForRole", "OK")], (name, sequence)


@pytest.mark.parametrize("trigger", ["event", "request"])
def test_created_roles_carry_the_catalogs_description(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector, trigger: str
) -> None:
    payload = sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id)
    result = fc.invoke(payload if trigger == "event" else {"accountIds": [member]})

    assert outcomes(result, member) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name in DEFAULT_ROLES:
        role = inspector.role(member, name)
        assert role is not None
        assert role.description == CATALOG.require(name).description, name
        assert role.description  # the catalog describes every role: an empty one would be a packaging bug


# -- every delivery form -------------------------------------------------------------------------------------
def test_accept_handshake_event_grants_the_roles_to_the_invited_account_when_delivered_on_our_bus(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector
) -> None:
    invited = emu.create_member_account("handshake", join_method="invited")
    event = json.loads(sample_event("actiontrail-accept-handshake.json", invited, emu.management_account_id))

    # Published on the invitee's own bus (where ActionTrail records the call), it is not believed.
    assert fc.invoke(event)["status"] == "ignored"
    # Delivered to the management account's bus (a trail that delivers member events centrally), it is.
    event["aliyunaccountid"] = emu.management_account_id
    result = fc.invoke(event)

    assert result["status"] == "succeeded"
    assert outcomes(result, invited) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(invited, name) == [(policy, "System")]


def test_rawdata_delivery_of_create_resource_account_grants_the_roles(
    emu: Emulator, fc: LocalFunctionCompute, member: str, inspector: Inspector
) -> None:
    result = fc.invoke(
        sample_event("actiontrail-rawdata-create-resource-account.json", member, emu.management_account_id)
    )

    assert result["status"] == "succeeded"
    assert outcomes(result, member) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]


def test_create_cloud_account_event_skips_the_verifying_account_then_a_rerun_grants_the_roles_once_active(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector
) -> None:
    cloud = emu.create_member_account("cloud-account", status="CreateVerifying")
    event = sample_event("actiontrail-create-cloud-account.json", cloud, emu.management_account_id)
    mark = len(emu.calls)

    waiting = fc.invoke(event)  # returns: an account not ready is not worth an FC retry

    (account,) = waiting["accounts"]
    assert (account["status"], account["directoryStatus"]) == ("skipped", "CreateVerifying")
    assert account["skipped"]["code"] == "AccountNotReady"
    assert writes_in(emu, cloud, mark) == []

    emu.set_account_status(cloud, "CreateSuccess")
    ready = fc.invoke(event)

    assert ready["status"] == "succeeded"
    assert outcomes(ready, cloud) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(cloud, name) == [(policy, "System")]


# -- redelivery when a role failed for a reason that may pass ------------------------------------------------------
def raised_result(fc: LocalFunctionCompute, event: bytes) -> dict[str, Any]:
    with pytest.raises(EventDeliveryFailed) as raised:
        fc.invoke(event)
    result: dict[str, Any] = raised.value.result
    return result


def role_codes(result: dict[str, Any], member: str) -> dict[str, str]:
    return {name: role["error"]["code"] for name, role in roles_by_name(result, member).items()}


def test_throttled_roles_make_fc_deliver_the_event_again_and_the_redelivery_grants_them(
    emu: Emulator, faults: Emulator, member: str, inspector: Inspector
) -> None:
    event = sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id)
    emu.faults.set("CreateRole", throttle_rate=1.0)
    with LocalFunctionCompute(emu, extra_env={**FAST_RETRIES, "EMR_BOOTSTRAP_MAX_ATTEMPTS": "2"}) as fc:
        failed = raised_result(fc, event)
        emu.faults.clear()
        redelivered = fc.invoke(event)

    assert failed["accounts"][0]["error"] is None  # the account was reached: its roles failed
    assert role_codes(failed, member) == dict.fromkeys(DEFAULT_ROLES, "Throttling.User")
    assert outcomes(redelivered, member) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(member, name) == [(policy, "System")]


def test_server_errors_on_attach_make_fc_deliver_the_event_again_and_the_redelivery_completes_the_roles(
    emu: Emulator, faults: Emulator, member: str, inspector: Inspector
) -> None:
    event = sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id)
    emu.faults.set("AttachPolicyToRole", error_rate=1.0, error_code="ServiceUnavailable")
    with LocalFunctionCompute(emu, extra_env={**FAST_RETRIES, "EMR_BOOTSTRAP_MAX_ATTEMPTS": "2"}) as fc:
        failed = raised_result(fc, event)
        emu.faults.clear()
        redelivered = fc.invoke(event)

    assert role_codes(failed, member) == dict.fromkeys(DEFAULT_ROLES, "ServiceUnavailable")
    # The roles were created by the first delivery; the redelivery finds them and attaches the policies.
    assert outcomes(redelivered, member) == dict.fromkeys(DEFAULT_ROLES, "updated")
    for name, policy in DEFAULT_ROLES.items():
        assert roles_by_name(redelivered, member)[name]["changes"] == [
            {"action": "AttachPolicyToRole", "policyName": policy}
        ]
        assert inspector.policies(member, name) == [(policy, "System")]


def test_writes_not_visible_in_time_make_fc_deliver_the_event_again(
    emu: Emulator, faults: Emulator, member: str, virtual_time: VirtualTime
) -> None:
    event = sample_event(CREATE_RESOURCE_ACCOUNT, member, emu.management_account_id)
    emu.faults.set("CreateRole", consistency_delay_ms=60_000)
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "0.5"}) as fc:
        failed = raised_result(fc, event)

    assert virtual_time.sleeps, "the function must have polled before giving up"
    assert role_codes(failed, member) == dict.fromkeys(DEFAULT_ROLES, "PropagationTimeout")
