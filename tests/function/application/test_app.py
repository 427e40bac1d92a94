"""The application layer: jobs in, results out, whatever the entry point (fake ports; no SDK, no cloud)."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.application import fc
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.cloud import Ports as CloudPorts
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.events import parse_trigger
from emr_bootstrap.intake.jobs import BootstrapJob, IgnoredJob, InvalidJob, SweepJob, job_for
from emr_bootstrap.shared.errors import EventDeliveryFailed

from tests.function.fakes import FakeConnector, FakeDirectory

if TYPE_CHECKING:
    from emr_bootstrap.adapters.settings import Settings

MEMBER = "1234567890123456"
EVENT = {
    "specversion": "1.0",
    "id": "e-1",
    "type": "resourcemanager:ActionTrail:ApiCall",
    "source": "acs.resourcemanager",
    "aliyunaccountid": "1000000000000001",
    "data": {
        "eventName": "CreateResourceAccount",
        "eventType": "ApiCall",
        "userIdentity": {"accountId": "1000000000000001"},
        "responseElements": {"Account": {"AccountId": MEMBER}},
    },
}


class Ports:
    def __init__(self) -> None:
        self.connector = FakeConnector()
        self.directory = FakeDirectory()
        self.built: list[Settings] = []

    def __call__(self, settings: Settings, invocation: Invocation) -> CloudPorts:
        self.built.append(settings)
        return CloudPorts(self.connector, self.directory)


def test_a_new_account_event_becomes_a_typed_create_first_job_without_a_dict_round_trip() -> None:
    job = job_for(parse_trigger(json.dumps(EVENT)), request_id="r", own_account_id="1000000000000001")

    assert job == BootstrapJob(BootstrapRequest(account_ids=(MEMBER,), strategy="create-first"), from_event=True)


def test_a_timer_with_an_empty_payload_sweeps_everything_unattended() -> None:
    job = job_for(parse_trigger(json.dumps({"triggerTime": "t", "triggerName": "n", "payload": ""})), request_id="r")
    assert isinstance(job, SweepJob) and job.origin == "timer"
    assert job.request.changed_within_minutes is None and job.request.include is None


def test_a_timer_payload_is_a_sweep_request() -> None:
    payload = json.dumps({"action": "sweep", "changedWithinMinutes": 15})
    job = job_for(
        parse_trigger(json.dumps({"triggerTime": "t", "triggerName": "n", "payload": payload})), request_id="r"
    )
    assert isinstance(job, SweepJob) and job.request.changed_within_minutes == 15


def test_an_oversize_request_is_an_invalid_job() -> None:
    job = job_for(parse_trigger(json.dumps({"accountIds": [MEMBER], "pad": "x" * 70_000})), request_id="r")
    assert isinstance(job, InvalidJob) and job.error.rule == "max-size"


def test_settings_are_read_from_the_given_environment_when_a_job_needs_them() -> None:
    ports = Ports()
    app = Application({"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "3"}, ports=ports)

    result = app.run(BootstrapJob(BootstrapRequest(account_ids=(MEMBER,))), Invocation("r"))

    assert result.status == "succeeded"
    assert [s.reconcile.max_concurrent_accounts for s in ports.built] == [3]


def test_ignored_and_invalid_jobs_never_build_the_cloud_ports() -> None:
    ports = Ports()
    app = Application({}, ports=ports)

    assert app.run(IgnoredJob("nothing to do"), Invocation("r")).status == "ignored"
    assert ports.built == []


def test_a_bad_setting_fails_the_job_with_configuration_error_before_any_port_is_built() -> None:
    ports = Ports()
    app = Application({"EMR_BOOTSTRAP_MAX_ATTEMPTS": "0"}, ports=ports)

    result = app.run(BootstrapJob(BootstrapRequest(account_ids=(MEMBER,))), Invocation("r"))

    assert result.status == "failed" and result.error is not None
    assert result.error.code == "ConfigurationError" and "EMR_BOOTSTRAP_MAX_ATTEMPTS" in result.error.message
    assert ports.built == []


def test_an_unexpected_exception_becomes_a_failed_result_naming_only_its_type() -> None:
    def broken(settings: Settings, invocation: Invocation) -> CloudPorts:
        raise RuntimeError("secret-ish detail")

    result = Application({}, ports=broken).run(BootstrapJob(BootstrapRequest(account_ids=(MEMBER,))), Invocation("r"))

    assert result.status == "failed" and result.error is not None
    assert result.error.message == "unexpected RuntimeError"
    assert "secret-ish" not in json.dumps(result.to_dict())


@pytest.mark.parametrize(("elapsed_s", "status"), [(0.0, "succeeded"), (6.0, "not-attempted")])
def test_the_deadline_is_the_start_plus_the_function_timeout_less_a_margin(elapsed_s: float, status: str) -> None:
    # A 10 s function keeps half its time as margin (the propagation timeout plus 5 s is more): started 6 s ago,
    # it has 4 s left, too little to start an account; just started, it has 10 s.
    ports = Ports()
    invocation = Invocation("r", started=time.monotonic() - elapsed_s, timeout_s=10.0)

    result = Application({}, ports=ports).run(BootstrapJob(BootstrapRequest(account_ids=(MEMBER,))), invocation)

    assert result.accounts[0].status == status


def test_fc_invocation_reads_the_request_id_timeout_credentials_and_account() -> None:
    context = SimpleNamespace(
        request_id="req-7",
        function=SimpleNamespace(timeout=300),
        credentials=SimpleNamespace(access_key_id="STS.a", access_key_secret="s", security_token="t"),
        account_id="1000000000000001",
    )

    invocation = fc.invocation(context, {})

    assert (invocation.request_id, invocation.timeout_s, invocation.own_account_id) == (
        "req-7",
        300.0,
        "1000000000000001",
    )
    assert invocation.credentials is not None and invocation.credentials.access_key_id == "STS.a"


def test_fc_invocation_without_a_timeout_has_no_deadline_and_without_keys_uses_the_default_chain() -> None:
    invocation = fc.invocation(SimpleNamespace(request_id="r"), {})
    assert invocation.timeout_s is None and invocation.credentials is None


def test_an_event_whose_accounts_were_not_attempted_is_retried_by_fc() -> None:
    ports = Ports()
    job = BootstrapJob(BootstrapRequest(account_ids=(MEMBER,), strategy="create-first"), from_event=True)
    result = Application({}, ports=ports).run(job, Invocation("r", started=-1e9, timeout_s=1.0))

    with pytest.raises(EventDeliveryFailed):
        fc.event_reply(job, result)


def test_a_request_whose_accounts_were_not_attempted_returns_its_result() -> None:
    ports = Ports()
    job = BootstrapJob(BootstrapRequest(account_ids=(MEMBER,)))
    result = Application({}, ports=ports).run(job, Invocation("r", started=-1e9, timeout_s=1.0))

    assert json.loads(fc.event_reply(job, result))["accounts"][0]["status"] == "not-attempted"


def test_an_event_for_an_account_not_ready_yet_is_not_retried() -> None:
    ports = Ports()
    ports.directory.statuses[MEMBER] = "CreateVerifying"
    job = BootstrapJob(BootstrapRequest(account_ids=(MEMBER,), strategy="create-first"), from_event=True)

    reply = json.loads(fc.event_reply(job, Application({}, ports=ports).run(job, Invocation("r"))))

    assert reply["accounts"][0]["skipped"]["code"] == "AccountNotReady"
