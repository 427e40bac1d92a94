"""An ignored event's result says which rule ignored it (``reasonCode``, beside ``reason``), so that a caller or a
log query can tell an unrelated event from a failed call or a skipped event sweep without parsing prose."""

from __future__ import annotations

from pathlib import Path

import pytest
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.intake.jobs import IgnoredJob, from_event

from tests.function.application.test_app import Ports

EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.mark.parametrize(
    ("sample", "code"),
    [("actiontrail-unrelated.json", "unrelated-event"), ("actiontrail-failed-call.json", "failed-call")],
)
def test_an_ignored_event_result_names_the_rule_that_ignored_it(sample: str, code: str) -> None:
    ports = Ports()
    job = from_event((EVENTS / sample).read_bytes(), request_id="r", own_account_id="1000000000000001")

    result = Application({}, ports=ports).run(job, Invocation("r")).to_dict()

    assert result["status"] == "ignored" and result["reasonCode"] == code and result["reason"]
    assert ports.built == []


def test_a_skipped_event_sweep_result_names_its_rule_and_an_ignored_job_without_one_has_none() -> None:
    app = Application({}, ports=Ports())

    skipped = app.run(IgnoredJob("within the cooldown", "event-sweep-cooldown"), Invocation("r")).to_dict()
    plain = app.run(IgnoredJob("nothing to do"), Invocation("r")).to_dict()

    assert skipped["reasonCode"] == "event-sweep-cooldown"
    assert "reasonCode" not in plain and plain["reason"] == "nothing to do"
