"""Pacing, retries and their counters as a sweep's ``summary.cloudCalls`` reports them: every call is counted under
its action, time spent pacing is reported in milliseconds, and the backoff between attempts doubles from the base
up to fifteen times it."""

from __future__ import annotations

import pytest
from emr_bootstrap.errors import CloudError
from emr_bootstrap.pacing import CallStats, Pacer, Retrier

from tests.function.fakes import FakeClock


class TopOfRange:
    """A random source that always draws the top of the range it is given, and remembers the ranges."""

    def __init__(self) -> None:
        self.ranges: list[tuple[float, float]] = []

    def uniform(self, low: float, high: float) -> float:
        self.ranges.append((low, high))
        return high


def test_call_stats_count_calls_per_action_and_report_paced_time_in_milliseconds() -> None:
    stats = CallStats()
    stats.add(action="GetRole", calls=1, paced_s=0.5)
    stats.add(action="CreateRole", calls=2, paced_s=0.5)
    stats.add(action="GetRole", calls=1)
    stats.add(retries=1)
    stats.add(throttles=2)
    report = stats.to_dict()
    assert report == {
        "calls": 4,
        "retries": 1,
        "throttles": 2,
        "pacedMs": 1000,
        "byAction": {"CreateRole": 2, "GetRole": 2},
    }
    assert list(report["byAction"]) == ["CreateRole", "GetRole"]  # sorted by action


def test_counting_retries_or_unnamed_calls_adds_no_action_and_no_paced_time() -> None:
    stats = CallStats()
    stats.add(action="GetRole", retries=1, throttles=1)
    stats.add(calls=3)
    assert stats.by_action == {} and stats.paced_s == 0.0
    assert (stats.calls, stats.retries, stats.throttles) == (3, 1, 1)


def test_the_default_pacer_paces_at_the_published_quotas_and_shares_only_assume_role() -> None:
    assert Pacer().rate("CreateRole") == 20.0 and Pacer().rate("AssumeRole") == 100.0
    halved = Pacer({"AssumeRole": 100.0, "CreateRole": 20.0}, share=0.5)
    assert halved.rate("AssumeRole") == 50.0 and halved.rate("CreateRole") == 20.0
    assert halved.rate("GetAccount") is None


def test_a_slow_rate_spaces_calls_by_whole_seconds_and_the_guard_and_a_free_call_does_not_sleep() -> None:
    clock = FakeClock()
    pacer = Pacer({"CreateRole": 1.0, "UpdateRole": 0.5}, clock=clock, sleep=clock.sleep)
    assert pacer.wait("CreateRole", "a") == 0.0 and clock.sleeps == []
    assert pacer.wait("CreateRole", "a") == pytest.approx(1.05) and clock.sleeps == pytest.approx([1.05])
    assert pacer.wait("UpdateRole", "a") == 0.0
    assert pacer.wait("UpdateRole", "a") == pytest.approx(2.05)
    assert pacer.wait("GetAccount", "a") == 0.0 and clock.sleeps == pytest.approx([1.05, 2.05])


def test_backoff_doubles_from_the_base_and_is_capped_at_fifteen_times_it() -> None:
    rng = TopOfRange()
    slept: list[float] = []
    retrier = Retrier(6, 200, sleep=slept.append, rng=rng)  # type: ignore[arg-type]

    def throttled() -> None:
        raise CloudError("Throttling.User", "slow down", status=400)

    with pytest.raises(CloudError):
        retrier.call("GetRole", "a", throttled)
    assert slept == [0.4, 0.8, 1.6, 3.0, 3.0]
    assert [low for low, _ in rng.ranges] == [0, 0, 0, 0, 0]


def test_a_retrier_without_a_random_source_or_pacer_still_retries_unpaced() -> None:
    slept: list[float] = []
    retrier = Retrier(2, 100, sleep=slept.append)
    answers = iter([CloudError("ServiceUnavailable", "busy", status=503)])

    def flaky() -> str:
        for error in answers:
            raise error
        return "ok"

    assert retrier.call("GetRole", "a", flaky) == "ok"
    assert len(slept) == 1 and 0 <= slept[0] <= 0.2
    assert retrier.pacer.rate("GetRole") is None


def test_each_attempt_is_paced_in_its_account_and_counted_under_its_action() -> None:
    clock = FakeClock()
    stats = CallStats()
    pacer = Pacer({"GetRole": 1.0}, clock=clock, sleep=clock.sleep)
    retrier = Retrier(3, 100, pacer=pacer, stats=stats, sleep=lambda _s: None)
    failures = iter([CloudError("Throttling", "slow", status=400), CloudError("Throttling", "slow", status=400)])

    def flaky() -> str:
        for error in failures:
            raise error
        return "ok"

    assert retrier.call("GetRole", "1234567890123456", flaky) == "ok"
    assert retrier.call("GetRole", "6543210987654321", lambda: "other account") == "other account"
    assert stats.by_action == {"GetRole": 4} and (stats.calls, stats.retries, stats.throttles) == (4, 2, 2)
    assert stats.paced_s == pytest.approx(2.1) and clock.sleeps == pytest.approx([1.05, 1.05])
