"""Each fault switch, observed through the SDK the way the function would see it (issue #2 "State and faults")."""

from __future__ import annotations

import time
import uuid
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException

from emulator.cli import build_parser, configure
from emulator.core import faults as faults_module
from emulator.core.faults import FAULT_FIELDS, THROTTLE_CODES, Faults
from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

if TYPE_CHECKING:
    from collections.abc import Iterator

TRUST = trust_for_service("emr.aliyuncs.com")


@pytest.fixture(autouse=True)
def no_faults_after(emulator: Emulator) -> Iterator[None]:
    yield
    emulator.faults.clear()


def create_role(client, name: str | None = None):
    name = name or f"f-{uuid.uuid4().hex[:12]}"
    return client.create_role(ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=TRUST))


def get_role(client, name: str):
    return client.get_role(ram_models.GetRoleRequest(role_name=name))


class FrozenMonotonic:
    """Stands in for the ``time`` module inside emulator.core.faults: the token buckets read ``monotonic()``, which
    only moves when the test says so; ``sleep`` (the latency fault) stays real."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleep = time.sleep

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def frozen_buckets(monkeypatch: pytest.MonkeyPatch) -> FrozenMonotonic:
    frozen = FrozenMonotonic()
    monkeypatch.setattr(faults_module, "time", frozen)
    return frozen


def test_throttling_one_action_answers_throttling_user_400_and_leaves_others_alone(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    emulator.faults.set("CreateRole", throttle_rate=1.0)
    error = sdk.expect_error(partial(create_role, ram), 400, "Throttling.User")
    assert error.data["Message"] == "Request was denied due to user flow control."
    assert ram.list_roles(ram_models.ListRolesRequest()).body.request_id


@pytest.mark.parametrize("status", [400, 429])
@pytest.mark.parametrize("code", ["Throttling.User", "Rejected.Throttling", "Throttling"])
def test_throttle_code_and_status_are_configurable(emulator: Emulator, code: str, status: int) -> None:
    emulator.faults.set("CreateRole", throttle_rate=1.0, throttle_code=code, throttle_status=status)
    error = sdk.expect_error(partial(create_role, sdk.ram(emulator)), status, code)
    assert error.data["Message"] == THROTTLE_CODES[code]


def test_published_quota_answers_with_the_configured_throttle_code(
    emulator: Emulator, frozen_buckets: FrozenMonotonic
) -> None:
    account = emulator.create_member_account("quota-code", access_role=False)
    emulator.faults.enable_quotas(True, GetRole=1.0)
    emulator.faults.set(None, throttle_code="Rejected.Throttling")
    ram = sdk.ram(emulator, emulator.root_key_of(account))
    sdk.expect_error(partial(get_role, ram, "absent"), 404, "EntityNotExist.Role")  # the one token of the second
    sdk.expect_error(partial(get_role, ram, "absent"), 400, "Rejected.Throttling")


@pytest.mark.parametrize(
    ("setting", "value"), [("throttle_code", "Throttling.Api"), ("throttle_status", 403), ("error_code", "Oops")]
)
def test_unknown_fault_choices_are_refused(setting: str, value: object) -> None:
    with pytest.raises(ValueError, match=setting):
        Faults().set(None, **{setting: value})


def test_throttle_status_429_and_opt_in_retry_after_header(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    emulator.faults.set(None, throttle_rate=1.0, throttle_status=429)
    sdk.expect_error(partial(create_role, ram), 429, "Throttling.User")
    emulator.faults.set(None, retry_after_ms=250)
    error = sdk.api_error(partial(create_role, ram))
    assert isinstance(error, ThrottlingException)
    assert error.code == "Throttling.User"


@pytest.mark.parametrize(("code", "status"), [("ServiceUnavailable", 503), ("InternalError", 500)])
def test_error_rate_answers_server_errors(emulator: Emulator, code: str, status: int) -> None:
    emulator.faults.set(None, error_rate=1.0, error_code=code)
    error = sdk.expect_error(partial(create_role, sdk.ram(emulator)), status, code)
    assert isinstance(error, ServerException)


def test_dropped_connections_surface_as_transport_errors_and_are_logged(emulator: Emulator) -> None:
    emulator.faults.set("GetRole", drop_rate=1.0)
    with pytest.raises(UnretryableException):
        get_role(sdk.ram(emulator), "anything")
    assert emulator.calls_for(action="GetRole", code="ConnectionDropped")[-1].status == 0


def test_dropped_create_role_never_runs(emulator: Emulator) -> None:
    emulator.faults.set("CreateRole", drop_rate=1.0)
    name = f"dropped-{uuid.uuid4().hex[:8]}"
    with pytest.raises(UnretryableException):
        create_role(sdk.ram(emulator), name)
    assert emulator.role(emulator.management_account_id, name) is None


def test_lost_response_create_role_raises_a_transport_error_but_the_role_exists(emulator: Emulator) -> None:
    emulator.faults.set("CreateRole", lost_response_rate=1.0)
    name = f"lost-{uuid.uuid4().hex[:8]}"
    ram = sdk.ram(emulator)  # no retry_options: the SDK makes exactly one attempt

    with pytest.raises(UnretryableException):
        create_role(ram, name)

    emulator.faults.clear()
    assert get_role(ram, name).body.role.role_name == name
    record = emulator.calls_for(action="CreateRole")[-1]
    assert (record.code, record.status, record.response_lost) == ("OK", 200, True)
    sdk.expect_error(partial(create_role, ram, name), 409, "EntityAlreadyExists.Role")  # what a retry would see


def test_lost_response_attach_policy_to_role_attaches_it(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    name = f"lost-attach-{uuid.uuid4().hex[:8]}"
    create_role(ram, name)
    emulator.faults.set("AttachPolicyToRole", lost_response_rate=1.0)
    attach = ram_models.AttachPolicyToRoleRequest(
        policy_type="System", policy_name="AliyunEMRRolePolicy", role_name=name
    )

    with pytest.raises(UnretryableException):
        ram.attach_policy_to_role(attach)

    role = emulator.role(emulator.management_account_id, name)
    assert role is not None and list(role["attachments"]) == ["System:AliyunEMRRolePolicy"]


def test_lost_response_fault_never_hides_an_error(emulator: Emulator) -> None:
    emulator.faults.set(None, lost_response_rate=1.0)
    sdk.expect_error(partial(get_role, sdk.ram(emulator), "no-such-role"), 404, "EntityNotExist.Role")
    assert not emulator.calls_for(action="GetRole")[-1].response_lost


def test_latency_longer_than_the_client_timeout_makes_the_call_time_out(emulator: Emulator) -> None:
    emulator.faults.set("ListRoles", latency_ms=100)  # well above the client timeout below
    access_key_id, secret = emulator.root_key
    impatient = RamClient(
        Config(
            access_key_id=access_key_id,
            access_key_secret=secret,
            endpoint=emulator.host,
            protocol="http",
            read_timeout=40,
        )
    )
    with pytest.raises(UnretryableException):
        impatient.list_roles(ram_models.ListRolesRequest())
    emulator.faults.clear()
    assert impatient.list_roles(ram_models.ListRolesRequest()).body.request_id


def test_seeded_rates_give_the_same_outcomes_each_run(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    emulator.faults.set("ListRoles", throttle_rate=0.5)

    def outcomes() -> list[bool]:
        results = []
        for _ in range(16):
            try:
                ram.list_roles(ram_models.ListRolesRequest())
                results.append(True)
            except Exception:
                results.append(False)
        return results

    emulator.faults.seed(7)
    first = outcomes()
    emulator.faults.seed(7)
    assert outcomes() == first
    assert True in first and False in first


def test_published_quota_throttles_a_burst_in_one_account_only(
    emulator: Emulator, frozen_buckets: FrozenMonotonic
) -> None:
    busy = emulator.create_member_account("quota-busy", access_role=False)
    calm = emulator.create_member_account("quota-calm", access_role=False)
    emulator.faults.enable_quotas(True)
    busy_ram = sdk.ram(emulator, emulator.root_key_of(busy))

    def burst(calls: int) -> list[str]:
        codes = []
        for _ in range(calls):
            try:
                create_role(busy_ram)
                codes.append("OK")
            except AlibabaCloudException as error:
                codes.append(str(error.code))
        return codes

    # CreateRole: 20/s per account, a bucket holding one second's worth. Time stands still during the burst, so
    # exactly the bucket's 20 calls pass, however long the 45 calls take for real.
    assert burst(45) == ["OK"] * 20 + ["Throttling.User"] * 25
    assert create_role(sdk.ram(emulator, emulator.root_key_of(calm))).body.role  # another account's bucket
    frozen_buckets.now += 0.5  # half a second refills half the bucket
    assert burst(11) == ["OK"] * 10 + ["Throttling.User"]


def test_consistency_delay_hides_new_roles_from_reads_but_not_from_writes(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    emulator.faults.set("CreateRole", consistency_delay_ms=60_000)
    name = f"lagging-{uuid.uuid4().hex[:8]}"
    create_role(ram, name)

    sdk.expect_error(partial(get_role, ram, name), 404, "EntityNotExist.Role")
    assert name not in [
        r.role_name for r in ram.list_roles(ram_models.ListRolesRequest(max_items=1000)).body.roles.role
    ]
    sdk.expect_error(partial(create_role, ram, name), 409, "EntityAlreadyExists.Role")

    emulator.faults.clear()
    emulator.faults.set("AttachPolicyToRole", consistency_delay_ms=60_000)
    visible = f"visible-{uuid.uuid4().hex[:8]}"
    create_role(ram, visible)
    attach = ram_models.AttachPolicyToRoleRequest(
        policy_type="System", policy_name="AliyunEMRRolePolicy", role_name=visible
    )
    ram.attach_policy_to_role(attach)
    listed = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=visible)).body
    assert listed.policies.policy == []
    sdk.expect_error(partial(ram.attach_policy_to_role, attach), 409, "EntityAlreadyExists.Role.Policy")


def test_fault_spec_sets_the_throttle_code_and_a_lost_response_rate() -> None:
    spec = {
        "throttle_rate": 1.0,
        "throttle_code": "Rejected.Throttling",
        "CreateRole": {"throttle_rate": 0.0, "lost_response_rate": 1.0},
    }
    with Emulator(faults=spec) as emu:
        ram = sdk.ram(emu)
        sdk.expect_error(partial(ram.list_roles, ram_models.ListRolesRequest()), 400, "Rejected.Throttling")
        with pytest.raises(UnretryableException):
            create_role(ram, "spec-lost")
        assert emu.role(emu.management_account_id, "spec-lost") is not None


def test_cli_flags_set_the_throttle_code_status_and_lost_response_rate() -> None:
    throttle = ["--throttle-rate", "1", "--throttle-code", "Throttling", "--throttle-status", "429"]
    args = build_parser().parse_args([*throttle, "--fault-action", "ListRoles", "--lost-response-rate", "0.5"])
    with configure(args) as emu:
        settings = emu.faults.settings_for("ListRoles")
        assert (settings.throttle_code, settings.throttle_status) == ("Throttling", 429)
        assert settings.lost_response_rate == 0.5
        sdk.expect_error(partial(sdk.ram(emu).list_roles, ram_models.ListRolesRequest()), 429, "Throttling")
        assert emu.faults.settings_for("GetRole").throttle_rate == 0.0  # --fault-action limits every flag


def test_every_fault_setting_has_a_cli_flag() -> None:
    flags = set(vars(build_parser().parse_args([])))
    assert FAULT_FIELDS - flags == set()


def test_faults_given_to_the_constructor_apply_per_action() -> None:
    with Emulator(faults={"CreateRole": {"throttle_rate": 1.0}}) as emu:
        ram = sdk.ram(emu)
        sdk.expect_error(partial(create_role, ram), 400, "Throttling.User")
        assert ram.list_roles(ram_models.ListRolesRequest()).body.request_id
