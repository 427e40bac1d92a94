"""Client-side pacing: calls of one action in one account never exceed the configured rate (fake clock)."""

from __future__ import annotations

import itertools

import pytest
from emr_bootstrap.pacing import PUBLISHED_RATES, Pacer
from emr_bootstrap.settings import Settings, SettingsError

from tests.function.fakes import FakeClock


def paced(rates: dict[str, float], calls: list[tuple[str, str]], *, share: float = 1.0) -> list[float]:
    """The instant each call starts."""
    clock = FakeClock()
    pacer = Pacer(rates, share=share, clock=clock, sleep=clock.sleep)
    starts = []
    for action, account in calls:
        pacer.wait(action, account)
        starts.append(clock())
    return starts


def test_calls_of_one_action_in_one_account_are_spaced_at_the_rate() -> None:
    starts = paced({"CreateRole": 20.0}, [("CreateRole", "a")] * 41)
    assert starts[0] == 0.0 and starts[-1] == pytest.approx(2.0)
    assert all(later - earlier == pytest.approx(0.05) for earlier, later in itertools.pairwise(starts))


def test_member_accounts_have_quotas_of_their_own() -> None:
    starts = paced({"AttachPolicyToRole": 10.0}, [("AttachPolicyToRole", f"account-{n}") for n in range(50)])
    assert starts == [0.0] * 50


def test_assume_role_shares_one_quota_across_accounts_and_a_batch_gets_its_share() -> None:
    calls = [("AssumeRole", f"account-{n}") for n in range(11)]
    assert paced({"AssumeRole": 100.0}, calls)[-1] == pytest.approx(0.1)
    assert paced({"AssumeRole": 100.0}, calls, share=0.25)[-1] == pytest.approx(0.4)


def test_an_action_without_a_rate_is_not_paced() -> None:
    assert paced({}, [("GetAccount", "caller")] * 5) == [0.0] * 5
    assert paced({"GetRole": 0.0}, [("GetRole", "a")] * 5) == [0.0] * 5


def test_rate_limits_default_to_the_published_quotas_and_can_be_overridden() -> None:
    assert Settings.from_env({}).rate_limits == PUBLISHED_RATES
    rates = Settings.from_env({"EMR_BOOTSTRAP_RATE_LIMITS": "CreateRole=5, AssumeRole=50"}).rate_limits
    assert (rates["CreateRole"], rates["AssumeRole"], rates["GetRole"]) == (5.0, 50.0, 100.0)


@pytest.mark.parametrize("value", ["CreateRole", "CreateRole=fast", "CreateRole=-1", "Create Role=5x"])
def test_unusable_rate_limits_name_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_RATE_LIMITS"):
        Settings.from_env({"EMR_BOOTSTRAP_RATE_LIMITS": value})
