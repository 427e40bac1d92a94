"""Every sample in events/ does in ``index.handler`` what events/README.md says it does: the table's
"`index.handler` does" column is checked against the job the handler builds, with the function running in the
management account of the samples. The two documented ActionTrail forms are both believed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.intake.events import NewAccountEvents, parse_trigger
from emr_bootstrap.intake.jobs import BootstrapJob, IgnoredJob, InvalidJob, SweepJob, from_event
from emr_bootstrap.sweeps.event_sweeps import EventSweepGuard

if TYPE_CHECKING:
    from emr_bootstrap.intake.jobs import Job

EVENTS = Path(__file__).resolve().parents[3] / "events"
MGMT, NEW = "1000000000000001", "1000000000000002"
_ROW = re.compile(r"^\| `([^`]+)` \|[^|]*\| `([^`]+)` \|", re.MULTILINE)


def documented() -> dict[str, str]:
    return dict(_ROW.findall((EVENTS / "README.md").read_text()))


def outcome(job: Job) -> str:
    """The job in the README's words."""
    if isinstance(job, BootstrapJob):
        return f"{'plans' if job.request.dry_run else 'grants'} {', '.join(job.request.account_ids)}"
    if isinstance(job, SweepJob):
        minutes = job.request.changed_within_minutes
        what = (
            "the changes since the event"
            if job.origin == "event"
            else f"the changes of the last {minutes} minutes"
            if minutes is not None
            else "every account"
        )
        return f"plans a sweep of {what}" if job.request.dry_run else f"sweeps {what}"
    if isinstance(job, IgnoredJob):
        return f"ignored ({job.code})"
    if isinstance(job, InvalidJob):
        return f"invalid ({job.error.field})"
    return f"failed ({job.error.code})"


def handled(name: str) -> Job:
    guard = EventSweepGuard(0.0)
    return from_event((EVENTS / name).read_bytes(), request_id="r", own_account_id=MGMT, event_sweeps=lambda: guard)


def test_every_sample_has_a_documented_outcome() -> None:
    on_disk = {p.name for p in EVENTS.iterdir() if p.name != "README.md"}
    assert set(documented()) == on_disk


@pytest.mark.parametrize("name", sorted(documented()))
def test_the_handler_does_with_the_sample_what_the_readme_says(name: str) -> None:
    assert outcome(handled(name)) == documented()[name]


@pytest.mark.parametrize(
    "name", ["actiontrail-create-resource-account.json", "actiontrail-carrier-create-resource-account.json"]
)
def test_both_documented_forms_of_the_same_record_grant_the_new_account(name: str) -> None:
    job = handled(name)
    assert isinstance(job, BootstrapJob) and job.from_event
    assert (job.request.account_ids, job.request.strategy) == ((NEW,), "create-first")


def test_the_documented_sample_shape_without_response_elements_is_resource_manager_and_sweeps() -> None:
    name = "actiontrail-carrier-no-response-elements.json"
    trigger = parse_trigger((EVENTS / name).read_bytes())
    assert isinstance(trigger, NewAccountEvents)
    (unnamed,) = trigger.ignored
    assert (unnamed.code, unnamed.services, unnamed.publisher) == ("no-account-id", ("resourcemanager",), MGMT)
    assert unnamed.event_time == "2026-05-28T03:40:05Z"
    job = handled(name)
    assert isinstance(job, SweepJob) and job.origin == "event"
