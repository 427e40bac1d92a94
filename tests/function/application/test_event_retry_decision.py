"""Whether a new-account event asks FC for another delivery when a *role* (not the account) failed.

The account itself was reached; one of its roles failed. A failure that may pass (throttling, 5xx, a write that did
not show in reads in time) must raise ``EventDeliveryFailed`` so that FC's async retry runs the idempotent work
again; a failure that will not pass must return the result. The core runs over fakes with a fake clock: no waits.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.application import fc
from emr_bootstrap.core.cloud import CloudError
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import BootstrapJob
from emr_bootstrap.shared.errors import EventDeliveryFailed

from tests.function.fakes import FakeConnector, FakeRam, bootstrap

if TYPE_CHECKING:
    from emr_bootstrap.core.result import Result

MEMBER = "1234567890123456"
EMR_ROLE, ECS_ROLE = "AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"
EVENT_JOB = BootstrapJob(BootstrapRequest(account_ids=(MEMBER,), strategy="create-first"), from_event=True)
REQUEST_JOB = BootstrapJob(BootstrapRequest(account_ids=(MEMBER,)))


def run_with(ram: FakeRam, job: BootstrapJob) -> Result:
    return bootstrap(job.request, FakeConnector({MEMBER: ram}), request_id="req-retry")


def ram_failing(action: str, code: str, status: int, role: str | None = EMR_ROLE) -> FakeRam:
    ram = FakeRam(MEMBER)
    ram.fail[(action, role)] = CloudError(code, f"{code} from the cloud", status=status, request_id="REQ-F")
    return ram


def role_error_codes(reply: dict[str, Any]) -> dict[str, str | None]:
    (account,) = reply["accounts"]
    return {r["roleName"]: (r["error"] or {}).get("code") for r in account["roles"]}


TRANSIENT_ROLE_FAILURES = [
    ("CreateRole", "Throttling.User", 400),
    ("CreateRole", "Throttling", 429),
    ("AttachPolicyToRole", "Rejected.Throttling", 400),
    ("CreateRole", "Throttling.Api", 400),  # any code that says Throttling
    ("AttachPolicyToRole", "ServiceUnavailable", 503),
    ("CreateRole", "InternalError", 500),
    ("AttachPolicyToRole", "EndpointUnreachable", 0),
]
UNKNOWN_CODE_WITH_5XX = ("CreateRole", "SomethingNew", 502)


@pytest.mark.parametrize(
    ("action", "code", "status"),
    # An unknown code answered with a 5xx may pass too: the error keeps that for the decision.
    [*TRANSIENT_ROLE_FAILURES, UNKNOWN_CODE_WITH_5XX],
)
def test_new_account_event_whose_role_failed_for_a_passing_reason_asks_fc_to_deliver_it_again(
    action: str, code: str, status: int
) -> None:
    result = run_with(ram_failing(action, code, status), EVENT_JOB)

    with pytest.raises(EventDeliveryFailed) as raised:
        fc.event_reply(EVENT_JOB, result)

    # The message is the result, so that an onFailure destination sees which role failed and why.
    reply = raised.value.result
    assert reply["status"] == "failed"
    assert reply["accounts"][0]["status"] == "failed"
    assert reply["accounts"][0]["error"] is None  # the account was reached: only the role failed
    assert role_error_codes(reply) == {EMR_ROLE: code, ECS_ROLE: None}


def test_new_account_event_whose_write_never_showed_in_reads_asks_fc_to_deliver_it_again() -> None:
    ram = FakeRam(MEMBER)
    ram.attach_not_found = 10**6  # AttachPolicyToRole keeps answering EntityNotExist.Role after the create
    result = run_with(ram, EVENT_JOB)

    with pytest.raises(EventDeliveryFailed) as raised:
        fc.event_reply(EVENT_JOB, result)

    assert role_error_codes(raised.value.result) == {
        EMR_ROLE: "PropagationTimeout",
        ECS_ROLE: "PropagationTimeout",
    }


def test_new_account_event_with_one_passing_and_one_lasting_role_failure_is_delivered_again() -> None:
    ram = ram_failing("CreateRole", "NoPermission", 403)
    ram.fail[("CreateRole", ECS_ROLE)] = CloudError("Throttling.User", "throttled", status=400)
    result = run_with(ram, EVENT_JOB)

    with pytest.raises(EventDeliveryFailed) as raised:
        fc.event_reply(EVENT_JOB, result)

    assert role_error_codes(raised.value.result) == {EMR_ROLE: "NoPermission", ECS_ROLE: "Throttling.User"}


@pytest.mark.parametrize(
    ("action", "code", "status"),
    [("CreateRole", "NoPermission", 403), ("AttachPolicyToRole", "EntityNotExist.Policy", 404)],
)
def test_new_account_event_whose_role_failed_for_good_returns_its_result(action: str, code: str, status: int) -> None:
    result = run_with(ram_failing(action, code, status), EVENT_JOB)

    reply = json.loads(fc.event_reply(EVENT_JOB, result))

    assert reply["status"] == "failed"
    assert role_error_codes(reply) == {EMR_ROLE: code, ECS_ROLE: None}


@pytest.mark.parametrize(("action", "code", "status"), [*TRANSIENT_ROLE_FAILURES, UNKNOWN_CODE_WITH_5XX])
def test_request_whose_role_failed_for_a_passing_reason_returns_its_result(action: str, code: str, status: int) -> None:
    # Only events are redelivered by FC; a request's caller reads the result and decides.
    result = run_with(ram_failing(action, code, status), REQUEST_JOB)

    reply = json.loads(fc.event_reply(REQUEST_JOB, result))

    assert role_error_codes(reply) == {EMR_ROLE: code, ECS_ROLE: None}


def test_transient_failure_codes_name_each_passing_role_failure_once() -> None:
    ram = ram_failing("CreateRole", "Throttling.User", 400, role=None)  # both roles throttled
    result = run_with(ram, EVENT_JOB)

    assert fc.transient_failure_codes(result) == ["Throttling.User"]
