"""Client-side pacing: a bucket of one second of each quota per key. Bursts go out at once, no one-second window
ever holds more than the quota, and no wait goes past the deadline (fake clock: nothing sleeps for real)."""

from __future__ import annotations

import bisect
import math
import re

import pytest
from emr_bootstrap.adapters.settings import Settings, SettingsError
from emr_bootstrap.core.pacing import (
    LATENCY_GUARD_S,
    MIN_RATE,
    MIN_SHARE,
    PUBLISHED_RATES,
    CallStats,
    Pacer,
    PacingDeadline,
    Retrier,
)
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, bootstrap


def paced(
    rates: dict[str, float], calls: list[tuple[str, str]], *, share: float = 1.0, gaps: list[float] | None = None
) -> list[float]:
    """The instant each call starts; ``gaps``: how long the caller idles before each call."""
    clock = FakeClock()
    pacer = Pacer(rates, share=share, clock=clock, sleep=clock.sleep)
    starts = []
    for n, (action, account) in enumerate(calls):
        if gaps:
            clock.sleep(gaps[n])
        pacer.wait(action, account)
        starts.append(clock())
    return starts


def busiest_second(starts: list[float]) -> int:
    """The most calls that start within any half-open window [t, t + 1 s)."""
    ordered = sorted(starts)
    return max((bisect.bisect_left(ordered, t + 1.0 - 1e-9) - i for i, t in enumerate(ordered)), default=0)


def test_five_roles_of_one_account_go_out_at_once() -> None:
    rates = {"CreateRole": 20.0, "AttachPolicyToRole": 10.0}
    calls = [(action, "a") for action in ("CreateRole", "AttachPolicyToRole") for _ in range(5)]
    assert paced(rates, calls) == [0.0] * 10


def test_a_burst_beyond_one_second_of_quota_waits_for_the_tokens_spent_a_second_earlier() -> None:
    starts = paced({"AttachPolicyToRole": 10.0}, [("AttachPolicyToRole", "a")] * 25)
    back = 1.0 + LATENCY_GUARD_S  # one second, and a guard for latency spread (see pacing's docstring)
    assert starts == pytest.approx([0.0] * 10 + [back] * 10 + [2 * back] * 5)


def test_a_token_comes_back_one_second_after_it_was_spent() -> None:
    # Calls 0.3 s apart: the fourth waits for the first token (spent at 0.0), the fifth for the second (at 0.3).
    starts = paced({"CreateRole": 3.0}, [("CreateRole", "a")] * 5, gaps=[0.0, 0.3, 0.3, 0.3, 0.3])
    back = 1.0 + LATENCY_GUARD_S
    assert starts == pytest.approx([0.0, 0.3, 0.6, back, back + 0.3])


@settings(max_examples=200, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=30),
    gaps=st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.05, 0.3, 0.999, 1.0, 2.5]), min_size=1, max_size=120),
)
def test_no_one_second_window_ever_holds_more_calls_than_the_rate(rate: int, gaps: list[float]) -> None:
    starts = paced({"CreateRole": float(rate)}, [("CreateRole", "a")] * len(gaps), gaps=gaps)
    assert busiest_second(starts) <= rate
    # ...and pacing costs nothing until one second of quota is spent.
    assert starts[: min(rate, len(gaps))] == paced({}, [("CreateRole", "a")] * min(rate, len(gaps)), gaps=gaps)


KEYS = [("CreateRole", "a"), ("CreateRole", "b"), ("AttachPolicyToRole", "a"), ("AssumeRole", "a"), ("AssumeRole", "b")]


@settings(max_examples=150, deadline=None)
@given(calls=st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from([0.0, 0.0, 0.02, 0.4, 1.0])), max_size=150))
def test_for_any_mix_of_calls_no_quota_is_exceeded_in_any_second(calls: list[tuple[tuple[str, str], float]]) -> None:
    rates = {"CreateRole": 3.0, "AttachPolicyToRole": 2.0, "AssumeRole": 4.0}
    starts = paced(rates, [key for key, _ in calls], gaps=[gap for _, gap in calls])
    # AssumeRole is the caller's: its calls in every account count against one quota.
    counted: dict[str, set[tuple[str, str]]] = {
        "CreateRole in a": {("CreateRole", "a")},
        "CreateRole in b": {("CreateRole", "b")},
        "AttachPolicyToRole in a": {("AttachPolicyToRole", "a")},
        "AssumeRole": {("AssumeRole", "a"), ("AssumeRole", "b")},
    }
    for name, keys in counted.items():
        mine = [t for (key, _), t in zip(calls, starts, strict=True) if key in keys]
        assert busiest_second(mine) <= rates[name.split()[0]], name


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(min_value=1.0, max_value=250.0), share=st.floats(min_value=0.01, max_value=1.0))
def test_a_caller_scoped_quota_split_by_share_is_never_exceeded(rate: float, share: float) -> None:
    starts = paced({"AssumeRole": rate}, [("AssumeRole", f"account-{n}") for n in range(60)], share=share)
    assert busiest_second(starts) <= max(1, math.floor(max(rate * share, MIN_RATE)))


def test_member_accounts_have_quotas_of_their_own() -> None:
    starts = paced({"AttachPolicyToRole": 1.0}, [("AttachPolicyToRole", f"account-{n}") for n in range(50)])
    assert starts == [0.0] * 50


def test_caller_scoped_quotas_are_shared_across_accounts_and_split_by_share() -> None:
    calls = [("AssumeRole", f"account-{n}") for n in range(101)]
    back = 1.0 + LATENCY_GUARD_S
    assert paced({"AssumeRole": 100.0}, calls)[-1] == pytest.approx(back)
    assert paced({"AssumeRole": 100.0}, calls[:26], share=0.25)[-1] == pytest.approx(back)
    for action in ("ListAccounts", "GetAccount", "GetResourceDirectory"):
        assert Pacer(share=0.5).rate(action) == PUBLISHED_RATES[action] / 2


def test_below_one_call_per_second_calls_are_spaced_one_over_the_rate() -> None:
    back = 2.0 + LATENCY_GUARD_S
    assert paced({"UpdateRole": 0.5}, [("UpdateRole", "a")] * 3) == pytest.approx([0.0, back, 2 * back])


def test_an_action_without_a_rate_is_not_paced() -> None:
    assert paced({}, [("GetAccount", "caller")] * 5) == [0.0] * 5
    assert paced({"GetRole": 0.0}, [("GetRole", "a")] * 500) == [0.0] * 500
    assert Pacer({"GetRole": math.inf, "CreateRole": math.nan}).rate("GetRole") is None


@pytest.mark.parametrize("share", [1e-6, 5e-324, 0.0, -1.0, math.nan, math.inf, 1e300])
def test_no_share_makes_a_wait_absurd_or_overflow(share: float) -> None:
    pacer = Pacer({"AssumeRole": 100.0}, share=share)
    rate = pacer.rate("AssumeRole")
    assert rate is not None and MIN_RATE <= rate <= 100.0
    starts = paced({"AssumeRole": 100.0}, [("AssumeRole", "a")] * 3, share=share)
    assert starts[1] <= 1 / MIN_RATE


def test_a_wait_past_the_deadline_is_refused_at_once_and_takes_no_token() -> None:
    clock = FakeClock()
    pacer = Pacer({"AssumeRole": 100.0}, share=1e-6, clock=clock, sleep=clock.sleep, deadline=5.0)
    assert pacer.wait("AssumeRole", "a") == 0.0
    with pytest.raises(PacingDeadline) as refused:  # the next token is 10 s away: past the deadline
        pacer.wait("AssumeRole", "b")
    assert refused.value.code == codes.DEADLINE_REACHED and "AssumeRole" in refused.value.message
    assert clock.sleeps == [] and clock() == 0.0


def test_a_per_call_deadline_refuses_without_taking_the_token() -> None:
    clock = FakeClock()
    pacer = Pacer({"CreateRole": 0.1}, clock=clock, sleep=clock.sleep)
    pacer.wait("CreateRole", "a")
    with pytest.raises(PacingDeadline):
        pacer.wait("CreateRole", "a", deadline=5.0)
    back = 10.0 + LATENCY_GUARD_S
    assert pacer.wait("CreateRole", "a", deadline=back) == pytest.approx(back)  # the refused call took no token


def test_a_retry_whose_backoff_would_pass_the_deadline_is_not_made() -> None:
    clock = FakeClock()
    pacer = Pacer({}, clock=clock, sleep=clock.sleep, deadline=0.05)
    stats = CallStats()
    retrier = Retrier(5, 200, pacer=pacer, stats=stats, sleep=clock.sleep)

    def busy() -> None:
        raise CloudError("ServiceUnavailable", "busy", status=503)

    with pytest.raises(CloudError, match="busy"):
        retrier.call("GetRole", "a", busy)
    assert stats.calls <= 2 and clock() <= 0.05


def test_rate_limits_default_to_the_published_quotas_and_can_be_overridden() -> None:
    assert Settings.from_env({}).rate_limits == PUBLISHED_RATES
    rates = Settings.from_env({"EMR_BOOTSTRAP_RATE_LIMITS": "CreateRole=5, AssumeRole=50"}).rate_limits
    assert (rates["CreateRole"], rates["AssumeRole"], rates["GetRole"]) == (5.0, 50.0, 100.0)
    assert (rates["ListAccounts"], rates["GetAccount"], rates["GetResourceDirectory"]) == (20.0, 50.0, 50.0)


@pytest.mark.parametrize("value", ["CreateRole", "CreateRole=fast", "CreateRole=-1", "Create Role=5x"])
def test_unusable_rate_limits_name_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_RATE_LIMITS"):
        Settings.from_env({"EMR_BOOTSTRAP_RATE_LIMITS": value})


def test_an_account_whose_assume_role_or_lookup_would_wait_past_the_deadline_is_not_attempted() -> None:
    connector = FakeConnector()
    directory = FakeDirectory(management=connector.own)
    late_assume, late_lookup, on_time = "1234567890123456", "2234567890123456", "3234567890123456"
    connector.unreachable[late_assume] = PacingDeadline("AssumeRole", 30.0)
    directory.fail[late_lookup] = PacingDeadline("GetAccount", 30.0)

    request = BootstrapRequest(account_ids=(late_assume, late_lookup, on_time))
    result = bootstrap(request, connector, request_id="r", directory=directory)

    status = {a.account_id: (a.status, a.skip.code if a.skip else None) for a in result.accounts}
    assert status == {
        late_assume: ("not-attempted", "DeadlineReached"),
        late_lookup: ("not-attempted", "DeadlineReached"),
        on_time: ("succeeded", None),
    }


# Pacing, retries and their counters as a sweep's ``summary.cloudCalls`` reports them: every call is counted under
# its action, time spent pacing is reported in milliseconds, and the backoff between attempts doubles from the base
# up to fifteen times it.
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


def test_a_share_that_is_not_a_finite_number_narrows_to_the_smallest_share() -> None:
    # A share can only narrow: one that is not a number never widens a batch to the whole caller quota.
    for share in (math.inf, math.nan, -math.inf):
        assert Pacer({"AssumeRole": 100.0}, share=share).rate("AssumeRole") == pytest.approx(100.0 * MIN_SHARE)


def test_a_refused_wait_says_how_long_the_call_would_have_waited_however_long_the_invocation_ran() -> None:
    clock = FakeClock()
    clock.now = 100.0  # the invocation has been running for a while
    pacer = Pacer({"CreateRole": 0.1}, clock=clock, sleep=clock.sleep, deadline=105.0)
    pacer.wait("CreateRole", "a")
    with pytest.raises(PacingDeadline) as refused:  # the token is back 10 s (and the guard) later
        pacer.wait("CreateRole", "a")
    waited = re.search(r"would have waited ([0-9.]+)s", refused.value.message)
    assert waited is not None and float(waited.group(1)) == pytest.approx(10.0 + LATENCY_GUARD_S, abs=0.1)


@pytest.mark.parametrize(
    ("backoff_ms", "calls"),
    [
        (100, 2),  # the first backoff (0.2 s) ends before the deadline; the second (0.4 s) would not
        (125, 1),  # the first backoff (0.25 s) ends at the deadline: a retry then would start with no time left
    ],
)
def test_a_retry_is_made_only_when_its_backoff_ends_before_the_deadline(backoff_ms: int, calls: int) -> None:
    clock = FakeClock()
    clock.now = 100.0  # the invocation has been running for a while; 0.25 s are left
    pacer = Pacer({}, clock=clock, sleep=clock.sleep, deadline=100.25)
    stats = CallStats()
    retrier = Retrier(5, backoff_ms, pacer=pacer, stats=stats, sleep=clock.sleep, rng=TopOfRange())  # type: ignore[arg-type]

    def busy() -> None:
        raise CloudError("ServiceUnavailable", "busy", status=503)

    with pytest.raises(CloudError, match="busy"):
        retrier.call("GetRole", "a", busy)
    assert stats.calls == calls and clock() <= 100.25
