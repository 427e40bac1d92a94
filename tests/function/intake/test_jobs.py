"""What each input asks the function to do, as the caller and the operator reading the logs see it: request
actions, timer payloads, and new-account events that are believed, ignored (with the reason logged), or turned
into a sweep of recent changes."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.core.catalog import CATALOG_PATH, parse_catalog
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.intake.jobs import (
    BootstrapJob,
    FailedJob,
    IgnoredJob,
    InvalidJob,
    SweepJob,
    from_event,
    job_for,
    request_job,
)
from emr_bootstrap.intake.triggers import (
    DirectInvocation,
    IgnoredEvent,
    NewAccount,
    NewAccountEvents,
    TimerInvocation,
)
from emr_bootstrap.sweeps.event_sweeps import DEFAULT_WINDOW_MINUTES, EventSweepGuard
from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_request

if TYPE_CHECKING:
    from emr_bootstrap.core.catalog import Catalog

OWN = "1000000000000001"
MEMBER = "1234567890123456"
OTHER = "6543210987654321"


def account(
    account_id: str = MEMBER, *, publisher: str | None = OWN, services: tuple[str, ...] = ("resourcemanager",)
) -> NewAccount:
    return NewAccount(account_id, f"e-{account_id[-2:]}", "CreateResourceAccount", "t", "data.x", publisher, services)


def events(*accounts: NewAccount, ignored: tuple[IgnoredEvent, ...] = ()) -> NewAccountEvents:
    return NewAccountEvents(
        tuple(a.account_id for a in accounts), tuple(a.event_id for a in accounts), accounts, ignored
    )


def unnamed(*, publisher: str | None = OWN, services: tuple[str, ...] = ("resourcemanager",)) -> IgnoredEvent:
    return IgnoredEvent("e-0", "CreateResourceAccount", "no-account-id", "no account ID found", publisher, services)


def small_catalog() -> Catalog:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    raw["roles"][0]["name"] = "OnlyInThisCatalog"
    return parse_catalog(raw)


def test_request_actions_become_bootstraps_sweeps_and_batches() -> None:
    assert request_job({"accountIds": [MEMBER]}) == BootstrapJob(BootstrapRequest(account_ids=(MEMBER,)))
    sweep = request_job({"action": "sweep", "changedWithinMinutes": 5})
    assert isinstance(sweep, SweepJob) and sweep.origin == "direct" and sweep.request.changed_within_minutes == 5
    assert request_job({"action": "sweep"}, origin="event") == SweepJob(
        parse_sweep_request({"action": "sweep"}), "event"
    )
    batch = request_job({"action": "sweep-batch", "accountIds": [MEMBER], "share": 0.5})
    assert batch == BootstrapJob(BootstrapRequest(account_ids=(MEMBER,), strategy="get-first"), pacing_share=0.5)


def test_a_token_that_says_continues_does_not_make_a_request_a_timer_sweep() -> None:
    token = parse_sweep_request({"action": "sweep"}).token(Position(2, 0), continues=True)
    job = request_job({"action": "sweep", "nextToken": token})
    assert isinstance(job, SweepJob) and job.origin == "direct" and job.request.start == Position(2, 0)
    assert (
        job.request.continues is True
    )  # the runner decides what it may cause (tests/function/sweeps/test_sweep_chain.py)


def test_an_unknown_action_is_refused_naming_the_choices() -> None:
    with pytest.raises(Exception) as caught:
        request_job({"action": "grant", "accountIds": [MEMBER]})
    error: Any = caught.value
    assert (error.field, error.rule) == ("action", "enum")
    assert str(error) == 'action: must be "sweep" or "sweep-batch", or absent for a bootstrap'


def test_a_request_is_checked_against_the_catalog_it_is_given() -> None:
    catalog = small_catalog()
    for payload in (
        {"accountIds": [MEMBER], "roles": ["OnlyInThisCatalog"]},
        {"action": "sweep", "roles": ["OnlyInThisCatalog"]},
        {"action": "sweep-batch", "accountIds": [MEMBER], "roles": ["OnlyInThisCatalog"]},
    ):
        job = request_job(payload, catalog=catalog)
        assert not isinstance(job, InvalidJob)
        assert isinstance(job_for(DirectInvocation(payload), request_id="r", catalog=catalog), (BootstrapJob, SweepJob))
    timer = TimerInvocation("n", "t", json.dumps({"action": "sweep", "roles": ["OnlyInThisCatalog"]}))
    assert isinstance(job_for(timer, request_id="r", catalog=catalog), SweepJob)


def test_an_http_request_uses_its_body_and_is_logged_with_who_sent_it(emr_logs: list[logging.LogRecord]) -> None:
    body = json.dumps({"accountIds": [MEMBER]})
    raw = {
        "version": "v1",
        "rawPath": "/" + "p" * 300,
        "body": body,
        "isBase64Encoded": False,
        "headers": {"User-Agent": "curl/8"},
        "requestContext": {
            "accountId": OTHER,
            "requestId": "http-1",
            "http": {"method": "POST", "path": "/" + "p" * 300, "sourceIp": "192.0.2.1", "userAgent": "curl/8"},
        },
    }
    job = from_event(json.dumps(raw).encode(), request_id="r-1")
    assert job == BootstrapJob(BootstrapRequest(account_ids=(MEMBER,)))
    (record,) = [r for r in emr_logs if r.getMessage() == "http request"]
    logged: Any = record
    assert (logged.requestId, logged.httpRequestId, logged.callerAccountId) == ("r-1", "http-1", OTHER)
    assert (logged.sourceIp, logged.method, logged.userAgent) == ("192.0.2.1", "POST", "curl/8")
    assert logged.path == ("/" + "p" * 300)[:256]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("{", ("payload", "json", "the timer trigger's payload must be a JSON sweep request")),
        ('{"a": 1, "a": 2}', ("payload", "json", "the timer trigger's payload must be a JSON sweep request")),
        ('["sweep"]', ("payload", "sweep", 'the timer trigger\'s payload must be {"action": "sweep", ...}')),
        ('{"action": "grant"}', ("payload", "sweep", 'the timer trigger\'s payload must be {"action": "sweep", ...}')),
    ],
)
def test_an_unusable_timer_payload_is_an_invalid_job_saying_what_it_must_be(
    payload: str, expected: tuple[str, str, str]
) -> None:
    job = job_for(TimerInvocation("n", "t", payload), request_id="r")
    assert isinstance(job, InvalidJob)
    assert (job.error.field, job.error.rule, str(job.error)) == (
        expected[0],
        expected[1],
        f"{expected[0]}: {expected[2]}",
    )


def test_a_blank_timer_payload_sweeps_everything_as_a_timer() -> None:
    assert job_for(TimerInvocation("n", "t", "  \n"), request_id="r") == SweepJob(
        parse_sweep_request({"action": "sweep"}), "timer"
    )


def test_an_unusable_event_is_an_invalid_job_and_a_bug_a_failed_job_naming_only_its_type(
    monkeypatch: pytest.MonkeyPatch, emr_logs: list[logging.LogRecord]
) -> None:
    invalid = from_event(b"\xff", request_id="r")
    assert isinstance(invalid, InvalidJob) and invalid.error.field == "$"

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("secret-input")

    monkeypatch.setattr("emr_bootstrap.intake.jobs.job_for", broken)
    failed = from_event(b"{}", request_id="r-9")
    assert isinstance(failed, FailedJob)
    assert failed.error.code == "InternalError" and failed.error.message == "unexpected KeyError"
    (record,) = [r for r in emr_logs if r.levelno == logging.ERROR]
    logged: Any = record
    assert record.getMessage() == "unexpected error reading the event"
    assert (logged.requestId, logged.errorType) == ("r-9", "KeyError")


def test_believed_events_become_one_create_first_job_and_each_is_logged(emr_logs: list[logging.LogRecord]) -> None:
    job = job_for(events(account(), account(OTHER), account()), request_id="r-2", own_account_id=OWN)
    assert job == BootstrapJob(BootstrapRequest(account_ids=(MEMBER, OTHER), strategy="create-first"), from_event=True)
    records: list[Any] = [r for r in emr_logs if r.getMessage() == "new account event"]
    assert [(r.requestId, r.accountId, r.eventId, r.eventName, r.foundAt) for r in records] == [
        ("r-2", MEMBER, "e-56", "CreateResourceAccount", "data.x"),
        ("r-2", OTHER, "e-21", "CreateResourceAccount", "data.x"),
        ("r-2", MEMBER, "e-56", "CreateResourceAccount", "data.x"),
    ]


@pytest.mark.parametrize(
    ("event", "own", "code", "reason"),
    [
        (account(services=()), OWN, "not-resource-manager", "the event names no service, not Resource Manager"),
        (
            account(services=("resourcemanager", "ecs", "oss")),
            OWN,
            "not-resource-manager",
            "the event names ecs, oss, not Resource Manager",
        ),
        (
            account(),
            None,
            "origin-unverified",
            "the function's own account is unknown (FC's context.account_id), so the event's origin cannot be checked",
        ),
        (
            account(publisher=OTHER),
            OWN,
            "foreign-account",
            f"the event was published by account {OTHER}, not the function's own",
        ),
        (
            account(publisher=None),
            OWN,
            "origin-unverified",
            "the event was published by account (unknown), not the function's own",
        ),
        (account(OWN), OWN, "own-account", "the event names the function's own account"),
    ],
)
def test_an_event_that_is_not_believed_is_ignored_with_its_reason_logged(
    event: NewAccount, own: str | None, code: str, reason: str, emr_logs: list[logging.LogRecord]
) -> None:
    job = job_for(events(event), request_id="r-3", own_account_id=own)
    assert job == IgnoredJob(f"CreateResourceAccount: {reason}", code)
    (record,) = [r for r in emr_logs if r.getMessage() == "event ignored"]
    logged: Any = record
    assert (logged.requestId, logged.eventId, logged.eventName, logged.outcome, logged.reason) == (
        "r-3",
        event.event_id,
        "CreateResourceAccount",
        code,
        reason,
    )


def test_every_resource_manager_name_is_believed() -> None:
    for services in (("resourcemanager",), ("resourcedirectorymaster", "resourcedirectory")):
        job = job_for(events(account(services=services)), request_id="r", own_account_id=OWN)
        assert isinstance(job, BootstrapJob)


def test_ignored_events_of_a_batch_are_listed_by_name_or_id_and_an_empty_delivery_says_so() -> None:
    nameless = IgnoredEvent("e-7", "", "unrelated-event", "not a new-account call")
    named = IgnoredEvent("e-8", "CreateCloudAccount", "failed-call", "the call failed")
    job = job_for(events(ignored=(nameless, named)), request_id="r", own_account_id=OWN)
    assert job == IgnoredJob(
        "e-7: not a new-account call; CreateCloudAccount: the call failed", "unrelated-event, failed-call"
    )
    assert job_for(events(), request_id="r", own_account_id=OWN) == IgnoredJob("the delivery carried no event")


def test_a_believed_event_without_an_account_id_or_time_sweeps_the_last_hour() -> None:
    job = job_for(events(ignored=(unnamed(),)), request_id="r", own_account_id=OWN)
    assert DEFAULT_WINDOW_MINUTES == 60
    assert job == SweepJob(parse_sweep_request({"action": "sweep", "changedWithinMinutes": 60}), "event")


@pytest.mark.parametrize("event", [unnamed(publisher=OTHER), unnamed(services=("ecs",)), unnamed(publisher=None)])
def test_an_unbelieved_event_without_an_account_id_sweeps_nothing(event: IgnoredEvent) -> None:
    job = job_for(events(ignored=(event,)), request_id="r", own_account_id=OWN)
    assert isinstance(job, IgnoredJob)


def test_an_event_without_an_account_id_beside_a_believed_one_is_only_logged() -> None:
    job = job_for(events(account(), ignored=(unnamed(),)), request_id="r", own_account_id=OWN)
    assert isinstance(job, BootstrapJob) and job.request.account_ids == (MEMBER,)


def unnamed_delivery() -> bytes:
    """A CloudEvent of a believed CreateResourceAccount record that does not say which account joined."""
    data = {"eventName": "CreateResourceAccount", "eventType": "ApiCall", "serviceName": "ResourceManager"}
    event = {"specversion": "1.0", "id": "e-1", "type": "actiontrail:ActionTrail:ApiCall", "aliyunaccountid": OWN}
    return json.dumps({**event, "data": data}).encode()


def test_an_event_delivery_without_an_account_id_asks_the_instance_guard_before_sweeping() -> None:
    guard = EventSweepGuard(300, clock=lambda: 1.8e9)
    first = from_event(unnamed_delivery(), request_id="r", own_account_id=OWN, event_sweeps=lambda: guard)
    assert isinstance(first, SweepJob) and first.origin == "event"
    repeat = from_event(unnamed_delivery(), request_id="r", own_account_id=OWN, event_sweeps=lambda: guard)
    assert isinstance(repeat, IgnoredJob) and repeat.code == "event-sweep-cooldown"


def test_unnamed_events_held_by_the_cooldown_are_listed_once_by_name_or_id_and_logged_with_the_reason(
    emr_logs: list[logging.LogRecord],
) -> None:
    guard = EventSweepGuard(300, clock=lambda: 1.8e9)
    swept = job_for(events(ignored=(unnamed(),)), request_id="r-4", own_account_id=OWN, event_sweeps=lambda: guard)
    assert isinstance(swept, SweepJob)
    nameless = IgnoredEvent("e-9", "", "no-account-id", "no account ID found", OWN, ("resourcemanager",))
    delivery = events(ignored=(unnamed(), nameless, unnamed()))

    held = job_for(delivery, request_id="r-5", own_account_id=OWN, event_sweeps=lambda: guard)

    assert isinstance(held, IgnoredJob) and held.code == "event-sweep-cooldown"
    assert held.reason.startswith("CreateResourceAccount, e-9: no account ID in the record; an event sweep started ")
    started: Any = next(r for r in emr_logs if r.getMessage() == "event sweep")
    assert (started.requestId, started.changedWithinMinutes) == ("r-4", DEFAULT_WINDOW_MINUTES)
    skipped: Any = next(r for r in emr_logs if r.getMessage() == "event sweep skipped")
    assert (skipped.requestId, skipped.outcome) == ("r-5", "event-sweep-cooldown")
    assert held.reason.endswith(skipped.reason) and "the cooldown is 300 s" in skipped.reason
