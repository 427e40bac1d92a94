"""An event that names no account sweeps the accounts changed since shortly before it, and repeats within the
cooldown start no second sweep: served by the one this instance started when it covers them, skipped with a
reason otherwise, and reached back to by the next sweep after the cooldown."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.adapters.settings import EVENT_SWEEP_COOLDOWN_VAR, event_sweep_cooldown_s
from emr_bootstrap.intake.jobs import FailedJob, IgnoredJob, SweepJob, job_for
from emr_bootstrap.intake.triggers import IgnoredEvent, NewAccountEvents
from emr_bootstrap.shared.errors import SettingsError
from emr_bootstrap.sweeps.event_sweeps import (
    DEFAULT_COOLDOWN_S,
    DEFAULT_WINDOW_MINUTES,
    MARGIN_MINUTES,
    EventSweepGuard,
    SkipSweep,
    StartSweep,
    event_epoch,
    window_minutes,
)
from emr_bootstrap.sweeps.sweep_request import MAX_WINDOW_MINUTES

if TYPE_CHECKING:
    import logging

OWN = "1000000000000001"
NOON = datetime(2026, 5, 28, 12, 0, tzinfo=timezone.utc).timestamp()


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def at(minutes_before_noon: float) -> str:
    moment = datetime.fromtimestamp(NOON - minutes_before_noon * 60, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def unnamed(event_time: str, event_id: str = "e-1") -> NewAccountEvents:
    event = IgnoredEvent(
        event_id, "CreateResourceAccount", "no-account-id", "no ID", OWN, ("resourcemanager",), event_time
    )
    return NewAccountEvents((), (), (), (event,))


def job(guard: EventSweepGuard, event_time: str) -> Any:
    return job_for(unnamed(event_time), request_id="r", own_account_id=OWN, event_sweeps=lambda: guard)


# ---------------------------------------------------------------------------------------------- the window
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-28T12:00:00Z", NOON),
        ("2026-05-28T11:59:30.500Z", NOON - 29.5),
        ("2026-05-28T14:00:00+02:00", NOON),
        ("2026-05-28T10:30:00-01:30", NOON),
    ],
)
def test_an_actiontrail_event_time_is_read_in_utc(text: str, expected: float) -> None:
    assert event_epoch(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2026-05-28 12:00:00Z", "2026-05-28T12:00:00", "2026-13-40T12:00:00Z", "0000-01-01T00:00:00Z"],
)
def test_a_time_that_is_not_an_iso_utc_time_is_unreadable(text: str) -> None:
    assert event_epoch(text) is None


def test_the_window_reaches_back_to_the_event_plus_a_margin_within_the_sweep_limit() -> None:
    assert window_minutes(NOON - 30 * 60, NOON) == 30 + MARGIN_MINUTES
    assert window_minutes(NOON - 30 * 60 - 1, NOON) == 31 + MARGIN_MINUTES  # a started minute counts
    assert window_minutes(NOON + 3600, NOON) == MARGIN_MINUTES  # an event "from the future": clock skew
    assert window_minutes(0.0, NOON) == MAX_WINDOW_MINUTES
    assert window_minutes(None, NOON) == DEFAULT_WINDOW_MINUTES == 60


def test_an_event_without_an_account_id_sweeps_the_changes_since_shortly_before_it(
    emr_logs: list[logging.LogRecord],
) -> None:
    swept = job(EventSweepGuard(0.0, clock=Clock()), at(45))
    assert isinstance(swept, SweepJob) and swept.origin == "event"
    assert swept.request.changed_within_minutes == 45 + MARGIN_MINUTES
    (record,) = [r for r in emr_logs if r.getMessage() == "event sweep"]
    assert getattr(record, "changedWithinMinutes", None) == 55
    unreadable = job(EventSweepGuard(0.0, clock=Clock()), "not a time")
    assert isinstance(unreadable, SweepJob) and unreadable.request.changed_within_minutes == 60


def test_several_unnamed_events_sweep_back_to_the_oldest_and_an_unreadable_time_keeps_at_least_an_hour() -> None:
    guard = EventSweepGuard(0.0, clock=Clock())
    assert guard.claim([at(5), at(90), at(20)]) == StartSweep(90 + MARGIN_MINUTES)
    assert guard.claim([at(5), "?"]) == StartSweep(DEFAULT_WINDOW_MINUTES)


# ---------------------------------------------------------------------------------------------- the cooldown
def test_a_repeat_within_the_cooldown_that_the_running_sweep_covers_is_served_by_it(
    emr_logs: list[logging.LogRecord],
) -> None:
    clock = Clock()
    guard = EventSweepGuard(300, clock=clock)
    assert isinstance(job(guard, at(3)), SweepJob)
    clock.now += 120

    repeat = job(guard, at(2))  # the account joined before the first sweep started

    assert isinstance(repeat, IgnoredJob) and repeat.code == "event-sweep-running"
    assert repeat.reason == (
        "CreateResourceAccount: no account ID in the record; served by an event sweep started 120 s ago on this "
        "instance, which covers changes since 2026-05-28T11:47:00Z"
    )
    (record,) = [r for r in emr_logs if r.getMessage() == "event sweep skipped"]
    assert (getattr(record, "outcome", None), getattr(record, "requestId", None)) == ("event-sweep-running", "r")


def test_a_repeat_within_the_cooldown_for_a_later_account_is_skipped_and_the_next_sweep_reaches_back_to_it() -> None:
    clock = Clock()
    guard = EventSweepGuard(300, clock=clock)
    assert guard.claim([at(1)]) == StartSweep(1 + MARGIN_MINUTES)
    clock.now += 60

    later = guard.claim([at(-0.5)])  # joined 30 s after the first sweep started: it may not have listed it

    assert isinstance(later, SkipSweep) and later.code == "event-sweep-cooldown"
    assert "the cooldown is 300 s: the next sweep of recent changes covers this event" in later.reason
    clock.now += 240  # the cooldown is over: the next event sweep covers the skipped one too
    assert guard.claim([at(-4)]) == StartSweep(MARGIN_MINUTES + 5)


def test_an_event_with_an_unreadable_time_within_the_cooldown_is_skipped_not_served() -> None:
    guard = EventSweepGuard(300, clock=Clock())
    guard.claim([at(1)])
    skipped = guard.claim(["?"])
    assert isinstance(skipped, SkipSweep) and skipped.code == "event-sweep-cooldown"


def test_an_event_older_than_the_running_sweeps_window_is_not_served_by_it() -> None:
    clock = Clock()
    guard = EventSweepGuard(300, clock=clock)
    guard.claim([at(1)])  # covers 11 minutes back
    clock.now += 10
    assert guard.claim([at(30)]) == SkipSweep(
        "event-sweep-cooldown",
        "an event sweep started 10 s ago on this instance (changes since 2026-05-28T11:49:00Z) and the cooldown is "
        "300 s: the next sweep of recent changes covers this event",
    )
    clock.now += 300
    assert guard.claim([at(2)]) == StartSweep(36 + MARGIN_MINUTES)  # reaches back to the skipped event (35m10s)


def test_no_cooldown_starts_a_sweep_for_every_event_and_a_clock_that_went_back_does_not_hold_one() -> None:
    clock = Clock()
    free = EventSweepGuard(0.0, clock=clock)
    assert isinstance(free.claim([at(1)]), StartSweep) and isinstance(free.claim([at(1)]), StartSweep)
    held = EventSweepGuard(300, clock=clock)
    held.claim([at(1)])
    clock.now -= 3600
    assert isinstance(held.claim([at(61)]), StartSweep)


# ---------------------------------------------------------------------------------------------- the setting
def test_the_cooldown_setting_defaults_to_five_minutes_and_accepts_zero() -> None:
    assert event_sweep_cooldown_s({}) == DEFAULT_COOLDOWN_S == 300
    assert event_sweep_cooldown_s({EVENT_SWEEP_COOLDOWN_VAR: " 0 "}) == 0
    assert event_sweep_cooldown_s({EVENT_SWEEP_COOLDOWN_VAR: "86400"}) == 86_400


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "86401", "five"])
def test_an_unusable_cooldown_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        event_sweep_cooldown_s({EVENT_SWEEP_COOLDOWN_VAR: value})
    assert caught.value.variable == EVENT_SWEEP_COOLDOWN_VAR


def test_an_unusable_cooldown_fails_the_event_sweep_with_a_configuration_error_and_raises_nothing() -> None:
    def broken() -> EventSweepGuard:
        return EventSweepGuard(event_sweep_cooldown_s({EVENT_SWEEP_COOLDOWN_VAR: "soon"}))

    failed = job_for(unnamed(at(1)), request_id="r", own_account_id=OWN, event_sweeps=broken)
    assert isinstance(failed, FailedJob) and failed.error.code == "ConfigurationError"
    assert EVENT_SWEEP_COOLDOWN_VAR in failed.error.message
